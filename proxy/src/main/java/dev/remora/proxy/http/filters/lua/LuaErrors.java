package dev.remora.proxy.http.filters.lua;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.luaj.vm2.LuaError;

/**
 * Error text as a user should read it, in Lua's usual {@code name:line: message} form (LuaJ writes
 * {@code name:line message} and appends an empty traceback line).
 */
final class LuaErrors {
  private static final Pattern FILELINE = Pattern.compile("^([^\\s:]+:-?\\d+) (.*)$", Pattern.DOTALL);
  private LuaErrors() {}

  static String message(Throwable e) {
    String m = e.getMessage();
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    return e instanceof LuaError ? clean(m) : m;
  }

  static String clean(String m) {
    m = m.strip();
    Matcher fl = FILELINE.matcher(m);
    return fl.matches() ? fl.group(1) + ": " + fl.group(2) : m;
  }
}

package dev.remora.operator.lua;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LoadState;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.compiler.LuaC;

/**
 * Compiles LuaFilter scripts with LuaJ to catch syntax errors before a proxy sees them.
 *
 * <p>Only the compiler is installed: the globals have no libraries (no os, io, luajava), and the
 * chunk is compiled, never called, so a script cannot run anything on the operator.
 */
public final class LuaSyntaxChecker {
  private static final Pattern LINE = Pattern.compile("^\\[string \"[^\"]*\"\\]:(\\d+): (.*)$", Pattern.DOTALL);

  /** A syntax error: the 1-based line and LuaJ's message without the chunk name. */
  public record SyntaxError(int line, String reason) {
    @Override
    public String toString() {
      return line > 0 ? "line " + line + ": " + reason : reason;
    }
  }

  /** Returns the first syntax error in {@code code}, or empty when it compiles. */
  public Optional<SyntaxError> check(String chunkName, String code) {
    Globals sandbox = new Globals();
    LoadState.install(sandbox);
    LuaC.install(sandbox);
    try {
      sandbox.load(code, chunkName);
      return Optional.empty();
    } catch (LuaError e) {
      String msg = String.valueOf(e.getMessage());
      Matcher m = LINE.matcher(msg);
      if (m.matches()) {
        return Optional.of(new SyntaxError(Integer.parseInt(m.group(1)), m.group(2)));
      }
      return Optional.of(new SyntaxError(0, msg));
    }
  }
}

package dev.remora.proxy.http.filters.lua;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.remora.proxy.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaValue;

class LuaScriptTest {

  @Test
  void syntaxErrorIsRefusedWithItsLine() {
    assertThatThrownBy(() -> LuaScript.compile("default_source_code", "default", "function envoy_on_request(h)\n  local x = = 1\nend", 1000, 1))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("default_source_code")
        .hasMessageContaining("[string \"default\"]:2:");
  }

  @Test
  void errorWhileLoadingIsRefused() {
    assertThatThrownBy(() -> LuaScript.compile("source_codes[x]", "x", "local t = nil\nlocal y = t.field", 1000, 1))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("x:2:");
  }

  @Test
  void phasesAreAnalysedFromTheCompiledCode() throws Exception {
    LuaScript s = LuaScript.compile("f", "s", """
        local function fetch(h)
          return h:httpCall("c", {}, "", 10)
        end
        function envoy_on_request(h) h:headers():add("a", "b") end
        function envoy_on_response(h) local n = h:body():length() end
        """, 1_000_000, 1);
    assertThat(s.request.present()).isTrue();
    assertThat(s.request.body()).isFalse();
    assertThat(s.request.httpCall()).isTrue(); // the helper may be called from either phase
    assertThat(s.response.body()).isTrue();

    LuaScript plain = LuaScript.compile("f", "p", "function envoy_on_request(h) h:headers():add('a','b') end", 1_000_000, 1);
    assertThat(plain.request.httpCall()).isFalse();
    assertThat(plain.request.body()).isFalse();
    assertThat(plain.response.present()).isFalse();
  }

  @Test
  void budgetStopsARunawayLoopEvenInsidePcall() throws Exception {
    LuaScript s = LuaScript.compile("f", "loop", """
        function envoy_on_request(h)
          while true do pcall(function() while true do end end) end
        end
        """, 100_000, 1);
    ScriptState state = s.state();
    state.budget.refill();
    assertThatThrownBy(() -> state.onRequest.call(LuaValue.NIL))
        .isInstanceOf(ScriptAbort.class)
        .hasMessageContaining("instruction budget of 100000");
    // the state stays usable for the next request
    state.budget.refill();
    assertThat(state.globals.get("string").get("upper").call(LuaValue.valueOf("ok")).tojstring()).isEqualTo("OK");
  }

  @Test
  void sandboxHasNoFileLoadingOsIoOrDebug() throws Exception {
    LuaScript s = LuaScript.compile("f", "sb", """
        function envoy_on_request(h)
          return tostring(io) .. tostring(os) .. tostring(debug) .. tostring(luajava) .. tostring(require)
            .. tostring(load) .. tostring(dofile) .. tostring(loadfile) .. tostring(package) .. tostring(collectgarbage)
        end
        """, 1_000_000, 1);
    assertThat(s.state().onRequest.call(LuaValue.NIL).tojstring()).isEqualTo("nil".repeat(10));
  }

  @Test
  void stringMethodsAreSharedButProtected() throws Exception {
    LuaScript a = LuaScript.compile("f", "a", """
        string.upper = function() return "evil" end
        function envoy_on_request(h) return ("x"):upper() .. tostring(getmetatable("")) end
        """, 1_000_000, 1);
    assertThat(a.state().onRequest.call(LuaValue.NIL).tojstring()).isEqualTo("Xstring");
  }

  @Test
  void runtimeErrorCarriesScriptNameAndLine() throws Exception {
    LuaScript s = LuaScript.compile("f", "rt", "function envoy_on_request(h)\n  error('boom')\nend", 1_000_000, 1);
    assertThatThrownBy(() -> s.state().onRequest.call(LuaValue.NIL))
        .isInstanceOf(LuaError.class)
        .satisfies(e -> assertThat(LuaErrors.message(e)).isEqualTo("rt:2: boom"));
  }
}

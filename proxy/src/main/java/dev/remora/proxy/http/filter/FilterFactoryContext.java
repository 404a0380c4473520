package dev.remora.proxy.http.filter;

import dev.remora.proxy.stats.Stats;

/** What a filter's config factory may use while compiling. */
public interface FilterFactoryContext {
  /** The filter's name in the chain, e.g. {@code envoy.filters.http.lua}. */
  String filterName();

  /**
   * The connection manager's stat scope ({@code http.<stat_prefix>.}); a filter adds its own part,
   * e.g. {@code scope().scope("lua.").counter("executions")}.
   */
  Stats.Scope scope();

  /** How many workers run; per-worker state (such as a Lua state) is created once per worker. */
  int workers();
}

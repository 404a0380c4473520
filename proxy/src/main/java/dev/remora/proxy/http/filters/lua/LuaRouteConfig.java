package dev.remora.proxy.http.filters.lua;

/**
 * A compiled {@code LuaPerRoute}: the filter is disabled, or runs the named entry of
 * {@code source_codes}, or runs its own {@code source_code}.
 */
record LuaRouteConfig(boolean disabled, String name, LuaScript script) {}

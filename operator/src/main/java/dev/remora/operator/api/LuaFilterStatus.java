package dev.remora.operator.api;

/** LuaFilter status. */
public class LuaFilterStatus extends ResourceStatus {}

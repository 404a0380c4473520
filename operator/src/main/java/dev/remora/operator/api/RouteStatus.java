package dev.remora.operator.api;

/** Route status. */
public class RouteStatus extends ResourceStatus {}

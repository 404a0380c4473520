package dev.remora.operator.reconcile;

import dev.remora.operator.ControlPlane;
import dev.remora.operator.api.Route;

/** Keeps every Route's status in line with the graph (see {@link StatusReconciler}). */
final class RouteReconciler extends StatusReconciler<Route> {
  RouteReconciler(ControlPlane controlPlane, java.util.function.BooleanSupplier leading) {
    super(controlPlane, leading);
  }
}

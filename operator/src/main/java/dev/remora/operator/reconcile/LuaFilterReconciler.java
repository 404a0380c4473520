package dev.remora.operator.reconcile;

import dev.remora.operator.ControlPlane;
import dev.remora.operator.api.LuaFilter;

/** Keeps every LuaFilter's status in line with the graph (see {@link StatusReconciler}). */
final class LuaFilterReconciler extends StatusReconciler<LuaFilter> {
  LuaFilterReconciler(ControlPlane controlPlane, java.util.function.BooleanSupplier leading) {
    super(controlPlane, leading);
  }
}

package dev.remora.operator.reconcile;

import dev.remora.operator.ControlPlane;
import dev.remora.operator.api.Listener;

/** Keeps every Listener's status in line with the graph (see {@link StatusReconciler}). */
final class ListenerReconciler extends StatusReconciler<Listener> {
  ListenerReconciler(ControlPlane controlPlane, java.util.function.BooleanSupplier leading) {
    super(controlPlane, leading);
  }
}

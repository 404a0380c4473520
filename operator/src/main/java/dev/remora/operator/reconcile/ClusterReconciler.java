package dev.remora.operator.reconcile;

import dev.remora.operator.ControlPlane;
import dev.remora.operator.api.Cluster;

/** Keeps every Cluster's status in line with the graph (see {@link StatusReconciler}). */
final class ClusterReconciler extends StatusReconciler<Cluster> {
  ClusterReconciler(ControlPlane controlPlane, java.util.function.BooleanSupplier leading) {
    super(controlPlane, leading);
  }
}

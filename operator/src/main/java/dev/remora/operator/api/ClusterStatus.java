package dev.remora.operator.api;

/** Cluster status: conditions plus the number of endpoints currently resolved. */
public class ClusterStatus extends ResourceStatus {
  public Integer endpoints;
}

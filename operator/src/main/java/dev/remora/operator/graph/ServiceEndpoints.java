package dev.remora.operator.graph;

import dev.remora.operator.api.ClusterSpec;
import dev.remora.operator.graph.Graph.EndpointNode;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/** Resolves a Cluster's {@code service: {name, port}} to ready endpoints from EndpointSlices. */
final class ServiceEndpoints {
  static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  record Result(List<EndpointNode> endpoints, Optional<String> problem) {}

  private ServiceEndpoints() {}

  static Result resolve(ResourceSet in, String namespace, ClusterSpec.ServicePort ref) {
    Service svc = null;
    for (Service s : in.services()) {
      if (ref.name.equals(s.getMetadata().getName()) && namespace.equals(ObjectRef.of(s).namespace())) {
        svc = s;
      }
    }
    if (svc == null) {
      return new Result(List.of(), Optional.of("Service " + namespace + "/" + ref.name + " not found"));
    }
    ServicePort port = null;
    if (svc.getSpec() != null && svc.getSpec().getPorts() != null) {
      for (ServicePort p : svc.getSpec().getPorts()) {
        if (Objects.equals(p.getPort(), ref.port)) {
          port = p;
        }
      }
    }
    if (port == null) {
      return new Result(List.of(), Optional.of("Service " + namespace + "/" + ref.name + " has no port " + ref.port));
    }
    String portName = port.getName() == null ? "" : port.getName();
    TreeSet<String> seen = new TreeSet<>();
    List<EndpointNode> out = new ArrayList<>();
    for (EndpointSlice slice : in.endpointSlices()) {
      Map<String, String> labels = slice.getMetadata().getLabels();
      if (!namespace.equals(ObjectRef.of(slice).namespace()) || labels == null
          || !ref.name.equals(labels.get(SERVICE_NAME_LABEL)) || slice.getPorts() == null || slice.getEndpoints() == null) {
        continue;
      }
      Integer target = null;
      for (EndpointPort ep : slice.getPorts()) {
        if (portName.equals(ep.getName() == null ? "" : ep.getName())) {
          target = ep.getPort();
        }
      }
      if (target == null) {
        continue;
      }
      for (Endpoint e : slice.getEndpoints()) {
        // ready == null means unknown: Kubernetes says to treat it as ready
        if (e.getConditions() != null && Boolean.FALSE.equals(e.getConditions().getReady())) {
          continue;
        }
        for (String address : e.getAddresses()) {
          if (seen.add(address + ":" + target)) {
            out.add(new EndpointNode(address, target, 1));
          }
        }
      }
    }
    return new Result(out, Optional.empty());
  }
}

package dev.remora.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A group of upstream endpoints Routes send traffic to. Becomes an Envoy Cluster (EDS). */
@Group(Listener.GROUP)
@Version(Listener.VERSION)
@Plural("clusters")
@ShortNames("rcl")
@AdditionalPrinterColumn(name = "Policy", jsonPath = ".spec.loadBalancer.policy", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Endpoints", jsonPath = ".status.endpoints", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Accepted", jsonPath = ".status.conditions[?(@.type==\"Accepted\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "ResolvedRefs", jsonPath = ".status.conditions[?(@.type==\"ResolvedRefs\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class Cluster extends CustomResource<ClusterSpec, ClusterStatus> implements Namespaced {}

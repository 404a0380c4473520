package dev.remora.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** HTTP routing rules attached to Listeners. Becomes virtual hosts and routes in an Envoy RouteConfiguration. */
@Group(Listener.GROUP)
@Version(Listener.VERSION)
@Plural("routes")
@ShortNames("rrt")
@AdditionalPrinterColumn(name = "Hostnames", jsonPath = ".spec.hostnames", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Accepted", jsonPath = ".status.conditions[?(@.type==\"Accepted\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "ResolvedRefs", jsonPath = ".status.conditions[?(@.type==\"ResolvedRefs\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Programmed", jsonPath = ".status.conditions[?(@.type==\"Programmed\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class Route extends CustomResource<RouteSpec, RouteStatus> implements Namespaced {}

package dev.remora.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A port a group of proxies listens on; Routes attach to it. Becomes an Envoy Listener. */
@Group(Listener.GROUP)
@Version(Listener.VERSION)
@Plural("listeners")
@ShortNames("rlis")
@AdditionalPrinterColumn(name = "Port", jsonPath = ".spec.port", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Protocol", jsonPath = ".spec.protocol", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Accepted", jsonPath = ".status.conditions[?(@.type==\"Accepted\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Programmed", jsonPath = ".status.conditions[?(@.type==\"Programmed\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class Listener extends CustomResource<ListenerSpec, ListenerStatus> implements Namespaced {
  public static final String GROUP = "remora.dev";
  public static final String VERSION = "v1alpha1";
}

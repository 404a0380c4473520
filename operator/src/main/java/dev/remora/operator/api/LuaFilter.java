package dev.remora.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A Lua script run by the proxies' Lua HTTP filter on a Listener's or a Route's traffic. */
@Group(Listener.GROUP)
@Version(Listener.VERSION)
@Plural("luafilters")
@ShortNames("lua")
@AdditionalPrinterColumn(name = "Accepted", jsonPath = ".status.conditions[?(@.type==\"Accepted\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Programmed", jsonPath = ".status.conditions[?(@.type==\"Programmed\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class LuaFilter extends CustomResource<LuaFilterSpec, LuaFilterStatus> implements Namespaced {}

package dev.remora.proxy.admin;

import java.net.InetSocketAddress;

/** One active listener for {@code /listeners}: its name and the address it is bound to. */
public record ListenerView(String name, InetSocketAddress address) {}

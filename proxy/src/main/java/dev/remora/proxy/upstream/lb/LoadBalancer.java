package dev.remora.proxy.upstream.lb;

import dev.remora.proxy.upstream.Host;

/** PLACEHOLDER until the lb branch lands. */
public interface LoadBalancer {
  Host chooseHost(LbContext context);
}

package dev.remora.proxy.upstream.lb;

/** PLACEHOLDER until the lb branch lands. */
public interface LbContext {
  boolean hasHash();
  long hash();
}

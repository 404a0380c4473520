package dev.remora.proxy.listener;

import dev.remora.proxy.stats.Counter;
import dev.remora.proxy.stats.Gauge;
import dev.remora.proxy.stats.Stats;

/** A listener's stats under Envoy's names ({@code listener.<address>_<port>.downstream_cx_total}, ...). */
final class ListenerStats {
  final Counter cxTotal;
  final Counter cxDestroy;
  final Counter noFilterChainMatch;
  final Gauge cxActive;

  ListenerStats(Stats stats, String statName) {
    Stats.Scope s = stats.scope("listener." + statName + ".");
    cxTotal = s.counter("downstream_cx_total");
    cxDestroy = s.counter("downstream_cx_destroy");
    noFilterChainMatch = s.counter("no_filter_chain_match");
    cxActive = s.gauge("downstream_cx_active");
  }
}

/**
 * Load balancing, in two levels so that a pick is cheap and lock-free.
 *
 * <pre>
 * main thread, per cluster config:   LoadBalancerFactory f = LoadBalancerFactory.of(cluster);
 * main thread, per host-set change:  PreparedHostSet set = f.prepare(hosts);   // immutable, shared
 *                                    ... post set to every worker (slot) ...
 * worker, when it sees a new set:    LoadBalancer lb = set.newWorkerBalancer(); // per worker
 * worker, per request:               hashPolicy.compute(request, remoteAddress, ctx);
 *                                    Host host = lb.chooseHost(ctx);          // null: no host
 * </pre>
 *
 * {@link dev.remora.proxy.upstream.lb.HashPolicy} is compiled once per route;
 * {@link dev.remora.proxy.upstream.lb.RequestLbContext} is a mutable context a worker can reuse for
 * every request; {@link dev.remora.proxy.upstream.lb.ActiveRequests} is how the pools tell
 * LEAST_REQUEST their in-flight counts.
 */
package dev.remora.proxy.upstream.lb;

#!/usr/bin/env bash
# many-clusters.sh N — prints a bootstrap with N STATIC clusters (c0..cN-1, one loopback endpoint
# each), one listener routing to c0 and an admin, for measuring start-up with many clusters:
#
#   bench/many-clusters.sh 500 > /tmp/500-clusters.yaml && bench/run-startup.sh /tmp/500-clusters.yaml
set -euo pipefail
N="${1:?usage: many-clusters.sh N}"
cat <<'YAML'
admin:
  address: {socket_address: {address: 127.0.0.1, port_value: 19901}}
static_resources:
  listeners:
  - name: web
    address: {socket_address: {address: 127.0.0.1, port_value: 18080}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: web
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: {prefix: "/"}
                route: {cluster: c0}
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
  clusters:
YAML
for ((i = 0; i < N; i++)); do
  echo "  - {name: c$i, connect_timeout: 1s, type: STATIC, load_assignment: {cluster_name: c$i, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: $((20000 + i))}}}}]}]}}"
done

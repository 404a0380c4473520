#!/usr/bin/env bash
# many-clusters.sh N — prints bench/remora-http.yaml (admin, one listener, its cluster) with N more
# STATIC clusters c0..cN-1 (one loopback endpoint each, never dialled), for measuring start-up with
# many clusters:
#
#   bench/many-clusters.sh 500 > /tmp/500-clusters.yaml && bench/run-startup.sh /tmp/500-clusters.yaml
set -euo pipefail
N="${1:?usage: many-clusters.sh N}"
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
# the bench bootstrap ends with its clusters list: the generated ones are appended to it
cat "$ROOT/bench/remora-http.yaml"
for ((i = 0; i < N; i++)); do
  echo "  - {name: c$i, connect_timeout: 1s, type: STATIC, load_assignment: {cluster_name: c$i, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: $((20000 + i))}}}}]}]}}"
done

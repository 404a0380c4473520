#!/usr/bin/env bash
# run-lua.sh — what the Lua filter costs: one Remora, the same route to the same upstream, with and
# without Lua scripts, loaded in turn in one run.
#
#   bench/run-lua.sh                          # all paths, 10 s each after a warm-up
#   ROUNDS=5 bench/run-lua.sh                 # 5 interleaved rounds, median shown
#   bench/run-lua.sh none header              # only some paths
#
# Paths (one listener each on one Remora process, `--concurrency 1`, all routing to the same cluster):
#   none      no Lua filter (the baseline every ratio is taken against)
#   header    the seed's request script alone: request_handle:headers():add("foo", "bar")
#   seed      the seed's whole first script: the header above plus, on the response,
#             response_handle:body():length() into a response-body-size header (buffers the body)
#   httpcall  one httpCall per request to a second cluster (the same nginx answering "EU" on
#             /continent_code), its body put in a request header; so two upstream requests each
#
# Upstream: nginx, 1 worker, fixed small body, on loopback; wrk 1 thread, 50 connections, as in
# bench/run-http.sh (same method, see bench/README.md). Results go in docs/benchmarks.md ("Lua filter").
#
# Environment (defaults in brackets):
#   DURATION [10s]  REMORA_WARMUP [15s] per path  CONNECTIONS [50]  THREADS [1]  BODY_SIZE [64]  ROUNDS [1]
#   BENCH_PORT_BASE [18200]  upstream = base, Remora listeners = base+80.., admin = base+1901
#   REMORA_START_TIMEOUT [30]  REMORA_LAUNCHER [bin/remora-proxy]  BENCH_KEEP [unset] keep configs/logs there
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
DURATION="${DURATION:-10s}"
REMORA_WARMUP="${REMORA_WARMUP:-15s}"
CONNECTIONS="${CONNECTIONS:-50}"
THREADS="${THREADS:-1}"
ROUNDS="${ROUNDS:-1}"
BODY_SIZE="${BODY_SIZE:-64}"
BASE="${BENCH_PORT_BASE:-18200}"
UP_PORT=$BASE; ADMIN_PORT=$((BASE + 1901))
REMORA_START_TIMEOUT="${REMORA_START_TIMEOUT:-30}"
REMORA_LAUNCHER="${REMORA_LAUNCHER:-$ROOT/bin/remora-proxy}"

ALL=(none header seed httpcall)
declare -A PORT=([none]=$((BASE + 80)) [header]=$((BASE + 81)) [seed]=$((BASE + 82)) [httpcall]=$((BASE + 83)))
PATHS=("$@")
((${#PATHS[@]})) || PATHS=("${ALL[@]}")
for p in "${PATHS[@]}"; do
  [[ -n "${PORT[$p]:-}" ]] || { echo "unknown path '$p' (${ALL[*]})" >&2; exit 2; }
done

export PATH="$PATH:/usr/sbin:/sbin"
for t in wrk curl nginx; do
  command -v "$t" >/dev/null || { echo "'$t' is missing: run scripts/provision-test-tools" >&2; exit 1; }
done
[[ -x "$REMORA_LAUNCHER" ]] || { echo "no launcher at $REMORA_LAUNCHER" >&2; exit 1; }

# ------------------------------------------------------------------ processes/cleanup (as run-http.sh)
T="$(mktemp -d -t remora-lua-bench.XXXXXX)"
. "$ROOT/bench/lib/wrk-bench.sh"
require_free_ports $UP_PORT $ADMIN_PORT "${PORT[@]}"

# ------------------------------------------------------------------------------------ upstream
mkdir -p "$T/upstream"
cat > "$T/upstream.conf" <<EOF
daemon off;
worker_processes 1;
pid $T/upstream.pid;
error_log $T/upstream-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $T/upstream/client_body;
  proxy_temp_path $T/upstream/proxy;
  fastcgi_temp_path $T/upstream/fastcgi;
  uwsgi_temp_path $T/upstream/uwsgi;
  scgi_temp_path $T/upstream/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  server {
    listen 127.0.0.1:$UP_PORT;
    location = /continent_code { default_type text/plain; return 200 "EU"; }
    location / { default_type text/plain; return 200 "$BODY"; }
  }
}
EOF
start upstream nginx -p "$T" -e "$T/upstream-error.log" -c "$T/upstream.conf"
if ! wait_ready "$LAST_PID" "http://127.0.0.1:$UP_PORT/" 10; then
  echo "upstream nginx failed to start:" >&2; cat "$T/upstream.log" "$T/upstream-error.log" >&2 2>/dev/null; exit 1
fi

# --------------------------------------------------------------------------------------- remora
lua_filter() { # SCRIPT (Lua source, indented by the caller's heredoc) -> http_filters entry
  cat <<EOF
          - name: envoy.filters.http.lua
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
              default_source_code:
                inline_string: |
$(sed 's/^/                  /' <<<"$1")
EOF
}
listener() { # NAME PORT FILTERS
  cat <<EOF
  - name: $1
    address: {socket_address: {address: 127.0.0.1, port_value: $2}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: $1
          codec_type: AUTO
          route_config:
            virtual_hosts:
            - name: bench
              domains: ["*"]
              routes:
              - match: {prefix: "/"}
                route: {cluster: bench_upstream}
          http_filters:
$3
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
EOF
}
cluster() { # NAME
  cat <<EOF
  - name: $1
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: $1
      endpoints:
      - lb_endpoints:
        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: $UP_PORT}}}
EOF
}
HEADER_SCRIPT='function envoy_on_request(request_handle)
  request_handle:headers():add("foo", "bar")
end'
SEED_SCRIPT="$HEADER_SCRIPT"'
function envoy_on_response(response_handle)
  body_size = response_handle:body():length()
  response_handle:headers():add("response-body-size", tostring(body_size))
end'
HTTPCALL_SCRIPT='function envoy_on_request(request_handle)
  local headers, body = request_handle:httpCall("lua_call", {
    [":method"] = "GET",
    [":path"] = "/continent_code",
    [":authority"] = "lua-call",
  }, "", 5000)
  request_handle:headers():add("continent-code", body)
end'
{
  cat <<EOF
admin:
  address: {socket_address: {address: 127.0.0.1, port_value: $ADMIN_PORT}}
static_resources:
  listeners:
EOF
  listener none "${PORT[none]}" ""
  listener header "${PORT[header]}" "$(lua_filter "$HEADER_SCRIPT")"
  listener seed "${PORT[seed]}" "$(lua_filter "$SEED_SCRIPT")"
  listener httpcall "${PORT[httpcall]}" "$(lua_filter "$HTTPCALL_SCRIPT")"
  echo "  clusters:"
  cluster bench_upstream
  cluster lua_call
} | grep -v '^$' > "$T/remora-lua.yaml"

start remora "$REMORA_LAUNCHER" -c "$T/remora-lua.yaml" --concurrency 1
REMORA_PID=$LAST_PID
for p in "${PATHS[@]}"; do
  rc=0; wait_ready "$REMORA_PID" "http://127.0.0.1:${PORT[$p]}/" "$REMORA_START_TIMEOUT" || rc=$?
  if ((rc != 0)); then
    echo "remora: path $p does not answer with the upstream body (rc $rc); last log lines:" >&2
    tail -8 "$T/remora.log" | sed 's/^/  | /' >&2
    exit 1
  fi
done
# the scripts really ran: their headers show up (response side) or the call's answer is used
check="$(curl -s -D - -o /dev/null "http://127.0.0.1:${PORT[seed]}/" | tr -d '\r' | grep -i '^response-body-size:' || true)"
[[ "$check" == "response-body-size: $BODY_SIZE" ]] || { echo "seed script did not run (got '$check')" >&2; exit 1; }

# ------------------------------------------------------------------------------------------ wrk
declare -A RPS P50 P99 ERRS STATUS
echo "wrk: $THREADS thread(s), $CONNECTIONS connections, warm-up $REMORA_WARMUP per path, $ROUNDS round(s) of $DURATION per path, body ${BODY_SIZE} B; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for p in "${PATHS[@]}"; do
  echo "  $p: warm-up $REMORA_WARMUP ..."
  run_wrk "$T/wrk-$p-warmup.txt" -d"$REMORA_WARMUP" "http://127.0.0.1:${PORT[$p]}/" || true
  STATUS[$p]=ok
done
for round in $(seq 1 "$ROUNDS"); do
  for p in "${PATHS[@]}"; do
    [[ "${STATUS[$p]}" == ok ]] || continue
    echo "  $p: measuring $DURATION (round $round/$ROUNDS) ..."
    out="$T/wrk-$p-$round.txt"
    if ! run_wrk "$out" -d"$DURATION" --latency "http://127.0.0.1:${PORT[$p]}/"; then
      STATUS[$p]="wrk failed: $(tail -1 "$out")"; continue
    fi
    rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")"
    [[ -n "$rps" ]] || { STATUS[$p]="could not parse wrk output ($out)"; continue; }
    RPS[$p]+="$rps "
    P50[$p]+="$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")") "
    P99[$p]+="$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")") "
    ERRS[$p]=$(( ${ERRS[$p]:-0} + $(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$out") ))
  done
done
for p in "${PATHS[@]}"; do
  [[ "${STATUS[$p]}" == ok ]] || continue
  ((ROUNDS > 1)) && echo "  $p rounds: requests/s ${RPS[$p]}| p99 ms ${P99[$p]}"
  RPS[$p]="$(printf '%.0f' "$(median <<<"${RPS[$p]}")")"; P50[$p]="$(median <<<"${P50[$p]}")"; P99[$p]="$(median <<<"${P99[$p]}")"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# proof the scripts ran (and how often they failed): the filter's own counters from the admin endpoint
echo "lua stats: $(curl -s --max-time 5 "http://127.0.0.1:$ADMIN_PORT/stats" | tr -d '\r' \
  | grep -E '^http\.[a-z]+\.lua\.(executions|errors):' | tr '\n' ' ')"

# --------------------------------------------------------------------------------------- report
echo
printf '%-9s %12s %10s %10s %8s %14s %12s\n' path "requests/s" "p50 ms" "p99 ms" errors "rps vs none" "p99 vs none"
for p in "${PATHS[@]}"; do
  if [[ "${STATUS[$p]}" != ok ]]; then printf '%-9s %s\n' "$p" "${STATUS[$p]}"; continue; fi
  rr="-"; pr="-"
  if [[ "${STATUS[none]:-}" == ok ]]; then
    rr="$(awk -v a="${RPS[$p]}" -v b="${RPS[none]}" 'BEGIN { printf "%.2f", a / b }')"
    pr="$(awk -v a="${P99[$p]}" -v b="${P99[none]}" 'BEGIN { printf "%.2f", a / b }')"
  fi
  printf '%-9s %12s %10s %10s %8s %14s %12s\n' "$p" "${RPS[$p]}" "${P50[$p]}" "${P99[$p]}" "${ERRS[$p]}" "$rr" "$pr"
done
echo "remora RSS: $( { ps -o rss= -p "$REMORA_PID"; ps -o rss= --ppid "$REMORA_PID"; } 2>/dev/null | awk '{s += $1} END {printf "%.0f MiB", s / 1024}')"
rc=0
for p in "${PATHS[@]}"; do [[ "${STATUS[$p]}" == ok ]] || rc=1; done
exit $rc

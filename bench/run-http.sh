#!/usr/bin/env bash
# run-http.sh — HTTP/1.1 reverse-proxy benchmark on loopback: direct vs nginx vs HAProxy vs Remora.
#
#   bench/run-http.sh                      # all four paths, 10 s each after a warm-up
#   DURATION=30s bench/run-http.sh         # longer runs
#   bench/run-http.sh nginx remora         # only some paths (direct, nginx, haproxy, remora)
#
# One upstream (nginx, 1 worker, fixed small body) and three reverse proxies in front of it, each
# with one worker/thread and keep-alive to the upstream. wrk (1 thread, 50 connections) loads each
# path in turn. See bench/README.md for the method and docs/benchmarks.md for recorded results.
#
# Environment (defaults in brackets):
#   DURATION [10s]  WARMUP [5s]  CONNECTIONS [50]  THREADS [1]  BODY_SIZE [64]
#   REMORA_WARMUP [10s] x REMORA_WARMUP_CYCLES [4]  Remora's warm-up: that many wrk runs with 2 s idle
#                     between them, so the JIT has also compiled the connect / idle / reconnect paths
#                     each measured round goes through (one long run left the first round recompiling)
#   ROUNDS [1]      measured runs per path, interleaved across paths; the table shows the median
#   BENCH_PORT_BASE [18000]  upstream = base, nginx = base+1, haproxy = base+2, remora = base+80,
#                            remora admin = base+1901 (the ports written in bench/remora-http.yaml)
#   BENCH_PIN [0]     1: with >= 2 CPUs pin servers to CPUs 0..n-2 and wrk to the last CPU (best on a
#                     quiet machine; on a shared one pinned processes cannot dodge other load)
#   REMORA_START_TIMEOUT [20]  seconds to wait for Remora to answer before reporting it failed
#   REMORA_BOOTSTRAP [bench/remora-http.yaml]   REMORA_LAUNCHER [bin/remora-proxy]
#   BENCH_KEEP [unset]  a directory to keep configs, logs and raw wrk output in
#   WRK_SCRIPT [unset]  a wrk Lua script for the measured runs (e.g. bench/latency-tail.lua); lines
#                       it prints starting with "tail:" are echoed after each round
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-5s}"
REMORA_WARMUP="${REMORA_WARMUP:-10s}"
REMORA_WARMUP_CYCLES="${REMORA_WARMUP_CYCLES:-4}"
CONNECTIONS="${CONNECTIONS:-50}"
ROUNDS="${ROUNDS:-1}"
THREADS="${THREADS:-1}"
BODY_SIZE="${BODY_SIZE:-64}"
BASE="${BENCH_PORT_BASE:-18000}"
UP_PORT=$BASE; NGINX_PORT=$((BASE + 1)); HAPROXY_PORT=$((BASE + 2))
REMORA_PORT=$((BASE + 80)); REMORA_ADMIN_PORT=$((BASE + 1901))
REMORA_START_TIMEOUT="${REMORA_START_TIMEOUT:-20}"
REMORA_BOOTSTRAP="${REMORA_BOOTSTRAP:-$ROOT/bench/remora-http.yaml}"
REMORA_LAUNCHER="${REMORA_LAUNCHER:-$ROOT/bin/remora-proxy}"

PATHS=("$@")
((${#PATHS[@]})) || PATHS=(direct nginx haproxy remora)
for p in "${PATHS[@]}"; do
  case "$p" in direct|nginx|haproxy|remora) ;; *) echo "unknown path '$p' (direct, nginx, haproxy, remora)" >&2; exit 2;; esac
done
wants() { local p; for p in "${PATHS[@]}"; do [[ "$p" == "$1" ]] && return 0; done; return 1; }

# ------------------------------------------------------------------------------------ tools
export PATH="$PATH:/usr/sbin:/sbin"
need=(wrk curl nginx)
wants haproxy && need+=(haproxy)
for t in "${need[@]}"; do
  command -v "$t" >/dev/null || { echo "'$t' is missing: run scripts/provision-test-tools" >&2; exit 1; }
done

SERVER_PIN=(); LOAD_PIN=()
ncpu="$(nproc)"
if [[ "${BENCH_PIN:-0}" == 1 ]] && ((ncpu >= 2)) && command -v taskset >/dev/null; then
  SERVER_PIN=(taskset -c "0-$((ncpu - 2))"); LOAD_PIN=(taskset -c "$((ncpu - 1))")
fi

# --------------------------------------------------------------------------- processes/cleanup
T="$(mktemp -d -t remora-bench.XXXXXX)"
. "$ROOT/bench/lib/wrk-bench.sh"
require_free_ports $UP_PORT $NGINX_PORT $HAPROXY_PORT $REMORA_PORT $REMORA_ADMIN_PORT

nginx_common() { # $1 = name
  mkdir -p "$T/$1"
  cat <<EOF
daemon off;
worker_processes 1;
pid $T/$1.pid;
error_log $T/$1-error.log warn;
events { worker_connections 4096; }
EOF
}
nginx_http_common() { # $1 = name
  cat <<EOF
  access_log off;
  client_body_temp_path $T/$1/client_body;
  proxy_temp_path $T/$1/proxy;
  fastcgi_temp_path $T/$1/fastcgi;
  uwsgi_temp_path $T/$1/uwsgi;
  scgi_temp_path $T/$1/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
EOF
}

# ------------------------------------------------------------------------------------ upstream
{
  nginx_common upstream
  echo "http {"
  nginx_http_common upstream
  cat <<EOF
  server {
    listen 127.0.0.1:$UP_PORT;
    location / { default_type text/plain; return 200 "$BODY"; }
  }
}
EOF
} > "$T/upstream.conf"
start upstream "${SERVER_PIN[@]}" nginx -p "$T" -e "$T/upstream-error.log" -c "$T/upstream.conf"
UP_PID=$LAST_PID
if ! wait_ready "$UP_PID" "http://127.0.0.1:$UP_PORT/" 10; then
  echo "upstream nginx failed to start:" >&2; cat "$T/upstream.log" "$T/upstream-error.log" >&2 2>/dev/null; exit 1
fi

declare -A STATUS PROC_PID URL
start_failed() { # PATH LOGNAME
  STATUS[$1]="failed to start"
  echo "$1: failed to start; last log lines:" >&2
  { cat "$T/$2.log" "$T/$2-error.log" 2>/dev/null || true; } | tail -8 | sed 's/^/  | /' >&2
}
URL[direct]="http://127.0.0.1:$UP_PORT/"; STATUS[direct]=ok; PROC_PID[direct]=$UP_PID

# ---------------------------------------------------------------------------------- nginx proxy
if wants nginx; then
  {
    nginx_common nginxproxy
    echo "http {"
    nginx_http_common nginxproxy
    cat <<EOF
  upstream backend {
    server 127.0.0.1:$UP_PORT;
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
  } > "$T/nginxproxy.conf"
  start nginxproxy "${SERVER_PIN[@]}" nginx -p "$T" -e "$T/nginxproxy-error.log" -c "$T/nginxproxy.conf"
  PROC_PID[nginx]=$LAST_PID; URL[nginx]="http://127.0.0.1:$NGINX_PORT/"
  if wait_ready "$LAST_PID" "${URL[nginx]}" 10; then STATUS[nginx]=ok; else start_failed nginx nginxproxy; fi
fi

# -------------------------------------------------------------------------------------- haproxy
if wants haproxy; then
  cat > "$T/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout http-keep-alive 30s
  option http-keep-alive
  http-reuse always
frontend bench
  bind 127.0.0.1:$HAPROXY_PORT
  default_backend upstream
backend upstream
  server up 127.0.0.1:$UP_PORT
EOF
  start haproxy "${SERVER_PIN[@]}" haproxy -db -f "$T/haproxy.cfg"
  PROC_PID[haproxy]=$LAST_PID; URL[haproxy]="http://127.0.0.1:$HAPROXY_PORT/"
  if wait_ready "$LAST_PID" "${URL[haproxy]}" 10; then STATUS[haproxy]=ok; else start_failed haproxy haproxy; fi
fi

# --------------------------------------------------------------------------------------- remora
if wants remora; then
  URL[remora]="http://127.0.0.1:$REMORA_PORT/"
  sed -e "s/port_value: 18000\b/port_value: $UP_PORT/" -e "s/port_value: 18080\b/port_value: $REMORA_PORT/" \
      -e "s/port_value: 19901\b/port_value: $REMORA_ADMIN_PORT/" "$REMORA_BOOTSTRAP" > "$T/remora-http.yaml"
  start remora "${SERVER_PIN[@]}" "$REMORA_LAUNCHER" -c "$T/remora-http.yaml" --concurrency 1
  PROC_PID[remora]=$LAST_PID
  rc=0; wait_ready "$LAST_PID" "${URL[remora]}" "$REMORA_START_TIMEOUT" || rc=$?
  case $rc in
    0) STATUS[remora]=ok ;;
    1) STATUS[remora]="failed to start"
       echo "remora: failed to start (process exited; last lines of its log:)" >&2
       tail -5 "$T/remora.log" | sed 's/^/  | /' >&2 ;;
    *) STATUS[remora]="failed to start"
       echo "remora: failed to start (no correct response on ${URL[remora]} within ${REMORA_START_TIMEOUT}s; last log lines:)" >&2
       tail -5 "$T/remora.log" | sed 's/^/  | /' >&2
       ours "$LAST_PID" && kill "$LAST_PID" 2>/dev/null || true ;;
  esac
fi


# ------------------------------------------------------------------------------------------ wrk
rss_mib() { # RSS of a process and its children, MiB
  local pid="$1" kb
  kb=$( { ps -o rss= -p "$pid"; ps -o rss= --ppid "$pid"; } 2>/dev/null | awk '{s += $1} END {print s + 0}')
  awk -v k="$kb" 'BEGIN { printf "%.0f", k / 1024 }'
}

declare -A RPS P50 P99 ERRS RSS
echo "wrk: $THREADS thread(s), $CONNECTIONS connections, warm-up $WARMUP (remora ${REMORA_WARMUP_CYCLES}x $REMORA_WARMUP), $ROUNDS round(s) of $DURATION per path, body ${BODY_SIZE} B; pinning: ${SERVER_PIN[*]:-none} / ${LOAD_PIN[*]:-none}"
for p in "${PATHS[@]}"; do
  [[ "${STATUS[$p]}" == ok ]] || continue
  if [[ "$p" == remora ]]; then
    for cycle in $(seq 1 "$REMORA_WARMUP_CYCLES"); do
      echo "  $p: warm-up $REMORA_WARMUP (cycle $cycle/$REMORA_WARMUP_CYCLES) ..."
      run_wrk "$T/wrk-$p-warmup.txt" -d"$REMORA_WARMUP" "${URL[$p]}" || true
      sleep 2
    done
  else
    echo "  $p: warm-up $WARMUP ..."
    run_wrk "$T/wrk-$p-warmup.txt" -d"$WARMUP" "${URL[$p]}" || true
  fi
done
# Rounds interleave the paths, so a burst of load from elsewhere on the machine hits them evenly;
# the report shows the median of the rounds.
for round in $(seq 1 "$ROUNDS"); do
  for p in "${PATHS[@]}"; do
    [[ "${STATUS[$p]}" == ok ]] || continue
    echo "  $p: measuring $DURATION (round $round/$ROUNDS) from $(date -u +%T) ..."
    out="$T/wrk-$p-$round.txt"
    if ! run_wrk "$out" -d"$DURATION" --latency ${WRK_SCRIPT:+-s "$WRK_SCRIPT"} "${URL[$p]}"; then
      STATUS[$p]="wrk failed: $(tail -1 "$out")"; continue
    fi
    rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")"
    [[ -n "$rps" ]] || { STATUS[$p]="could not parse wrk output ($out)"; continue; }
    RPS[$p]+="$rps "
    grep '^tail:' "$out" | sed "s/^/    $p /" || true
    P50[$p]+="$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")") "
    P99[$p]+="$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")") "
    ERRS[$p]=$(( ${ERRS[$p]:-0} + $(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$out") ))
    RSS[$p]="$(rss_mib "${PROC_PID[$p]}")"
  done
done
for p in "${PATHS[@]}"; do
  [[ "${STATUS[$p]}" == ok ]] || continue
  ((ROUNDS > 1)) && echo "  $p rounds: requests/s ${RPS[$p]}| p99 ms ${P99[$p]}"
  RPS[$p]="$(median <<<"${RPS[$p]}")"; P50[$p]="$(median <<<"${P50[$p]}")"; P99[$p]="$(median <<<"${P99[$p]}")"
  RPS[$p]="$(printf '%.0f' "${RPS[$p]}")"
done

# --------------------------------------------------------------------------------------- report
echo
printf '%-9s %12s %10s %10s %8s %9s\n' path "requests/s" "p50 ms" "p99 ms" errors "RSS MiB"
for p in "${PATHS[@]}"; do
  if [[ "${STATUS[$p]}" == ok ]]; then
    printf '%-9s %12s %10s %10s %8s %9s\n' "$p" "${RPS[$p]}" "${P50[$p]}" "${P99[$p]}" "${ERRS[$p]}" "${RSS[$p]}"
  else
    printf '%-9s %s\n' "$p" "${STATUS[$p]}"
  fi
done
if wants remora; then
  if [[ "${STATUS[remora]}" == ok && "${STATUS[nginx]:-}" == ok ]]; then
    awk -v r="${RPS[remora]}" -v n="${RPS[nginx]}" -v rp="${P99[remora]}" -v np="${P99[nginx]}" \
      'BEGIN { printf "\nremora vs nginx: requests/s ratio %.2f (higher is better), p99 ratio %.2f (lower is better)\n", r / n, rp / np }'
  elif [[ "${STATUS[remora]}" != ok ]]; then
    echo; echo "remora: ${STATUS[remora]}"
  fi
fi
# Exit status: 0 all requested paths measured; 3 only remora failed (it is under construction);
# 1 anything else failed.
rc=0
for p in "${PATHS[@]}"; do
  [[ "${STATUS[$p]}" == ok ]] && continue
  if [[ "$p" == remora && $rc == 0 ]]; then rc=3; else rc=1; fi
done
exit $rc

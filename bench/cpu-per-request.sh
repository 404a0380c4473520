#!/usr/bin/env bash
# cpu-per-request.sh — CPU time each proxy spends per request, on loopback (wrk -t1 -c50, 64-byte body).
#
#   bench/cpu-per-request.sh nginx remora            # nginx proxy and Remora, interleaved rounds
#   REMORA_JAR_B=/tmp/old.jar bench/cpu-per-request.sh remora remora-b   # A/B two Remora builds
#   JFR=/tmp/r.jfr bench/cpu-per-request.sh remora   # also a JFR profile of Remora over the last round
#
# Wall-clock requests/s on a shared machine swing 2x between runs; the proxy's own CPU time (user +
# sys ticks from /proc/PID/stat over a fixed wrk run, divided by the requests served) moves much less.
# Each line is one measured round; compare the lowest and the median of many rounds, never one.
#
# Environment [default]: ROUNDS [3]  DUR [10s]  WARM [20s for Remora, 5s for nginx]
#   BASE [28000] upstream = BASE, nginx = BASE+1, remora = BASE+80 (admin BASE+1901), remora-b = BASE+81
#   REMORA_JAR, REMORA_JAR_B [proxy/target/remora-proxy.jar]  REMORA_OPTS, REMORA_OPTS_B (extra JVM flags)
#   REMORA_ARGS, REMORA_ARGS_B (extra proxy arguments, e.g. "--transport epoll")
#   JFR (file)  record Remora (path "remora") with settings=profile; FILE.n gets "requests N T0 T1"
#             for the last measured round, so a reader can window the events to it
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
BASE=${BASE:-28000}; DUR=${DUR:-10s}; WARM=${WARM:-20s}; ROUNDS=${ROUNDS:-3}
PATHS=("$@"); ((${#PATHS[@]})) || PATHS=(nginx remora)
for p in "${PATHS[@]}"; do
  case "$p" in nginx|remora|remora-b) ;; *) echo "unknown path '$p' (nginx, remora, remora-b)" >&2; exit 2;; esac
done
export PATH="$PATH:/usr/sbin:/sbin"
for t in wrk curl nginx; do command -v "$t" >/dev/null || { echo "'$t' is missing: run scripts/provision-test-tools" >&2; exit 1; }; done

T="$(mktemp -d -t remora-cpu.XXXXXX)"
PIDS=()
cleanup() {
  local p; for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done
  sleep 0.5; rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
BODY="$(head -c 64 < /dev/zero | tr '\0' 'x')"
nginx_conf() { # NAME SERVER-BLOCK...
  local n="$1"; shift
  cat <<C
daemon off; worker_processes 1; pid $T/$n.pid; error_log $T/$n-error.log warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; keepalive_timeout 120s;
  client_body_temp_path $T/$n-cb; proxy_temp_path $T/$n-px; fastcgi_temp_path $T/$n-fc; uwsgi_temp_path $T/$n-uw; scgi_temp_path $T/$n-sc;
  $* }
C
}
nginx_conf upstream "server { listen 127.0.0.1:$BASE; location / { default_type text/plain; return 200 \"$BODY\"; } }" > "$T/upstream.conf"
nginx_conf proxy "upstream backend { server 127.0.0.1:$BASE; keepalive 64; keepalive_requests 1000000; }
  server { listen 127.0.0.1:$((BASE + 1)); location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }" > "$T/proxy.conf"
nginx -p "$T" -e "$T/upstream-error.log" -c "$T/upstream.conf" > "$T/upstream.log" 2>&1 & PIDS+=($!)

remora_conf() { # LISTEN-PORT ADMIN-PORT
  sed -e "s/port_value: 18000\b/port_value: $BASE/" -e "s/port_value: 18080\b/port_value: $1/" \
      -e "s/port_value: 19901\b/port_value: $2/" "$ROOT/bench/remora-http.yaml"
}
declare -A PID URL
for p in "${PATHS[@]}"; do
  case $p in
    nginx)
      nginx -p "$T" -e "$T/proxy-error.log" -c "$T/proxy.conf" > "$T/proxy.log" 2>&1 & PID[$p]=$!; PIDS+=($!)
      URL[$p]=http://127.0.0.1:$((BASE + 1))/ ;;
    remora|remora-b)
      if [[ $p == remora ]]; then port=$((BASE + 80)); admin=$((BASE + 1901)); jar="${REMORA_JAR:-}"; opts="${REMORA_OPTS:-}"; args="${REMORA_ARGS:-}"
        [[ -n "${JFR:-}" ]] && opts+=" -XX:StartFlightRecording=name=bench,settings=profile"
      else port=$((BASE + 81)); admin=$((BASE + 1902)); jar="${REMORA_JAR_B:-}"; opts="${REMORA_OPTS_B:-}"; args="${REMORA_ARGS_B:-}"; fi
      remora_conf "$port" "$admin" > "$T/$p.yaml"
      # no AppCDS archive: start-up is not measured here, and each new jar would write one
      REMORA_CDS=0 REMORA_JAR="${jar:-$ROOT/proxy/target/remora-proxy.jar}" REMORA_JAVA_OPTS="$opts" \
        "$ROOT/bin/remora-proxy" -c "$T/$p.yaml" --concurrency 1 $args > "$T/$p.log" 2>&1 & PID[$p]=$!; PIDS+=($!)
      URL[$p]=http://127.0.0.1:$port/ ;;
  esac
done
for p in "${PATHS[@]}"; do
  ok=0
  for _ in $(seq 150); do [[ "$(curl -s --max-time 1 "${URL[$p]}" || true)" == "$BODY" ]] && { ok=1; break; }; sleep 0.2; done
  ((ok)) || { echo "$p did not answer on ${URL[$p]}; log:" >&2; tail -5 "$T"/*.log >&2; exit 1; }
  w=5s; [[ $p == remora* ]] && w=$WARM
  wrk -t1 -c50 -d"$w" "${URL[$p]}" > /dev/null
done
ticks() { awk '{print $14, $15}' "/proc/$1/stat"; }
echo "CPU per request: user + sys of the proxy process over each ${DUR} wrk run (-t1 -c50); load = 1-min load average"
for r in $(seq "$ROUNDS"); do
  for p in "${PATHS[@]}"; do
    pid=${PID[$p]}
    [[ $p == nginx ]] && pid=$(pgrep -P "$pid" | head -1)   # the worker, not the master
    t0=$(date +%s.%N); a=$(ticks "$pid"); load=$(cut -d' ' -f1 /proc/loadavg)
    wrk -t1 -c50 -d"$DUR" --latency "${URL[$p]}" > "$T/wrk.txt"
    b=$(ticks "$pid"); t1=$(date +%s.%N)
    n=$(awk '/requests in/ {print $1}' "$T/wrk.txt")
    if [[ $p == remora && -n "${JFR:-}" && $r == "$ROUNDS" ]]; then
      jcmd "$pid" JFR.dump name=bench filename="$JFR" > /dev/null && echo "requests $n $t0 $t1" > "$JFR.n"
    fi
    awk -v p="$p" -v a="$a" -v b="$b" -v n="$n" -v l="$load" -v t="$(getconf CLK_TCK)" \
      -v r="$(awk '/^Requests\/sec/ {print $2}' "$T/wrk.txt")" -v q="$(awk '$1 == "99%" {print $2}' "$T/wrk.txt")" '
      BEGIN { split(a, x, " "); split(b, y, " "); u = (y[1] - x[1]) / t * 1e6 / n; s = (y[2] - x[2]) / t * 1e6 / n
              printf "%-8s load %5s  %8d req  %7.0f req/s  p99 %9s  cpu %6.1f us/req (user %5.1f, sys %5.1f)\n", p, l, n, r, q, u + s, u, s }'
  done
done

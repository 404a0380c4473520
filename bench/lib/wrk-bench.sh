# wrk-bench.sh — sourced by bench/run-http.sh and bench/run-lua.sh: the child processes they start,
# their cleanup on exit, readiness checks and wrk runs. The caller sets T (its temporary directory),
# THREADS, CONNECTIONS and BODY_SIZE first; LOAD_PIN (a command prefix for wrk) is optional.

PIDS=()
WRK_PID=""
# ours PID: still running as a child of this script (an exited server's pid may have been reused).
ours() { [[ -n "$1" && "$(ps -o ppid= -p "$1" 2>/dev/null | tr -d ' ')" == "$$" ]]; }
cleanup() {
  local pid live=()
  for pid in "$WRK_PID" "${PIDS[@]:-}"; do ours "$pid" && live+=("$pid"); done
  for pid in "${live[@]:-}"; do [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true; done
  for pid in "${live[@]:-}"; do
    [[ -n "$pid" ]] || continue
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    ours "$pid" && kill -9 "$pid" 2>/dev/null || true
  done
  if [[ -n "${BENCH_KEEP:-}" ]]; then mkdir -p "$BENCH_KEEP" && cp -r "$T"/. "$BENCH_KEEP"/ && echo "kept configs and logs in $BENCH_KEEP"; fi
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# require_free_ports PORT... : exits if one of them already answers on loopback.
require_free_ports() {
  local port
  for port in "$@"; do
    if port_busy "$port"; then echo "port 127.0.0.1:$port is in use; set BENCH_PORT_BASE to another base" >&2; exit 1; fi
  done
}

# start NAME CMD... : runs CMD in the background, logging to $T/NAME.log; sets LAST_PID.
start() {
  local name="$1"; shift
  "$@" > "$T/$name.log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

BODY="$(head -c "$BODY_SIZE" < /dev/zero | tr '\0' 'x')"

# wait_ready PID URL TIMEOUT_S : 0 once URL returns the body, 1 if PID exits, 2 on timeout.
wait_ready() {
  local pid="$1" url="$2" timeout="$3" deadline
  deadline=$(( $(date +%s) + timeout ))
  while (( $(date +%s) < deadline )); do
    [[ "$(curl -s --max-time 1 "$url" 2>/dev/null || true)" == "$BODY" ]] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 2
}

to_ms() { # "1.23ms" / "850.00us" / "1.02s" -> milliseconds
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else printf "nan" }'
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR] = $1} END {if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# run_wrk OUTFILE ARGS... : wrk in the background + wait, so Ctrl-C/TERM reach the trap at once
# instead of after the run.
run_wrk() {
  local out="$1"; shift
  local rc=0
  ${LOAD_PIN[@]+"${LOAD_PIN[@]}"} wrk -t"$THREADS" -c"$CONNECTIONS" --timeout 5s "$@" > "$out" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || rc=$?
  WRK_PID=""   # finished: never signal a recycled pid from cleanup
  return $rc
}

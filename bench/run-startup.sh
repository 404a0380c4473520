#!/usr/bin/env bash
# run-startup.sh — start-up time and idle memory of bin/remora-proxy, one fresh process per round.
#
#   bench/run-startup.sh                                   # bench/remora-http.yaml and examples/xds-bootstrap.yaml
#   ROUNDS=5 bench/run-startup.sh examples/front-proxy.yaml
#   REMORA_JAVA_OPTS='-Xss256k' bench/run-startup.sh       # try a flag (the launcher appends it last)
#   bench/run-startup.sh bench/remora-http.yaml floor      # and the floor: a bare Netty HTTP server
#
# For each bootstrap and round it prints: wall time from launch to the admin `/ready` answering 200,
# the CPU the process had used by then (user+sys from /proc/PID/stat), resident memory (VmRSS) after
# IDLE seconds with no traffic, the number of classes loaded, and the load average at the time (the
# machine is shared: wall time follows load, CPU time is the repeatable figure).
# Every port_value in the bootstrap is rewritten to a free loopback port from PORT_BASE on, so
# nothing else on the machine is dialled. A bootstrap with dynamic_resources is ready only once its
# first xDS config is in (Envoy's initialization, docs/xds.md): a real control plane
# (java-control-plane, bench/lib/control-plane.sh) is started on the port of its static cluster
# xds_cluster, serving one small snapshot (an EDS cluster, a listener and its RDS routes), so "ready"
# includes CDS, EDS, LDS and RDS. It runs in its own JVM, started before the rounds and idle between.
#
# Environment (defaults in brackets):
#   ROUNDS [3]  IDLE [5] seconds idle before RSS is read  PORT_BASE [27100]  CONCURRENCY [1]
#   NMT [0]     1: run with -XX:NativeMemoryTracking=summary and print `jcmd VM.native_memory summary`
#   CLASSES [1] 0: skip the class count (it attaches jcmd after RSS is read)
#   REMORA_LAUNCHER [bin/remora-proxy]  JAVA / JAVA_HOME / REMORA_* as for the launcher
# `floor` in place of a bootstrap measures bench/floor/NettyFloor.java instead: the smallest Netty
# HTTP/1.1 server, on the same transport, started by the same launcher (same JVM flags, its own
# archive), so the table shows what Remora's own work costs above a JVM running Netty at all.
# The launcher's AppCDS archive is written by the first serving run after a build; run once before
# measuring (the first round says "archive: written by this run").
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
ROUNDS="${ROUNDS:-3}"
IDLE="${IDLE:-5}"
PORT_BASE="${PORT_BASE:-27100}"
CONCURRENCY="${CONCURRENCY:-1}"
LAUNCHER="${REMORA_LAUNCHER:-$ROOT/bin/remora-proxy}"
FILES=("$@")
((${#FILES[@]})) || FILES=("$ROOT/bench/remora-http.yaml" "$ROOT/examples/xds-bootstrap.yaml")
HZ="$(getconf CLK_TCK)"
JCMD="jcmd"
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/jcmd" ]]; then JCMD="$JAVA_HOME/bin/jcmd"; fi
if [[ -n "${JAVA:-}" && -x "$(dirname "$JAVA")/jcmd" ]]; then JCMD="$(dirname "$JAVA")/jcmd"; fi

T="$(mktemp -d -t remora-startup.XXXXXX)"
PID=""
# shellcheck source=lib/control-plane.sh
source "$ROOT/bench/lib/control-plane.sh"
cleanup() {
  if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then kill -9 "$PID" 2>/dev/null || true; fi
  stop_control_plane
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# http_status PORT METHOD PATH: sets STATUS to the status code of one request, empty if nothing
# listens yet. Bash builtins only, no fork (not even a command substitution): the poll loop must not
# compete with the JVM for the two cores.
http_status() {
  STATUS=""
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 0
  printf '%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$2" "$3" >&3
  IFS=' ' read -r -t 2 _ STATUS _ <&3 || true
  exec 3<&- 3>&-
}

# pause: 10 ms without forking sleep(1) (a read that times out on a pipe nobody writes to)
exec {PAUSE_FD}<> <(:)
pause() { read -r -t 0.01 -u "$PAUSE_FD" _ || true; }

# cpu_ms PID: user+sys CPU of the process so far, in ms (fields 14 and 15 of /proc/PID/stat).
cpu_ms() {
  local stat rest
  stat="$(cat "/proc/$1/stat")"; rest="${stat##*) }"
  # shellcheck disable=SC2086
  set -- $rest
  echo $(( (${12} + ${13}) * 1000 / HZ ))
}

# measure_round JAR ADMIN_PORT ARGS...: one fresh process (the launcher with JAR, or its default jar when
# empty, and ARGS) to /ready on ADMIN_PORT, idle, then /quitquitquit; prints one row for $name/$round.
measure_round() {
  local jar="$1" admin="$2" extra t0 t1 cpu rss classes
  shift 2
  extra="${REMORA_JAVA_OPTS:-}"
  [[ "${NMT:-0}" == 1 ]] && extra="$extra -XX:NativeMemoryTracking=summary"
  t0="$(date +%s%N)"
  REMORA_JAR="$jar" REMORA_JAVA_OPTS="$extra" "$LAUNCHER" "$@" > "$T/out.log" 2>&1 &
  PID=$!
  STATUS=""
  while [[ "$STATUS" != 200 ]]; do
    kill -0 "$PID" 2>/dev/null || { echo "$name: proxy exited before /ready; log:" >&2; tail -5 "$T/out.log" >&2; exit 1; }
    http_status "$admin" GET /ready
    [[ "$STATUS" == 200 ]] || pause
  done
  t1="$(date +%s%N)"
  cpu="$(cpu_ms "$PID")"
  sleep "$IDLE"
  rss="$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$PID/status")"
  classes="-"
  if [[ "${CLASSES:-1}" == 1 ]]; then
    classes="$("$JCMD" "$PID" VM.classloader_stats 2>/dev/null | awk '/^Total = / { print $4; exit }')"
    [[ -n "$classes" ]] || classes="?"
  fi
  printf '%-28s %5s %10d %9d %9s %8s %s\n' "$name" "$round" $(( (t1 - t0) / 1000000 )) "$cpu" "$rss" "$classes" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
  if [[ "${NMT:-0}" == 1 ]]; then
    "$JCMD" "$PID" VM.native_memory summary | sed -n '/^Total/,$p' | grep -E '^(Total|-)' | sed 's/^/    /'
  fi
  # /quitquitquit exits normally, so the launcher's first serving run can write its AppCDS archive
  # (writing it takes several seconds on a busy machine: wait up to 60 s before killing).
  http_status "$admin" POST /quitquitquit
  for _ in $(seq 1 600); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$PID" 2>/dev/null && kill -9 "$PID" 2>/dev/null
  wait "$PID" 2>/dev/null || true
  PID=""
}

# floor_jar: compiles NettyFloor against the proxy's Netty jars into $T/floor.jar (its manifest's
# Class-Path points at a lib/ link to proxy/target/lib, as remora-proxy.jar's does).
floor_jar() {
  [[ -f "$T/floor.jar" ]] && return
  local lib="$ROOT/proxy/target/lib" cp
  [[ -d "$lib" ]] || { echo "floor: $lib missing; build with ./mvnw -B package -DskipTests" >&2; exit 1; }
  cp="$(cd "$lib" && ls netty-*.jar | grep -v -e osx -e windows -e aarch_64 | sed 's|^|lib/|' | tr '\n' ' ')"
  ln -s "$lib" "$T/lib"
  mkdir -p "$T/floor"
  (cd "$T" && javac -d floor -cp "${cp// /:}" "$ROOT/bench/floor/NettyFloor.java")
  # manifest lines are at most 72 bytes: continue the long Class-Path on lines that start with a space
  printf 'Main-Class: NettyFloor\nClass-Path: %s\n' "$cp" | fold -b -w 71 | sed '3,$s/^/ /' > "$T/floor.mf"
  jar cfm "$T/floor.jar" "$T/floor.mf" -C "$T/floor" .
}

printf '%-28s %5s %10s %9s %9s %8s %s\n' bootstrap round "ready(ms)" "cpu(ms)" "rss(MiB)" classes "load avg"
for file in "${FILES[@]}"; do
  name="$(basename "$file")"
  if [[ "$file" == floor ]]; then
    floor_jar
    admin="$PORT_BASE" name="netty-floor"
    # its archive in the scratch cache: the jar is rebuilt each run, so its archives would only pile up
    for round in $(seq 1 "$ROUNDS"); do XDG_CACHE_HOME="$T/cache" measure_round "$T/floor.jar" "$admin" "$admin"; done
    continue
  fi
  # Rewrite ports in order of appearance; the first port_value under `admin:` is the admin port, the
  # first in the cluster named xds_cluster the control plane's.
  awk -v base="$PORT_BASE" '
    /^admin:/ { in_admin = 1 } /^[a-z_]+:/ && !/^admin:/ { in_admin = 0 }
    /- name: */ { cluster = $3 }
    /port_value: *[0-9]+/ {
      p = base + n++; if (in_admin && admin == "") admin = p; if (cluster == "xds_cluster" && xds == "") xds = p
      sub(/port_value: *[0-9]+/, "port_value: " p) }
    { print }
    END { print admin " " xds > "/dev/stderr" }' "$file" > "$T/$name" 2> "$T/ports"
  read -r admin xds_port < "$T/ports"
  [[ -n "$admin" ]] || { echo "$file: no admin port_value; /ready cannot be polled" >&2; exit 1; }
  if grep -q '^dynamic_resources:' "$T/$name"; then
    [[ -n "${xds_port:-}" ]] || { echo "$file: dynamic_resources but no static cluster xds_cluster to serve" >&2; exit 1; }
    if [[ -z "${CP:-}" ]]; then (cd "$ROOT" && test_classpath && printf '%s' "$CP" > "$T/cp"); CP="$(cat "$T/cp")"; fi
    start_control_plane "$xds_port" $((PORT_BASE + 90)) "$T/control-plane.log"
  fi
  for round in $(seq 1 "$ROUNDS"); do measure_round "${REMORA_JAR:-}" "$admin" -c "$T/$name" --concurrency "$CONCURRENCY" -l warning; done
  stop_control_plane
done

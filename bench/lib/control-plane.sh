# control-plane.sh — sourced by bench/run-xds-update.sh and bench/run-startup.sh: the proxy's test
# classes (where the benches' java-control-plane management server lives) and their class path.
# test_classpath runs at the repository root.

# test_classpath: compiles the proxy's test sources (offline) and sets CP to run their classes.
test_classpath() {
  ./mvnw -B -o -q -pl proxy test-compile
  local cp_file
  cp_file="$(mktemp)"
  ./mvnw -B -o -q -pl proxy dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
  CP="$PWD/proxy/target/test-classes:$PWD/proxy/target/classes:$(cat "$cp_file")"
  rm -f "$cp_file"
}

# start_control_plane PORT LISTENER_PORT LOG: java-control-plane (dev.remora.proxy.xds.BenchControlPlane
# serve) in its own JVM on 127.0.0.1:PORT, serving every node one small snapshot (an EDS cluster, a
# listener on LISTENER_PORT, its RDS routes). Returns once it serves; sets CONTROL_PLANE_PID. It runs
# until its stdin (a fifo this shell holds open on fd CONTROL_PLANE_FD) is closed: stop_control_plane.
start_control_plane() {
  local fifo
  fifo="$(mktemp -u)"
  mkfifo "$fifo"
  java -Xms64m -Xmx256m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" \
    dev.remora.proxy.xds.BenchControlPlane serve "$1" "$2" < "$fifo" > "$3" 2>&1 &
  CONTROL_PLANE_PID=$!
  exec {CONTROL_PLANE_FD}> "$fifo"
  rm -f "$fifo"
  for _ in $(seq 1 600); do
    grep -q '^port ' "$3" 2>/dev/null && return 0
    kill -0 "$CONTROL_PLANE_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "the control plane did not start; log:" >&2
  tail -5 "$3" >&2
  return 1
}

stop_control_plane() {
  [[ -n "${CONTROL_PLANE_PID:-}" ]] || return 0
  exec {CONTROL_PLANE_FD}>&-
  for _ in $(seq 1 50); do kill -0 "$CONTROL_PLANE_PID" 2>/dev/null || break; sleep 0.1; done
  kill "$CONTROL_PLANE_PID" 2>/dev/null || true
  wait "$CONTROL_PLANE_PID" 2>/dev/null || true
  CONTROL_PLANE_PID=""
}

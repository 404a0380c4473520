#!/usr/bin/env bash
# run-xds-update.sh — xDS update latency and config memory for 1,000 routes and 500 clusters.
#
#   bench/run-xds-update.sh                 # workers = CPUs, 200 rounds
#   WORKERS=4 ROUNDS=500 WARMUP=50 bench/run-xds-update.sh   (warm-up rounds are not measured)
#
# Starts java-control-plane and the proxy in one JVM on loopback (dev.remora.proxy.xds.XdsUpdateBench,
# in the proxy's test sources) and prints, per update type, the time from an ADS response arriving
# to its change being held by every worker (p50/p90/p99/max), the xDS thread's CPU per response and the
# heap the config costs. First, the CPU of each phase measured apart (dev.remora.proxy.xds.XdsPhaseBench).
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$ROOT"
# shellcheck source=lib/control-plane.sh
source bench/lib/control-plane.sh
test_classpath
if [ "${PHASES:-1}" = 1 ]; then
  java -Xms512m -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" dev.remora.proxy.xds.XdsPhaseBench
fi
exec java ${JAVA_OPTS:-} -Xms512m -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dworkers="${WORKERS:-$(nproc)}" -Drounds="${ROUNDS:-200}" -Dwarmup="${WARMUP:-20}" \
  -cp "$CP" dev.remora.proxy.xds.XdsUpdateBench

#!/usr/bin/env bash
# run-h2spec.sh — run the h2spec HTTP/2 conformance suite against a server on loopback.
#
#   bench/run-h2spec.sh 127.0.0.1:18080              # h2c (prior knowledge)
#   bench/run-h2spec.sh 127.0.0.1:18443 --tls        # h2 over TLS (certificate not verified)
#   bench/run-h2spec.sh 127.0.0.1:18080 -- http2/6.5 # extra h2spec arguments after --, e.g. one section
#
# Prints the failed cases and h2spec's summary line ("N tests, N passed, N skipped, N failed").
# Exit status: 0 when no case failed, 1 when some failed, 2 on usage/tool errors.
# Environment: H2SPEC (the binary; default: the provisioned cache, then PATH), H2SPEC_TIMEOUT [2]
# seconds per case, H2SPEC_JUNIT (write a JUnit XML report there).
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
(($#)) || usage
TARGET="$1"; shift
TLS=()
EXTRA=()
while (($#)); do
  case "$1" in
    --tls) TLS=(-t -k); shift ;;
    --) shift; EXTRA=("$@"); break ;;
    -h|--help) usage ;;
    *) echo "unknown argument '$1'" >&2; usage ;;
  esac
done

HOST="${TARGET%:*}"; PORT="${TARGET##*:}"
HOST="${HOST#[}"; HOST="${HOST%]}"
[[ "$PORT" =~ ^[0-9]+$ && "$HOST" != "$TARGET" ]] || { echo "target must be HOST:PORT, got '$TARGET'" >&2; exit 2; }
# Conformance runs only ever target this machine.
case "$HOST" in
  localhost|::1|127.*) ;;
  *) echo "refusing non-loopback target '$HOST' (use 127.0.0.1, ::1 or localhost)" >&2; exit 2 ;;
esac

H2SPEC="${H2SPEC:-}"
if [[ -z "$H2SPEC" ]]; then
  cache="${REMORA_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/remora/tools}"
  if [[ -x "$cache/bin/h2spec" ]]; then H2SPEC="$cache/bin/h2spec"; else H2SPEC="$(command -v h2spec || true)"; fi
fi
[[ -n "$H2SPEC" && -x "$H2SPEC" ]] || { echo "h2spec is missing: run scripts/provision-test-tools" >&2; exit 2; }

ARGS=(-h "$HOST" -p "$PORT" -o "${H2SPEC_TIMEOUT:-2}" "${TLS[@]}")
[[ -n "${H2SPEC_JUNIT:-}" ]] && ARGS+=(-j "$H2SPEC_JUNIT")

out="$(mktemp -t remora-h2spec.XXXXXX)"
trap 'rm -f "$out"' EXIT
rc=0
# h2spec colours its output; strip escapes so the summary is greppable.
"$H2SPEC" "${ARGS[@]}" "${EXTRA[@]}" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' > "$out" || rc=$?

summary="$(grep -E '^[0-9]+ tests, [0-9]+ passed, [0-9]+ skipped, [0-9]+ failed' "$out" | tail -1 || true)"
if [[ -z "$summary" ]]; then
  echo "h2spec produced no summary (exit $rc); its output:" >&2
  tail -20 "$out" >&2
  exit 2
fi
# The "Failures:" section repeats each failed case with expected/actual; print it when present.
if grep -q '^Failures:' "$out"; then
  sed -n '/^Failures:/,$p' "$out" | grep -vE '^[0-9]+ tests, ' | sed '/^$/N;/^\n$/D'
fi
echo "h2spec $TARGET: $summary"
failed="$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$summary")"
((failed == 0))

#!/usr/bin/env bash
# Throughput of a governed tools/call against a bare MCP SDK server, in the same run (ARCHITECTURE §9 target: the
# governed server reaches at least 60 % of the bare server's requests per second with everything on).
# Both servers run from tests/Msil.Mcp.Benchmarks on 127.0.0.1; wrk (Debian package) drives them, interleaved:
# a warm-up, then ROUNDS rounds of `wrk -t1 -c$CONNECTIONS -d${DURATION}s` each; the medians are reported.
# wrk and the servers share this machine's 2 cores, so the figures are relative: compare within one run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-10}; CONNECTIONS=${CONNECTIONS:-16}
BARE_PORT=${BARE_PORT:-5291}; GOV_PORT=${GOV_PORT:-5292}
log() { printf '[bench-http] %s\n' "$*" >&2; }
if ! command -v wrk >/dev/null; then
  log "installing wrk"; export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=120 update -qq && apt-get -o DPkg::Lock::Timeout=120 install -y -qq wrk >/dev/null
fi
dotnet build tests/Msil.Mcp.Benchmarks -c Release -nologo -v q >/dev/null
DLL=artifacts/bin/Msil.Mcp.Benchmarks/release/Msil.Mcp.Benchmarks.dll
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
start() { # start <mode> <port>
  ASPNETCORE_ENVIRONMENT=Development dotnet "$DLL" "$1" --urls "http://127.0.0.1:$2" >"artifacts/bench-$1.log" 2>&1 </dev/null &
  PIDS+=($!)
  for _ in $(seq 1 200); do curl -fsS -o /dev/null "http://127.0.0.1:$2/health/ready" 2>/dev/null && return 0; sleep 0.1; done
  log "ERROR: $1 did not start"; tail -n 20 "artifacts/bench-$1.log" >&2; exit 1
}
start serve-bare "$BARE_PORT"
start serve-governed "$GOV_PORT"
TOKEN=$(curl -fsS -X POST "http://127.0.0.1:$GOV_PORT/dev/oidc/token" -d username=alice | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
LUA=$(mktemp --suffix .lua)
cat > "$LUA" <<'LUA'
wrk.method = "POST"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
local token = os.getenv("BENCH_TOKEN")
if token and #token > 0 then wrk.headers["Authorization"] = "Bearer " .. token end
function done(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
LUA
# Sanity: each server answers the call correctly before it is measured.
for spec in "bare $BARE_PORT" "governed $GOV_PORT"; do
  set -- $spec; auth=(); [ "$1" = governed ] && auth=(-H "Authorization: Bearer $TOKEN")
  out=$(curl -fsS "http://127.0.0.1:$2/mcp" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' "${auth[@]}" \
        -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}')
  echo "$out" | grep -q 'Echo: hello' || { log "ERROR: $1 answered: $out"; exit 1; }
done
run() { BENCH_TOKEN=$3 wrk -t1 -c"$CONNECTIONS" -d"$2"s --latency -s "$LUA" "http://127.0.0.1:$1/mcp" | grep '^RESULT' | sed 's/^RESULT //'; }
log "warm-up"; run "$BARE_PORT" 3 "" >/dev/null; run "$GOV_PORT" 3 "$TOKEN" >/dev/null
BARE=(); GOV=()
for r in $(seq 1 "$ROUNDS"); do
  b=$(run "$BARE_PORT" "$DURATION" ""); g=$(run "$GOV_PORT" "$DURATION" "$TOKEN")
  log "round $r: bare $b | governed $g"
  BARE+=("$(echo "$b" | sed -E 's/rps=([0-9]+).*/\1/')"); GOV+=("$(echo "$g" | sed -E 's/rps=([0-9]+).*/\1/')")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mb=$(median "${BARE[@]}"); mg=$(median "${GOV[@]}")
echo "bare MCP SDK tools/call:      $mb req/s (median of $ROUNDS, c=$CONNECTIONS, ${DURATION}s)"
echo "governed tools/call:          $mg req/s"
echo "governed / bare:              $(awk -v g="$mg" -v b="$mb" 'BEGIN { printf "%.0f %%", 100 * g / b }')"
rm -f "$LUA"

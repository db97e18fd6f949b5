#!/usr/bin/env bash
# Throughput of a governed tools/call against a bare MCP SDK server, in the same run (ARCHITECTURE §9 target: the
# governed server reaches at least 60 % of the bare server's requests per second with everything on).
# Both servers run from tests/Msil.Mcp.Benchmarks on 127.0.0.1; wrk (Debian package) drives them, interleaved:
# a warm-up, then ROUNDS rounds of `wrk -t1 -c$CONNECTIONS -d${DURATION}s` each; the medians are reported.
# wrk and the servers share this machine's 2 cores, so the figures are relative: compare within one run.
# Next to req/s it prints what a loaded machine cannot blur as much: server CPU per call (utime+stime from
# /proc/PID/stat across each measured round) and allocation per call (the runtime's allocated-bytes counter, read from
# the bench servers' GET /bench/stats), medians over the rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-10}; CONNECTIONS=${CONNECTIONS:-16}
BARE_PORT=${BARE_PORT:-5291}; GOV_PORT=${GOV_PORT:-5292}
log() { printf '[bench-http] %s\n' "$*" >&2; }
if ! command -v wrk >/dev/null; then
  log "installing wrk"; export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=120 update -qq && apt-get -o DPkg::Lock::Timeout=120 install -y -qq wrk >/dev/null
fi
[ -n "${SKIP_BUILD:-}" ] || dotnet build tests/Msil.Mcp.Benchmarks -c Release -nologo -v q >/dev/null
DLL=artifacts/bin/Msil.Mcp.Benchmarks/release/Msil.Mcp.Benchmarks.dll
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
declare -A PID_OF=()
start() { # start <mode> <port>
  ASPNETCORE_ENVIRONMENT=Development dotnet "$DLL" "$1" --urls "http://127.0.0.1:$2" >"artifacts/bench-$1.log" 2>&1 </dev/null &
  PIDS+=($!); PID_OF[$2]=$!
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
  io.write(string.format("RESULT rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d non2xx=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status, summary.requests))
end
LUA
# Sanity: each server answers the call correctly before it is measured.
for spec in "bare $BARE_PORT" "governed $GOV_PORT"; do
  set -- $spec; auth=(); [ "$1" = governed ] && auth=(-H "Authorization: Bearer $TOKEN")
  out=$(curl -fsS "http://127.0.0.1:$2/mcp" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' "${auth[@]}" \
        -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}')
  echo "$out" | grep -q 'Echo: hello' || { log "ERROR: $1 answered: $out"; exit 1; }
done
TICK_US=$((1000000 / $(getconf CLK_TCK)))
cpu_us() { awk -v t="$TICK_US" '{ print ($14 + $15) * t }' "/proc/$1/stat"; }
allocated() { curl -fsS "http://127.0.0.1:$1/bench/stats" | sed -E 's/.*allocated=([0-9]+).*/\1/'; }
run() { # run <port> <seconds> <token>: prints "rps=… p50_ms=… … cpu_us_per_call=… alloc_b_per_call=…"
  local pid=${PID_OF[$1]} c0 a0 out n
  c0=$(cpu_us "$pid"); a0=$(allocated "$1")
  out=$(BENCH_TOKEN=$3 wrk -t1 -c"$CONNECTIONS" -d"$2"s --latency -s "$LUA" "http://127.0.0.1:$1/mcp" | grep '^RESULT' | sed 's/^RESULT //')
  n=$(echo "$out" | sed -E 's/.*requests=([0-9]+).*/\1/')
  echo "$out cpu_us_per_call=$(( ($(cpu_us "$pid") - c0) / (n > 0 ? n : 1) )) alloc_b_per_call=$(( ($(allocated "$1") - a0) / (n > 0 ? n : 1) ))"
}
log "warm-up"; run "$BARE_PORT" 3 "" >/dev/null; run "$GOV_PORT" 3 "$TOKEN" >/dev/null
BARE=(); GOV=(); BARE_CPU=(); GOV_CPU=(); BARE_ALLOC=(); GOV_ALLOC=()
field() { echo "$2" | sed -E "s/.*$1=([0-9]+).*/\\1/"; }
for r in $(seq 1 "$ROUNDS"); do
  b=$(run "$BARE_PORT" "$DURATION" ""); g=$(run "$GOV_PORT" "$DURATION" "$TOKEN")
  log "round $r: bare $b | governed $g"
  BARE+=("$(field rps "$b")"); GOV+=("$(field rps "$g")")
  BARE_CPU+=("$(field cpu_us_per_call "$b")"); GOV_CPU+=("$(field cpu_us_per_call "$g")")
  BARE_ALLOC+=("$(field alloc_b_per_call "$b")"); GOV_ALLOC+=("$(field alloc_b_per_call "$g")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mb=$(median "${BARE[@]}"); mg=$(median "${GOV[@]}")
echo "bare MCP SDK tools/call:      $mb req/s, $(median "${BARE_CPU[@]}") µs CPU/call, $(median "${BARE_ALLOC[@]}") B allocated/call (medians of $ROUNDS, c=$CONNECTIONS, ${DURATION}s)"
echo "governed tools/call:          $mg req/s, $(median "${GOV_CPU[@]}") µs CPU/call, $(median "${GOV_ALLOC[@]}") B allocated/call"
echo "governed / bare:              $(awk -v g="$mg" -v b="$mb" 'BEGIN { printf "%.0f %%", 100 * g / b }') (req/s)"
rm -f "$LUA"

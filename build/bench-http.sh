#!/usr/bin/env bash
# The governed tools/call against bare MCP SDK servers, in the same run (issue #18's table):
#   echo rows: the bare SDK echo (stateless) and the governed echo (tests/Msil.Mcp.Benchmarks serve-bare /
#              serve-governed: bearer validation, policy, rate limits, flushed audit; the executor in process);
#   api rows:  a bare SDK server whose tool GETs the sample backend's inventory through IHttpClientFactory
#              (serve-bare-proxy) and the reference server as it ships (Development defaults: development issuer,
#              embedded policy, token exchange to the backend, flushed audit, metrics and traces collected), both
#              against the same sample backend in its own process (serve-backend);
#   node row:  a Node OpenAPI-to-MCP server with no governance (@ivotoby/openapi-mcp-server, same spec and backend)
#              against the reference server. The Node server answers a POSTed call with 202 and sends the reply on the
#              session's SSE GET stream, which wrk cannot drive. NODE_DRIVER picks the client: raw (the default) is
#              tests/Msil.Mcp.Benchmarks drive-mcp, one process of NODE_SESSIONS (16) sessions over pooled keep-alive
#              connections, run without tiered compilation; ts is the TypeScript SDK's client of the earlier figures
#              (build/bench/node-driver.mjs, NODE_PROCS processes of 4 sessions). The Node server is run flat out; the
#              reference server then gets the same request rate (the driver paces its calls). The row prints, medians
#              of ROUNDS: each server's calls/s and CPU per call, the reference server's allocation per call, the
#              driver's own CPU per call (raw: its call loops, as it reports them; ts: the client processes' whole
#              lives, from the shell's `times`), and the reference server's CPU per call as a share of the Node peer's.
#              The yardstick beside them: the api row's bare MCP SDK proxy (serve-bare-proxy) paced to the same rate
#              (NODE_BARE=0 leaves it out), i.e. what the SDK and the runtime cost at that rate with no governance.
#              BARE_ENV adds runtime settings to the bare servers as REF_ENV does to the reference server (e.g.
#              REF_ENV=DOTNET_gcServer=0 BARE_ENV=DOTNET_gcServer=0 to compare workstation GC on both). CPU per call
#              falls as the rate rises (fixed and wake-up costs are shared by more calls), so runs at different Node
#              rates do not compare: NODE_RATE paces the bare and governed servers at that fixed rate instead, for A/B
#              runs of a setting on a loaded machine.
# wrk drives them, interleaved: a warm-up of WARMUP (15) seconds per server (a tiered server is still recompiling hot
# methods 10-20 s after its first calls; with 3 s, the first round ran at half speed), then ROUNDS rounds of `wrk -t1 -c$CONNECTIONS -d${DURATION}s` each; the
# medians are reported. wrk and the servers share this machine's cores, so the figures are relative: compare within
# one run. Next to req/s it prints what a loaded machine cannot blur as much: server CPU per call (utime+stime from
# /proc/PID/stat across each measured round) and allocation per call (the runtime's allocated-bytes counter: the bench
# servers' GET /bench/stats, the reference server's /metrics), medians over the rounds.
#   startup row (opt-in): a freshly started reference server, as built (JIT, tiered PGO), as shipped (the ReadyToRun
#              publish profile, tiering on) and that build with tiering off, each with the start-up warm-up
#              (Msil:Mcp:WarmUp), driven by wrk in 1-second slices from the moment it is ready: req/s and p99 per second,
#              methods jitted (the runtime's counter on /metrics) at ready, after 2 s and at the end; STARTUP_RUNS runs
#              interleaved, medians of seconds 1-2 and 3-SLICES. The sample backend is started once and warmed first
#              (STARTUP_BACKEND=fresh: after each server, as before), and the shipped build's rate after STEADY_WARM (30)
#              seconds of calls is printed as the steady yardstick.
# ROWS: any of echo,api,node,startup (default echo,api,node; node installs its npm packages under artifacts/bench-node); SKIP_BUILD=1 reuses the last Release build; REF_DIR
# (default artifacts/bin/Msil.Mcp.ReferenceServer/release, the JIT build) picks the reference server the api and node rows
# run, e.g. REF_DIR=artifacts/bench-r2r for the published ReadyToRun build (REF_ENV adds runtime settings). The reference server and the
# bench servers log at Warning (a console line per call would measure the console).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-10}; WARMUP=${WARMUP:-15}; CONNECTIONS=${CONNECTIONS:-16}; ROWS=${ROWS:-echo,api,node}; NODE_PROCS=${NODE_PROCS:-4}
NODE_DRIVER=${NODE_DRIVER:-raw}; NODE_SESSIONS=${NODE_SESSIONS:-16}
BARE_PORT=${BARE_PORT:-5291}; GOV_PORT=${GOV_PORT:-5292}; BACKEND_PORT=${BACKEND_PORT:-5293}
PROXY_PORT=${PROXY_PORT:-5294}; REF_PORT=${REF_PORT:-5295}; NODE_PORT=${NODE_PORT:-5296}
log() { printf '[bench-http] %s\n' "$*" >&2; }
if ! command -v wrk >/dev/null; then
  log "installing wrk"; export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=120 update -qq && apt-get -o DPkg::Lock::Timeout=120 install -y -qq wrk >/dev/null
fi
if [ -z "${SKIP_BUILD:-}" ]; then
  dotnet build tests/Msil.Mcp.Benchmarks -c Release -nologo -v q >/dev/null
  [[ $ROWS != *api* && $ROWS != *node* ]] || dotnet build samples/Msil.Mcp.ReferenceServer -c Release -nologo -v q >/dev/null
fi
DLL=artifacts/bin/Msil.Mcp.Benchmarks/release/Msil.Mcp.Benchmarks.dll
REF_DIR=${REF_DIR:-artifacts/bin/Msil.Mcp.ReferenceServer/release}
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
declare -A PID_OF=() STATS_OF=()
wait_ready() { # wait_ready <name> <port> <log>
  for _ in $(seq 1 300); do curl -fsS -o /dev/null "http://127.0.0.1:$2/health/ready" 2>/dev/null && return 0; sleep 0.1; done
  log "ERROR: $1 did not start"; tail -n 20 "$3" >&2; exit 1
}
start() { # start <mode> <port>: a bench server from tests/Msil.Mcp.Benchmarks (BARE_ENV: runtime settings for the bare servers)
  local extra=; [ "$1" = serve-backend ] || extra=${BARE_ENV:-}
  # shellcheck disable=SC2086
  ASPNETCORE_ENVIRONMENT=Development env $extra dotnet "$DLL" "$1" --urls "http://127.0.0.1:$2" >"artifacts/bench-$1.log" 2>&1 </dev/null &
  PIDS+=($!); PID_OF[$2]=$!; STATS_OF[$2]=bench
  wait_ready "$1" "$2" "artifacts/bench-$1.log"
}
LUA=$(mktemp --suffix .lua -p "$WORK")
cat > "$LUA" <<'LUA'
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
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
ECHO_BODY='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}'
API_BODY='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_vehicle_inventory","arguments":{}}}'
check() { # check <name> <port> <token> <body> <expected text>: the server answers the call correctly before it is measured
  local auth=(); [ -z "$3" ] || auth=(-H "Authorization: Bearer $3")
  local out; out=$(curl -fsS "http://127.0.0.1:$2/mcp" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H 'MCP-Protocol-Version: 2025-11-25' "${auth[@]}" -d "$4")
  echo "$out" | grep -q "$5" || { log "ERROR: $1 answered: ${out:0:600}"; exit 1; }
  ! echo "$out" | grep -q '"isError":true' || { log "ERROR: $1 answered a tool error: ${out:0:600}"; exit 1; }
}
TICK_US=$((1000000 / $(getconf CLK_TCK)))
cpu_us() { awk -v t="$TICK_US" '{ print ($14 + $15) * t }' "/proc/$1/stat"; }
allocated() { # allocated <port>: bytes the process has allocated so far
  if [ "${STATS_OF[$1]}" = bench ]; then
    curl -fsS "http://127.0.0.1:$1/bench/stats" | sed -E 's/.*allocated=([0-9]+).*/\1/'
  else
    curl -fsS "http://127.0.0.1:$1/metrics" | awk '/^dotnet_gc_heap_total_allocated_bytes(_total)?[ {]/ && !v { v = $NF } END { printf "%.0f\n", v }'
  fi
}
run() { # run <port> <seconds> <token> <body>: prints "rps=… p50_ms=… … cpu_us_per_call=… alloc_b_per_call=…"
  local pid=${PID_OF[$1]} c0 a0 out n
  c0=$(cpu_us "$pid"); a0=$(allocated "$1")
  out=$(BENCH_TOKEN=$3 BENCH_BODY=$4 wrk -t1 -c"$CONNECTIONS" -d"$2"s --latency -s "$LUA" "http://127.0.0.1:$1/mcp" | grep '^RESULT' | sed 's/^RESULT //')
  n=$(echo "$out" | sed -E 's/.*requests=([0-9]+).*/\1/')
  echo "$out cpu_us_per_call=$(( ($(cpu_us "$pid") - c0) / (n > 0 ? n : 1) )) alloc_b_per_call=$(( ($(allocated "$1") - a0) / (n > 0 ? n : 1) ))"
}
field() { echo "$2" | sed -E "s/.*$1=([0-9]+).*/\\1/"; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
compare() { # compare <label A> <port A> <token A> <label B> <port B> <token B> <body>: interleaved rounds, medians
  local r a b RA=() RB=() CA=() CB=() AA=() AB=() ma mb
  run "$2" "$WARMUP" "$3" "$7" >/dev/null; run "$5" "$WARMUP" "$6" "$7" >/dev/null
  for r in $(seq 1 "$ROUNDS"); do
    a=$(run "$2" "$DURATION" "$3" "$7"); b=$(run "$5" "$DURATION" "$6" "$7")
    log "round $r: $1 $a | $4 $b"
    RA+=("$(field rps "$a")"); RB+=("$(field rps "$b")")
    CA+=("$(field cpu_us_per_call "$a")"); CB+=("$(field cpu_us_per_call "$b")")
    AA+=("$(field alloc_b_per_call "$a")"); AB+=("$(field alloc_b_per_call "$b")")
  done
  ma=$(median "${RA[@]}"); mb=$(median "${RB[@]}")
  printf '%-30s %s req/s, %s µs CPU/call, %s B allocated/call (medians of %s, c=%s, %ss)\n' "$1:" "$ma" "$(median "${CA[@]}")" "$(median "${AA[@]}")" "$ROUNDS" "$CONNECTIONS" "$DURATION"
  printf '%-30s %s req/s, %s µs CPU/call, %s B allocated/call\n' "$4:" "$mb" "$(median "${CB[@]}")" "$(median "${AB[@]}")"
  printf '%-30s %s (req/s)\n' "governed / bare:" "$(awk -v g="$mb" -v b="$ma" 'BEGIN { printf "%.0f %%", 100 * g / b }')"
}

if [[ $ROWS == *echo* ]]; then
  start serve-bare "$BARE_PORT"
  start serve-governed "$GOV_PORT"
  TOKEN=$(curl -fsS -X POST "http://127.0.0.1:$GOV_PORT/dev/oidc/token" -d username=alice | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  check bare "$BARE_PORT" "" "$ECHO_BODY" 'Echo: hello'
  check governed "$GOV_PORT" "$TOKEN" "$ECHO_BODY" 'Echo: hello'
  log "echo rows"
  compare "bare MCP SDK echo" "$BARE_PORT" "" "governed echo" "$GOV_PORT" "$TOKEN" "$ECHO_BODY"
  for p in "${PID_OF[$BARE_PORT]}" "${PID_OF[$GOV_PORT]}"; do kill "$p" 2>/dev/null || true; done
fi

SECRET=bench-exchange-secret
start_ref() { # start_ref <directory of Msil.Mcp.ReferenceServer.dll>: the reference server, then the backend, then tokens
  local dir; dir=$(cd "$1" && pwd)
  ( cd "$WORK" && ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_CONTENTROOT="$dir" \
    Logging__LogLevel__Default=Warning \
    Msil__Mcp__Apim__GatewayUrl="http://127.0.0.1:$BACKEND_PORT/backend" \
    Msil__Mcp__Auth__Downstream__ClientSecret=$SECRET \
    Msil__Mcp__Registry__SqlitePath="$WORK/registry.db" Msil__Mcp__Audit__Directory="$WORK/audit" \
    Msil__Mcp__AllowAnonymousMetrics=true \
    Msil__Mcp__RateLimit__PerUser__PermitsPerMinute=100000000 Msil__Mcp__RateLimit__PerUser__Burst=1000000 \
    Msil__Mcp__RateLimit__Read__PermitsPerMinute=100000000 Msil__Mcp__RateLimit__Read__Burst=1000000 \
    exec env ${REF_ENV:-} dotnet "$dir/Msil.Mcp.ReferenceServer.dll" --urls "http://127.0.0.1:$REF_PORT" ) \
    >artifacts/bench-reference-server.log 2>&1 </dev/null &
  PIDS+=($!); PID_OF[$REF_PORT]=$!; STATS_OF[$REF_PORT]=metrics
  local t0; t0=$(date +%s%N)
  wait_ready reference-server "$REF_PORT" artifacts/bench-reference-server.log
  REF_READY_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
  # The backend is started once, after the first server (it reads that server's development issuer), and kept: see
  # stop_ref and the startup row.
  local kept=1
  [ -n "${PID_OF[$BACKEND_PORT]:-}" ] || { kept=; BENCH_AUTHORITY="http://127.0.0.1:$REF_PORT/dev/oidc" start serve-backend "$BACKEND_PORT"; }
  TOKEN=$(curl -fsS -X POST "http://127.0.0.1:$REF_PORT/dev/oidc/token" -d username=bob | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  BACKEND_TOKEN=$(curl -fsS -X POST "http://127.0.0.1:$REF_PORT/dev/oidc/token" \
    -d grant_type=urn:ietf:params:oauth:grant-type:token-exchange -d subject_token="$TOKEN" \
    -d subject_token_type=urn:ietf:params:oauth:token-type:access_token -d audience=api://msil-sample-backend \
    -d client_id=msil-mcp-server -d client_secret=$SECRET | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  # A restarted server signs with a new development-issuer key: a backend kept from before takes it from the JWKS on
  # the first token it cannot verify (serve-backend refreshes at most once a second). Let that happen here, not in
  # the measured calls.
  [ -n "$kept" ] || return 0
  local i; for i in $(seq 1 30); do
    curl -fsS -o /dev/null -H "Authorization: Bearer $BACKEND_TOKEN" "http://127.0.0.1:$BACKEND_PORT/backend/v1/inventory" 2>/dev/null && return 0
    sleep 0.2
  done
  log "ERROR: the backend does not accept the new server's tokens"; exit 1
}
stop_ref() { # stop_ref [keep-backend]: stops the reference server and, unless told to keep it, the backend
  local p=${PID_OF[$REF_PORT]:-}
  [ -z "$p" ] || { kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; }
  PID_OF[$REF_PORT]=
  [ -z "${1:-}" ] || return 0
  p=${PID_OF[$BACKEND_PORT]:-}
  [ -z "$p" ] || { kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; }
  PID_OF[$BACKEND_PORT]=
}

if [[ $ROWS == *api* || $ROWS == *node* ]]; then
  start_ref "$REF_DIR"
  check reference-server "$REF_PORT" "$TOKEN" "$API_BODY" 'V001'
fi

if [[ $ROWS == *api* ]]; then
  BENCH_BACKEND_URL="http://127.0.0.1:$BACKEND_PORT/backend" BENCH_BACKEND_TOKEN=$BACKEND_TOKEN start serve-bare-proxy "$PROXY_PORT"
  check bare-proxy "$PROXY_PORT" "" "$API_BODY" 'V001'
  log "api rows"
  compare "bare MCP SDK proxy" "$PROXY_PORT" "" "governed API tool" "$REF_PORT" "$TOKEN" "$API_BODY"
  kill "${PID_OF[$PROXY_PORT]}" 2>/dev/null || true; wait "${PID_OF[$PROXY_PORT]}" 2>/dev/null || true; PID_OF[$PROXY_PORT]=
fi

if [[ $ROWS == *node* ]]; then
  NODE_DIR=artifacts/bench-node
  if [ ! -d "$NODE_DIR/node_modules/@ivotoby/openapi-mcp-server" ]; then
    log "installing the Node peer and the TypeScript SDK into $NODE_DIR"; mkdir -p "$NODE_DIR"
    (cd "$NODE_DIR" && npm install --no-audit --no-fund --silent @ivotoby/openapi-mcp-server@1.16.1 @modelcontextprotocol/sdk@1.32.2 >/dev/null)
  fi
  cp build/bench/node-driver.mjs "$NODE_DIR/"
  node "$NODE_DIR/node_modules/@ivotoby/openapi-mcp-server/bin/mcp-server.js" --api-base-url "http://127.0.0.1:$BACKEND_PORT/backend" \
    --openapi-spec samples/Msil.Mcp.SampleBackend/openapi.json --headers "Authorization:Bearer $BACKEND_TOKEN" \
    --transport http --host 127.0.0.1 --port "$NODE_PORT" --verbose false >artifacts/bench-node-peer.log 2>&1 </dev/null &
  PIDS+=($!); PID_OF[$NODE_PORT]=$!
  for _ in $(seq 1 100); do (echo > "/dev/tcp/127.0.0.1/$NODE_PORT") 2>/dev/null && break; sleep 0.1; done
  [ "$NODE_DRIVER" = raw ] || [ "$NODE_DRIVER" = ts ] || { log "ERROR: NODE_DRIVER must be raw or ts, not '$NODE_DRIVER'"; exit 1; }
  drive() { # drive <port> <seconds> <rate in all, 0 = flat out> [token]: prints "calls=… errors=… rps=… cpu_us_per_call=… driver_us_per_call=… alloc_b_per_call=…"
    local pid=${PID_OF[$1]} c0 a0=0 i total=0 errs=0 dcpu=0 out alloc=0
    c0=$(cpu_us "$pid"); [ -z "${STATS_OF[$1]:-}" ] || a0=$(allocated "$1")
    if [ "$NODE_DRIVER" = raw ]; then
      # Fully optimised code from the first call (no tiering): the driver lives for one round, so tier-up would be its CPU.
      DOTNET_TieredCompilation=0 dotnet "$DLL" drive-mcp "http://127.0.0.1:$1/mcp" inventory "$NODE_SESSIONS" "$2" "$3" "${4:-}" >"$WORK/drive-1.out" 2>&1 \
        || { log "ERROR: the driver failed: $(cat "$WORK/drive-1.out")"; exit 1; }
      out=$(grep '^calls=' "$WORK/drive-1.out") || { log "ERROR: driver output: $(cat "$WORK/drive-1.out")"; exit 1; }
      total=$(field calls "$out"); errs=$(field errors "$out"); dcpu=$(field driver_cpu_us "$out")
    else
      # The client processes in a subshell whose `times` (children's user and system time) gives their CPU.
      ( outs=()
        for i in $(seq 1 "$NODE_PROCS"); do
          node "$NODE_DIR/node-driver.mjs" "http://127.0.0.1:$1/mcp" inventory 4 "$2" $(( $3 / NODE_PROCS )) "${4:-}" >"$WORK/drive-$i.out" 2>&1 &
          outs+=($!)
        done
        wait "${outs[@]}" || exit 1
        times >"$WORK/drive-times.out" ) || { log "ERROR: a driver failed"; cat "$WORK"/drive-*.out >&2; exit 1; }
      for i in $(seq 1 "$NODE_PROCS"); do
        out=$(grep '^calls=' "$WORK/drive-$i.out") || { log "ERROR: driver output: $(cat "$WORK/drive-$i.out")"; exit 1; }
        total=$((total + $(field calls "$out"))); errs=$((errs + $(field errors "$out")))
      done
      # `times` prints the shell's own user and system time, then its waited-for children's: "0m1.234s 0m0.120s".
      dcpu=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); n += p[1] * 60 + p[2] } } END { printf "%.0f\n", n * 1000000 }' "$WORK/drive-times.out")
    fi
    [ -z "${STATS_OF[$1]:-}" ] || alloc=$(( ($(allocated "$1") - a0) / (total > 0 ? total : 1) ))
    echo "calls=$total errors=$errs rps=$((total / $2)) cpu_us_per_call=$(( ($(cpu_us "$pid") - c0) / (total > 0 ? total : 1) ))" \
      "driver_us_per_call=$(( dcpu / (total > 0 ? total : 1) )) alloc_b_per_call=$alloc"
  }
  # The yardstick: the bare MCP SDK proxy (serve-bare-proxy, the api row's bare server: the same backend call with
  # nothing around it) at the same rate, so the row shows what the SDK and the runtime cost at that rate by themselves.
  # NODE_BARE=0 leaves it out.
  NODE_BARE=${NODE_BARE:-1}
  if [ "$NODE_BARE" = 1 ]; then
    BENCH_BACKEND_URL="http://127.0.0.1:$BACKEND_PORT/backend" BENCH_BACKEND_TOKEN=$BACKEND_TOKEN start serve-bare-proxy "$PROXY_PORT"
    check bare-proxy "$PROXY_PORT" "" "$API_BODY" 'V001'
  fi
  log "node row ($NODE_DRIVER driver): warm-up"; drive "$NODE_PORT" "$WARMUP" 0 >/dev/null; drive "$REF_PORT" "$WARMUP" 0 "$TOKEN" >/dev/null
  [ "$NODE_BARE" != 1 ] || drive "$PROXY_PORT" "$WARMUP" 0 >/dev/null
  NR=(); NC=(); ND=(); NE=(); GR=(); GC=(); GD=(); GE=(); GA=(); BR=(); BC=(); BD=(); BE=(); BA=()
  for r in $(seq 1 "$ROUNDS"); do
    n=$(drive "$NODE_PORT" "$DURATION" 0)
    rate=${NODE_RATE:-$(field rps "$n")}
    b=skipped
    if [ "$NODE_BARE" = 1 ]; then
      b=$(drive "$PROXY_PORT" "$DURATION" "$rate")
      BR+=("$(field rps "$b")"); BC+=("$(field cpu_us_per_call "$b")"); BD+=("$(field driver_us_per_call "$b")"); BE+=("$(field errors "$b")")
      BA+=("$(field alloc_b_per_call "$b")")
    fi
    g=$(drive "$REF_PORT" "$DURATION" "$rate" "$TOKEN")
    log "round $r (load $(cut -d' ' -f1 /proc/loadavg)): node peer $n | bare proxy at the same rate $b | governed at the same rate $g"
    NR+=("$(field rps "$n")"); NC+=("$(field cpu_us_per_call "$n")"); ND+=("$(field driver_us_per_call "$n")"); NE+=("$(field errors "$n")")
    GR+=("$(field rps "$g")"); GC+=("$(field cpu_us_per_call "$g")"); GD+=("$(field driver_us_per_call "$g")"); GE+=("$(field errors "$g")")
    GA+=("$(field alloc_b_per_call "$g")")
  done
  PACE="the Node peer's rate"; [ -z "${NODE_RATE:-}" ] || PACE="$NODE_RATE calls/s"
  if [ "$NODE_DRIVER" = raw ]; then CLIENT="raw-HTTP driver, 1 process x $NODE_SESSIONS sessions"; else CLIENT="TypeScript SDK client, $NODE_PROCS processes x 4 sessions"; fi
  printf '%-30s %s calls/s, %s µs CPU/call, errors %s; driver %s µs CPU/call (%s, flat out; medians of %s, %ss)\n' "Node peer (no governance):" \
    "$(median "${NR[@]}")" "$(median "${NC[@]}")" "$(median "${NE[@]}")" "$(median "${ND[@]}")" "$CLIENT" "$ROUNDS" "$DURATION"
  [ "$NODE_BARE" != 1 ] || printf '%-30s %s calls/s, %s µs CPU/call, %s B allocated/call, errors %s; driver %s µs CPU/call (same client, paced to %s)\n' "bare MCP SDK proxy:" \
    "$(median "${BR[@]}")" "$(median "${BC[@]}")" "$(median "${BA[@]}")" "$(median "${BE[@]}")" "$(median "${BD[@]}")" "$PACE"
  [ "$NODE_BARE" != 1 ] || printf '%-30s %s\n' "bare / Node CPU per call:" "$(awk -v g="$(median "${BC[@]}")" -v n="$(median "${NC[@]}")" 'BEGIN { printf "%.0f %%", 100 * g / (n > 0 ? n : 1) }')"
  printf '%-30s %s calls/s, %s µs CPU/call, %s B allocated/call, errors %s; driver %s µs CPU/call (same client, paced to %s)\n' "governed API tool:" \
    "$(median "${GR[@]}")" "$(median "${GC[@]}")" "$(median "${GA[@]}")" "$(median "${GE[@]}")" "$(median "${GD[@]}")" "$PACE"
  [ "$NODE_BARE" != 1 ] || printf '%-30s %s\n' "governed / bare CPU per call:" "$(awk -v g="$(median "${GC[@]}")" -v n="$(median "${BC[@]}")" 'BEGIN { printf "%.0f %%", 100 * g / (n > 0 ? n : 1) }')"
  printf '%-30s %s (goal: at most 50 %%)\n' "governed / Node CPU per call:" "$(awk -v g="$(median "${GC[@]}")" -v n="$(median "${NC[@]}")" 'BEGIN { printf "%.0f %%", 100 * g / (n > 0 ? n : 1) }')"
fi

if [[ $ROWS == *startup* ]]; then
  # What ships: the publish profile samples/Msil.Mcp.ReferenceServer/Properties/PublishProfiles/ReadyToRun.pubxml
  # (ReadyToRun, linux-x64, framework-dependent) with the start-up warm-up on (Msil:Mcp:WarmUp, the default).
  R2R_DIR=artifacts/bench-r2r
  [ -n "${SKIP_BUILD:-}" ] && [ -f "$R2R_DIR/Msil.Mcp.ReferenceServer.dll" ] || \
    dotnet publish samples/Msil.Mcp.ReferenceServer -c Release -p:PublishProfile=ReadyToRun -o "$R2R_DIR" -nologo -v q >/dev/null
  SLICES=${SLICES:-10}; STARTUP_RUNS=${STARTUP_RUNS:-3}
  jitted() { # methods the runtime has compiled so far (JIT, not ReadyToRun code), with the time it spent: "N (T s)"
    curl -fsS "http://127.0.0.1:$REF_PORT/metrics" | awk '/^dotnet_jit_compiled_methods(_total)?[ {]/ && !m { m = $NF } /^dotnet_jit_compilation_time(_seconds)?(_total)?[ {]/ && !t { t = $NF } END { printf "%.0f (%.2f s)", m, t }'
  }
  # name:directory:warm-up[:VAR=value,...] (runtime settings for that variant, e.g. DOTNET_TieredPGO=0)
  # The default: the build as it comes out of `dotnet build` (JIT, tiered PGO), what ships (ReadyToRun, tiering on) and
  # the same build with tiering off (it plateaus within 2 s, at less than half the steady speed: the precompiled code,
  # ours and the framework's, is then never recompiled); all with the warm-up, which ships on.
  VARIANTS=${STARTUP_VARIANTS:-"jit:$REF_DIR:true shipped(r2r):$R2R_DIR:true r2r,no-tiering:$R2R_DIR:true:DOTNET_TieredCompilation=0"}
  # STARTUP_BACKEND=warm (the default): the sample backend stands in for the API manager, which does not restart with
  # the MCP server, so it is started once, warmed by STEADY_WARM seconds of calls through a first server, and kept across the
  # variants' restarts (it takes each new development-issuer key before the slices: see start_ref). With "fresh" it is
  # started after each server is ready, as before session 9: then it is cold in the measured seconds too, and both
  # processes jit on the same cores, which measures the backend's start as much as the server's.
  STARTUP_BACKEND=${STARTUP_BACKEND:-warm}; KEEP=; [ "$STARTUP_BACKEND" != warm ] || KEEP=keep
  stop_ref
  STEADY=
  if [ -n "$KEEP" ]; then
    # The first server is the shipped build; after STEADY_WARM seconds of calls (a tiered build is still recompiling hot
    # methods 10-20 s after ready), 3 s more give this run's steady rate, the yardstick of "steady speed within 2 s of
    # ready" under the same load as the slices.
    STEADY_WARM=${STEADY_WARM:-30}
    start_ref "$R2R_DIR"
    log "startup row: warming the backend ($STEADY_WARM s of calls through a first server), then 3 s of steady calls"
    BENCH_TOKEN=$TOKEN BENCH_BODY=$API_BODY wrk -t1 -c"$CONNECTIONS" -d"$STEADY_WARM"s -s "$LUA" "http://127.0.0.1:$REF_PORT/mcp" >/dev/null
    STEADY=$(BENCH_TOKEN=$TOKEN BENCH_BODY=$API_BODY wrk -t1 -c"$CONNECTIONS" -d3s --latency -s "$LUA" "http://127.0.0.1:$REF_PORT/mcp" | grep '^RESULT')
    log "startup row: steady (the shipped build after $STEADY_WARM s of calls): $(field rps "$STEADY") req/s p99 $(echo "$STEADY" | sed -E 's/.*p99_ms=([0-9.]+).*/\1/') ms (load $(cut -d' ' -f1 /proc/loadavg))"
  fi
  declare -A READY=() RPS12=() P9912=() RPSLATE=() P99LATE=()
  for run in $(seq 1 "$STARTUP_RUNS"); do
    for variant in $VARIANTS; do
      IFS=: read -r name dir warm extra <<<"$variant"
      stop_ref $KEEP
      REF_ENV="Msil__Mcp__WarmUp__Enabled=$warm ${extra//,/ }"
      start_ref "$dir"; ready_ms=$REF_READY_MS
      line="$name: ready in ${ready_ms} ms, $(jitted) methods jitted;"
      READY[$name]+="$ready_ms "
      for sl in $(seq 1 "$SLICES"); do
        out=$(BENCH_TOKEN=$TOKEN BENCH_BODY=$API_BODY wrk -t1 -c"$CONNECTIONS" -d1s --latency -s "$LUA" "http://127.0.0.1:$REF_PORT/mcp" | grep '^RESULT')
        [ "$(field errors "$out")" = 0 ] && [ "$(field non2xx "$out")" = 0 ] || { log "ERROR: $name answered errors in slice $sl: $out"; exit 1; }
        rps=$(field rps "$out"); p99=$(echo "$out" | sed -E 's/.*p99_ms=([0-9.]+).*/\1/')
        # No call ended within the slice: its p99 is at least the slice (wrk reports 0); count it as 1000 ms.
        [ "$(field requests "$out")" != 0 ] || p99=1000
        line="$line s$sl $rps req/s p99 $p99 ms;"
        [ "$sl" != 2 ] || line="$line [$(jitted) jitted]"
        if [ "$sl" -le 2 ]; then RPS12[$name]+="$rps "; P9912[$name]+="$p99 "; else RPSLATE[$name]+="$rps "; P99LATE[$name]+="$p99 "; fi
      done
      log "run $run: $line [$(jitted) jitted] (load $(cut -d' ' -f1 /proc/loadavg))"
      check reference-server "$REF_PORT" "$TOKEN" "$API_BODY" 'V001'
    done
  done
  fmedian() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  [ -z "$STEADY" ] || printf 'startup %-24s %s req/s, p99 %s ms (the shipped build after %s s of calls, before the runs)\n' "steady:" \
    "$(field rps "$STEADY")" "$(echo "$STEADY" | sed -E 's/.*p99_ms=([0-9.]+).*/\1/')" "$STEADY_WARM"
  for variant in $VARIANTS; do
    name=${variant%%:*}
    # shellcheck disable=SC2086
    printf 'startup %-24s ready %s ms; seconds 1-2: %s req/s, p99 %s ms; seconds 3-%s: %s req/s, p99 %s ms (medians of %s runs; p99 1000 = no call ended within a slice)\n' "$name:" \
      "$(fmedian ${READY[$name]})" "$(fmedian ${RPS12[$name]})" "$(fmedian ${P9912[$name]})" "$SLICES" "$(fmedian ${RPSLATE[$name]})" "$(fmedian ${P99LATE[$name]})" "$STARTUP_RUNS"
  done
fi

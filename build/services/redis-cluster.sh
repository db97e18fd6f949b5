#!/usr/bin/env bash
# build/services/redis-cluster.sh - a three-master Redis Cluster on 127.0.0.1 for the cluster tests (no replicas):
#   bash build/services/redis-cluster.sh start    # stdout = the export line of MSIL_TEST_REDIS_CLUSTER; idempotent
#   bash build/services/redis-cluster.sh stop     # stop the nodes whose pid files are in SVC_DIR (cmdline checked)
#   bash build/services/redis-cluster.sh status   # exit 0 when the cluster answers cluster_state:ok
# start.sh runs 'start' and stop.sh runs 'stop'; both may be run alone (only the cluster, nothing else).
# Settings: SVC_DIR [${TMPDIR:-/tmp}/msil-mcp-services], REDIS_CLUSTER_PORTS ["17001 17002 17003"],
#           REDIS_PASSWORD [msilredispw] (the single Redis's password: one secret for both).
set -euo pipefail
SVC_DIR=${SVC_DIR:-${TMPDIR:-/tmp}/msil-mcp-services}
PORTS=${REDIS_CLUSTER_PORTS:-17001 17002 17003}
REDIS_PASSWORD=${REDIS_PASSWORD:-msilredispw}
HOST=127.0.0.1
C_HOME=$SVC_DIR/redis-cluster

log()  { printf '[services/redis-cluster] %s\n' "$*" >&2; }
die()  { log "ERROR: $*"; exit 1; }
alive() { local st; st=$(sed -n 's/^.*) \(.\).*/\1/p' "/proc/${1:-x}/stat" 2>/dev/null); [ -n "$st" ] && [ "$st" != Z ]; }
pid_of() { if [ -s "$1" ]; then head -n1 "$1"; fi; }
is_cmd() { tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -q -- "$2"; }
cli() { local port=$1; shift; REDISCLI_AUTH=$REDIS_PASSWORD timeout 5 redis-cli -h "$HOST" -p "$port" "$@" 2>/dev/null; }
port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
cluster_ok() { local p; for p in $PORTS; do cli "$p" cluster info | grep -q 'cluster_state:ok' || return 1; done; }
wait_until() { local deadline=$(( $(date +%s) + $1 )); shift; until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -ge "$deadline" ] && return 1; sleep 0.1; done; }
export_line() {
  local seeds="" p
  for p in $PORTS; do seeds="$seeds$HOST:$p,"; done
  echo "export MSIL_TEST_REDIS_CLUSTER='${seeds}password=$REDIS_PASSWORD'"
}

start() {
  command -v redis-server >/dev/null || die "redis-server is not installed (start.sh installs it)"
  mkdir -p "$C_HOME"
  if cluster_ok; then
    log "cluster: already running on ports $PORTS"
    export_line
    return
  fi

  local p started=0
  for p in $PORTS; do
    local dir=$C_HOME/$p
    mkdir -p "$dir"
    if alive "$(pid_of "$dir/redis.pid")" && cli "$p" ping | grep -q PONG; then continue; fi
    port_busy "$p" && die "port $p is taken by something else"
    cat > "$dir/redis.conf" <<CONF
bind $HOST
port $p
requirepass "$REDIS_PASSWORD"
masterauth "$REDIS_PASSWORD"
cluster-enabled yes
cluster-config-file $dir/nodes.conf
cluster-node-timeout 5000
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
dir $dir
save ""
appendonly no
CONF
    chmod 600 "$dir/redis.conf"
    rm -f "$dir/redis.pid"
    redis-server "$dir/redis.conf" >/dev/null 2>>"$dir/redis.log" 9>&-
    wait_until 15 sh -c "REDISCLI_AUTH='$REDIS_PASSWORD' redis-cli -h $HOST -p $p ping | grep -q PONG" \
      || { tail -n 20 "$dir/redis.log" >&2; die "cluster node $p failed to start"; }
    started=1
  done

  if ! cluster_ok; then
    # A fresh set of nodes (no slots assigned yet): make the cluster. Nodes that already know each other keep their config.
    local first=${PORTS%% *}
    if [ "$(cli "$first" cluster info | sed -n 's/^cluster_slots_assigned:\([0-9]*\).*/\1/p')" = 0 ]; then
      local nodes="" q
      for q in $PORTS; do nodes="$nodes $HOST:$q"; done
      # shellcheck disable=SC2086
      REDISCLI_AUTH=$REDIS_PASSWORD timeout 60 redis-cli --cluster create $nodes --cluster-replicas 0 --cluster-yes >/dev/null \
        || die "redis-cli --cluster create failed"
    fi
    wait_until 30 cluster_ok || die "the cluster did not reach cluster_state:ok"
  fi
  log "cluster: $( [ $started = 1 ] && echo started || echo joined ) on ports $PORTS"
  export_line
}

stop() {
  local p
  for p in $PORTS; do
    local pidf=$C_HOME/$p/redis.pid pid
    pid=$(pid_of "$pidf")
    if ! alive "$pid"; then rm -f "$pidf"; continue; fi
    if ! is_cmd "$pid" "redis-server"; then log "node $p: pid $pid is not redis-server any more; not touching it"; rm -f "$pidf"; continue; fi
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.05; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null
    rm -f "$pidf"
    log "node $p: stopped (pid $pid)"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if cluster_ok; then log "cluster: ok"; else log "cluster: not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

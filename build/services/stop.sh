#!/usr/bin/env bash
# build/services/stop.sh - stop what build/services/start.sh started (same SVC_DIR).
# Only the PIDs recorded in SVC_DIR are signalled, and only after /proc/PID/cmdline confirms what they are.
#   bash build/services/stop.sh            # stop, keep data (the next start is fast: no initdb / npm / certs)
#   bash build/services/stop.sh --purge    # stop and delete SVC_DIR
#   bash build/services/stop.sh --status   # stop nothing; exit 0 if all four services are running, else 1
set -uo pipefail
SVC_DIR=${SVC_DIR:-${TMPDIR:-/tmp}/msil-mcp-services}
PGBIN=/usr/lib/postgresql/15/bin
log() { printf '[services/stop] %s\n' "$*" >&2; }
alive() { local st; st=$(sed -n 's/^.*) \(.\).*/\1/p' "/proc/${1:-x}/stat" 2>/dev/null); [ -n "$st" ] && [ "$st" != Z ]; }
pid_of() { if [ -s "$1" ]; then head -n1 "$1"; fi; }
is_cmd() { tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -q -- "$2"; }   # is_cmd PID substring

case "${1:-}" in
  ""|--purge) ;;
  --status)
    ok=0
    for spec in "oidc.pid:oidc-mock.mjs" "s3rver.pid:s3rver" "redis/redis.pid:redis-server" "pg/data/postmaster.pid:postgres"; do
      pid=$(pid_of "$SVC_DIR/${spec%%:*}")
      if alive "$pid" && is_cmd "$pid" "${spec#*:}"; then log "${spec#*:}: running (pid $pid)"
      else log "${spec#*:}: not running"; ok=1; fi
    done
    exit $ok ;;
  *) echo "usage: $0 [--purge|--status]" >&2; exit 2 ;;
esac

stop_pid() { # name pidfile expected-cmdline-substring
  local name=$1 pidf=$2 expect=$3 pid
  pid=$(pid_of "$pidf")
  if ! alive "$pid"; then log "$name: not running"; rm -f "$pidf"; return; fi
  if ! is_cmd "$pid" "$expect"; then
    log "$name: pid $pid is not '$expect' any more; not touching it"; rm -f "$pidf"; return
  fi
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.05; done
  if alive "$pid"; then log "$name: still alive after 5 s, SIGKILL"; kill -KILL "$pid" 2>/dev/null; fi
  rm -f "$pidf"
  log "$name: stopped (pid $pid)"
}

[ -d "$SVC_DIR" ] || { log "nothing to stop ($SVC_DIR absent)"; exit 0; }

stop_pid oidc   "$SVC_DIR/oidc.pid"         "oidc-mock.mjs"
stop_pid s3rver "$SVC_DIR/s3rver.pid"       "s3rver"
stop_pid redis  "$SVC_DIR/redis/redis.pid"  "redis-server"    # SIGTERM = SHUTDOWN (save "" => no dump)
SVC_DIR=$SVC_DIR bash "$(dirname "$0")/redis-cluster.sh" stop

PGDATA=$SVC_DIR/pg/data
PG_PID=$(head -n1 "$PGDATA/postmaster.pid" 2>/dev/null || true)
if [ -n "$PG_PID" ] && alive "$PG_PID"; then
  if timeout 40 runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 30 stop >/dev/null; then
    log "postgres: stopped (pid $PG_PID)"
  else
    log "postgres: pg_ctl stop failed; SIGQUIT to pid $PG_PID"
    if is_cmd "$PG_PID" postgres; then kill -QUIT "$PG_PID" 2>/dev/null; fi
  fi
elif [ -n "$PG_PID" ]; then
  rm -f "$PGDATA/postmaster.pid" "$SVC_DIR"/pg/sock/.s.PGSQL.*
  log "postgres: not running (removed stale postmaster.pid + socket lock of pid $PG_PID)"
else
  log "postgres: not running"
fi

if [ "${1:-}" = "--purge" ]; then
  rm -rf -- "$SVC_DIR" && log "purged $SVC_DIR"
fi
exit 0

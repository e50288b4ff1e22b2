#!/usr/bin/env bash
# Run the portal on this machine: venv + requirements, migrate, demo data, then the web server,
# a Celery worker and Celery beat on the embedded default (SQLite in var/, filesystem broker).
# A worker or beat that dies is restarted (the web keeps serving); Ctrl-C or SIGTERM stops all
# three.  Environment: PORT (8000), HOST (127.0.0.1: only this machine; HOST=0.0.0.0 to listen on
# every interface), DEBUG (true), SITE_URL (follows PORT), and every variable in the README's
# configuration table (DATABASE_URL, REDIS_URL, ...).
set -euo pipefail
source "$(dirname "$0")/_common.sh"
cd "$REPO_ROOT"

export DEBUG="${DEBUG:-true}"
export PYTHONUNBUFFERED=1
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
# Links in e-mails and notifications point at this server unless SITE_URL says otherwise.
case "$HOST" in
    0.0.0.0 | 127.0.0.1 | localhost | "::" | "") export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}" ;;
    *) export SITE_URL="${SITE_URL:-http://$HOST:$PORT}" ;;
esac
LOG_DIR="${PORTAL_VAR_DIR:-$REPO_ROOT/var}/log"

ensure_venv
mkdir -p "$LOG_DIR"

say "migrate"
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py createcachetable
is_debug() { case "$DEBUG" in true | 1 | yes | on) return 0 ;; *) return 1 ;; esac; }
if is_debug; then
    say "load demo data (idempotent)"
    "$PY" manage.py load_demo
else
    say "DEBUG=$DEBUG: demo data not loaded (public passwords); collectstatic for gunicorn"
    "$PY" manage.py collectstatic --noinput -v 0
fi

declare -A PIDS=() CMDS=() DEATHS=()
start() {  # start NAME CMD...: each in its own session so Ctrl-C reaches only this script
    local name="$1"
    shift
    CMDS[$name]="$(printf '%q ' "$@")"
    setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 &
    PIDS[$name]="$!"
    say "$name started (pid $!, log $LOG_DIR/$name.log)"
}

restart() {  # restart NAME: kill what is left of its process group (pool children), start it again
    local name="$1" old="${PIDS[$name]}"
    kill -KILL -- "-$old" 2>/dev/null || true
    DEATHS[$name]="${DEATHS[$name]:-} $SECONDS"
    local recent=0 t
    for t in ${DEATHS[$name]}; do [ $((SECONDS - t)) -lt 60 ] && recent=$((recent + 1)); done
    if [ "$recent" -gt 5 ]; then
        say "$name died $recent times within a minute; giving up (see $LOG_DIR/$name.log)"
        return 1
    fi
    echo "$(date '+%F %T') run.sh: $name (pid $old) exited; restarting" >>"$LOG_DIR/$name.log"
    sleep 1
    eval "start $name ${CMDS[$name]}"
}

stopping=0
stop_all() {
    [ "$stopping" -eq 1 ] && return
    stopping=1
    trap - INT TERM
    echo
    say "stopping web, worker and beat"
    local pid
    # TERM the main processes (Celery then stops its own pool: warm shutdown); KILL the
    # whole process group only if something is still running after 10 s.
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 40); do
        local alive=0
        for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" -eq 0 ] && break
        sleep 0.25
    done
    for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    say "stopped"
}
trap 'stop_all; exit 0' INT TERM
trap 'stop_all' EXIT

if is_debug; then
    start web "$PY" manage.py runserver --noreload "$HOST:$PORT"
else
    start web "$VENV/bin/gunicorn" portal.wsgi --bind "$HOST:$PORT" --workers 2 --threads 4 --access-logfile - --no-control-socket
fi
start worker "$VENV/bin/celery" -A portal worker --loglevel INFO --concurrency 2 --hostname "worker@%h"
start beat "$VENV/bin/celery" -A portal beat --loglevel INFO

# Wait for /healthz with short checks in a loop, so Ctrl-C / SIGTERM are handled between them.
case "$HOST" in 0.0.0.0 | "::" | "") CHECK_HOST=127.0.0.1 ;; *) CHECK_HOST="$HOST" ;; esac
healthy=0
for _ in $(seq 1 120); do
    if "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
        "http://$CHECK_HOST:$PORT/healthz" 2>/dev/null; then
        healthy=1
        break
    fi
    kill -0 "${PIDS[web]}" 2>/dev/null || break
    sleep 0.5
done
[ "$healthy" -eq 1 ] || say "web server not answering yet; see $LOG_DIR/web.log"

cat <<INFO

  京鲁供需对接平台 is running:  $SITE_URL/
  (listening on $HOST:$PORT; logs in $LOG_DIR; press Ctrl-C to stop)
INFO
if is_debug; then
    echo "  Demo logins:"
    "$PY" manage.py load_demo --list-logins | sed 's/^/    /'
fi
echo

# Supervise: a dead worker or beat is restarted (with a line in its log and here); if the web
# server dies, or something keeps dying, stop everything and exit with its code.  A poll rather
# than `wait -n`: a child that died while a foreground command ran is already reaped, and
# `wait -n` would then never report it.  (`sleep & wait` so Ctrl-C / SIGTERM are handled at once.)
set +e
while true; do
    sleep 1 &
    wait "$!"
    for name in web worker beat; do
        pid="${PIDS[$name]}"
        kill -0 "$pid" 2>/dev/null && continue
        wait "$pid" 2>/dev/null
        rc=$?
        if [ "$name" = "web" ]; then
            say "the web server exited (code $rc); see $LOG_DIR/web.log"
            exit "$rc"
        fi
        say "$name exited (code $rc); restarting it (see $LOG_DIR/$name.log)"
        restart "$name" || exit "$rc"
    done
done

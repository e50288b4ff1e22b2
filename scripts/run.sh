#!/usr/bin/env bash
# Run the portal on this machine: venv + requirements, migrate, demo data, then the web server,
# a Celery worker and Celery beat on the embedded default (SQLite in var/, filesystem broker).
# Ctrl-C stops all three.  Environment: PORT (8000), HOST (0.0.0.0), DEBUG (true), and every
# variable in the README's configuration table (DATABASE_URL, REDIS_URL, ...).
set -euo pipefail
source "$(dirname "$0")/_common.sh"
cd "$REPO_ROOT"

export DEBUG="${DEBUG:-true}"
export PYTHONUNBUFFERED=1
HOST="${HOST:-0.0.0.0}"
PORT="${PORT:-8000}"
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

PIDS=()
start() {  # start NAME CMD...: each in its own session so Ctrl-C reaches only this script
    local name="$1"
    shift
    setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 &
    PIDS+=("$!")
    say "$name started (pid $!, log $LOG_DIR/$name.log)"
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

"$PY" - "$PORT" <<'PYEOF' || say "web server not answering yet; see $LOG_DIR/web.log"
import sys, time, urllib.request
for _ in range(120):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=2)
        sys.exit(0)
    except Exception:
        time.sleep(0.5)
sys.exit(1)
PYEOF

cat <<INFO

  京鲁供需对接平台 is running:  http://127.0.0.1:$PORT/
  (listening on $HOST:$PORT; logs in $LOG_DIR; press Ctrl-C to stop)
INFO
if is_debug; then
    echo "  Demo logins:"
    "$PY" manage.py load_demo --list-logins | sed 's/^/    /'
fi
echo

# Exit (and stop the others) as soon as any of the three dies.
set +e
wait -n "${PIDS[@]}"
rc=$?
say "a process exited (code $rc); see $LOG_DIR"
exit "$rc"

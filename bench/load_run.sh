#!/usr/bin/env bash
# Load test on loopback: gunicorn (DEBUG=false) on 127.0.0.1 against the seeded PostgreSQL
# database, then locust headless with 20 users for 60 s. Prints p50/p95 per endpoint.
#
#   DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal_load .venv/bin/python bench/seed_load_data.py
#   bench/load_run.sh                      # USERS=20 DURATION=60s WORKERS=4 PORT=8011 by default
#
# Plain HTTP on loopback, so the HTTPS-only production settings (SSL redirect, secure cookies)
# are switched off for this run only; everything else is production (DEBUG=false, manifest static).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DATABASE_URL="${DATABASE_URL:-postgres://portal:portal@127.0.0.1:5432/portal_load}"
export DEBUG=false SECRET_KEY="${SECRET_KEY:-load-bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz}"
export ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false
export STATIC_ROOT="${STATIC_ROOT:-/tmp/portal-load/static}" PORTAL_VAR_DIR="${PORTAL_VAR_DIR:-/tmp/portal-load/var}"
export BID_MONTHLY_QUOTA=1000000 LOG_LEVEL=WARNING
PORT="${PORT:-8011}" WORKERS="${WORKERS:-4}" USERS="${USERS:-20}" DURATION="${DURATION:-60s}"
OUT="${OUT:-/tmp/portal-load}"
mkdir -p "$OUT"

[[ "$DATABASE_URL" == postgres* ]] || { echo "DATABASE_URL must point at PostgreSQL" >&2; exit 1; }
$PY manage.py migrate --noinput -v 0
$PY manage.py collectstatic --noinput -v 0

.venv/bin/gunicorn portal.wsgi:application -w "$WORKERS" -b "127.0.0.1:$PORT" --timeout 60 \
    --access-logfile "$OUT/access.log" --error-logfile "$OUT/gunicorn.log" --pid "$OUT/gunicorn.pid" --daemon
trap 'kill "$(cat "$OUT/gunicorn.pid")" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.5; done
# Warm every worker (imports, jieba dictionary) so the first measured requests are not cold starts.
for _ in $(seq 1 $((WORKERS * 3))); do curl -s -o /dev/null "http://127.0.0.1:$PORT/demands/?q=%E6%9C%BA%E5%99%A8%E4%BA%BA"; done

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
.venv/bin/locust -f bench/locustfile.py --headless -u "$USERS" -r "$USERS" -t "$DURATION" \
    --host "http://127.0.0.1:$PORT" --csv "$OUT/locust" --only-summary 2>&1 | tee "$OUT/locust.txt" \
    | sed -n '/^endpoint/,$p'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# Run the test suite (the README's test command; .ci/run calls it too).
# Uses DATABASE_URL / REDIS_URL when set, so the same command runs on SQLite locally and on
# PostgreSQL + Redis in CI.  Extra arguments go to pytest: scripts/test.sh tests/catalog -x
set -euo pipefail
source "$(dirname "$0")/_common.sh"
cd "$REPO_ROOT"

ensure_venv

# Browser tests need Debian's Chromium and a CJK font; they skip themselves when Chromium is absent.
if [ "${SKIP_APT:-}" != "1" ]; then
    apt_install chromium fonts-noto-cjk || say "chromium/fonts-noto-cjk unavailable: e2e tests will be skipped"
fi
mkdir -p artifacts/screenshots

# The checks run with development settings (no SECRET_KEY needed); pytest runs with the
# environment as given (settings detect pytest and use production-like defaults).
say "database: ${DATABASE_URL:-SQLite (default, var/)}; broker: ${REDIS_URL:-embedded (none needed)}"

say "ruff check + ruff format --check (configured in pyproject.toml)"
"$VENV/bin/ruff" check . || die "ruff found problems (run: .venv/bin/ruff check . --fix)"
"$VENV/bin/ruff" format --check . || die "files need formatting (run: .venv/bin/ruff format .)"

say "makemigrations --check --dry-run"
DEBUG="${DEBUG:-true}" "$PY" manage.py makemigrations --check --dry-run || die "models changed without a migration (run makemigrations for that app)"
say "manage.py check"
DEBUG="${DEBUG:-true}" "$PY" manage.py check

set +e
if [ "$#" -eq 0 ]; then
    # The browser journeys run as their own invocation: on SQLite the Celery worker they start can
    # only share a file test database, which tests/e2e/conftest.py creates when it sets up the session.
    say "pytest (all but tests/e2e)"
    "$PY" -m pytest -q -ra --ignore=tests/e2e
    rc=$?
    say "pytest tests/e2e (browser journeys)"
    "$PY" -m pytest -q -ra tests/e2e
    rc_e2e=$?
    if [ "$rc" -eq 0 ]; then rc=$rc_e2e; fi
    case "${DATABASE_URL:-sqlite}" in
        sqlite*)
            # On SQLite the worker-kill fault tests also need a file test database of their own
            # (on PostgreSQL they already ran in the main invocation); so does the parallel login-race test.
            say "pytest worker fault tests (real worker, SIGKILL mid-rematch / mid-import)"
            "$PY" -m pytest -q -ra tests/faults/test_worker_killed.py tests/faults/test_import_in_worker.py tests/security/test_login_race.py
            rc_faults=$?
            if [ "$rc" -eq 0 ]; then rc=$rc_faults; fi
            ;;
    esac
else
    say "pytest $*"
    "$PY" -m pytest -q -ra "$@"
    rc=$?
fi
set -e
if [ "$rc" -eq 5 ]; then
    die "pytest collected no tests (exit code 5): treating as a failure"
fi
if [ "$rc" -ne 0 ]; then
    die "pytest failed (exit code $rc)"
fi
say "all tests passed"

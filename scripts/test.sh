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

say "makemigrations --check --dry-run"
DEBUG="${DEBUG:-true}" "$PY" manage.py makemigrations --check --dry-run || die "models changed without a migration (run makemigrations for that app)"
say "manage.py check"
DEBUG="${DEBUG:-true}" "$PY" manage.py check

say "pytest $*"
set +e
"$PY" -m pytest -q -ra "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    die "pytest collected no tests (exit code 5): treating as a failure"
fi
if [ "$rc" -ne 0 ]; then
    die "pytest failed (exit code $rc)"
fi
say "all tests passed"

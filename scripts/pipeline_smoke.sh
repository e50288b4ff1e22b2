#!/usr/bin/env bash
# The held-out-style matching pipeline on a fresh SQLite database with no broker server:
# migrate → import_catalog demands.csv, supplies.csv → rematch → export_matches --top 10,
# then check the CSV.  Usage: scripts/pipeline_smoke.sh [DIR]  (default ../shared/matchbench-dev)
# Exits 0 with a message when DIR is absent (the shared folder is not always beside the clone).
set -euo pipefail
source "$(dirname "$0")/_common.sh"
cd "$REPO_ROOT"

DATA="${1:-$REPO_ROOT/../shared/matchbench-dev}"
if [ ! -f "$DATA/demands.csv" ] || [ ! -f "$DATA/supplies.csv" ]; then
    say "$DATA/{demands,supplies}.csv not found: skipping the matching pipeline smoke"
    exit 0
fi
DATA="$(cd "$DATA" && pwd)"
WORK="$(mktemp -d /tmp/portal-smoke.XXXXXX)"
export DATABASE_URL="sqlite:///$WORK/db.sqlite3"
export PORTAL_VAR_DIR="$WORK/var"
export DEBUG=true
unset REDIS_URL CELERY_BROKER_URL

say "fresh database $DATABASE_URL"
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py import_catalog "$DATA/demands.csv"
"$PY" manage.py import_catalog "$DATA/supplies.csv"
"$PY" manage.py rematch
"$PY" manage.py export_matches "$WORK/out.csv" --top 10

"$PY" - "$WORK/out.csv" "$DATA/demands.csv" "$DATA/supplies.csv" <<'PYEOF'
import csv, sys
out, demands, supplies = sys.argv[1:4]
with open(out, encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
want = ["需求名称", "供给名称", "得分", "排名"]
assert rows and rows[0][:4] == want, f"export_matches header {rows[:1]} != {want}"
with open(demands, encoding="utf-8-sig", newline="") as f:
    n_demands = sum(1 for _ in csv.DictReader(f))
with open(supplies, encoding="utf-8-sig", newline="") as f:
    n_supplies = sum(1 for _ in csv.DictReader(f))
top = min(10, n_supplies)
assert len(rows) - 1 == n_demands * top, f"expected {n_demands * top} match rows, got {len(rows) - 1}"
ranks = sorted({int(r[3]) for r in rows[1:]})
assert ranks == list(range(1, top + 1)), f"排名 must run 1..{top}, got {ranks}"
scores = [float(r[2]) for r in rows[1:]]
assert all(0 <= s <= 100 for s in scores), "得分 must lie in 0–100"
print(f"export_matches OK: header {','.join(rows[0])}; {len(rows) - 1} rows for {n_demands} demands")
PYEOF
rm -rf "$WORK"

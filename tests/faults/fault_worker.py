"""`python tests/faults/fault_worker.py worker ...`: a real Celery worker with fault hooks for the tests.

- the embedding backend is the test hashing backend (no model to load);
- with FAULT_SLOW_INSERT=<seconds>, every write of a block of match rows (matching.services._insert) first records
  "<pid> <block number>" in FAULT_MARKER and sleeps, *inside* the block's transaction (after
  the old rows were deleted, before the new ones are inserted): the moment a kill would leave
  a half-written list if lists were not replaced atomically.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from matching import embeddings, services  # noqa: E402

embeddings.set_backend(embeddings.HashingBackend())

DELAY = float(os.environ.get("FAULT_SLOW_INSERT", "0") or 0)
MARKER = os.environ.get("FAULT_MARKER", "")
_blocks = {"n": 0}

if DELAY:
    # The block writer (executemany on SQLite, COPY on PostgreSQL) of the model's lists.
    _insert = services._insert

    def slow_insert(cursor, sql, *args, **kwargs):
        if sql.startswith("INSERT INTO matching_match"):
            _blocks["n"] += 1
            if MARKER:
                with open(MARKER, "a") as marker:
                    marker.write(f"{os.getpid()} {_blocks['n']}\n")
            time.sleep(DELAY)
        return _insert(cursor, sql, *args, **kwargs)

    services._insert = slow_insert

from celery.bin.celery import main  # noqa: E402

if __name__ == "__main__":
    sys.argv = ["celery", "-A", "portal", *sys.argv[1:]]
    sys.exit(main())

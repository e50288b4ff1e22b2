"""A real `celery worker` subprocess sharing the test database and a filesystem broker with the test.

Modules using it import `django_db_modify_db_settings` (file-backed SQLite test database, so the
worker can open it) and must run in their own pytest invocation on SQLite; on PostgreSQL the
test database is shared anyway.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = str(Path(settings.VAR_DIR) / "faults-test.sqlite3")


def _reset_pool(app):
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def shared_broker(tmp_path):
    """Point this process's Celery app at filesystem broker folders under tmp_path/var (the worker's PORTAL_VAR_DIR)."""
    from portal.celery import app

    var = tmp_path / "var"
    folders = {
        key: var / "celery" / sub
        for key, sub in (
            ("data_folder_in", "queue"),
            ("data_folder_out", "queue"),
            ("processed_folder", "processed"),
            ("control_folder", "control"),
        )
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    app.conf.broker_url = "filesystem://"
    app.conf.broker_transport_options = {**{k: str(v) for k, v in folders.items()}, "store_processed": False}
    _reset_pool(app)
    try:
        yield var
    finally:
        app.conf.broker_url = "memory://"
        app.conf.broker_transport_options = {}
        _reset_pool(app)


def _database_url():
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        if s["NAME"] == ":memory:" or "mode=memory" in str(s["NAME"]):
            pytest.skip(
                "in-memory SQLite test database: run this module on its own (`pytest tests/faults/<module>.py`, "
                "file database) or set DATABASE_URL=postgres://…"
            )
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """`celery worker` (prefork, one child) via tests/faults/fault_worker.py, in its own process group."""

    def __init__(self, var, log, marker=None, env=None):
        self.var, self.log, self.marker = var, log, marker
        self.extra_env = env or {}
        self.proc = None

    def start(self):
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "PORTAL_VAR_DIR": str(self.var),
            "PYTHONUNBUFFERED": "1",
            "PORTAL_TESTING": "1",
            "FAULT_MARKER": str(self.marker or ""),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            **self.extra_env,
        }  # uploads the test's requests stored
        for name in ("CELERY_TASK_ALWAYS_EAGER", "REDIS_URL", "CELERY_BROKER_URL"):
            env.pop(name, None)  # the filesystem broker shared with the test
        offset = self.log.stat().st_size if self.log.exists() else 0
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "tests" / "faults" / "fault_worker.py"),
                "worker",
                "-P",
                "prefork",
                "-c",
                "1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=open(self.log, "a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: "ready." in self.log_text(offset), 120, "the worker to start", self)

    def log_text(self, offset=0):
        return self.log.read_text(errors="replace")[offset:] if self.log.exists() else ""

    def kill_all(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def wait_for(predicate, timeout, what, worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    tail = worker.log_text()[-3000:] if worker else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{tail}")

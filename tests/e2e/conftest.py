"""End-to-end journeys: Debian's Chromium (Playwright) against a live server, with a real
Celery worker process sharing the test database and the broker.

Run as their own pytest invocation (scripts/test.sh does): the SQLite test database must be a
file the worker can open, and the worker must see the same broker as the live server.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = Path(os.environ.get("E2E_SCREENSHOT_DIR", ROOT / "artifacts" / "screenshots"))


def pytest_collection_modifyitems(config, items):
    # This hook sees the whole session's items (unit tests too, when run in one invocation): only
    # the browser tests are skipped.
    here = Path(__file__).parent
    e2e_items = [item for item in items if here in Path(str(item.path)).parents]
    if not e2e_items or shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI needs Chromium for the end-to-end tests but {CHROMIUM} is missing")
    skip = pytest.mark.skip(reason=f"Chromium not installed at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    for item in e2e_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1366, "height": 900}}


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    # A file-backed SQLite test database, so the worker process can open it too.
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = str(Path(settings.VAR_DIR) / "e2e-test.sqlite3")


# Reference data (产业链, regions) is re-seeded before each transactional test by
# tests/conftest.py::_reference_data_for_transactional_tests; every journey is transactional.


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    """Overrides the unit-test fixture: keep the real broker so the worker sees published tasks."""
    from portal.celery import app

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # PBKDF2 would dominate a journey that logs several people in; hashing is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.CELERY_BROKER_URL
    app.conf.broker_transport_options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})


def _database_url():
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real `celery worker` subprocess on the test database (started once per session)."""
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with django_db_blocker.unblock():
        database_url = _database_url()
        env = {**os.environ, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1", "PORTAL_TESTING": "1"}
    if "mode=memory" in database_url:
        # A unit test collected first created an in-memory SQLite database, which no other process
        # can open (PostgreSQL has no such limit).
        pytest.skip(
            "the worker cannot share an in-memory SQLite test database: run tests/e2e as its own "
            "pytest invocation (scripts/test.sh does), or use PostgreSQL (DATABASE_URL)"
        )
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-P",
            "solo",
            "-c",
            "1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=open(log, "w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited early:\n{log.read_text()[-3000:]}")
        if "ready." in log.read_text():
            break
        time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError(f"celery worker did not start in 120 s:\n{log.read_text()[-3000:]}")
    proc.log_path = log
    yield proc
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture
def shot(page):
    """Save a full-page screenshot into the CI artefacts folder named in the README.

    `shot("03-name")` shoots the default page; `shot("03-name", other_page)` another user's page.
    """
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def take(name, target=None):
        path = SCREENSHOT_DIR / f"{name}.png"
        (target or page).screenshot(path=str(path), full_page=True)
        return path

    return take


# The password tests.factories gives every user it creates.
PASSWORD = "Jinglu#2026"


def url(live_server, name, *args, query=""):
    """Absolute URL of a named route on the live server."""
    from django.urls import reverse

    return live_server.url + reverse(name, args=args) + (f"?{query}" if query else "")


def login(page, live_server, username, password=PASSWORD):
    """Log in through the real login page (one browser context per person)."""
    from playwright.sync_api import expect

    page.goto(url(live_server, "accounts:login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("nav")).to_contain_text("退出登录")


@pytest.fixture
def person_page(new_context):
    """A fresh browser context (own cookies) per person: `alice = person_page()`."""

    def make():
        return new_context().new_page()

    return make


def wait_until(predicate, timeout=90, interval=0.5, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")

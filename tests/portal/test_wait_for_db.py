"""`manage.py wait_for_db`, used by the container entrypoint before migrating."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_returns_at_once_when_the_database_answers():
    out = StringIO()
    call_command("wait_for_db", "--timeout", "1", stdout=out)
    assert "数据库已就绪" in out.getvalue()


def test_fails_with_a_message_when_the_database_never_answers(tmp_path):
    env = dict(
        os.environ,
        DEBUG="true",
        PORTAL_VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://portal:portal@127.0.0.1:1/portal",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "wait_for_db", "--timeout", "1"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "等待 1 秒后仍无法连接数据库" in result.stderr

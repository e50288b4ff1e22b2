"""Settings read everything from the environment and refuse bad values with a clear sentence."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def load_settings(tmp_path, **env):
    """Import the settings in a fresh interpreter (not under pytest) with `env`; return the result."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "CELERY_BROKER_URL",
            "MATCHING_BACKEND",
            "MATCHING_MODEL",
            "SECRET_KEY",
            "DEBUG",
            "PORTAL_TESTING",
        }
    }
    clean.update({"DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_VAR_DIR": str(tmp_path / "var")})
    clean.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL)",
        ],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_defaults_run_on_a_laptop(tmp_path):
    result = load_settings(tmp_path, DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://"]
    assert (tmp_path / "var" / "celery" / "queue").is_dir()  # the embedded broker's folders exist


def test_database_and_redis_urls_are_used(tmp_path):
    result = load_settings(
        tmp_path,
        DEBUG="true",
        DATABASE_URL="postgres://portal:portal@127.0.0.1:5432/portal",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "redis://127.0.0.1:6379/0"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "true", "DATABASE_URL": "nonsense"}, "DATABASE_URL 无法解析"),
        ({"DEBUG": "true", "DATABASE_URL": "postgres://a:b@host:notaport/db"}, "DATABASE_URL 无法解析"),
        ({"DEBUG": "true", "MATCHING_BACKEND": "word2vec"}, "MATCHING_BACKEND=「word2vec」无效"),
        ({"DEBUG": "true", "MATCHING_BACKEND": "sentence-transformers"}, "需要同时设置 MATCHING_MODEL"),
        ({"DEBUG": "maybe"}, "环境变量 DEBUG 的值「maybe」无法识别"),
        ({"DEBUG": "false"}, "未设置 SECRET_KEY"),
        ({"DEBUG": "true", "MATCHING_TOP_K": "fifty"}, "MATCHING_TOP_K 必须是整数"),
    ],
)
def test_misconfiguration_raises_improperly_configured_with_a_clear_message(tmp_path, env, message):
    result = load_settings(tmp_path, **env)
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert message in result.stderr

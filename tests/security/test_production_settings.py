"""Production settings (DEBUG=false) as a browser meets them: HTTPS redirect, HSTS, secure and
HttpOnly cookies, CSP and friends on a real response; and the password validators in force.

`check --deploy` itself is covered by tests/test_deploy.py.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

REPO = Path(__file__).resolve().parents[2]

PROBE = r"""
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
plain = client.get("/accounts/login/")
page = client.get("/accounts/login/", secure=True)
cookie = page.cookies.get("csrftoken")
print(json.dumps({
    "plain_status": plain.status_code, "plain_location": plain.get("Location", ""),
    "status": page.status_code,
    "headers": {k: page.get(k, "") for k in ("Strict-Transport-Security", "Content-Security-Policy", "X-Frame-Options",
                                             "X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy")},
    "csrf_cookie": {"secure": bool(cookie and cookie["secure"]), "samesite": cookie["samesite"] if cookie else ""},
    "session": {"secure": settings.SESSION_COOKIE_SECURE, "httponly": settings.SESSION_COOKIE_HTTPONLY,
                "samesite": settings.SESSION_COOKIE_SAMESITE},
    "debug": settings.DEBUG,
}))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("prod")
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "PORTAL_TESTING",
            "PYTEST_CURRENT_TEST",
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
        }
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="testserver,portal.example.cn",
        PORTAL_VAR_DIR=str(tmp / "var"),
        STATIC_ROOT=str(tmp / "static"),
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collect.returncode == 0, collect.stderr
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_plain_http_is_redirected_to_https(production):
    assert production["debug"] is False
    assert production["plain_status"] == 301 and production["plain_location"].startswith("https://")


def test_security_headers_on_a_real_page(production):
    assert production["status"] == 200
    headers = production["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert (
        headers["Content-Security-Policy"].startswith("default-src 'self'")
        and "unsafe" not in headers["Content-Security-Policy"]
    )
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_cookies_are_secure(production):
    assert production["csrf_cookie"] == {"secure": True, "samesite": "Lax"}
    assert production["session"] == {"secure": True, "httponly": True, "samesite": "Lax"}


@pytest.mark.parametrize(
    "password, user_attrs, reason",
    [
        ("Ab1#x", {}, "密码太短：至少需要 8 个字符"),
        ("password123", {}, "太常见"),
        ("3141592653589", {}, "密码只包含数字"),
        ("zhangwei2026", {"username": "zhangwei2026"}, "相似"),
    ],
)
def test_weak_passwords_are_refused_in_chinese(password, user_attrs, reason):
    from accounts.models import User

    with pytest.raises(ValidationError) as exc:
        validate_password(password, user=User(**user_attrs) if user_attrs else None)
    assert any(reason in message for message in exc.value.messages), exc.value.messages


def test_a_strong_password_passes():
    validate_password("Jinglu#对接2026")

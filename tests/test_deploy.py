"""Deployment files are right even though no Docker engine runs here: the compose file's
structure, the image recipe, the scripts, and `check --deploy` with production settings."""

import ast
import hashlib
import importlib
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.urls import resolve

REPO = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
APP_SERVICES = ("web", "worker", "beat")
DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")
ENTRYPOINT = REPO / "scripts" / "docker-entrypoint.sh"


def interpolate(value):
    """Compose-style ${VAR:-default} / ${VAR:?message} with nothing set in the environment."""

    def replace(match):
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if op == ":?":
            return "x" * 50 if name == "SECRET_KEY" else f"<{name}>"
        return arg or ""

    return re.sub(r"\$\{(\w+)(:[-?])?([^}]*)\}", replace, str(value))


def service_env(name):
    return {key: interpolate(value) for key, value in (SERVICES[name].get("environment") or {}).items()}


def settings_env_names():
    """Every environment variable portal/settings.py reads (os.environ.get / env_bool / env_int / env_list)."""
    tree = ast.parse((REPO / "portal" / "settings.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in {"get", "env_bool", "env_int", "env_list"} and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
    return names


def production_env(tmp_path, **extra):
    # Not inherited: test-only switches (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE) and URLs.
    dropped = {"DEBUG", "SECRET_KEY", "PORTAL_TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_TASK_ALWAYS_EAGER"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="portal.example.cn",
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="portal.settings",
    )
    env.update(extra)
    return env


def manage(args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=180
    )


# --- docker-compose.yml -----------------------------------------------------------------------


def test_compose_has_the_five_services():
    assert set(SERVICES) == {"postgres", "redis", "web", "worker", "beat"}
    assert SERVICES["postgres"]["image"] == "postgres:15"
    assert SERVICES["redis"]["image"] == "redis:7"
    for name in APP_SERVICES:
        assert SERVICES[name]["build"] == ".", name
        assert (REPO / SERVICES[name]["build"] / "Dockerfile").is_file()


def test_every_dependency_waits_for_a_healthcheck():
    for name, service in SERVICES.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert dependency in SERVICES, f"{name} depends on unknown {dependency}"
            assert rule["condition"] == "service_healthy", f"{name} → {dependency}"
            assert SERVICES[dependency].get("healthcheck", {}).get("test"), f"{dependency} has no healthcheck"
    for name in APP_SERVICES:
        assert {"postgres", "redis"} <= set(SERVICES[name]["depends_on"]), name
    # Worker and beat start after web, which runs the migrations.
    assert "web" in SERVICES["worker"]["depends_on"] and "web" in SERVICES["beat"]["depends_on"]
    assert service_env("web").get("MIGRATE_ON_START") == "1"
    assert "MIGRATE_ON_START" in ENTRYPOINT.read_text() and "migrate --noinput" in ENTRYPOINT.read_text()


def test_web_healthcheck_hits_a_real_url():
    test = SERVICES["web"]["healthcheck"]["test"]
    url = next(part for part in test if part.startswith("http"))
    path = "/" + url.split("/", 3)[3]
    assert resolve(path).url_name == "healthz"


def test_commands_reference_real_modules():
    web = SERVICES["web"]["command"]
    assert web[0] == "gunicorn"
    module, _, attr = web[1].partition(":")
    assert callable(getattr(importlib.import_module(module), attr or "application"))
    from celery import Celery

    for name, sub in (("worker", "worker"), ("beat", "beat")):
        command = SERVICES[name]["command"]
        assert command[:3] == ["celery", "-A", "portal"] and command[3] == sub, command
        assert isinstance(importlib.import_module("portal").celery_app, Celery)


def test_services_set_only_variables_the_settings_read():
    read = settings_env_names() | {"MIGRATE_ON_START", "DB_WAIT_SECONDS"}
    for name in APP_SERVICES:
        env = service_env(name)
        assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"} <= set(env), name
        assert set(env) <= read, f"{name} sets variables nothing reads: {set(env) - read}"
        assert env["DEBUG"] == "false"


def test_urls_point_at_the_compose_services():
    env = service_env("web")
    postgres = SERVICES["postgres"]["environment"]
    assert env["DATABASE_URL"] == (
        f"postgres://{postgres['POSTGRES_USER']}:{interpolate(postgres['POSTGRES_PASSWORD'])}@postgres:5432/{postgres['POSTGRES_DB']}"
    )
    assert env["REDIS_URL"] == "redis://redis:6379/0"


def test_data_lives_in_named_volumes():
    declared = set(COMPOSE["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["postgres"]["volumes"]
    media_root = re.search(r"MEDIA_ROOT=(\S+)", DOCKERFILE).group(1)
    assert f"media:{media_root}" in SERVICES["web"]["volumes"]
    for service in SERVICES.values():
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in declared, volume


def test_compose_environment_loads_postgres_and_redis_settings(tmp_path):
    env = production_env(tmp_path, **service_env("web"))
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.CACHES['default']['BACKEND'])",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "redis://redis:6379/0",
        "django.core.cache.backends.redis.RedisCache",
    ]


# --- Dockerfile ---------------------------------------------------------------------------------


def test_dockerfile_builds_a_non_root_gunicorn_image():
    assert re.findall(r"^FROM (\S+)", DOCKERFILE, flags=re.M) == ["python:3.11-slim"]
    assert "pip install -r requirements.txt" in DOCKERFILE
    assert "collectstatic --noinput" in DOCKERFILE
    users = re.findall(r"^USER (\S+)", DOCKERFILE, flags=re.M)
    assert users and users[-1] not in {"root", "0"}
    assert "gunicorn" in DOCKERFILE and "portal.wsgi:application" in DOCKERFILE
    assert "/app/scripts/docker-entrypoint.sh" in DOCKERFILE
    assert os.access(ENTRYPOINT, os.X_OK)
    assert "wait_for_db" in ENTRYPOINT.read_text()
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var"} <= set(ignored)


# --- check --deploy -----------------------------------------------------------------------------


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = manage(["check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_catches_a_weakened_setting(tmp_path):
    result = manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        production_env(tmp_path, SECURE_HSTS_SECONDS="0", SESSION_COOKIE_SECURE="false"),
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W012" in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = manage(["check"], env)
    assert result.returncode != 0
    assert "未设置 SECRET_KEY" in result.stderr


# --- scripts --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "script",
    [".ci/run", "scripts/run.sh", "scripts/test.sh", "scripts/pipeline_smoke.sh", "scripts/docker-entrypoint.sh"],
)
def test_scripts_are_executable_and_parse(script):
    path = REPO / script
    assert os.access(path, os.X_OK), f"{script} is not executable"
    shell = "sh" if script.endswith("docker-entrypoint.sh") else "bash"
    assert subprocess.run([shell, "-n", str(path)], capture_output=True).returncode == 0
    if shell == "bash":
        assert "set -euo pipefail" in path.read_text()


@pytest.mark.slow
def test_test_script_treats_no_tests_collected_as_a_failure(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_CURRENT_TEST", "PYTEST_ADDOPTS"}}
    env.update(SKIP_APT="1", PORTAL_VAR_DIR=str(tmp_path / "var"))
    result = subprocess.run(
        ["bash", "scripts/test.sh", "tests/portal/test_site.py", "-k", "no_test_has_this_name"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "collected no tests (exit code 5)" in result.stderr


# --- scripts/run.sh for real: bind address, supervision, clean stop --------------------------------


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listen_addresses(port):
    """Local addresses LISTENing on `port`, from /proc/net/tcp{,6} (no ss/netstat needed)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def _processes_with(marker):
    """PIDs of live processes whose environment contains `marker` (our temporary PORTAL_VAR_DIR)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if marker.encode() in environ and state != "Z":
                pids.append(int(entry.name))
    return pids


def _healthy(port):
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3).status == 200
    except OSError:
        return False


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _started_pids(output, name):
    return [int(pid) for pid in re.findall(rf"{name} started \(pid (\d+)", output)]


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", ["SIGTERM", "SIGINT"])
def test_run_script_restarts_a_dead_worker_and_stops_everything(tmp_path, stop_signal):
    venv = Path(sys.prefix)
    stamp = venv / ".requirements.sha256"
    wanted = hashlib.sha256((REPO / "requirements.txt").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text().strip() != wanted:
        pytest.skip("the venv is not at requirements.txt: run.sh would pip install")
    port, var = _free_port(), tmp_path / "var"
    dropped = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SITE_URL", "HOST", "PORTAL_TESTING", "DEBUG"}
    env = {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("PYTEST")}
    env.update(PORT=str(port), PORTAL_VAR_DIR=str(var), VENV=str(venv), DEBUG="true", SKIP_APT="1")
    log = tmp_path / "run.out"
    with log.open("w") as out:
        # Its own process group, as in a terminal: Ctrl-C is SIGINT to that group.
        run = subprocess.Popen(["bash", "scripts/run.sh"], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                               start_new_session=True)  # fmt: skip
    try:
        _wait(lambda: "is running" in log.read_text(), 240, "run.sh to start")
        output = log.read_text()
        assert f"http://127.0.0.1:{port}/" in output  # SITE_URL follows PORT
        assert _listen_addresses(port) == {"0100007F"}  # 127.0.0.1 only, not 0.0.0.0
        web = _started_pids(output, "web")[0]
        assert f"SITE_URL=http://127.0.0.1:{port}\0".encode() in Path(f"/proc/{web}/environ").read_bytes()

        if stop_signal == "SIGTERM":
            for name in ("worker", "beat"):
                (old,) = _started_pids(log.read_text(), name)
                os.kill(old, signal.SIGKILL)
                new = _wait(lambda n=name: _started_pids(log.read_text(), n)[1:], 30, f"{name} to be restarted")[0]
                assert new != old and os.path.exists(f"/proc/{new}")
                assert _healthy(port), "the web server stopped serving when the worker died"
                assert f"{name} (pid {old}) exited; restarting" in (var / "log" / f"{name}.log").read_text()
            assert run.poll() is None
            os.kill(run.pid, signal.SIGTERM)
        else:
            os.killpg(run.pid, signal.SIGINT)
        assert run.wait(timeout=40) == 0
        _wait(lambda: not _processes_with(str(var)), 10, "every child to exit")
        assert not _healthy(port)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- run.sh output ---\n{log.read_text()[-3000:]}") from None
    finally:
        for pid in _processes_with(str(var)):  # only what this test started (its own PORTAL_VAR_DIR)
            os.kill(pid, signal.SIGKILL)


def test_readme_documents_every_variable_the_settings_read():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("## 配置 / Configuration", 1)[1].split("\n## ", 1)[0]
    missing = sorted(name for name in settings_env_names() if f"`{name}`" not in table)
    assert not missing, f"README configuration table lacks {missing}"


def test_readme_names_the_two_commands_and_the_screenshot_folder():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "scripts/run.sh" in readme and "scripts/test.sh" in readme
    assert "artifacts/screenshots/" in readme
    assert "## 截图 / Screenshot" in readme
    accounts = __import__("json").loads((REPO / "fixtures" / "demo_accounts.json").read_text(encoding="utf-8"))
    assert accounts["password"] in readme
    for user in accounts["users"]:
        assert f"`{user['username']}`" in readme, user["username"]

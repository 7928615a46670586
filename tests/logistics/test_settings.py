"""Settings from the environment: insecure production setups refused, the documented one clean."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
CONFIGURATION_DOC = BASE_DIR / "docs" / "configuration.md"


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Runs manage.py in a clean environment: only what the test passes, as on a new server."""
    clean = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/"), **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_runs_manage_py_in_debug_in_an_unconfigured_checkout():
    result = manage("check", env={})
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_keeps_debug_off_for_manage_py_once_a_secret_key_is_set():
    env = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOSTS": "*"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must name" in result.stderr


def test_it_refuses_to_serve_an_unconfigured_checkout_through_wsgi():
    code = "import logistics.wsgi"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def production_env() -> dict[str, str]:
    """The production configuration block of docs/configuration.md, with a fresh secret key."""
    text = CONFIGURATION_DOC.read_text()
    block = re.search(r"<!-- production-env:start -->(.*?)<!-- production-env:end -->", text, re.S)
    assert block, "docs/configuration.md has no production-env block"
    pairs = re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", block.group(1), re.M)
    env = dict(pairs)
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    return env


def settings_variables() -> set[str]:
    source = (BASE_DIR / "logistics" / "settings.py").read_text()
    names = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', source))
    return names | set(re.findall(r'os\.environ(?:\.get)?[\[(]\s*"([A-Z][A-Z0-9_]+)"', source))


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = manage("check", env={"DJANGO_DEBUG": "false"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_it_refuses_wildcard_hosts_when_debug_is_off():
    env = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
    result = manage("check", env={**env, "DJANGO_ALLOWED_HOSTS": "*"})
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must name the portal's host names" in result.stderr


def test_it_starts_embedded_with_debug_and_nothing_else():
    result = manage("check", env={"DJANGO_DEBUG": "true"})
    assert result.returncode == 0, result.stderr


def test_it_passes_check_deploy_in_the_documented_production_configuration():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_warns_in_check_deploy_when_tasks_would_run_in_process():
    env = production_env()
    del env["REDIS_URL"]
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "logistics.W001" in result.stderr


# A city supervision push as docs/supervision.md configures it (passes check --deploy).
SUPERVISION_PUSH = {
    "SUPERVISION_PUSH_URL": "https://city.example.cn/supervision/in",
    "SUPERVISION_PUSH_SECRET": "a-secret-the-city-gave-0123456789",
    "SUPERVISION_CAMPUS_CODE": "10247",
}


def test_it_passes_check_deploy_with_the_city_supervision_push_configured():
    env = {**production_env(), **SUPERVISION_PUSH}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("change", "check_id"),
    [
        ({"DATABASE_URL": None}, "logistics.W002"),
        ({"EMAIL_URL": None}, "logistics.W003"),
        ({"PORTAL_SITE_URL": "http://portal.example.edu.cn"}, "logistics.W004"),
        ({"CAS_SERVER_URL": "http://cas.example.edu.cn/cas/"}, "logistics.W005"),
        (
            SUPERVISION_PUSH | {"SUPERVISION_PUSH_URL": "http://city.example.cn/in"},
            "logistics.W006",
        ),
        (SUPERVISION_PUSH | {"SUPERVISION_PUSH_SECRET": "short"}, "logistics.W007"),
        (SUPERVISION_PUSH | {"SUPERVISION_CAMPUS_CODE": None}, "logistics.W007"),
    ],
)
def test_it_warns_in_check_deploy_about_laptop_settings(change, check_id):
    env = {name: value for name, value in {**production_env(), **change}.items() if value}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert check_id in result.stderr


def test_it_documents_every_environment_variable_of_the_settings():
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)`", CONFIGURATION_DOC.read_text(), re.M))
    missing = settings_variables() - documented
    assert not missing, f"add to the table in docs/configuration.md: {sorted(missing)}"

"""The platform underneath: PostgreSQL with pgvector, settings, health, worker config."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_q.tasks import async_task, result

from kaiu.embedded_db import parse_settings_override, server_settings

ROOT = Path(__file__).resolve().parent.parent


def test_the_database_is_postgresql_with_pgvector(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT '[1,2,3]'::vector <=> '[1,2,4]'::vector")
        assert 0 < cursor.fetchone()[0] < 0.01
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 150000


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="an external database keeps its own settings")
def test_the_embedded_server_runs_with_our_tuning(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW maintenance_work_mem")
        assert cursor.fetchone()[0] == "2GB"


def test_embedded_settings_can_be_overridden():
    assert server_settings("maintenance_work_mem=512MB; jit=on")["maintenance_work_mem"] == "512MB"
    assert server_settings("")["jit"] == "off"
    with pytest.raises(ValueError, match="name=value"):
        parse_settings_override("nonsense")


def test_worker_settings_are_safe_for_at_least_once_delivery():
    q = settings.Q_CLUSTER
    assert q["timeout"] < q["retry"], "a task still running would be handed to a second worker"
    assert q["max_attempts"] > 0, "a task that kills its worker would come back forever"
    assert q["orm"] == "default"


def test_tasks_run_through_django_q(db):
    task_id = async_task("kaiu.platform.tasks.heartbeat")
    assert result(task_id)  # sync mode in tests: ran in-process through the real task machinery


def test_healthz_reports_database_pgvector_and_worker(client, db):
    async_task("kaiu.platform.tasks.heartbeat")
    body = client.get("/healthz").json()
    assert body["database"] == "ok"
    assert body["pgvector"].count(".") == 2  # e.g. 0.8.5
    assert body["worker"]["status"] == "ok"
    assert body["worker"]["last_heartbeat"]


def test_healthz_before_any_heartbeat_says_the_worker_is_starting(client, db):
    assert client.get("/healthz").json()["worker"] == {"status": "starting", "last_heartbeat": None}


def run_django(code, **env):
    """Run `code` in a fresh Python with Django set up under `env`; return the completed process."""
    full_env = {**os.environ, "KAIU_IGNORE_DOTENV": "true", **env}
    full_env.pop("DJANGO_SETTINGS_MODULE", None)
    script = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'kaiu.settings'); " + code
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=full_env, capture_output=True,
                          text=True, timeout=60)


def test_healthz_answers_503_when_the_database_is_down():
    code = ("django.setup(); from django.test import Client; r = Client().get('/healthz', HTTP_HOST='localhost');"
            "print(r.status_code, r.content.decode())")
    proc = run_django(code, DATABASE_URL="postgres://nobody@127.0.0.1:9/none", DEBUG="true")
    status, body = proc.stdout.strip().split(" ", 1)
    assert status == "503", proc.stderr
    assert json.loads(body)["database"] == "unavailable"


def test_the_deploy_check_warns_behind_a_proxy_without_a_trusted_proxy_count(settings):
    from django.core.checks import run_checks

    def warnings():
        return [m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("kaiu.")]

    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = True, 0
    assert warnings() == ["kaiu.W001"]
    settings.TRUSTED_PROXY_COUNT = 1
    assert warnings() == []
    settings.BEHIND_PROXY, settings.TRUSTED_PROXY_COUNT = False, 0
    assert warnings() == []


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEY"])
def test_production_refuses_to_start_without_each_secret(missing):
    secrets = {"SECRET_KEY": "s" * 60, "FIELD_ENCRYPTION_KEY": "ZGV2LW9ubHktaW5zZWN1cmUtZmllbGQta2V5LTAwMDA=",
               missing: ""}
    proc = run_django("django.setup()", DEBUG="false", DATABASE_URL="postgres://nobody@127.0.0.1:9/none",
                      **secrets)
    assert proc.returncode != 0
    assert "SECRET_KEY and FIELD_ENCRYPTION_KEY must be set" in proc.stderr
    ok = run_django("django.setup()", DEBUG="false", DATABASE_URL="postgres://nobody@127.0.0.1:9/none",
                    **{**secrets, missing: "ZGV2LW9ubHktaW5zZWN1cmUtZmllbGQta2V5LTAwMDA="})
    assert ok.returncode == 0, ok.stderr


def test_dashboard_pages_cannot_be_framed(owner_client):
    assert owner_client.get("/app/")["X-Frame-Options"] == "DENY"
    assert owner_client.get("/accounts/login/")["X-Frame-Options"] == "DENY"


def test_env_example_lists_every_variable_the_settings_read():
    import re

    read = set()
    for source in ("kaiu/settings.py", "kaiu/settings_test.py", "gunicorn.conf.py"):
        text = (ROOT / source).read_text()
        read |= set(re.findall(r'env\.\w+\("([A-Z_]+)"', text))
        read |= set(re.findall(r'environ\.get\("([A-Z_]+)"', text))
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read - documented == set()

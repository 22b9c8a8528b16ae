"""The health endpoints: liveness touches nothing; readiness fails (503) only when this
app server cannot serve, and warns about the worker and the daily jobs (core/health.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from health_check.exceptions import ServiceUnavailable

from rathausmobil.core import health, scheduler
from rathausmobil.core.models import JobRun, JobRunStatus, WorkerHeartbeat


@pytest.fixture(autouse=True)
def _ensure_every_time(monkeypatch):
    monkeypatch.setattr(scheduler, "_last_ensured", -float("inf"))


@pytest.fixture
def healthy(db):
    now = timezone.now()
    WorkerHeartbeat.objects.create(host="worker-1", beat_at=now - dt.timedelta(minutes=2))
    return JobRun.objects.create(
        day=timezone.localdate(),
        status=JobRunStatus.SUCCEEDED,
        attempts=1,
        started_at=now - dt.timedelta(hours=3),
        finished_at=now - dt.timedelta(hours=3),
        counts={"Überfällige Anträge eskaliert": 1},
    )


def get_json(client):
    response = client.get("/health/?format=json")
    return response.status_code, response.json()


def test_it_is_healthy_when_every_check_passes(client, healthy):
    status, body = get_json(client)
    assert status == 200
    assert body["status"] == "ok", body
    assert set(body["checks"]) == {"database", "cache", "disk", "worker", "daily_jobs"}


def test_an_old_worker_heartbeat_warns_but_keeps_the_server_in_the_load_balancer(client, healthy):
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - dt.timedelta(minutes=40))
    status, body = get_json(client)
    assert status == 200
    assert body["status"] == "warning"
    assert body["checks"]["worker"]["state"] == "warning"
    assert "40 Minuten" in body["checks"]["worker"]["message"]


def test_failed_daily_jobs_warn(client, healthy):
    JobRun.objects.update(status=JobRunStatus.FAILED, error="Kaputt: ValueError: Max Muster")
    status, body = get_json(client)
    assert status == 200
    assert body["checks"]["daily_jobs"]["state"] == "warning"
    assert "fehlgeschlagen" in body["checks"]["daily_jobs"]["message"]
    assert "Max Muster" not in str(body)  # the error text stays in the admin


def test_daily_jobs_without_a_success_for_26_hours_warn(client, healthy):
    JobRun.objects.update(finished_at=timezone.now() - dt.timedelta(hours=27))
    assert get_json(client)[1]["checks"]["daily_jobs"]["state"] == "warning"


def test_a_database_that_does_not_answer_takes_the_server_out(client, healthy, monkeypatch):
    def down(self):
        raise ServiceUnavailable("connection refused")

    monkeypatch.setattr(health.Database, "run", down)
    status, body = get_json(client)
    assert status == 503
    assert body["status"] == "error"
    assert body["checks"]["database"]["state"] == "error"


def test_a_nearly_full_disk_warns_then_fails(client, healthy, monkeypatch):
    class Usage:
        total, used = 100, 93

    monkeypatch.setattr(health.shutil, "disk_usage", lambda path: Usage)
    status, body = get_json(client)
    assert (status, body["checks"]["disk"]["state"]) == (200, "warning")
    Usage.used = 99
    assert get_json(client)[0] == 503


def test_it_answers_without_a_login_and_names_nobody(client, healthy, employee):
    page = client.get("/health/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Systemzustand" in text
    body = client.get("/health/?format=json").content.decode()
    for personal in (employee.username, employee.email, employee.last_name):
        assert personal
        assert personal not in text
        assert personal not in body


def test_it_answers_json_to_a_machine_that_asks_for_it(client, healthy):
    response = client.get("/health/", headers={"Accept": "application/json"})
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_keeps_the_workers_schedule_alive(client, db):
    from django_tasks_db.models import DBTaskResult

    from rathausmobil.core.tasks import scheduler_tick

    client.get("/health/")
    client.get("/health/?format=json")
    assert DBTaskResult.objects.filter(task_path=scheduler_tick.module_path).count() == 1


def test_liveness_touches_nothing(client):
    # no database in this test: a query would raise
    response = client.get("/health/live/")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_prometheus_reads_each_check_and_the_queue(client, healthy):
    from rathausmobil.core.tasks import scheduler_tick

    scheduler_tick.enqueue()
    response = client.get("/health/?format=openmetrics")
    text = response.content.decode()
    assert response.status_code == 200
    assert 'django_health_check_status{check="Worker"} 1' in text
    assert "rathausmobil_tasks_waiting 1" in text
    assert "rathausmobil_tasks_failed_last_day 0" in text
    assert "rathausmobil_daily_jobs_success_age_seconds 108" in text  # three hours
    assert text.endswith("# EOF\n")

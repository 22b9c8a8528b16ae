"""The load test with several servers (`make loadtest`, deploy/loadtest/run.py) in its
short form: 30 users for 15 s against two app servers behind nginx, one of them killed
halfway. It needs PostgreSQL, nginx and locust, so it runs in the PostgreSQL pass."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
RUN = BASE_DIR / "deploy" / "loadtest" / "run.py"
KILLED_AT = 1_000.0


def _run_module():
    spec = importlib.util.spec_from_file_location("loadtest_run", RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _error(method, status, end, error=""):
    return {"method": method, "name": "x", "status": status, "start": (end - 1) * 1000,
            "end": end, "error": error}  # fmt: skip


def test_it_allows_only_what_the_killed_server_had_in_flight():
    run = _run_module()
    in_flight = [
        _error("POST", 502, KILLED_AT + 0.1),
        _error("GET", 0, KILLED_AT + 0.1, "ChunkedEncodingError"),
    ]
    assert run.judge_server_errors({"server_errors": in_flight}, KILLED_AT, users=5) == (2, [])

    later_post = _error("POST", 502, KILLED_AT + 20)
    a_get = _error("GET", 502, KILLED_AT + 0.1)
    crash = _error("POST", 500, KILLED_AT + 0.1)
    allowed, findings = run.judge_server_errors(
        {"server_errors": [later_post, a_get, crash]}, KILLED_AT, users=5
    )
    assert allowed == 0 and len(findings) == 3

    many = [_error("POST", 502, KILLED_AT + 0.1)] * 6
    assert run.judge_server_errors({"server_errors": many}, KILLED_AT, users=5)[1] == [
        "6 abgebrochene Anfragen, mehr als 5 Nutzer"
    ]


def test_it_finds_a_request_decided_twice_at_once():
    run = _run_module()
    one_won = {"request": 1, "statuses": [200, 409], "details": ["", "Der Antrag ist ..."]}
    both_won = {"request": 2, "statuses": [200, 200], "details": ["", ""]}
    silent = {"request": 3, "statuses": [409, 200], "details": ["", ""]}
    won, findings = run.judge_double_decisions({"double_decisions": [one_won, both_won, silent]})
    assert won == {"eine": 2, "keine": 0}
    assert findings == ["Antrag 2: zweimal entschieden [200, 200]", "Antrag 3: 409 ohne Meldung"]


def _require_tools() -> None:
    missing = [
        name
        for name, found in (
            ("locust", importlib.util.find_spec("locust") is not None),
            ("nginx", Path("/usr/sbin/nginx").exists()),
            ("openssl", shutil.which("openssl") is not None),
        )
        if not found
    ]
    if missing:
        message = f"{', '.join(missing)} fehlt (make install, make system-deps)."
        if os.environ.get("RM_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the load test runs on PostgreSQL (the PostgreSQL pass of make test)",
)
def test_two_app_servers_carry_the_load_when_one_is_killed():
    _require_tools()
    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(RUN), "--server", server, "--name", "rm_loadtest_test"]
        + ["--users", "30", "--seconds", "15", "--spawn-rate", "15", "--redis-db", "12"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "mit SIGKILL beendet" in done.stdout
    assert "6. geprüft: kein Status doppelt geändert" in done.stdout

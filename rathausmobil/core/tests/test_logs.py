"""Structured logs: a JSON line per record with the request id and the user's id, and
the request id in the response (core/logs.py)."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from rathausmobil.core.logs import JsonFormatter, RequestContextFilter


@pytest.fixture
def json_lines():
    """What the root logger writes as JSON during the test, one dict per line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)


def test_it_returns_a_request_id_it_made(client, db):
    response = client.get("/health/live/")
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert client.get("/health/live/")["X-Request-ID"] != response["X-Request-ID"]


def test_it_keeps_the_proxys_well_formed_request_id(client):
    proxy_id = "5f0c6f8e-1b2a-4c3d-9e8f-0a1b2c3d4e5f"
    response = client.get("/health/live/", headers={"X-Request-ID": proxy_id})
    assert response["X-Request-ID"] == proxy_id


@pytest.mark.parametrize(
    "forged",
    ['abc", "user_id": 1', "kurz", "x" * 200, "zwei\nZeilen", "ä" * 10],
)
def test_it_replaces_a_request_id_that_is_not_well_formed(client, forged):
    response = client.get("/health/live/", headers={"X-Request-ID": forged})
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_it_does_not_trust_the_header_when_told_not_to(client, settings):
    settings.LOG_TRUST_REQUEST_ID = False
    response = client.get("/health/live/", headers={"X-Request-ID": "proxy-id-12345"})
    assert response["X-Request-ID"] != "proxy-id-12345"


def test_a_log_line_is_json_with_the_request_id_and_only_the_users_id(client, employee, json_lines):
    client.force_login(employee)
    response = client.get("/gibt-es-nicht/")  # Django logs the 404 as a warning
    assert response.status_code == 404

    [line] = [line for line in json_lines() if line["logger"] == "django.request"]
    assert line["level"] == "WARNING"
    assert "/gibt-es-nicht/" in line["message"]
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] == employee.pk
    assert line["time"].endswith("+00:00")
    text = json.dumps(line, ensure_ascii=False)
    for personal in (employee.username, employee.email, employee.last_name):
        assert personal not in text


def test_outside_a_request_a_line_has_no_request_and_no_user(json_lines):
    logging.getLogger("rathausmobil.test").info("Tägliche Aufgaben", extra={"count": 3})
    [line] = json_lines()
    assert line == {
        "time": line["time"],
        "level": "INFO",
        "logger": "rathausmobil.test",
        "message": "Tägliche Aufgaben",
        "request_id": None,
        "user_id": None,
        "count": 3,
    }


def test_a_traceback_stays_in_its_line(json_lines):
    try:
        raise ValueError("kaputt")
    except ValueError:
        logging.getLogger("rathausmobil.test").exception("Fehler")
    [line] = json_lines()
    assert "ValueError: kaputt" in line["exception"]

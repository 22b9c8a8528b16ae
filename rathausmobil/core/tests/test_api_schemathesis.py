"""The API against its own schema (schemathesis, issue 14): every operation of `/api/schema/`
is called with requests generated from the schema, as HR and as an employee with their API
tokens, in-process through the WSGI application. No answer may be a server error, and every
answer must be one the schema documents (status code, content type, body).

Data: the demo scenario `halver` (records in every state). Reads (GET) get a budget of
``READS`` examples per operation; writes a small one (``WRITE_EXAMPLES``), since most generated
bodies are refused (400) and each accepted one writes rows. Deterministic (derandomize).
Run time and what it found: README.md, "Checked against its schema".
"""

from __future__ import annotations

import contextlib

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from rathausmobil.organisation.models import Employee, OrgUnit, Role, RoleAssignment

pytestmark = pytest.mark.django_db

READS = 20
WRITE_EXAMPLES = 10
SAFE = {"GET", "HEAD", "OPTIONS"}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def halver(db, monkeypatch):
    call_command("seed_demo", "--scenario", "halver", "--quiet")
    # The rate limit (600 a minute) is no part of what is checked here.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": None, "anon": None})


def hr_user():
    return (
        get_user_model()
        .objects.filter(is_active=True, role_assignments__role=Role.HR)
        .order_by("pk")
        .first()
    )


def employee_user():
    """A demo login with an employee record, no role and no unit to head."""
    heads = OrgUnit.objects.exclude(head=None).values("head")
    return (
        Employee.objects.exclude(user=None)
        .exclude(pk__in=heads)
        .exclude(user__in=RoleAssignment.objects.values("user"))
        .filter(user__is_active=True, user__is_superuser=False)
        .order_by("pk")
        .first()
        .user
    )


def load_schema(token: str):
    client = APIClient()
    response = client.get("/api/schema/?format=json", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    schema = schemathesis.openapi.from_dict(response.json())
    schema.app = application
    return schema


@contextlib.contextmanager
def connection_kept():
    """The real WSGI application closes the database connection around each request, and
    with it the test's transaction on PostgreSQL; Django's test client keeps it the same
    way (and connects the closing again after each of its requests)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def failures_of(schema, token: str, *, methods: set[str], examples: int) -> dict[str, str]:
    """Every operation with ``methods``, called ``examples`` times: the first failure of
    each operation that failed (label -> what schemathesis said)."""
    headers = {"Authorization": f"Token {token}", "X-Forwarded-Proto": "https"}
    failed: dict[str, str] = {}
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() not in methods:
            continue

        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
        )
        @given(case=operation.as_strategy())
        def call(case):
            case.call_and_validate(app=application, headers=headers, checks=CHECKS)

        try:
            with connection_kept():
                call()
        except (Exception, BaseExceptionGroup) as exc:  # reported below; all operations run
            failed[operation.label] = f"{type(exc).__name__}: {exc}"[:2000]
        calls += 1
    assert calls > 0
    return failed


def test_the_api_answers_as_its_schema_says(halver):
    # One test, so the demo is seeded once: reads as HR and as an employee, writes as HR.
    hr, employee = hr_user(), employee_user()
    tokens = {user: Token.objects.get_or_create(user=user)[0].key for user in (hr, employee)}
    schema = load_schema(tokens[hr])
    failed = {}
    for who, user, methods, examples in (
        ("HR", hr, SAFE, READS),
        ("Beschäftigte/r", employee, SAFE, READS),
        ("HR", hr, WRITES, WRITE_EXAMPLES),
    ):
        found = failures_of(schema, tokens[user], methods=methods, examples=examples)
        failed |= {f"{who}: {label}": message for label, message in found.items()}
    assert failed == {}, "\n\n".join(f"{k}\n{v}" for k, v in failed.items())


# --- what the run found (plain examples, on the conftest's small organisation) -------------


def schema_as(user) -> dict:
    client = APIClient()
    client.force_authenticate(user)
    return client.get("/api/schema/?format=json").json()


def test_every_operation_documents_the_errors_any_operation_can_give(hr):
    # A guessed id answered 404 and an employee asking for orders 403, neither in the
    # schema; a filter value refused (plans?week=x) answered an undocumented 400.
    paths = schema_as(hr)["paths"]
    detail = paths["/api/v1/employees/{id}/"]["get"]["responses"]
    assert {"200", "401", "403", "404", "429"} <= set(detail)
    assert detail["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ApiError"
    }
    assert "400" in paths["/api/v1/presence/plans/"]["get"]["responses"]
    assert "404" not in paths["/api/v1/presence/plans/"]["get"]["responses"]
    # What an operation says itself stays (the wish's own 409 and 404).
    wish = paths["/api/v1/presence/wishes/{id}/"]["patch"]["responses"]
    assert wish["404"]["description"] == "Nicht gefunden (oder nicht sichtbar)"
    assert "409" in wish


def test_my_week_is_described_as_the_one_object_it_answers(hr):
    # The schema said array; the answer is one object with the person's weeks.
    ok = schema_as(hr)["paths"]["/api/v1/presence/my-week/"]["get"]
    body = ok["responses"]["200"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/MyWeeks"}
    assert ok["operationId"] == "presence_my_week_list"

"""Hardening after BSI IT-Grundschutz APP.3.1 (docs/security.md): the headers on every
kind of page, the session that ends after inactivity and with the browser, and
`check --deploy` silent under the production settings of `.env.example`. The same
headers under gunicorn with DEBUG=0 behind a TLS proxy: tests/test_production.py."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

BASE_DIR = Path(settings.BASE_DIR)

# One page of each kind: a page, a list, a form, a fragment, an export, an error, the
# login, the API, its documentation, the admin.
PAGES = [
    ("login", None, "/login/"),
    ("start page", "employee", "/"),
    ("list", "hr", "/organisation/beschaeftigte/"),
    ("form", "hr", "/mobil/regeln/"),
    ("export", "hr", "/organisation/beschaeftigte/export.csv"),
    ("dashboard", "leadership", "/kennzahlen/"),
    ("not found", "employee", "/gibt-es-nicht/"),
    ("forbidden", "employee", "/organisation/import/"),
    ("API", "hr", "/api/v1/"),
    ("API documentation", "hr", "/api/docs/"),
    ("admin login", None, "/admin/login/"),
]


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize(("kind", "role", "url"), PAGES, ids=[p[0] for p in PAGES])
def test_every_kind_of_page_carries_the_security_headers(client, request, kind, role, url):
    if role:
        client.force_login(request.getfixturevalue(role))
    response = client.get(url)
    assert response.status_code < 500, kind

    csp = policy(response)
    assert csp["script-src"] == ["'self'"], "no inline script, no eval, no other host"
    # Swagger UI brings an inline <style>: allowed on its page alone.
    assert csp["style-src"] == (
        ["'self'", "'unsafe-inline'"] if kind == "API documentation" else ["'self'"]
    )
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_api_documentation_and_schema_need_a_sign_in(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get("/api/schema/").status_code == 401


def test_no_template_holds_an_inline_script_or_event_handler():
    """What the policy refuses must not be written in the first place: a <script> block
    without src, an onclick="…" attribute or a javascript: link. (The browser tests fail
    on any refusal as well: conftest.py `page`.)"""
    import re

    inline = re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>"
        r"|\son[a-z]+\s*=\s*[\"']|javascript:",
        re.IGNORECASE,
    )
    found = []
    for folder in [BASE_DIR / "templates", *BASE_DIR.glob("rathausmobil/*/templates")]:
        for path in folder.rglob("*.html"):
            for match in inline.finditer(path.read_text()):
                found.append(f"{path.relative_to(BASE_DIR)}: {match.group(0)}")
    assert not found, found


def test_the_cookies_are_http_only_same_site_and_the_session_ends_with_the_browser(
    client, employee
):
    form = client.get(reverse("login"))  # renders a form: sets the CSRF cookie
    csrf = form.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["httponly"] and csrf["samesite"] == "Lax"

    response = client.post(reverse("login"), {"username": employee.username, "password": "pw"})
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] and session["samesite"] == "Lax"
    # No lifetime: the browser forgets the session when it closes.
    assert not session["max-age"] and not session["expires"]


def _expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_the_session_ends_after_the_idle_minutes(client, employee, settings):
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60 == 30 * 60
    client.force_login(employee)
    assert client.get("/").status_code == 200
    expires = _expiry(client)
    assert abs((expires - timezone.now()).total_seconds() - 30 * 60) < 60

    # 30 minutes without a request: the session is gone; the next click leads to the login.
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    response = client.get("/mobil/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=/mobil/")


def test_each_request_renews_the_session_at_most_once_a_minute(client, employee):
    client.force_login(employee)
    client.get("/")
    first = _expiry(client)
    client.get("/")
    assert _expiry(client) == first, "a second click within the minute writes nothing"

    session = client.session
    session["_seen"] = int(time.time()) - 61
    session.save()
    Session.objects.update(expire_date=timezone.now() + timezone.timedelta(minutes=5))
    client.get("/")
    assert (_expiry(client) - timezone.now()).total_seconds() > 29 * 60


def test_a_fragment_asked_for_after_the_session_ended_sends_the_whole_window_to_the_login(
    client, db
):
    response = client.get(
        "/organisation/beschaeftigte/?q=Meier",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/organisation/beschaeftigte/?q=Meier",
    )
    assert response["HX-Redirect"] == (
        reverse("login") + "?next=/organisation/beschaeftigte/%3Fq%3DMeier"
    )


def _env_example() -> dict[str, str]:
    values = {}
    for line in (BASE_DIR / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
    return values


def test_check_deploy_is_silent_with_the_production_settings_of_env_example(tmp_path):
    """`.env.example` as a city fills it in for production: what it must set itself
    (DEBUG=0, a secret key, its host name, PostgreSQL), the rest as written there."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "PYTEST_"))
    }
    env.update(_env_example())
    env.update(
        DEBUG="0",
        SECRET_KEY="k" * 20 + "-production-secret-" + "q" * 30,
        ALLOWED_HOSTS="rathaus-mobil.stadt.example",
        CSRF_TRUSTED_ORIGINS="https://rathaus-mobil.stadt.example",
        SITE_URL="https://rathaus-mobil.stadt.example",
        STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout

"""The application as it runs in production: DEBUG=0, static files collected into the
manifest that WhiteNoise serves, gunicorn in front. With DEBUG=1 none of this is used,
so only these tests notice when `collectstatic` breaks (e.g. on a vendored file whose
source map is missing) and every page would answer 500."""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
SOURCE_MAP = re.compile(rb"^(?://|/\*)# sourceMappingURL=(\S+?)(?: \*/)?\s*$", re.MULTILINE)


def test_it_ships_every_source_map_a_static_file_points_at():
    missing = []
    for directory in settings.STATICFILES_DIRS:
        for path in Path(directory).rglob("*"):
            if path.suffix not in (".js", ".css"):
                continue
            for target in SOURCE_MAP.findall(path.read_bytes()):
                name = target.decode()
                if not name.startswith("data:") and not (path.parent / name).is_file():
                    missing.append(f"{path.relative_to(BASE_DIR)} → {name}")
    assert not missing, "missing source maps: " + ", ".join(missing)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


#: what the city's reverse proxy adds to every request it passes on after ending TLS
BEHIND_TLS = {"X-Forwarded-Proto": "https"}


def _get(url: str, headers: dict[str, str] = BEHIND_TLS) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (our server)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _manage(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


@pytest.fixture
def production_server(tmp_path):
    """gunicorn with DEBUG=0 on a free port, after `migrate` into a throw-away SQLite
    database and `collectstatic` into a temporary STATIC_ROOT; yields its base URL."""
    with _serve(tmp_path) as base:
        yield base


@contextlib.contextmanager
def _serve(
    tmp_path,
    *,
    workers: int = 1,
    setup: str = "",
    seed: str = "",
    options: tuple[str, ...] = (),
    **extra: str,
):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "PYTEST_"))
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="production-test-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_SETTINGS_MODULE="config.settings",
        **extra,
    )
    _manage(env, "migrate", "--no-input", "-v", "0")
    if seed:
        _manage(env, "seed_demo", "--scenario", seed)
    if setup:
        _manage(env, "shell", "-c", setup)
    _manage(env, "collectstatic", "--no-input", "-v", "0")
    assert (tmp_path / "static" / "staticfiles.json").is_file()

    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("w+")
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            *options,
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (
                "gunicorn stopped:\n" + (tmp_path / "gunicorn.log").read_text()
            )
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not listen within 60 s"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on POSIX systems only")
def test_it_serves_the_login_page_and_its_static_files_with_debug_off(production_server):
    status, _, body = _get(f"{production_server}/login/")
    page = body.decode()
    assert status == 200, page
    assert "Anmelden" in page

    # Every stylesheet and script comes from the manifest: hashed name, served by WhiteNoise.
    assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', page)
    assert any("vendor/bootstrap.min." in a for a in assets), assets
    for asset in assets:
        assert re.search(r"\.[0-9a-f]{12}\.(?:css|js)$", asset), f"not hashed: {asset}"
        status, headers, content = _get(production_server + asset)
        assert status == 200, asset
        assert content, asset
        assert "immutable" in headers.get("Cache-Control", ""), asset


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on POSIX systems only")
def test_it_sends_plain_http_to_https_and_hardens_every_answer(production_server):
    """Production defaults (DEBUG=0, docs/security.md): a request that did not come over
    TLS is sent to https; behind the proxy every answer carries HSTS, the CSP and secure,
    HttpOnly cookies."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(f"{production_server}/login/", timeout=10)
        raise AssertionError("plain HTTP was served")
    except urllib.error.HTTPError as error:
        assert error.code == 301
        assert error.headers["Location"].startswith("https://127.0.0.1:")

    status, headers, _ = _get(f"{production_server}/login/")
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    directives = [part.strip() for part in headers["Content-Security-Policy"].split(";")]
    assert "script-src 'self'" in directives  # the order of the directives is not fixed
    assert headers["X-Frame-Options"] == "DENY"
    cookie = headers["Set-Cookie"]
    assert "csrftoken=" in cookie and "Secure" in cookie and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on POSIX systems only")
def test_it_answers_the_browsers_favicon_request_with_the_icon(production_server):
    status, headers, body = _get(f"{production_server}/favicon.ico")  # urllib follows the redirect

    assert status == 200
    assert headers["Content-Type"].startswith("image/svg+xml")
    assert body.startswith(b"<svg")


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on POSIX systems only")
def test_it_answers_the_health_checks_and_logs_json_lines_with_debug_off(tmp_path):
    """The load balancer's view with the production configuration (config/gunicorn.conf.py).
    The throw-away database has no worker and no daily run: readiness warns, and still
    answers 200, as it must, or no app server would get traffic before the worker runs."""
    with _serve(tmp_path, options=("--config", "config/gunicorn.conf.py")) as base:
        assert _get(f"{base}/health/live/")[::2] == (200, b"ok\n")
        status, headers, body = _get(f"{base}/health/?format=json")
        request_id = headers["X-Request-ID"]
    health = json.loads(body)
    assert status == 200, health
    assert health["status"] == "warning"
    assert {name: check["state"] for name, check in health["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "disk": "ok",
        "worker": "warning",
        "daily_jobs": "warning",
    }
    log = (tmp_path / "gunicorn.log").read_text().splitlines()
    lines = [json.loads(line) for line in log if line.startswith("{")]
    [access] = [line for line in lines if line.get("path") == "/health/"]
    assert access["logger"] == "gunicorn.access"
    assert (access["status"], access["request_id"]) == (200, request_id)


def _redis_url() -> str | None:
    """Redis on this machine (database 13, emptied), or None."""
    try:
        import redis

        client = redis.Redis.from_url("redis://127.0.0.1:6379/13", socket_connect_timeout=1)
        client.flushdb()
        return "redis://127.0.0.1:6379/13"
    except Exception:  # noqa: BLE001 -- no Redis here: the test is skipped
        return None


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on POSIX systems only")
def test_several_workers_share_the_redis_cache_and_a_logout_ends_the_session_in_all(tmp_path):
    """With CACHE_URL, sessions are read from the shared cache (cached_db): a logout in
    one worker must end the session in every other, and the figures are kept there."""
    url = _redis_url()
    if url is None:
        pytest.skip("no Redis on 127.0.0.1:6379")
    setup = (
        "from django.contrib.auth.models import User; "
        "from rathausmobil.organisation.models import RoleAssignment, Role; "
        "u = User.objects.create_user('hr', password='Geheim-Passwort-1'); "
        "RoleAssignment.objects.create(user=u, role=Role.HR)"
    )
    # Plain HTTP on loopback: cookies without the Secure flag, or urllib would not send them.
    with _serve(tmp_path, workers=3, setup=setup, CACHE_URL=url, SECURE_COOKIES="0") as base:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        # As the browser behind the proxy: over https, so Django's CSRF check wants a Referer.
        opener.addheaders = [
            *BEHIND_TLS.items(),
            ("Referer", base.replace("http:", "https:") + "/"),
        ]
        page = opener.open(f"{base}/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"username": "hr", "password": "Geheim-Passwort-1", "csrfmiddlewaretoken": token}
        ).encode()
        opener.open(urllib.request.Request(f"{base}/login/", data=form))  # noqa: S310
        # Every worker knows the session (each request may land on another worker).
        for _ in range(6):
            with opener.open(f"{base}/kennzahlen/") as response:
                assert response.status == 200
                assert "Stand: " in response.read().decode()
        import redis

        assert redis.Redis.from_url(url).keys("*figures:kpis*"), "figures not kept in Redis"
        csrf = next(c.value for c in jar if c.name == "csrftoken")
        session = next(c.value for c in jar if c.name == "sessionid")
        logout = urllib.request.Request(  # noqa: S310
            f"{base}/logout/", data=urllib.parse.urlencode({"csrfmiddlewaretoken": csrf}).encode()
        )
        opener.open(logout)
        # A copy of the old cookie is refused by every worker: each sends it to the login.
        for _ in range(6):
            old = urllib.request.Request(  # noqa: S310
                f"{base}/kennzahlen/", headers={"Cookie": f"sessionid={session}", **BEHIND_TLS}
            )
            with urllib.request.urlopen(old, timeout=10) as response:  # noqa: S310
                assert "/login/" in response.geturl()


DEMO_LOGINS = (
    "beschaeftigte",
    "vorgesetzte",
    "personalamt",
    "it",
    "personalrat",
    "datenschutz",
    "verwaltungsspitze",
    "admin",
)


class _Session:
    """One person's browser behind the TLS proxy: cookies, X-Forwarded-Proto, Referer."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [
            *BEHIND_TLS.items(),
            ("Referer", base.replace("http:", "https:") + "/"),
        ]

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def log_in(self, username: str) -> None:
        _, page = self.get("/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = {"username": username, "password": "demo", "csrfmiddlewaretoken": token}
        request = urllib.request.Request(  # noqa: S310
            self.base + "/login/", data=urllib.parse.urlencode(form).encode()
        )
        with self.opener.open(request, timeout=60) as response:
            assert "/login/" not in response.geturl(), f"{username}: login failed"


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on POSIX systems only")
@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="its server has a SQLite database of its own: run once, in the SQLite pass",
)
def test_every_demo_login_opens_every_page_of_its_menu_without_a_server_error(tmp_path):
    """The application as production runs it (DEBUG=0, collected static files, gunicorn
    behind a TLS proxy), with a seeded town: each demo login signs in through the form and
    opens its start page, every page its menu offers and the first link into a record of
    each list. Nothing answers 500; every page is German and names its language."""
    with _serve(tmp_path, workers=2, seed="halver", SECURE_COOKIES="0") as base:
        failures = []
        opened = 0
        for username in DEMO_LOGINS:
            person = _Session(base)
            person.log_in(username)
            status, start = person.get("/")
            assert status == 200, f"{username}: start page {status}"
            menu = re.search(r'<nav class="navbar.*?</nav>', start, re.S).group(0)
            pages = sorted(set(re.findall(r'href="(/[^"#?]*)"', menu)) - {"/"})
            assert pages, f"{username}: no menu"
            for path in pages:
                status, page = person.get(path)
                opened += 1
                if status >= 500 or status == 404:
                    failures.append(f"{username} {path}: {status}")
                    continue
                if status == 200 and 'lang="de"' not in page:
                    failures.append(f"{username} {path}: no lang=de")
                # One record behind the list: the first link one level deeper.
                deeper = [
                    link
                    for link in re.findall(r'href="(' + re.escape(path) + r'[^"#?]+/)"', page)
                    if link.rstrip("/").split("/")[-1].isdigit()
                ]
                if deeper:
                    status, _ = person.get(deeper[0])
                    opened += 1
                    if status >= 500:
                        failures.append(f"{username} {deeper[0]}: {status}")
        assert not failures, failures
        assert opened > 60, opened

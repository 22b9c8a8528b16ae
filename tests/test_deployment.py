"""The deployment as docs/deployment.md describes it: Debian's nginx with the site file
`deploy/nginx/rathausmobil.conf`, unchanged but for ports, host name and certificate, in
front of gunicorn with DEBUG=0. A person reaches the login page over https; plain HTTP
leads there; the security headers and the static files arrive through the proxy."""

from __future__ import annotations

import os
import shutil
import ssl
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from deploy.loadtest.proxy import NGINX, nginx_in_front
from tests.test_production import _serve

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="nginx and gunicorn: POSIX")


def _require(tool: str) -> None:
    if not shutil.which(tool) and not Path(tool).exists():
        if os.environ.get("RM_REQUIRE_BROWSER"):
            pytest.fail(f"{tool} fehlt (make system-deps installiert es).")
        pytest.skip(f"{tool} fehlt; als root installiert `make test` es selbst.")


def _fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # our own throw-away certificate

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), NoRedirect)
    try:
        with opener.open(url, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def behind_nginx(tmp_path):
    _require(NGINX)
    _require("openssl")
    (tmp_path / "app").mkdir()
    with _serve(tmp_path / "app", SECURE_COOKIES="1") as app:
        port = int(app.rsplit(":", 1)[1])
        with nginx_in_front(tmp_path, port) as proxy:
            yield proxy


def test_a_person_reaches_the_login_page_over_https_through_nginx(behind_nginx):
    status, headers, body = _fetch(behind_nginx["https"] + "/login/")
    page = body.decode()
    assert status == 200, page
    assert "Anmelden" in page and 'lang="de"' in page
    # The application knows it was reached over TLS: HSTS, secure cookies, no redirect loop.
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "Secure" in headers["Set-Cookie"]
    assert "nginx/" not in headers.get("Server", ""), "server_tokens off"

    stylesheet = next(
        part.split('"')[0] for part in page.split('href="')[1:] if part.startswith("/static/")
    )
    status, headers, body = _fetch(behind_nginx["https"] + stylesheet)
    assert status == 200 and body
    assert "immutable" in headers["Cache-Control"]


def test_plain_http_leads_to_https(behind_nginx):
    status, headers, _ = _fetch(behind_nginx["http"] + "/login/?next=/mobil/")
    assert status == 301
    assert headers["Location"] == "https://127.0.0.1/login/?next=/mobil/"

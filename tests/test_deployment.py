"""The deployment as docs/deployment.md describes it: Debian's nginx with the site file
`deploy/nginx/rathausmobil.conf`, unchanged but for ports, host name and certificate, in
front of gunicorn with DEBUG=0. A person reaches the login page over https; plain HTTP
leads there; the security headers and the static files arrive through the proxy."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.test_production import _free_port, _serve

BASE_DIR = Path(settings.BASE_DIR)
NGINX = "/usr/sbin/nginx"
SITE = BASE_DIR / "deploy" / "nginx" / "rathausmobil.conf"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="nginx and gunicorn: POSIX")


def _require(tool: str) -> None:
    if not shutil.which(tool) and not Path(tool).exists():
        if os.environ.get("RM_REQUIRE_BROWSER"):
            pytest.fail(f"{tool} fehlt (make system-deps installiert es).")
        pytest.skip(f"{tool} fehlt; als root installiert `make test` es selbst.")


def site_for_test(app_port: int, http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """The shipped site file with only what a city changes anyway: the app server, the
    ports (a test may not take 80 and 443), the host name and the certificate."""
    text = SITE.read_text()
    replacements = {
        "server 127.0.0.1:8000 ": f"server 127.0.0.1:{app_port} ",
        "    listen 80;\n": f"    listen 127.0.0.1:{http_port};\n",
        "    listen 443 ssl http2;\n": f"    listen 127.0.0.1:{https_port} ssl http2;\n",
        "    listen [::]:80;\n": "",
        "    listen [::]:443 ssl http2;\n": "",
        "rathaus-mobil.stadt.example": "127.0.0.1",
        "/etc/ssl/certs/rathaus-mobil.pem": str(cert),
        "/etc/ssl/private/rathaus-mobil.key": str(key),
    }
    for old, new in replacements.items():
        assert old in text, f"{SITE.name} no longer has {old!r}: adjust the test with the file"
        text = text.replace(old, new)
    return text


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
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(  # noqa: S603
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    (tmp_path / "app").mkdir()
    with _serve(tmp_path / "app", SECURE_COOKIES="1") as app:
        app_port = int(app.rsplit(":", 1)[1])
        http_port, https_port = _free_port(), _free_port()
        (tmp_path / "site.conf").write_text(
            site_for_test(app_port, http_port, https_port, cert, key)
        )
        temp = tmp_path / "nginx"
        temp.mkdir()
        (tmp_path / "nginx.conf").write_text(
            f"""worker_processes 1;
pid {temp}/nginx.pid;
error_log {temp}/error.log;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {temp}/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {tmp_path}/site.conf;
}}
"""
        )
        args = [NGINX, "-p", str(temp), "-c", str(tmp_path / "nginx.conf")]
        checked = subprocess.run([*args, "-t"], capture_output=True, text=True)  # noqa: S603
        assert checked.returncode == 0, checked.stderr
        server = subprocess.Popen([*args, "-g", "daemon off;"])  # noqa: S603
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                    break
                except OSError:
                    assert server.poll() is None, (temp / "error.log").read_text()
                    assert time.monotonic() < deadline, "nginx did not listen"
                    time.sleep(0.1)
            yield {
                "https": f"https://127.0.0.1:{https_port}",
                "http": f"http://127.0.0.1:{http_port}",
                "log": temp / "access.log",
            }
        finally:
            server.terminate()
            server.wait(timeout=20)


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

"""Debian's nginx with the shipped site file `deploy/nginx/rathausmobil.conf` in front of
app servers on loopback ports: changed only in what a city changes anyway (the app
servers, ports, host name, certificate). Used by tests/test_deployment.py and by the load
test (deploy/loadtest/run.py), so both start the very file a city installs."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
NGINX = "/usr/sbin/nginx"
SITE = BASE_DIR / "deploy" / "nginx" / "rathausmobil.conf"
UPSTREAM = "    server 127.0.0.1:8000 max_fails=3 fail_timeout=10s;\n"


def site_for_test(
    app_ports: int | list[int], http_port: int, https_port: int, cert: Path, key: Path
) -> str:
    """The shipped site file with only what a city changes anyway: the app servers, the
    ports (a test may not take 80 and 443), the host name and the certificate."""
    ports = [app_ports] if isinstance(app_ports, int) else app_ports
    text = SITE.read_text()
    replacements = {
        UPSTREAM: "".join(UPSTREAM.replace(":8000 ", f":{port} ") for port in ports),
        "    listen 80;\n": f"    listen 127.0.0.1:{http_port};\n",
        "    listen 443 ssl http2;\n": f"    listen 127.0.0.1:{https_port} ssl http2;\n",
        "    listen [::]:80;\n": "",
        "    listen [::]:443 ssl http2;\n": "",
        "rathaus-mobil.stadt.example": "127.0.0.1",
        "/etc/ssl/certs/rathaus-mobil.pem": str(cert),
        "/etc/ssl/private/rathaus-mobil.key": str(key),
    }
    for old, new in replacements.items():
        if old not in text:
            raise AssertionError(f"{SITE.name} no longer has {old!r}: adjust it with the file")
        text = text.replace(old, new)
    return text


def throwaway_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, valid one day."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]  # noqa: S607
        + ["-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def nginx_in_front(folder: Path, app_ports: int | list[int]) -> Iterator[dict]:
    """nginx (not as a daemon, its files in `folder`) with the site file in front of the
    app servers; yields the https and http base URLs and the access log's path."""
    # nginx's workers do not run as root: they write request bodies below the folder.
    folder.chmod(0o755)
    cert, key = throwaway_certificate(folder)
    http_port, https_port = free_port(), free_port()
    (folder / "site.conf").write_text(site_for_test(app_ports, http_port, https_port, cert, key))
    temp = folder / "nginx"
    temp.mkdir()
    (folder / "nginx.conf").write_text(
        f"""worker_processes 1;
pid {temp}/nginx.pid;
error_log {temp}/error.log;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    log_format timed '$msec $status $request_method "$request_uri" $upstream_addr '
                     '$upstream_status $request_time';
    access_log {temp}/access.log timed;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {folder}/site.conf;
}}
"""
    )
    args = [NGINX, "-p", str(temp), "-c", str(folder / "nginx.conf")]
    checked = subprocess.run([*args, "-t"], capture_output=True, text=True)  # noqa: S603
    if checked.returncode != 0:
        raise RuntimeError(checked.stderr)
    server = subprocess.Popen([*args, "-g", "daemon off;"])  # noqa: S603
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError((temp / "error.log").read_text()) from None
                if time.monotonic() > deadline:
                    raise RuntimeError("nginx did not listen") from None
                time.sleep(0.1)
        yield {
            "https": f"https://127.0.0.1:{https_port}",
            "http": f"http://127.0.0.1:{http_port}",
            "log": temp / "access.log",
            "error_log": temp / "error.log",
        }
    finally:
        server.terminate()
        server.wait(timeout=20)

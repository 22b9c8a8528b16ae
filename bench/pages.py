"""Benchmark: the pages a city's staff open during the day, under load, as production runs.

Builds (once; kept in the PostgreSQL database `bench_pages` for the next run) the
50,000-staff city of bench/start_page.py (agreements, requests, offers, devices, grants,
tasks in every state) and five weeks of VPN sessions of all staff, imported as a log
through the real import. Then it starts gunicorn on loopback as docs/performance.md says
production runs it (DEBUG=0, static files collected, 4 sync workers, persistent database
connections, the Redis cache), signs in over HTTP as HR, as the head of a Dezernat, as an
employee and as IT, and loads each page with 50 concurrent sessions (wrk, with the session
cookie) for a bounded time, --runs times. It prints per page: requests/s, p50, p95, p99,
answers other than 200, the queries of one view (counted in this process on the same
database), and the ratio of a trivial view's requests/s on the same server to the page's.
It stops everything it started.

    make bench-pages                                   # or:
    .venv/bin/python bench/pages.py [--seconds 20] [--runs 3] [--only dashboard,vpn]
Options: --database-url (postgres://postgres@127.0.0.1:5432/bench_pages), --employees N,
--connections 50, --workers 4, --cache redis|local, --rebuild (build the city anew).
Needs wrk (Debian package `wrk`; `make bench-pages` installs it as root) and Redis on
127.0.0.1:6379 for --cache redis (its database 15 is emptied).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PASSWORD = "bench-pages-Passwort-1"
READY = "bench-pages-ready"  # the user whose existence says the city is built
REDIS = "redis://127.0.0.1:6379/15"
GOAL_P95_MS = 100


@dataclass
class Page:
    name: str
    label: str
    role: str  # "" for anonymous
    path: str
    status: int = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bench_pages")
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--cache", choices=["redis", "local"], default="redis")
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    if not shutil.which("wrk"):
        sys.exit("wrk fehlt: apt-get install wrk (make bench-pages installiert es als root).")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    os.environ["DEBUG"] = "0"
    os.environ["SECRET_KEY"] = "bench-pages-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
    # Plain HTTP on loopback, no TLS proxy in front: no redirect to https, no Secure cookies.
    os.environ["SECURE_COOKIES"] = "0"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["STATIC_ROOT"] = str(OUT / "static")
    os.environ["LOG_LEVEL"] = "WARNING"
    if args.cache == "redis":
        os.environ["CACHE_URL"] = REDIS

    create_database(args)
    import django

    django.setup()
    city = ensure_city(args)
    pages = page_list(city)
    if args.only:
        wanted = set(args.only.split(","))
        pages = [p for p in pages if p.name in wanted or p.name == "trivial"]
    with server(args) as base:
        cookies = {role: log_in(base, username) for role, username in city["users"].items()}
        resolve_deep_pages(base, pages, cookies)
        queries = {p.name: count_queries(p, city) for p in pages}
        print(
            f"{args.employees:,} employees on PostgreSQL; gunicorn {args.workers} sync workers; "
            f"cache {args.cache}; {args.connections} concurrent sessions (wrk, same machine); "
            f"{args.runs} runs of {args.seconds} s, medians"
        )
        print()
        header = (
            f"{'page':<44} {'req/s':>7} {'p50':>8} {'p95':>8} {'p99':>8} {'not 200':>7}"
            f" {'queries':>7} {'ratio':>6}  goal"
        )
        print(header)
        print("-" * len(header))
        trivial = None
        for page in pages:
            runs = [load(args, base, page, cookies.get(page.role)) for _ in range(args.runs)]
            rps = statistics.median(r["requests"] / r["seconds"] for r in runs)
            p50, p95, p99 = (statistics.median(r[k] for r in runs) for k in ("p50", "p95", "p99"))
            bad = sum(r["errors"] + r["non200"] for r in runs)
            if page.name == "trivial":
                trivial = rps
            ratio = f"{trivial / rps:>5.1f}x" if trivial and rps else "     -"
            verdict = "ok" if p95 < GOAL_P95_MS and not bad else "MISSED"
            print(
                f"{page.label:<44} {rps:>7,.0f} {p50:>5.0f} ms {p95:>5.0f} ms {p99:>5.0f} ms"
                f" {bad:>7} {queries[page.name]:>7} {ratio}  {verdict}",
                flush=True,
            )


# --------------------------------------------------------------------------- the city


def create_database(args) -> None:
    import psycopg

    url = urllib.parse.urlparse(args.database_url)
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and args.rebuild:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def ensure_city(args) -> dict:
    """The city, built now unless an earlier run built it. Returns the sign-ins and ids."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    User = get_user_model()
    call_command("migrate", verbosity=0)
    if not User.objects.filter(username=READY).exists():
        build_city(args)
        User.objects.create(username=READY, is_active=False)
    from django.utils import timezone

    from rathausmobil.agreements.models import RequestStatus, WorkRequest
    from rathausmobil.organisation.models import OrgUnit
    from rathausmobil.reports.snapshots import snapshots_due

    # The daily job's kept month ends, as production has them (the dashboard's trends).
    snapshots_due(timezone.localdate())
    big = OrgUnit.objects.get(code="D1")  # bench-head leads it
    decision = (
        WorkRequest.objects.filter(
            status=RequestStatus.SUBMITTED, decider_unit__path__startswith=big.path
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return {
        "users": {
            "hr": "bench-hr",
            "head": "bench-head",
            "employee": "bench-employee",
            "it": "bench-it",
        },
        "decision": decision,
    }


def build_city(args) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from start_page import build

    began = time.perf_counter()
    build(argparse.Namespace(employees=args.employees))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as start_page.py: the bulk load bypassed the imports
    for user in get_user_model().objects.filter(username__startswith="bench-"):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    print(f"city of {args.employees:,} built in {time.perf_counter() - began:.0f} s", flush=True)
    began = time.perf_counter()
    lines = import_vpn_weeks(args)
    print(f"{lines:,} VPN sessions of 5 weeks imported in {time.perf_counter() - began:.0f} s")


def import_vpn_weeks(args) -> int:
    """Five weeks of sessions of all staff up to yesterday, as a CSV log through the import."""
    import csv
    import io

    from django.utils import timezone
    from employee_list import employees_file, org_units_file

    from rathausmobil.access.models import VpnGateway
    from rathausmobil.usage.generate import plan_sessions, write_log
    from rathausmobil.usage.importing import import_lines

    _, codes = org_units_file(max(100, args.employees // 40))
    rows = csv.DictReader(
        io.StringIO(employees_file(args.employees, codes).decode()), delimiter=";"
    )
    emails = [row["E-Mail"] for row in rows]
    first = timezone.localdate() - dt.timedelta(days=35)
    sessions = plan_sessions(emails, first, 35, target_avg=350 / 1200 * len(emails), seed=3)
    OUT.mkdir(exist_ok=True)
    path = OUT / "bench_pages_vpn.csv"
    count = write_log(path, "csv", sessions)
    gateway = VpnGateway.objects.get(is_default=True)  # start_page.py made it
    with path.open(encoding="utf-8") as fh:
        import_lines(fh, name=path.name, fmt="csv", gateway=gateway)
    path.unlink()
    return count


def page_list(city) -> list[Page]:
    today = dt.date.today()
    four_weeks = f"von={today - dt.timedelta(days=28)}&bis={today - dt.timedelta(days=1)}"
    pages = [
        Page("trivial", "a trivial view (/favicon.ico, the ceiling)", "", "/favicon.ico", 302),
        Page("login", "login page", "", "/login/"),
        # Signed in, no page around it: session, user, roles and the kept task list. What
        # every signed-in page costs before it asks anything of its own.
        Page("floor", "signed-in floor: the menu's task count", "employee", "/aufgaben/anzahl/"),
        Page("home-employee", "employee's home (Meine Aufgaben)", "employee", "/"),
        Page("home-head", "head of a Dezernat's home", "head", "/"),
        Page("home-hr", "HR's home", "hr", "/"),
        Page("employees-1", "HR employee list, first page", "hr", "/organisation/beschaeftigte/"),
        Page("employees-500", "HR employee list, page 500", "hr", "/organisation/beschaeftigte/"),
        Page("dashboard", "Kennzahlen dashboard (HR)", "hr", "/kennzahlen/"),
        Page("dashboard-unit", "Kennzahlen of Dezernat 1 (HR)", "hr", "/kennzahlen/?einheit=D1"),
        Page("dashboard-past", "Kennzahlen as of 30 days ago (HR)", "hr",
             f"/kennzahlen/?stichtag={today - dt.timedelta(days=30)}"),
        Page("overdue", "open and overdue requests per office", "hr", "/kennzahlen/ueberfaellig/"),
        Page("reports", "list of reports", "hr", "/kennzahlen/berichte/"),
        Page("lagebericht", "Lagebericht as a page (whole administration)", "hr",
             "/kennzahlen/berichte/lagebericht/"),
        Page("vpn", "VPN usage (4 weeks)", "hr", f"/vpn/?{four_weeks}"),
        Page("vpn-units", "VPN usage per unit of Dezernat 1 (4 weeks)", "hr",
             f"/vpn/einheiten/?einheit=D1&{four_weeks}"),
        Page("inbox", "head's inbox (Eingang)", "head", "/mobil/eingang/"),
        Page("devices-1", "IT device list, first page", "it", "/geraete/"),
        Page("grants-1", "IT access list, first page", "it", "/zugang/"),
        Page("my-agreement", "employee: Mein mobiles Arbeiten", "employee", "/mobil/"),
        Page("my-devices", "employee: Meine Geräte", "employee", "/geraete/meine/"),
        Page("my-access", "employee: Mein Zugang", "employee", "/zugang/mein-zugang/"),
        Page("my-vpn", "employee: Meine VPN-Nutzung", "employee", "/vpn/meine/"),
    ]  # fmt: skip
    if city["decision"]:
        pages.insert(
            [page.name for page in pages].index("inbox") + 1,
            Page("decision", "head: a request to decide", "head",
                 f"/mobil/antraege/{city['decision']}/"),
        )  # fmt: skip
    return pages


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def server(args):
    """gunicorn on loopback with the production settings; stopped on the way out."""
    python = sys.executable
    env = dict(os.environ)
    subprocess.run(  # noqa: S603
        [python, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    if args.cache == "redis":
        import redis

        redis.Redis.from_url(REDIS).flushdb()
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [
            str(Path(python).parent / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", str(args.workers), "--worker-class", "sync", "--backlog", "2048",
            "--log-level", "warning",
        ],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/login/", timeout=2)  # noqa: S310 (loopback)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def log_in(base: str, username: str) -> str:
    """Signs in through the login form; returns the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    body = opener.open(base + "/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (loopback)
        base + "/login/", data=data, headers={"Referer": base}
    )
    opener.open(request).read()
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"login of {username} failed")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def get(base: str, path: str, cookie: str | None) -> str:
    headers = {"Cookie": cookie} if cookie else {}
    request = urllib.request.Request(base + path, headers=headers)  # noqa: S310 (loopback)
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
        return response.read().decode()


NEXT = re.compile(r'<a[^>]*rel="next"[^>]*href="([^"]+)"|<a[^>]*href="([^"]+)"[^>]*rel="next"')


def resolve_deep_pages(base: str, pages: list[Page], cookies: dict[str, str]) -> None:
    """Page 500 of the employee list: the address its pager leads to after 499 steps (the
    last page if the list is shorter; `?page=500` for a pager without rel=next links)."""
    for page in pages:
        if page.name != "employees-500":
            continue
        path = page.path
        for step in range(499):
            match = NEXT.search(get(base, path, cookies[page.role]))
            if not match:
                if step == 0:
                    path = page.path + "?page=500"
                else:
                    page.label = page.label.replace("page 500", f"page {step + 1} (the last)")
                break
            href = (match.group(1) or match.group(2)).replace("&amp;", "&")
            path = urllib.parse.urljoin(page.path, href)
        page.path = path


def count_queries(page: Page, city) -> int:
    """The queries of one view of the page, in this process, on the same database."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    if page.role:
        client.force_login(get_user_model().objects.get(username=city["users"][page.role]))
    client.get(page.path)  # warm: the figures kept, the caches filled
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page.path)
    assert response.status_code == page.status, (page.name, response.status_code)
    return len(queries)


def load(args, base: str, page: Page, cookie: str | None) -> dict:
    command = [
        "wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "30s",
        "-s", str(ROOT / "bench" / "wrk_report.lua"),
    ]  # fmt: skip
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command += [base + page.path, "--", str(page.status)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()

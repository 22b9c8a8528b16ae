"""Benchmark: a year of VPN logs of a 50,000-person administration.

Generates (once; cached in bench/out/vpn/) a year of sessions for 50,000 employees with
``rathausmobil.usage.generate`` and writes them in two real formats: 70 % of the staff on a
Cisco ASA (AnyConnect syslog), 30 % on a FortiGate (FortiOS event log), about 29 % of the staff
connected at the same time on average in working hours (the Offenbach ratio 350 / 1,200).
Then, in a throw-away database of the configured engine, it imports both files through
``import_vpn_log`` and prints lines per second end to end (parse, assemble, store, daily
figures), and times ``vpn_usage`` over the whole year.

Then, as if the last day of the logs were yesterday (the import has just run), it times what
the usage pages and the dashboard read: the overview's figures for 4 weeks, a quarter and a
year (``selectors.gateway_figures``, all gateways and one), the units page of a Dezernat over
28 days (``selectors.unit_listing``), the figures of a Dezernat over 28 days
(``figures.usage_figures(unit=...)``, first of all, right after the import), the dashboard's
VPN figures (``figures.kpis``) and the two pages as HR sees them, each with its number of
queries.

    .venv/bin/python bench/vpn_usage.py                      # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/vpn_usage.py
Options: --employees N (50000), --days N (365), --repeat N (5), --first 2025-01-01
"""

import argparse
import csv
import datetime as dt
import io
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

SPLIT = [("ASA", "cisco-asa", 0.7), ("FortiGate", "fortigate", 0.3)]
CONCURRENT_SHARE = 350 / 1200


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--first", default="2025-01-01")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from employee_list import OUT, throwaway_database

    with throwaway_database("bench_vpn.sqlite3") as connection:
        run(args, connection, generate(args, OUT / "vpn"))


def _emails(employees: int) -> tuple[bytes, bytes, list[str]]:
    from employee_list import employees_file, org_units_file

    units, codes = org_units_file(max(100, employees // 40))
    people = employees_file(employees, codes)
    rows = csv.DictReader(io.StringIO(people.decode("utf-8")), delimiter=";")
    return units, people, [row["E-Mail"] for row in rows]


def generate(args, folder: Path) -> dict[str, Path]:
    """The two log files, written unless already there for these options."""
    from rathausmobil.usage.generate import plan_sessions, write_log

    folder.mkdir(parents=True, exist_ok=True)
    first = dt.date.fromisoformat(args.first)
    _, _, emails = _emails(args.employees)
    files = {}
    start = 0
    for i, (gateway, fmt, share) in enumerate(SPLIT):
        count = round(len(emails) * share)
        users = emails[start : start + count]
        start += count
        path = folder / f"{fmt}-{args.employees}-{args.first}-{args.days}.log"
        files[gateway] = path
        if path.exists():
            continue
        began = time.perf_counter()
        sessions = plan_sessions(
            users, first, args.days, target_avg=CONCURRENT_SHARE * len(users), seed=11 + i
        )
        tmp = path.with_suffix(".part")
        # Session messages only (AAA, DAP, tunnel, parent session), no per-connection traffic
        # lines: the harder case for lines per second, since more lines are session events.
        lines = write_log(tmp, fmt, sessions, noise_per_hour=0)
        tmp.rename(path)
        print(
            f"generated {path.name}: {lines:,} lines, {path.stat().st_size / 1e9:.2f} GB "
            f"in {time.perf_counter() - began:.0f} s"
        )
    return files


def run(args, connection, files: dict[str, Path]) -> None:
    from django.core.management import call_command

    from rathausmobil.access.models import VpnGateway
    from rathausmobil.organisation.importing import employees_import, org_units_import
    from rathausmobil.usage.models import UsageDay, VpnSession

    units, people, _ = _emails(args.employees)
    assert org_units_import(data=units, filename="units.csv").ok
    assert employees_import(data=people, filename="e.csv").ok
    engine = connection.vendor
    print(f"--- {engine}, {args.employees:,} employees, {args.days} days from {args.first}")

    total_lines = 0
    total_seconds = 0.0
    for gateway, fmt, share in SPLIT:
        VpnGateway.objects.create(
            name=gateway,
            product=fmt,
            capacity=round(args.employees * share * 0.4),
            is_default=gateway == "ASA",
        )
        path = files[gateway]
        lines = _count_lines(path)
        began = time.perf_counter()
        report = io.StringIO()
        call_command(
            "import_vpn_log", str(path), "--format", fmt, "--gateway", gateway, stdout=report
        )
        seconds = time.perf_counter() - began
        print("  " + report.getvalue().strip().splitlines()[0])
        total_lines += lines
        total_seconds += seconds
        print(
            f"import {fmt}: {lines:,} lines, {path.stat().st_size / 1e9:.2f} GB in {seconds:.1f} s"
            f" = {lines / seconds:,.0f} lines/s end to end"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"import total: {total_lines:,} lines in {total_seconds:.1f} s = "
        f"{total_lines / total_seconds:,.0f} lines/s; {VpnSession.objects.count():,} sessions, "
        f"{UsageDay.objects.count()} gateway-days stored; peak memory of the process {rss:,.0f} MB"
    )

    first = dt.date.fromisoformat(args.first)
    last = first + dt.timedelta(days=args.days - 1)
    pages(args, last)
    cases = [
        ("all gateways", []),
        ("one gateway", ["--gateway", "ASA"]),
        ("one Dezernat (daily unit figures)", ["--unit", "D1"]),
    ]
    for label, extra in cases:
        samples = []
        for _ in range(args.repeat):
            buf = io.StringIO()
            began = time.perf_counter()
            call_command(
                "vpn_usage", "--from", str(first), "--to", str(last), "--json", *extra, stdout=buf
            )
            samples.append(time.perf_counter() - began)
        figures = __import__("json").loads(buf.getvalue())
        print(
            f"vpn_usage over the year, {label}: median {statistics.median(samples):.2f} s, "
            f"max {max(samples):.2f} s; sessions {figures['sessions']:,}, "
            f"peak {figures['concurrent_peak']:,}, "
            f"mean in working hours {figures['concurrent_avg_workhours']:,.1f}, "
            f"p95 {figures['concurrent_p95_workhours']}, "
            f"licences for 1 % blocking {figures['licences_for_1pct_blocking']}"
        )


def _timed(repeat: int, call) -> tuple[float, float, int, object]:
    """(median seconds, max seconds, queries of the last call, its result)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            result = call()
            samples.append(time.perf_counter() - began)
    return statistics.median(samples), max(samples), len(queries.captured_queries), result


def _report(label: str, timing: tuple) -> None:
    median, worst, queries, _ = timing
    print(f"{label}: median {median * 1000:,.1f} ms, max {worst * 1000:,.1f} ms, {queries} queries")


def pages(args, last: dt.date) -> None:
    """What the pages and the dashboard read, as if ``last`` were yesterday."""
    from unittest import mock

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from rathausmobil.access.models import VpnGateway
    from rathausmobil.organisation.models import OrgUnit, Role, RoleAssignment
    from rathausmobil.usage import figures, selectors

    today = last + dt.timedelta(days=1)
    four_weeks = last - dt.timedelta(days=27)
    dezernat = OrgUnit.objects.get(code="D1")
    print(f"--- the pages as on {today} (the logs end yesterday), repeat {args.repeat}")
    # First, right after the import: what took 18.3 s on PostgreSQL before ANALYZE.
    timing = _timed(
        args.repeat,
        lambda: figures.usage_figures(four_weeks, last, unit=dezernat, today=today),
    )
    _report(f"figures of Dezernat D1 over 28 days (source {timing[3].get('source')})", timing)
    with mock.patch.object(timezone, "localdate", return_value=today):
        for key, first, end in selectors.quick_periods(today):
            for gateway in (None, VpnGateway.objects.get(name="ASA")):
                timing = _timed(
                    args.repeat,
                    lambda f=first, e=end, g=gateway: selectors.gateway_figures(f, e, g),
                )
                values = timing[3].get("figures", {})
                _report(
                    f"overview selector {key} ({(end - first).days + 1} days), "
                    f"{gateway.name if gateway else 'all gateways'} "
                    f"[peak {values.get('concurrent_peak')}, "
                    f"p95 {values.get('concurrent_p95_workhours')}, "
                    f"persons {values.get('users_distinct')}]",
                    timing,
                )
        timing = _timed(args.repeat, lambda: selectors.unit_listing("D1", four_weeks, last))
        shown = [r for r in timing[3].rows if not r.suppressed]
        _report(f"units page selector, D1 over 28 days [{len(shown)} units shown]", timing)
        timing = _timed(args.repeat, figures.kpis)
        _report(f"dashboard kpis {timing[3]}", timing)

        user = get_user_model().objects.create_user("bench-hr", password="x")
        RoleAssignment.objects.create(user=user, role=Role.HR)
        client = Client()
        client.force_login(user)
        period = {"von": four_weeks.isoformat(), "bis": last.isoformat()}
        for label, url, params in [
            ("overview page, 4 weeks", "/vpn/", period),
            ("units page, D1 over 28 days", "/vpn/einheiten/", {**period, "einheit": "D1"}),
        ]:
            timing = _timed(args.repeat, lambda u=url, p=params: client.get(u, p))
            assert timing[3].status_code == 200, timing[3].status_code
            _report(f"{label} (HR, whole response)", timing)


def _count_lines(path: Path) -> int:
    n = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 24):
            n += chunk.count(b"\n")
    return n


if __name__ == "__main__":
    main()

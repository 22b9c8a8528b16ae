"""Benchmark: a year of VPN logs of a 50,000-person administration.

Generates (once; cached in bench/out/vpn/) a year of sessions for 50,000 employees with
``rathausmobil.usage.generate`` and writes them in two real formats: 70 % of the staff on a
Cisco ASA (AnyConnect syslog), 30 % on a FortiGate (FortiOS event log), about 29 % of the staff
connected at the same time on average in working hours (the Offenbach ratio 350 / 1,200).
Then, in a throw-away database of the configured engine, it imports both files through
``import_vpn_log`` and prints lines per second end to end (parse, assemble, store, daily
figures), and times ``vpn_usage`` over the whole year.

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


def _count_lines(path: Path) -> int:
    n = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 24):
            n += chunk.count(b"\n")
    return n


if __name__ == "__main__":
    main()

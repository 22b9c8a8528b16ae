"""Benchmark: the reports at city scale. How long the whole administration's Lagebericht
takes as a PDF (goal: under 5 s), the council's Anfrage per Dezernat as XLSX, the press
text, and the dashboard's figures as of a past day, on the 50,000-staff city that
bench/pages.py builds in the PostgreSQL database `bench_pages` (built here if missing).

    .venv/bin/python bench/reports.py [--runs 3]

Each is timed cold (the cache emptied: figures computed from the records) and warm (the
figures kept, as the second reader of the day finds them); medians of --runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

GOAL_PDF_SECONDS = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bench_pages")
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    from pages import create_database, ensure_city

    create_database(args)
    import django

    django.setup()
    ensure_city(args)

    from django.core.cache import cache
    from django.utils import timezone

    from rathausmobil.organisation.models import Employee
    from rathausmobil.reports.documents.registry import REPORTS
    from rathausmobil.reports.documents.render import render_pdf, render_txt, render_xlsx
    from rathausmobil.reports.kpis import compute_kpis
    from rathausmobil.reports.models import FigureSnapshot
    from rathausmobil.reports.snapshots import snapshots_due

    today = timezone.localdate()
    staff = Employee.objects.filter(is_active=True).count()
    # The city is loaded in one go today; as if its records had begun a year ago, so that
    # a past Stichtag is rebuilt from the history instead of answering "not rebuilt".
    first = Employee.objects.order_by("pk").first()
    Employee.objects.filter(pk=first.pk).update(created_at=timezone.now() - dt.timedelta(days=400))

    def lagebericht_pdf():
        kind = REPORTS.get("lagebericht")
        return render_pdf(kind.make(viewer=None, on=today), landscape=kind.landscape)

    def anfrage_xlsx():
        return render_xlsx(REPORTS.get("anfrage").make(viewer=None, on=today))

    def pressetext():
        return render_txt(REPORTS.get("pressetext").make(viewer=None, on=today))

    def figures_past():
        return compute_kpis(on=today - dt.timedelta(days=30))

    def snapshot_job():
        FigureSnapshot.objects.all().delete()
        return snapshots_due(today)

    cases = [
        ("Lagebericht, whole administration, PDF", lagebericht_pdf, GOAL_PDF_SECONDS),
        ("Anfrage per Dezernat, XLSX", anfrage_xlsx, None),
        ("Pressetext, TXT", pressetext, None),
        ("all figures as of 30 days ago (history)", figures_past, None),
        ("daily snapshot job, first run (13 days x units)", snapshot_job, None),
    ]
    print(f"{staff:,} active staff on PostgreSQL; medians of {args.runs} runs")
    print()
    print(f"{'what':<44} {'cold':>8} {'warm':>8}  goal")
    for label, make, goal in cases:
        cold, warm = [], []
        for _ in range(args.runs):
            cache.clear()
            began = time.perf_counter()
            make()
            cold.append(time.perf_counter() - began)
            began = time.perf_counter()
            make()
            warm.append(time.perf_counter() - began)
        c, w = statistics.median(cold), statistics.median(warm)
        verdict = "" if goal is None else ("ok" if c < goal else "MISSED") + f" (< {goal} s cold)"
        print(f"{label:<44} {c:>6.2f} s {w:>6.2f} s  {verdict}", flush=True)


if __name__ == "__main__":
    main()

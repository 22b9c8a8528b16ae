"""The figures of past days are kept by the daily job, so trends read rows instead of
rebuilding each day from the history; a kept day holds what `compute_kpis(on=day)` gives."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from rathausmobil.core.figures import NotRebuilt
from rathausmobil.organisation.tests.factories import EmployeeFactory
from rathausmobil.reports.kpis import compute_kpis
from rathausmobil.reports.models import FigureSnapshot
from rathausmobil.reports.snapshots import monthly_trend, snapshots_due

TODAY = dt.date(2026, 5, 20)


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        def move(self, day: dt.date) -> None:
            self.now = timezone.make_aware(dt.datetime.combine(day, dt.time(6)))

    c = Clock()
    c.move(dt.date(2025, 11, 3))  # the first HR import
    monkeypatch.setattr(timezone, "now", lambda: c.now)
    return c


def test_the_daily_job_keeps_yesterday_and_the_month_ends_once(clock, org, employee):
    EmployeeFactory(unit=org["A1"], entry_date=dt.date(2026, 3, 2))
    clock.move(TODAY)
    written = snapshots_due(TODAY)
    # Whole administration and the one Dezernat: yesterday and the 12 month ends from May
    # 2025 to April 2026, 13 days each.
    assert written == 2 * 13
    assert snapshots_due(TODAY) == 0, "a second run the same day must write nothing"

    kept = FigureSnapshot.objects.get(day=dt.date(2026, 2, 28), unit=None)
    assert kept.values["staff_total"] == compute_kpis(on=dt.date(2026, 2, 28))["staff_total"] == 1
    assert (
        FigureSnapshot.objects.get(day=dt.date(2026, 3, 31), unit=None).values["staff_total"] == 2
    )
    # Before the first import: kept as "not rebuilt", and read back as such.
    trend = monthly_trend(on=TODAY)
    staff = dict(trend["staff_total"])
    assert staff[dt.date(2025, 6, 30)] == NotRebuilt(dt.date(2025, 11, 3))
    assert [staff[dt.date(2026, m, d)] for m, d in ((1, 31), (2, 28), (3, 31), (4, 30))] == [
        1,
        1,
        2,
        2,
    ]
    # Twelve points, one per month end, the last one today's figure.
    assert [day for day, _ in trend["staff_total"]][-2:] == [dt.date(2026, 4, 30), TODAY]
    assert len(trend["staff_total"]) == 12
    assert trend["staff_total"][-1][1] == compute_kpis()["staff_total"]


def test_a_month_without_a_kept_row_is_a_gap_not_a_zero(clock, org, employee):
    clock.move(TODAY)
    trend = monthly_trend(on=TODAY)
    assert trend["staff_total"][0][1] is None
    assert trend["staff_total"][-1][1] == 1


def test_the_command_fills_a_longer_past(clock, org, employee):
    clock.move(TODAY)
    out = StringIO()
    call_command("snapshot_figures", "--since", "2024-01-01", stdout=out)
    # 12 month ends and yesterday from the job, then every month end since January 2024.
    days = set(FigureSnapshot.objects.filter(unit=None).values_list("day", flat=True))
    assert dt.date(2024, 1, 31) in days and dt.date(2025, 4, 30) in days
    assert f"{FigureSnapshot.objects.count()} Kennzahlen-Stände" in out.getvalue()


def test_run_due_jobs_keeps_the_figures(clock, org, employee):
    clock.move(TODAY)
    call_command("run_due_jobs", stdout=StringIO())
    assert FigureSnapshot.objects.filter(day=TODAY - dt.timedelta(days=1)).exists()

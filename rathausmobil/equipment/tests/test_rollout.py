"""The rollout figures: progress, pace, projection and verdict, with fixed dates."""

import datetime as dt
import re

import pytest
from django.utils import timezone, translation

from rathausmobil.equipment import rollout, selectors, services
from rathausmobil.equipment.models import RolloutCampaign

TARGET = dt.date(2022, 12, 31)


def test_it_projects_a_late_completion():
    figures = rollout.project(
        today=dt.date(2022, 6, 30),
        target_date=TARGET,
        mobile_in_use=330,
        stationary_in_use=820,
        handovers=132,
        deliveries=200,
    )
    assert figures.progress_share == 0.287  # 330 / 1150
    assert figures.pace == 16.5  # 132 hand-overs in 8 weeks
    assert figures.delivery_pace == 25.0
    # 820 / 16.5 weeks = 347.9 days, rounded up
    assert figures.projected_date == dt.date(2022, 6, 30) + dt.timedelta(days=348)
    assert figures.status == "late" and not figures.on_track
    assert figures.verdict.startswith("Verzug: Beim aktuellen Tempo (16,5 Ausgaben pro Woche")
    assert "24 Wochen nach dem Zieltermin 31.12.2022" in figures.verdict
    assert figures.required_pace == 31.2  # 820 devices in 184 days = 26.3 weeks
    assert "Nötig wären 31,2 Ausgaben pro Woche" in figures.verdict


def test_it_projects_an_on_time_completion():
    figures = rollout.project(
        today=dt.date(2022, 6, 30),
        target_date=TARGET,
        mobile_in_use=900,
        stationary_in_use=100,
        handovers=80,
    )
    assert figures.pace == 10.0
    assert figures.projected_date == dt.date(2022, 9, 8)  # 10 weeks
    assert figures.status == "on_track"
    assert figures.verdict == (
        "Im Plan: Beim aktuellen Tempo (10,0 Ausgaben pro Woche in den letzten 8 Wochen) ist die "
        "Umstellung voraussichtlich am 08.09.2022 abgeschlossen, vor dem Zieltermin 31.12.2022."
    )


def test_it_calls_a_passed_target_late_even_at_a_good_pace():
    figures = rollout.project(
        today=dt.date(2023, 1, 10),
        target_date=TARGET,
        mobile_in_use=990,
        stationary_in_use=10,
        handovers=400,
    )
    assert figures.status == "late"
    assert figures.verdict.startswith(
        "Verzug: Der Zieltermin 31.12.2022 ist verstrichen, und es sind noch 10 stationäre "
        "Arbeitsplatzrechner im Einsatz."
    )
    assert figures.projected_date == dt.date(2023, 1, 12)  # 10 / 50 a week = 1.4 days, up


def test_it_has_no_projection_without_pace():
    figures = rollout.project(
        today=dt.date(2022, 6, 30),
        target_date=TARGET,
        mobile_in_use=5,
        stationary_in_use=95,
        handovers=0,
    )
    assert figures.projected_date is None
    assert figures.status == "late"
    assert "kein mobiles Arbeitsplatzgerät ausgegeben" in figures.verdict


def test_it_is_done_when_no_stationary_device_is_left():
    figures = rollout.project(
        today=dt.date(2023, 3, 1),
        target_date=TARGET,
        mobile_in_use=40,
        stationary_in_use=0,
        handovers=0,
    )
    assert figures.progress_share == 1.0
    assert figures.status == "done" and figures.on_track
    assert figures.projected_date == dt.date(2023, 3, 1)


def test_it_counts_devices_in_use_over_time():
    day = dt.date(2022, 1, 1)
    periods = [
        (False, dt.date(2020, 1, 1), dt.date(2022, 1, 10)),  # desktop until the 10th
        (True, dt.date(2022, 1, 10), None),  # its notebook replacement
        (False, dt.date(2021, 5, 1), None),
    ]
    points = rollout.progress_series(
        periods, [day, day + dt.timedelta(days=9), day + dt.timedelta(days=14)]
    )
    assert [(p.mobile, p.stationary) for p in points] == [(0, 2), (1, 1), (1, 1)]
    assert points[1].share == 0.5


def test_it_draws_the_target_line_from_start_to_target():
    assert rollout.target_share(dt.date(2020, 5, 1), dt.date(2020, 5, 1), TARGET) == 0.0
    assert rollout.target_share(dt.date(2030, 1, 1), dt.date(2020, 5, 1), TARGET) == 1.0
    middle = dt.date(2020, 5, 1) + (TARGET - dt.date(2020, 5, 1)) / 2
    assert rollout.target_share(middle, dt.date(2020, 5, 1), TARGET) == pytest.approx(
        0.5, abs=0.001
    )


def test_it_computes_the_figures_from_the_records(fleet):
    RolloutCampaign.objects.create(
        name="Mobile Arbeitsplätze 2022", start_date=dt.date(2020, 5, 1), target_date=TARGET
    )
    today = timezone.localdate()

    figures = selectors.rollout_projection(today, selectors.current_campaign())

    assert (figures.mobile_in_use, figures.stationary_in_use) == (3, 1)
    assert figures.progress_share == 0.75
    assert figures.handovers == 2 and figures.pace == 0.2  # 2 in 8 weeks: 0.25, shown as 0.2
    assert figures.projected_date == today + dt.timedelta(days=28)  # 1 / 0.25 weeks
    assert figures.status == "late"  # the target lies in the past

    points = selectors.rollout_history(today)
    assert (points[-1].mobile, points[-1].stationary) == (3, 1)
    assert (points[0].mobile, points[0].stationary) == (0, 4)


def test_it_reports_the_kpis(fleet, order, it, notebook_model):
    services.order_deliver(
        order=order, by=it, line=order.lines.get(model=notebook_model), serials=["X1", "X2"]
    )
    RolloutCampaign.objects.create(
        name="Mobile Arbeitsplätze 2022", start_date=dt.date(2020, 5, 1), target_date=TARGET
    )

    figures = selectors.kpis()

    today = timezone.localdate()
    assert figures == {
        "devices_mobile_in_use": 3,
        "devices_on_order": 12,
        "rollout_target_date": "2022-12-31",
        "rollout_progress_share": 0.75,
        "rollout_projected_date": (today + dt.timedelta(days=28)).isoformat(),
    }


def test_it_reports_empty_kpis_without_records(db):
    assert selectors.kpis() == {
        "devices_mobile_in_use": 0,
        "devices_on_order": 0,
        "rollout_target_date": None,
        "rollout_progress_share": 0.0,
        "rollout_projected_date": None,
    }


def test_it_builds_a_chart_with_target_and_projection():
    today = dt.date(2022, 6, 30)
    figures = rollout.project(
        today=today, target_date=TARGET, mobile_in_use=300, stationary_in_use=700, handovers=160
    )
    points = rollout.progress_series(
        [(True, today - dt.timedelta(days=10), None)], rollout.chart_days(today)
    )

    with translation.override("de"):
        chart = rollout.build_chart(
            points, figures, start_date=dt.date(2020, 5, 1), target_date=TARGET
        )

    assert rollout.chart_range(points, figures, TARGET) == (
        today - dt.timedelta(weeks=26),
        figures.projected_date + dt.timedelta(weeks=2),
    )
    svg = str(chart)
    # The history (27 weeks) as one line, the projection and the target line.
    lines = re.findall(r'<path d="([^"]*)"', svg)
    assert len(lines) == 3 and lines[0].count("L") == 26
    assert 'stroke-dasharray="10 4"' in svg and 'stroke-dasharray="3 3"' in svg
    labels = re.findall(r'font-weight="600"[^>]*>([^<]*)</text>', svg)
    assert labels == ["Ziel 31.12.2022", "heute"]
    assert "Anteil mobiler Arbeitsplatzgeräte heute 30,0 %" in chart.desc
    assert chart.table.header == ("Stichtag", "mobil", "stationär", "Anteil mobil")
    assert [row[0] for row in chart.table.rows] == [
        p.day.strftime("%d.%m.%Y") for p in rollout.table_rows(points)
    ]


def test_it_projects_without_a_target():
    figures = rollout.project(
        today=dt.date(2026, 11, 22),
        target_date=None,
        mobile_in_use=30,
        stationary_in_use=87,
        handovers=11,
    )
    assert figures.status == "no_target" and not figures.on_track
    assert figures.verdict.endswith("Es ist kein Zieltermin festgelegt.")

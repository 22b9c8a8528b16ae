"""The presence demo: this week's plans published, next week's a draft, made through the
services, and the figures of `kpis` computed from them.

One test on the small scenario (Halver): loading it takes a while.
"""

import datetime as dt
import json
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from rathausmobil.core.models import AuditEvent, StatusChange
from rathausmobil.demo import presence as demo
from rathausmobil.organisation.models import Employee
from rathausmobil.presence.models import (
    Absence,
    CoverageRule,
    OpeningHours,
    PlanCell,
    PlanningRun,
    PlanStatus,
    Room,
    TeamDay,
    WeekPlan,
    Wish,
)
from rathausmobil.presence.planning import monday_of
from rathausmobil.presence.selectors_figures import week_coverage


def kpis() -> dict:
    out = StringIO()
    call_command("kpis", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_it_seeds_halver_with_a_published_week_a_draft_and_figures(db):
    call_command("seed_demo", "--scenario", "halver", "--quiet")
    this_week = monday_of(timezone.localdate())

    # Places and rules, through the import and the services (each with its audit entry).
    assert Room.objects.filter(building__name="Rathaus Halver").count() > 10
    assert CoverageRule.objects.filter(unit__code="2.1").count() == 10
    assert CoverageRule.objects.get(unit__code="2.3", weekday=4).qualification.code == "trauung"
    assert OpeningHours.objects.filter(unit__code="2.1").exists()
    assert TeamDay.objects.exists() and Wish.objects.count() > 50 and Absence.objects.exists()
    assert AuditEvent.objects.filter(object_type="presence.coveragerule").count() >= 11

    # This week published, next week a draft, each planned by a finished run.
    published = WeekPlan.objects.filter(week_start=this_week)
    drafts = WeekPlan.objects.filter(week_start=this_week + dt.timedelta(days=7))
    assert published.count() == drafts.count() > 10
    assert not published.exclude(status=PlanStatus.PUBLISHED).exists()
    assert not drafts.exclude(status=PlanStatus.DRAFT).exists()
    assert not PlanningRun.objects.exclude(state="done").exists()
    assert StatusChange.objects.filter(action="publish").count() == published.count()
    # Everybody has a room: every active person has a week in the published plans.
    active = Employee.objects.filter(is_active=True).count()
    people = PlanCell.objects.filter(plan__in=published).values("employee").distinct().count()
    assert people == active
    assert PlanCell.objects.filter(plan__in=drafts).exists()
    # Hybrid weeks: Tuesday in the town hall, other days at home for some.
    kinds = set(PlanCell.objects.filter(plan__in=published).values_list("kind", flat=True))
    assert {"office", "home", "absent"} <= kinds
    # The day the Bürgerbüro's counter is nearly empty shows as a shortfall with its reason.
    (bb,) = published.filter(unit__code="2.1")
    assert any("abwesend" in item["reason"] for item in bb.shortfalls)

    figures = kpis()
    coverage = week_coverage(this_week)
    assert coverage.rules_checked and figures["presence_coverage_met_share"] == round(
        coverage.rules_met / coverage.rules_checked, 3
    )
    assert 0 < figures["presence_coverage_met_share"] < 1
    assert 0 < figures["presence_office_share"] < 1
    assert 0 < figures["presence_peak_occupancy_share"] <= 1
    assert set(figures["presence_coverage_by_unit"]) == {"2.1", "2.3"}

    before = (WeekPlan.objects.count(), AuditEvent.objects.count(), Wish.objects.count())
    assert demo.seed("halver") == {}  # a second run changes nothing
    assert (WeekPlan.objects.count(), AuditEvent.objects.count(), Wish.objects.count()) == before

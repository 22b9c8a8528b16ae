import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from rathausmobil.agreements.models import Agreement, Offer, WorkRequest
from rathausmobil.core.models import AuditEvent, StatusChange
from rathausmobil.demo.tests.test_access import check_the_vpn_access_of_offenbach
from rathausmobil.demo.tests.test_eligibility import check_the_eligibility_of_offenbach
from rathausmobil.demo.tests.test_equipment import check_the_rollout_of_offenbach
from rathausmobil.organisation.models import Employee, OrgUnit


def kpis(*args):
    out = StringIO()
    call_command("kpis", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


ARTICLE_DAY = "2021-01-20"


def assert_the_figures_of_the_offenbach_article(figures):
    """ "Stadt baut Homeoffice seit Mitte 2020 aus", 20.01.2021 (DOMAIN.md)."""
    assert figures["staff_total"] == 1200
    assert figures["staff_with_vpn_access"] == 1100
    assert figures["vpn_concurrent_avg_workdays"] == pytest.approx(350, rel=0.05)
    assert figures["devices_mobile_in_use"] == 330
    assert figures["devices_on_order"] == 300
    assert figures["rollout_target_date"] == "2022-12-31"


def assert_the_administration_of_offenbach(figures):
    assert figures["staff_total"] == 1200
    assert figures["org_units_total"] == OrgUnit.objects.count() > 50
    assert Employee.objects.filter(is_active=False).exists()  # leavers come from exit dates
    for name in (
        "Bürgerbüro",
        "Stadtpolizei",
        "Ausländeramt",
        "Kämmerei",
        "Bauaufsicht",
        "Standesamt",
    ):
        assert OrgUnit.objects.filter(name__contains=name).exists(), name
    assert OrgUnit.objects.filter(name__startswith="Kita").count() >= 3
    assert not OrgUnit.objects.filter(head__isnull=True).exists()


def assert_the_workflow_from_generated_records(figures):
    assert all(count > 0 for count in figures["agreements_active_by_kind"].values())
    assert figures["requests_open"] > figures["requests_overdue"] > 0
    assert all(count for count in figures["refusals_by_reason"].values())  # or "< 5"
    assert figures["pledges_missing"] > 0
    assert set(WorkRequest.objects.values_list("status", flat=True)) >= {
        "draft",
        "submitted",
        "approved",
        "rejected",
        "withdrawn",
    }
    assert set(Offer.objects.values_list("status", flat=True)) == {
        "offered",
        "accepted",
        "declined",
    }
    assert set(Agreement.objects.values_list("status", flat=True)) >= {
        "pending",
        "agreed",
        "active",
        "ending",
        "ended",
    }


def assert_vpn_use_from_gateway_logs(figures):
    """ "About 350 at the same time": from generated gateway logs read by the importer."""
    from rathausmobil.usage.models import VpnAccount, VpnLogImport

    assert figures["vpn_concurrent_avg_workdays"] == pytest.approx(350, rel=0.05)
    assert figures["vpn_concurrent_avg_workdays"] < figures["vpn_concurrent_peak"] <= 1300
    assert set(VpnLogImport.objects.values_list("fmt", flat=True)) == {"cisco-asa", "fortigate"}
    assert VpnAccount.objects.filter(employee__isnull=True).count() >= 3  # IT's list


def assert_the_demo_logins_work():
    from django.test import Client

    client = Client()

    def login(username):
        # Through the login page, as a person signs in (the lockout needs the request).
        client.logout()
        response = client.post("/login/", {"username": username, "password": "demo"})
        assert response.status_code == 302, username

    login("personalamt")
    assert client.get("/organisation/import/").status_code == 200
    login("beschaeftigte")
    assert client.get("/organisation/import/").status_code == 403
    login("vorgesetzte")
    assert "Eingang: Anträge zur Entscheidung" in client.get("/mobil/eingang/").content.decode()
    login("verwaltungsspitze")
    assert 'data-kpi="staff_total">1.200<' in client.get("/kennzahlen/").content.decode()


def footprint():
    names = Employee.objects.order_by("personnel_number").values_list("last_name", flat=True)
    return AuditEvent.objects.count(), StatusChange.objects.count(), list(names), kpis()


@pytest.mark.django_db
def test_it_seeds_offenbach_with_figures_from_records_idempotently():
    """One test, because loading the demo takes half a minute."""
    call_command("seed_demo", "--scenario", "offenbach", "--quiet")
    figures = kpis()
    assert_the_administration_of_offenbach(figures)
    assert_the_workflow_from_generated_records(figures)
    assert_vpn_use_from_gateway_logs(figures)
    assert_the_demo_logins_work()
    # The story happened over time: the records began with the campaign in May 2020,
    # and the article's figures are those of its day.
    assert Employee.objects.earliest("created_at").created_at.date() == dt.date(2020, 5, 4)
    assert_the_figures_of_the_offenbach_article(kpis("--date", ARTICLE_DAY))
    # The capabilities' own checks share this load (it takes over a minute).
    check_the_eligibility_of_offenbach()
    check_the_rollout_of_offenbach()
    check_the_vpn_access_of_offenbach()

    before = footprint()
    call_command("seed_demo", "--scenario", "offenbach", "--quiet")
    assert footprint() == before  # nothing changed the second time


@pytest.mark.django_db
def test_it_tells_the_offenbach_story_up_to_the_day_of_the_article():
    """`--today`: the story up to that day only; its figures are the article's."""
    from rathausmobil.equipment.models import Assignment
    from rathausmobil.presence.models import WeekPlan
    from rathausmobil.usage.models import UsageDay

    call_command("seed_demo", "--scenario", "offenbach", "--today", ARTICLE_DAY, "--quiet")
    assert_the_figures_of_the_offenbach_article(kpis("--date", ARTICLE_DAY))
    # The press office's paragraph of that day names the article's figures.
    out = StringIO()
    call_command("report", "pressetext", "--date", ARTICLE_DAY, "--format", "txt", stdout=out)
    text = " ".join(out.getvalue().split())
    for phrase in (
        "1.200 Mitarbeiterinnen und Mitarbeitern",
        "1.100 über VPN",
        "350 Personen",
        "330 mobile Geräte",
        "300 bestellt",
        "Ende 2022",
    ):
        assert phrase in text, phrase

    article = dt.date.fromisoformat(ARTICLE_DAY)
    # Nothing happened after the day: no record, no status move, no audit row, no log.
    assert timezone.localdate(AuditEvent.objects.latest("created_at").created_at) <= article
    assert timezone.localdate(StatusChange.objects.latest("at").at) <= article
    assert timezone.localdate(Assignment.objects.latest("handed_over_at").handed_over_at) < article
    assert UsageDay.objects.latest("day").day <= article  # a late session ran past midnight
    assert not Employee.objects.filter(entry_date__gt=article).exists()
    # ... and it began in May 2020 (the records began with the first HR import).
    assert timezone.localdate(Employee.objects.earliest("created_at").created_at) == dt.date(
        2020, 5, 4
    )
    # The presence plans are those of the demo's week.
    assert WeekPlan.objects.filter(week_start=dt.date(2021, 1, 18)).exists()


def test_a_demo_day_before_the_article_or_in_the_future_is_refused():
    from django.core.management import CommandError

    for day in ("2020-12-01", "2999-01-01", "gestern"):
        with pytest.raises(CommandError):
            call_command("seed_demo", "--today", day, "--quiet")


@pytest.mark.django_db
def test_it_seeds_halver_and_refuses_to_mix_scenarios():
    call_command("seed_demo", "--scenario", "halver", "--quiet")
    assert 100 <= kpis()["staff_total"] <= 150
    with pytest.raises(SystemExit) as exit_info:
        call_command("seed_demo", "--scenario", "offenbach", "--quiet", stderr=StringIO())
    assert exit_info.value.code == 1

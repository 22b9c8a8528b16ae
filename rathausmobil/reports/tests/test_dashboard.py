import datetime as dt
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from rathausmobil.agreements import services
from rathausmobil.reports.dashboard import dashboard_themes
from rathausmobil.reports.kpis import compute_kpis


@pytest.fixture
def refused(employee, supervisor):
    """One refusal for R8: a single person's performance review."""
    request = services.request_create(
        by=employee,
        values={
            "kind": "alternating",
            "weekdays": [0],
            "start_date": dt.date.today() + dt.timedelta(days=5),
        },
    )
    services.request_submit(request=request, by=employee)
    services.request_reject(
        request=request,
        by=supervisor,
        reason_codes=["R8"],
        justification="Dokumentierte Leistungsbedenken aus dem Mitarbeitergespräch.",
    )
    return request


def kpis_json() -> dict:
    out = StringIO()
    call_command("kpis", "--json", stdout=out)
    return json.loads(out.getvalue())


def breakdown_cell(body: str, label: str) -> str:
    match = re.search(
        rf"{re.escape(label)}</th><td class=\"text-end text-nowrap\">(.*?)</td>", body
    )
    assert match, label
    return match.group(1)


def test_it_suppresses_small_refusal_counts_for_everyone_but_hr(client, refused, hr, staff_council):
    client.force_login(staff_council)
    body = client.get(reverse("reports:dashboard")).content.decode()
    assert (
        'R8 Dokumentierte Leistungsbedenken</th><td class="text-end text-nowrap">&lt; 5</td>'
        in body
    )
    client.force_login(hr)
    body = client.get(reverse("reports:dashboard")).content.decode()
    assert 'R8 Dokumentierte Leistungsbedenken</th><td class="text-end text-nowrap">1</td>' in body


def test_it_suppresses_a_small_breakdown_in_kpis_json(refused):
    figures = kpis_json()
    assert figures["refusals_by_reason"]["R8"] == "< 5"
    assert figures["refusals_by_reason"]["R1"] == 0  # nobody is no group to protect
    assert figures["staff_total"] > 0  # head counts are not suppressed (docs/roles.md)


@pytest.mark.parametrize("viewer", ["hr", "staff_council", "leadership"])
def test_it_shows_on_the_dashboard_what_the_providers_give_the_viewer(
    client, request, refused, viewer
):
    user = request.getfixturevalue(viewer)
    client.force_login(user)
    body = client.get(reverse("reports:dashboard")).content.decode()
    figures = compute_kpis(viewer=user)
    shown = breakdown_cell(body, "R8 Dokumentierte Leistungsbedenken").replace("&lt;", "<")
    assert shown == str(figures["refusals_by_reason"]["R8"])
    assert f'data-kpi="staff_total">{figures["staff_total"]}<' in body
    if viewer != "hr":
        assert figures["refusals_by_reason"] == kpis_json()["refusals_by_reason"]


def test_it_takes_the_threshold_from_the_setting(refused, settings):
    settings.MIN_GROUP_SIZE = 1
    assert kpis_json()["refusals_by_reason"]["R8"] == 1
    settings.MIN_GROUP_SIZE = 3
    assert kpis_json()["refusals_by_reason"]["R8"] == "< 3"


# --------------------------------------------------------------------------- themes, Stichtag, unit


def test_it_groups_the_figures_by_theme_with_their_definitions(client, leadership):
    client.force_login(leadership)
    body = client.get(reverse("reports:dashboard")).content.decode()
    for theme in (
        "Beschäftigte und Vereinbarungen",
        "Geräte und Umstellung",
        "Zugänge und VPN-Nutzung",
        "Anwesenheit",
    ):
        assert f">{theme}</h2>" in body
    assert "Wie wird das berechnet?" in body
    assert 'name="stichtag"' in body and 'name="einheit"' in body


def test_a_past_stichtag_shows_the_figures_as_they_stood(client, leadership, org, monkeypatch):
    from django.utils import timezone

    from rathausmobil.organisation.models import Employee

    later = timezone.now() + dt.timedelta(days=40)  # the first people came in today
    monkeypatch.setattr(timezone, "now", lambda: later)
    client.force_login(leadership)
    Employee.objects.update(exit_date=later.date() - dt.timedelta(days=1), is_active=False)
    day = (later - dt.timedelta(days=30)).date()
    body = client.get(reverse("reports:dashboard"), {"stichtag": day.isoformat()}).content.decode()
    assert f"Stand: {day:%d.%m.%Y} (Stichtag)" in body
    assert 'data-kpi="staff_total">1<' in body  # the mayor was still employed then
    assert "nicht rekonstruierbar" in body  # capacities keep no history
    today = client.get(reverse("reports:dashboard")).content.decode()
    assert 'data-kpi="staff_total">0<' in today


def test_a_stichtag_in_the_future_is_refused_in_german(client, leadership):
    client.force_login(leadership)
    future = dt.date.today() + dt.timedelta(days=3)
    response = client.get(reverse("reports:dashboard"), {"stichtag": future.isoformat()})
    assert response.status_code == 200
    assert "Der Stichtag liegt in der Zukunft" in response.content.decode()


def test_a_unit_narrows_every_figure_to_it_and_below(client, leadership, org, employee, stranger):
    client.force_login(leadership)
    body = client.get(reverse("reports:dashboard"), {"einheit": "A"}).content.decode()
    assert "Kennzahlen: A Amt A" in body
    assert 'data-kpi="staff_total">1<' in body  # employee in A1; stranger is in B1
    unknown = client.get(reverse("reports:dashboard"), {"einheit": "XYZ"}).content.decode()
    assert "Eine Einheit „XYZ“ gibt es nicht" in unknown


@pytest.mark.parametrize(
    ("viewer", "url_name", "query"),
    [
        ("hr", "agreements:overview", "?status=submitted&amp;ueberfaellig=true"),
        ("leadership", "reports:overdue", ""),
    ],
)
def test_overdue_requests_lead_to_what_the_reader_may_open(
    client, request, viewer, url_name, query
):
    link = reverse(url_name) + query
    client.force_login(request.getfixturevalue(viewer))
    body = client.get(reverse("reports:dashboard")).content.decode()
    tile = body[body.index('id="fig-requests_overdue"') :]
    tile = tile[: tile.index("</section>")]
    assert f'href="{link}"' in tile


def test_the_staff_council_follows_refusals_to_its_list_and_nobody_else_does(
    client, staff_council, leadership
):
    client.force_login(staff_council)
    assert (
        reverse("agreements:refusals") in client.get(reverse("reports:dashboard")).content.decode()
    )
    client.force_login(leadership)
    assert (
        reverse("agreements:refusals")
        not in client.get(reverse("reports:dashboard")).content.decode()
    )


def test_the_dashboard_reads_a_fixed_number_of_queries(
    client, leadership, employee, django_assert_max_num_queries
):
    client.force_login(leadership)
    client.get(reverse("reports:dashboard"))  # figures and tiles kept
    with django_assert_max_num_queries(6):
        client.get(reverse("reports:dashboard"))


def test_the_tiles_carry_the_verdicts_of_the_reports():
    from rathausmobil.reports.verdicts import LATE, TIGHT

    figures = {
        "rollout_target_date": "2022-12-31",
        "rollout_projected_date": "2027-03-14",
        "rollout_progress_share": 0.8,
        "vpn_capacity": 1000,
        "vpn_concurrent_peak": 950,
    }
    tiles = {
        tile.key: tile
        for theme in dashboard_themes(
            scope=None, figures=figures, trends=None, on=dt.date(2026, 12, 7)
        )
        for tile in theme.tiles
    }
    rollout, vpn = tiles["rollout_progress_share"], tiles["vpn_capacity"]
    assert (rollout.verdict, rollout.verdict_kind) == (
        "Verzug: Ziel 31.12.2022, voraussichtlich 14.03.2027.",
        LATE,
    )
    assert vpn.verdict_kind == TIGHT and vpn.verdict.startswith("Reserve: 50 Verbindungen")


def test_the_overdue_page_counts_per_office_and_names_nobody(
    client, leadership, employee, supervisor, org
):
    from rathausmobil.agreements.models import WorkRequest

    request = services.request_create(
        by=employee,
        values={"kind": "alternating", "weekdays": [0], "start_date": dt.date.today()},
    )
    services.request_submit(request=request, by=employee)
    WorkRequest.objects.filter(pk=request.pk).update(
        due_date=dt.date.today() - dt.timedelta(days=3)
    )
    client.force_login(leadership)
    body = client.get(reverse("reports:overdue")).content.decode()
    assert "A Amt A" in body  # A1 rolls up into its Amt
    assert "Employee" not in body  # the requester's name
    assert (dt.date.today() - dt.timedelta(days=3)).strftime("%d.%m.%Y") in body
    client.force_login(employee)
    assert client.get(reverse("reports:overdue")).status_code == 403


def test_the_overdue_counts_are_kept_for_every_reader(
    client, leadership, hr, employee, django_assert_max_num_queries
):
    client.force_login(leadership)
    client.get(reverse("reports:overdue"))
    client.force_login(hr)
    with django_assert_max_num_queries(3):  # session, user, roles: the counts are kept
        client.get(reverse("reports:overdue"))

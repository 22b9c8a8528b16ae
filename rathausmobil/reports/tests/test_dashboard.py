import datetime as dt
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from rathausmobil.agreements import services
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

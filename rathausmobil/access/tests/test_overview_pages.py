"""The grants list pages by seek (core/pagination.py): every grant once while grants
are requested, the same queries for 10 grants as for 200, a unit picked by typing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from rathausmobil.access.models import AccessGrant, GrantStatus
from rathausmobil.organisation.models import Employee

URL = reverse("access:overview")


def grants(unit, gateway, n, *, start=0, name="Zugang"):
    people = Employee.objects.bulk_create(
        Employee(
            personnel_number=f"Z{start + i:06d}",
            last_name=f"{name}{i % 9}",  # equal names: the person's id orders them
            first_name="Vorname",
            unit=unit,
            weekly_hours=Decimal("39"),
            entry_date=dt.date(2020, 1, 1),
        )
        for i in range(n)
    )
    return AccessGrant.objects.bulk_create(
        AccessGrant(
            employee=person, kind="vpn", gateway=gateway, status=GrantStatus.ACTIVE, reason="Test"
        )
        for person in people
    )


def test_it_lists_every_grant_once_across_its_pages_while_grants_are_requested(
    client, it, org, gateway
):
    made = {g.pk for g in grants(org["A1"], gateway, 130)}
    client.force_login(it)
    seen, page, n = [], client.get(URL).context["page"], 0
    while True:
        seen += [g.pk for g in page]
        n += 1
        grants(org["B1"], gateway, 4, start=1000 + 10 * n, name="Neu")
        if not page.has_next:
            break
        page = client.get(URL, {"nach": page.next}).context["page"]
    assert len(seen) == len(set(seen)) and made <= set(seen)


@pytest.mark.parametrize("query", [{}, {"status": "active"}, {"einheit": "A1"}, {"q": "Zugang"}])
def test_it_keeps_the_queries_of_a_grants_page_flat(
    client, it, org, gateway, query, django_assert_max_num_queries
):
    grants(org["A1"], gateway, 10)
    client.force_login(it)
    client.get(URL)  # warm the session
    with django_assert_max_num_queries(25) as small:
        client.get(URL, query)
    grants(org["A1"], gateway, 190, start=10)
    # one more: a list of more than one page is counted
    with django_assert_max_num_queries(len(small.captured_queries) + 1) as first:
        page = client.get(URL, query).context["page"]
    with django_assert_max_num_queries(len(first.captured_queries)):
        later = client.get(URL, {**query, "nach": page.next})
    assert later.context["page"].start == 50 and len(later.context["page"]) == 50


def test_it_offers_the_unit_picker_instead_of_a_bare_code_field(client, it, org, gateway):
    client.force_login(it)
    body = client.get(URL, {"einheit": "A1"}).content.decode()
    assert 'name="einheit"' in body and 'value="A1"' in body
    assert 'list="f-einheit-vorschlaege"' in body
    assert f'hx-get="{reverse("organisation:unit_search")}"' in body

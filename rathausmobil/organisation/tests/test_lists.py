"""The employee list at city scale: paged by seek, counted without counting 50,000 rows,
filtered by a unit picked by typing (never a list of every unit), and the API's limit."""

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token

from rathausmobil.organisation.models import Employee, OrgUnit
from rathausmobil.organisation.tests.factories import OrgUnitFactory

LIST = "/organisation/beschaeftigte/"
SEARCH = "/organisation/einheiten/suche/"


def staff(unit, n, *, name="Reihe", start=0):
    return Employee.objects.bulk_create(
        Employee(
            personnel_number=f"R{start + i:06d}",
            last_name=f"{name}{i % 7}",
            first_name="Vorname",
            unit=unit,
            weekly_hours=Decimal("39"),
            entry_date=dt.date(2020, 1, 1),
        )
        for i in range(n)
    )


def test_it_pages_the_list_with_links_that_work_without_javascript(client, hr, org):
    staff(org["A1"], 120)
    client.force_login(hr)
    first = client.get(LIST, {"q": "Reihe"})
    page = first.context["page"]
    body = first.content.decode()
    assert len(page) == 50 and page.count == 120
    assert "1–50 von 120" in body
    assert 'aria-label="Seiten der Liste"' in body
    assert "Weiter" in body and "Zurück" not in body
    # the next link keeps the filter and carries the cursor
    assert f"?q=Reihe&amp;nach={page.next}" in body.replace("%3A", ":")

    second = client.get(LIST, {"q": "Reihe", "nach": page.next})
    body = second.content.decode()
    assert "51–100 von 120" in body and "Zurück" in body and "Erste Seite" in body
    third = client.get(LIST, {"q": "Reihe", "nach": second.context["page"].next})
    assert len(third.context["page"]) == 20 and not third.context["page"].has_next
    shown = [e.pk for r in (first, second, third) for e in r.context["page"]]
    assert len(set(shown)) == 120


def test_it_answers_a_page_link_by_htmx_with_the_results_alone(client, hr, org):
    staff(org["A1"], 60)
    client.force_login(hr)
    page = client.get(LIST).context["page"]
    fragment = client.get(LIST, {"nach": page.next}, headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert body.lstrip().startswith('<div id="results"') and "<html" not in body
    assert 'hx-target="#results"' in body


@pytest.mark.parametrize("cursor", ["kaputt", "eyJrIjpbIkEiXSwiaSI6M30:abc", "x" * 3000])
def test_it_answers_a_tampered_cursor_with_the_first_page(client, hr, org, cursor):
    staff(org["A1"], 60)
    client.force_login(hr)
    for name in ("nach", "vor"):
        response = client.get(LIST, {name: cursor})
        assert response.status_code == 200
        assert response.context["page"].start == 0


def test_it_does_not_let_a_cursor_of_another_list_or_filter_leak_rows(client, hr, outsider, org):
    """A cursor carries only where to continue; the list is still the viewer's own."""
    staff(org["A1"], 60)
    client.force_login(hr)
    cursor = client.get(LIST).context["page"].next
    client.force_login(outsider)
    rows = client.get(LIST, {"nach": cursor}).context["page"]
    assert {e.unit.code for e in rows} <= {"B1"}


def test_it_counts_a_long_list_once_and_shows_the_count_on_every_page(
    client, hr, org, django_assert_max_num_queries
):
    staff(org["A1"], 1230)
    client.force_login(hr)
    first = client.get(LIST)
    total = Employee.objects.count()
    assert f"{total:,} Personen".replace(",", ".") in first.content.decode()
    # the next pages read the kept count: no full count again
    with django_assert_max_num_queries(10) as later:
        second = client.get(LIST, {"nach": first.context["page"].next})
    assert not any("COUNT(" in q["sql"] for q in later.captured_queries)
    assert f"51–100 von {total:,}".replace(",", ".") in second.content.decode()


def test_it_renders_no_unit_options_in_the_page(client, hr, org):
    for i in range(30):
        OrgUnitFactory(code=f"X{i:02d}", name=f"Sonderamt {i}", parent=org["B"])
    client.force_login(hr)
    body = client.get(LIST).content.decode()
    assert "Sonderamt" not in body
    assert 'list="id_unit-vorschlaege"' in body and "<datalist" in body
    assert f'hx-get="{SEARCH}"' in body


def test_it_filters_by_a_typed_unit_code_without_javascript(client, hr, employee, stranger):
    client.force_login(hr)
    body = client.get(LIST, {"unit": "B1"}).content.decode()
    assert "Stranger" in body and "Employee, " not in body
    assert 'value="B1"' in body


# --------------------------------------------------------------------------- unit search


def codes(response) -> list[str]:
    return [line.split('"')[1] for line in response.content.decode().split("<option")[1:]]


def test_it_suggests_units_by_code_or_name(client, hr, org):
    client.force_login(hr)
    assert codes(client.get(SEARCH, {"q": "a1"})) == ["A1"]
    assert codes(client.get(SEARCH, {"q": "Abteilung"})) == ["A1", "B1"]
    # htmx sends the field's own value under the page's parameter name
    assert codes(client.get(SEARCH, {"einheit": "Amt B"})) == ["B"]
    assert codes(client.get(SEARCH, {"unit": "abteilung b1"})) == ["B1"]


def test_it_suggests_a_code_typed_in_full_first_and_at_most_twenty(client, hr, org):
    for i in range(30):
        OrgUnitFactory(code=f"A{i:02d}", name=f"Bereich A1 Nummer {i}", parent=org["A"])
    client.force_login(hr)
    found = codes(client.get(SEARCH, {"q": "A1"}))
    assert len(found) == 20 and found[0] == "A1"


def test_it_suggests_the_topmost_units_before_anything_is_typed(client, hr, supervisor, org):
    client.force_login(hr)
    assert codes(client.get(SEARCH))[:3] == ["D", "A", "B"]
    client.force_login(supervisor)
    assert codes(client.get(SEARCH)) == ["A1"]


def test_it_suggests_a_head_only_units_of_their_subtree(client, amt_head, org):
    OrgUnitFactory(code="A1X", name="Sachgebiet unter A1", parent=org["A1"])
    client.force_login(amt_head)
    assert codes(client.get(SEARCH, {"q": "A"})) == ["A", "A1", "A1X"]
    assert codes(client.get(SEARCH, {"q": "Abteilung"})) == ["A1"]
    # a code outside, guessed in full, gives nothing
    assert codes(client.get(SEARCH, {"q": "B1"})) == []
    assert codes(client.get(SEARCH, {"q": "D"})) == []


def test_it_suggests_nothing_to_a_person_without_a_list_to_filter(client, employee, org):
    client.force_login(employee)
    assert codes(client.get(SEARCH, {"q": "A"})) == []


@pytest.mark.parametrize("role", ["it", "staff_council", "dpo", "leadership"])
def test_it_suggests_every_unit_to_roles_that_see_the_whole_administration(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert codes(client.get(SEARCH, {"q": "B1"})) == ["B1"]


def test_it_keeps_the_unit_search_to_one_query_however_many_units(
    client, hr, org, django_assert_max_num_queries
):
    client.force_login(hr)
    with django_assert_max_num_queries(8) as few:
        client.get(SEARCH, {"q": "Einheit"})
    for i in range(200):
        OrgUnit.objects.create(code=f"M{i:03d}", name=f"Einheit {i}", kind="amt", path="/x/")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(SEARCH, {"q": "Einheit"})
    assert len(codes(response)) == 20


def test_it_sends_anonymous_visitors_of_the_unit_search_to_the_login(client, org):
    assert client.get(SEARCH, {"q": "A"}).status_code == 302


# --------------------------------------------------------------------------- the API


@pytest.fixture
def api(client, hr, org):
    staff(org["A1"], 520)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.create(user=hr).key}"
    return client


@pytest.mark.parametrize(
    "query,rows",
    [
        ({}, 100),
        ({"limit": "1000000"}, 500),
        ({"limit": str(10**40)}, 500),
        ({"limit": "9" * 5000}, 100),  # more digits than Python reads: the default
        ({"limit": "alle"}, 100),
        ({"limit": "-5"}, 100),
        ({"limit": "0"}, 100),
        ({"limit": "20", "offset": "abc"}, 20),
        ({"limit": "20", "offset": str(10**40)}, 0),
    ],
)
def test_it_caps_the_api_page_and_never_fails_on_a_strange_limit(api, query, rows):
    response = api.get("/api/v1/employees/", query)
    assert response.status_code == 200
    assert len(response.json()["results"]) == rows
    assert response.json()["count"] == Employee.objects.count()

"""Pages of VPN usage: who sees what (403 for supervisors, 302 to the login), the rule of 5
with complementary suppression, own sessions only, IT's alias form, bad dates, flat query
counts. Usage data comes in through the real CSV import."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
from django.urls import reverse

from rathausmobil.access.models import GatewayProduct, VpnGateway
from rathausmobil.core.errors import DomainError
from rathausmobil.core.models import AuditEvent
from rathausmobil.organisation.models import Role, RoleAssignment, UnitKind
from rathausmobil.organisation.tests.factories import (
    EmployeeFactory,
    OrgUnitFactory,
    UserFactory,
)
from rathausmobil.usage import selectors, services
from rathausmobil.usage.importing import import_lines
from rathausmobil.usage.models import UnitUsageDay, UnmappedCause, VpnAccount, VpnAlias

MON = dt.date(2026, 11, 2)  # a Monday, winter time
PERIOD = {"von": "2026-11-02", "bis": "2026-11-08"}


@pytest.fixture
def gateway(db):
    return VpnGateway.objects.create(
        name="VPN Rathaus", product=GatewayProduct.OPENVPN, capacity=4, is_default=True
    )


def load(gateway, rows: list[tuple[str, str, str]], name="t.csv"):
    """Import ``user;start;end`` rows (local time) through the real CSV import."""
    return import_lines(
        [f"{u};{s};{e}\n" for u, s, e in rows],
        name=name,
        fmt="csv",
        gateway=gateway,
        tz="Europe/Berlin",
    )


def staff(unit, n: int, prefix: str) -> list:
    """``n`` active employees in ``unit`` whose VPN name is their e-mail address."""
    return [
        EmployeeFactory(unit=unit, email=f"{prefix}{i}@stadt.example", last_name=f"{prefix}{i}")
        for i in range(n)
    ]


def sessions_for(people, day: dt.date = MON, start="08:00:00", end="12:00:00"):
    return [(p.email, f"{day}T{start}", f"{day}T{end}") for p in people]


def it_user():
    """IT without an employee record (so that no org unit is needed)."""
    user = UserFactory(username="it-desk")
    RoleAssignment.objects.create(user=user, role=Role.IT)
    return user


def counting(monkeypatch, name: str) -> list:
    """Counts the calls of the view helper `name` that computes what a page keeps."""
    from rathausmobil.usage import views

    calls: list = []
    compute = getattr(views, name)
    monkeypatch.setattr(views, name, lambda *a: calls.append(1) or compute(*a))
    return calls


def cell_texts(html: str, code: str) -> list[str]:
    row = re.search(rf'<tr data-unit="{re.escape(code)}">(.*?)</tr>', html, re.S)
    assert row, f"no row for {code}"
    return [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row.group(1), re.S)
    ]


# --------------------------------------------------------------------------- who sees what

AGGREGATE_PAGES = ["usage:overview", "usage:units"]
ROLES = ["employee", "supervisor", "amt_head", "hr", "it", "staff_council", "dpo", "leadership"]
EXPECTED = {
    "usage:overview": {"hr": 200, "it": 200, "staff_council": 200, "dpo": 200, "leadership": 200},
    "usage:units": {"hr": 200, "it": 200, "staff_council": 200, "dpo": 200, "leadership": 200},
    "usage:unmapped": {"it": 200},
    "usage:mine": dict.fromkeys(ROLES, 200),
}


@pytest.mark.parametrize("page", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_it_answers_each_role_per_page(client, request, gateway, page, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse(page))

    assert response.status_code == EXPECTED[page].get(role, 403)


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_it_sends_anonymous_visitors_to_the_login(client, db, page):
    response = client.get(reverse(page))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_refuses_the_alias_form_to_hr(client, hr, employee, gateway):
    load(gateway, [("altname", "2026-11-02T08:00:00", "2026-11-02T09:00:00")])
    client.force_login(hr)

    response = client.post(reverse("usage:unmapped"), {"name": "altname", "personnel_number": "1"})

    assert response.status_code == 403
    assert not VpnAlias.objects.exists()


def test_it_shows_the_usage_pages_in_the_menu_by_role(client, it, employee):
    client.force_login(it)
    html = client.get(reverse("home:index")).content.decode()
    assert f'href="{reverse("usage:overview")}"' in html
    assert f'href="{reverse("usage:unmapped")}"' in html

    client.force_login(employee)
    html = client.get(reverse("home:index")).content.decode()
    assert f'href="{reverse("usage:mine")}"' in html
    assert f'href="{reverse("usage:overview")}"' not in html
    assert f'href="{reverse("usage:unmapped")}"' not in html


# --------------------------------------------------------------------------- overview


def test_it_draws_the_figures_and_charts_for_five_or_more_persons(client, hr, org, gateway):
    people = staff(org["A1"], 6, "a1-")
    load(gateway, sessions_for(people) + sessions_for(people[:3], MON + dt.timedelta(days=1)))
    client.force_login(hr)

    response = client.get(reverse("usage:overview"), PERIOD)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-figure="peak">6<' in html
    assert 'data-figure="capacity">4<' in html
    assert 'data-figure="sessions">9<' in html
    assert 'data-figure="persons">6<' in html
    assert html.count('role="img"') == 2
    assert "Kapazität: 4" in html
    assert "Mo 08:00–09:00: im Mittel 6,0 Sitzungen gleichzeitig" in html
    # Nobody's name appears on an aggregate page.
    assert "a1-0" not in html


def test_it_speaks_english_when_chosen(client, hr, org, gateway, settings):
    load(gateway, sessions_for(staff(org["A1"], 5, "a1-")))
    client.force_login(hr)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(reverse("usage:overview"), PERIOD).content.decode()

    assert "Concurrent VPN sessions in the period against capacity" in html
    assert "Mon 08:00–09:00: 5.0 concurrent sessions on average" in html
    assert "Capacity: 4" in html


def test_it_hides_the_overview_under_five_persons(client, hr, employee, colleague, gateway):
    load(
        gateway,
        [
            ("employee", "2026-11-02T08:00:00", "2026-11-02T12:00:00"),
            ("colleague", "2026-11-03T08:00:00", "2026-11-03T12:00:00"),
        ],
    )
    client.force_login(hr)

    html = client.get(reverse("usage:overview"), PERIOD).content.decode()

    assert "Weniger als 5 Personen – ausgeblendet" in html
    assert 'role="img"' not in html
    assert "data-figure" not in html


def test_it_takes_the_minimum_group_from_the_setting(
    client, hr, employee, colleague, gateway, settings
):
    load(gateway, [("employee", "2026-11-02T08:00:00", "2026-11-02T12:00:00")])
    client.force_login(hr)
    settings.MIN_GROUP_SIZE = 2
    html = client.get(reverse("usage:overview"), PERIOD).content.decode()
    assert "Weniger als 2 Personen – ausgeblendet" in html and "data-figure" not in html
    settings.MIN_GROUP_SIZE = 1
    html = client.get(reverse("usage:overview"), PERIOD).content.decode()
    assert "usage-suppressed" not in html and "data-figure" in html


def test_it_filters_by_gateway(client, hr, org, gateway):
    other = VpnGateway.objects.create(name="VPN Reserve", product=GatewayProduct.OTHER, capacity=2)
    people = staff(org["A1"], 5, "a1-")
    load(gateway, sessions_for(people))
    load(other, sessions_for(people[:2], start="13:00:00", end="14:00:00"), name="r.csv")
    client.force_login(hr)

    everything = client.get(reverse("usage:overview"), PERIOD).content.decode()
    main_only = client.get(reverse("usage:overview"), {**PERIOD, "gateway": gateway.pk})
    reserve = client.get(reverse("usage:overview"), {**PERIOD, "gateway": other.pk})

    assert 'data-figure="sessions">7<' in everything
    assert 'data-figure="capacity">6<' in everything
    assert 'data-figure="sessions">5<' in main_only.content.decode()
    assert "Weniger als 5 Personen" in reserve.content.decode()


def test_it_keeps_the_figures_and_a_vpn_import_renews_them(
    client, hr, org, gateway, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(hr)
    people = staff(org["A1"], 6, "a1-")
    with django_capture_on_commit_callbacks(execute=True):
        load(gateway, sessions_for(people[:5]))
    computed = counting(monkeypatch, "_overview_results")

    first = client.get(reverse("usage:overview"), PERIOD).content.decode()
    again = client.get(reverse("usage:overview"), PERIOD).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        load(gateway, sessions_for(people[5:], start="13:00:00", end="15:00:00"), name="later.csv")
    after = client.get(reverse("usage:overview"), PERIOD).content.decode()

    assert 'data-figure="sessions">5<' in first and 'data-figure="sessions">5<' in again
    assert 'data-figure="sessions">6<' in after  # the import renewed them at once
    assert len(computed) == 2  # the second view read the kept figures


@pytest.mark.parametrize(
    "params,message",
    [
        ({"von": "2026-13-01"}, "Bitte ein Datum angeben"),
        ({"von": "gestern", "bis": "2026-11-08"}, "Bitte ein Datum angeben"),
        (
            {"von": "2026-11-10", "bis": "2026-11-01"},
            "Das Ende des Zeitraums liegt vor seinem Beginn.",
        ),
        ({"von": "2025-01-01", "bis": "2026-01-31"}, "höchstens 366 Tage"),
        ({"gateway": "999999"}, "Dieses VPN-Gateway gibt es nicht."),
    ],
)
def test_it_answers_bad_periods_with_a_message(client, hr, gateway, params, message):
    client.force_login(hr)

    for page in AGGREGATE_PAGES:
        if "gateway" in params and page == "usage:units":
            continue
        response = client.get(reverse(page), params)
        assert response.status_code == 200
        assert message in response.content.decode()


def test_it_defaults_to_the_four_weeks_ending_yesterday(client, hr, gateway):
    client.force_login(hr)
    first, last = selectors.default_period()

    html = client.get(reverse("usage:overview")).content.decode()

    assert f'value="{first.isoformat()}"' in html
    assert f'value="{last.isoformat()}"' in html
    assert (last - first).days == 27
    assert "Quartal (13 Wochen)" in html


# --------------------------------------------------------------------------- units


@pytest.fixture
def town(db):
    """A top-level unit P with three departments, each with enough people to be shown."""
    p = OrgUnitFactory(code="P", name="Dezernat P", kind=UnitKind.DEZERNAT)
    units = {"P": p}
    for code in ("C1", "C2", "C3"):
        units[code] = OrgUnitFactory(code=code, name=f"Amt {code}", parent=p)
    for unit in units.values():
        unit.refresh_from_db()
    return units


def test_it_shows_units_with_five_or_more_persons(client, town, gateway):
    people = staff(town["C1"], 5, "c1-") + staff(town["C2"], 6, "c2-") + staff(town["C3"], 7, "c3-")
    load(gateway, sessions_for(people))
    client.force_login(it_user())

    html = client.get(reverse("usage:units"), {**PERIOD, "einheit": "P"}).content.decode()

    # Mean in working hours (Mon–Fri 07–18, 5 days x 11 h): 5 persons x 4 h / 55 h.
    assert cell_texts(html, "C1") == ["C1 Amt C1", "5", "0,4", "5", "5"]
    assert cell_texts(html, "C3")[4] == "7"
    assert "Personen – ausgeblendet" not in html
    assert 'data-unit-total="P"' in html


def test_it_hides_a_unit_under_five_persons_and_one_more(client, town, gateway):
    # C1 has 8 staff, but only 4 used the VPN: hidden. C2 is the smallest one shown, so
    # it is hidden as well: otherwise "P minus C2 minus C3" would be C1.
    c1 = staff(town["C1"], 8, "c1-")
    people = c1[:4] + staff(town["C2"], 6, "c2-") + staff(town["C3"], 7, "c3-")
    load(gateway, sessions_for(people))
    client.force_login(it_user())

    html = client.get(reverse("usage:units"), {**PERIOD, "einheit": "P"}).content.decode()

    assert cell_texts(html, "C1") == ["C1 Amt C1", "8", "weniger als 5 Personen – ausgeblendet"]
    assert cell_texts(html, "C2")[2] == (
        "ausgeblendet, damit sich eine kleinere Gruppe nicht errechnen lässt"
    )
    assert cell_texts(html, "C3")[4] == "7"


def test_it_hides_units_with_fewer_than_five_staff_even_if_all_use_the_vpn(town, gateway):
    people = staff(town["C1"], 4, "c1-") + staff(town["C2"], 6, "c2-") + staff(town["C3"], 7, "c3-")
    load(gateway, sessions_for(people) + sessions_for(people, MON + dt.timedelta(days=1)))

    listing = selectors.unit_listing("P", MON, MON + dt.timedelta(days=6))

    rows = {r.code: r for r in listing.rows}
    assert rows["C1"].suppressed and rows["C1"].mean is None
    assert rows["C2"].suppressed  # complementary
    assert not rows["C3"].suppressed and rows["C3"].sessions == 14


def test_it_keeps_a_hidden_unit_hidden_below(town, gateway):
    # At the top, P is the only unit; below it C1 with 3 users would be hidden. Drilling into
    # C1 must not show its children either.
    sub = OrgUnitFactory(code="C1a", name="SG C1a", parent=town["C1"], kind=UnitKind.SACHGEBIET)
    sub.refresh_from_db()
    people = staff(sub, 3, "s-") + staff(town["C2"], 6, "c2-") + staff(town["C3"], 7, "c3-")
    load(gateway, sessions_for(people))

    listing = selectors.unit_listing("C1", MON, MON + dt.timedelta(days=6))

    assert listing.parent_suppressed
    assert all(r.suppressed for r in listing.rows)


def test_it_shows_top_level_units_without_a_parameter(client, town, gateway):
    load(gateway, sessions_for(staff(town["C1"], 5, "c1-")))
    client.force_login(it_user())

    response = client.get(reverse("usage:units"), PERIOD)

    assert cell_texts(response.content.decode(), "P")[0] == "P Dezernat P"
    assert client.get(reverse("usage:units"), {"einheit": "NOPE"}).status_code == 404


@pytest.mark.parametrize(
    "heads,users,hidden",
    [
        ([8, 6, 7], [[4], [6], [7]], {"C1", "C2"}),
        ([8, 6, 7], [[5], [6], [7]], set()),
        ([8, 6, 7], [[0], [6], [7]], {"C1", "C2"}),  # "nobody in C1 used it" is a finding too
        ([4, 6, 7], [[4], [6], [7]], {"C1", "C2"}),
        ([2, 2, 2], [[2], [2], [2]], {"C1", "C2", "C3"}),
    ],
)
def test_it_suppresses_complementary_rows(heads, users, hidden):
    rows = [
        selectors.UnitRow(i, f"C{i + 1}", "", h, np.array(u))
        for i, (h, u) in enumerate(zip(heads, users, strict=True))
    ]

    selectors._suppress(
        rows, sum(heads), np.sum([r.users for r in rows], axis=0), total_shown=True, limit=5
    )

    assert {r.code for r in rows if r.suppressed} == hidden


def test_it_hides_one_more_row_when_the_total_itself_is_hidden():
    rows = [selectors.UnitRow(i, f"C{i}", "", 6, np.array([6])) for i in range(3)]

    selectors._suppress(rows, 18, np.array([18]), total_shown=False, limit=5)

    assert sum(r.suppressed for r in rows) == 1


def test_it_keeps_the_units_listing_and_an_import_renews_it(
    client, town, gateway, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(it_user())
    people = staff(town["C1"], 6, "c1-")
    with django_capture_on_commit_callbacks(execute=True):
        load(gateway, sessions_for(people[:5]))
    computed = counting(monkeypatch, "_units_results")
    url, params = reverse("usage:units"), {**PERIOD, "einheit": "P"}

    first = cell_texts(client.get(url, params).content.decode(), "C1")
    again = cell_texts(client.get(url, params).content.decode(), "C1")
    with django_capture_on_commit_callbacks(execute=True):
        load(gateway, sessions_for(people[5:], start="13:00:00", end="15:00:00"), name="b.csv")
    after = cell_texts(client.get(url, params).content.decode(), "C1")

    assert first == again and first[4] == "5"
    assert after[4] == "6"  # the import renewed the kept listing at once
    assert len(computed) == 2
    # A unit that does not exist is a 404, kept or not.
    for _ in range(2):
        assert client.get(url, {**PERIOD, "einheit": "GIBTSNICHT"}).status_code == 404


def test_it_keeps_the_units_query_count_flat(client, town, gateway, django_assert_max_num_queries):
    client.force_login(it_user())
    load(gateway, sessions_for(staff(town["C1"], 5, "c1-")))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("usage:units"), {**PERIOD, "einheit": "P"})

    for i in range(8):
        unit = OrgUnitFactory(code=f"X{i}", name=f"Amt X{i}", parent=town["P"])
        people = staff(unit, 5, f"x{i}-")
        rows = []
        for d in range(20):
            rows += sessions_for(people, MON + dt.timedelta(days=d))
        load(gateway, rows, name=f"x{i}.csv")
    assert UnitUsageDay.objects.count() > 100

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(
            reverse("usage:units"), {"von": "2026-11-02", "bis": "2026-11-30", "einheit": "P"}
        )
    html = response.content.decode()
    assert re.findall(r'<tr data-unit="(X\d)">', html) == [f"X{i}" for i in range(8)]


def test_it_keeps_the_overview_query_count_flat(
    client, hr, org, gateway, django_assert_max_num_queries
):
    client.force_login(hr)
    people = staff(org["A1"], 5, "a1-")
    load(gateway, sessions_for(people))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("usage:overview"), PERIOD)

    rows = []
    for d in range(1, 25):
        rows += sessions_for(people, MON + dt.timedelta(days=d))
    load(gateway, rows, name="more.csv")

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("usage:overview"), {"von": "2026-11-02", "bis": "2026-11-30"})
    assert 'data-figure="sessions">125<' in response.content.decode()


# --------------------------------------------------------------------------- own sessions


def test_it_shows_only_own_sessions(client, employee, colleague, gateway):
    load(
        gateway,
        [
            ("employee", "2026-11-02T08:05:00", "2026-11-02T12:35:00"),
            ("employee", "2026-11-03T07:10:00", ""),
            ("colleague", "2026-11-02T13:17:00", "2026-11-02T15:43:00"),
        ],
    )
    client.force_login(employee)

    html = client.get(reverse("usage:mine"), {"employee": colleague.employee.pk}).content.decode()

    assert "08:05" in html and "12:35" in html
    assert "4 Std. 30 Min." in html
    assert "07:10" in html and "offen" in html
    assert "13:17" not in html and "15:43" not in html
    assert html.index("07:10") < html.index("08:05")  # newest first


@pytest.mark.parametrize("viewer", ["supervisor", "hr", "it", "staff_council", "dpo", "leadership"])
def test_it_never_shows_another_persons_sessions(client, request, employee, gateway, viewer):
    load(gateway, [("employee", "2026-11-02T13:17:00", "2026-11-02T15:43:00")])
    client.force_login(request.getfixturevalue(viewer))

    for page in ("usage:mine", "usage:overview", "usage:units", "usage:unmapped"):
        response = client.get(reverse(page), PERIOD)
        html = response.content.decode()
        # With the day: a page may name the time it read the log, which may be 13:17 today.
        assert "02.11.2026 13:17" not in html and "02.11.2026 15:43" not in html, page
        assert "Employee" not in html.split("<main", 1)[1], page


def test_it_says_so_without_an_employee_record(client, db):
    client.force_login(UserFactory(username="admin-only"))

    html = client.get(reverse("usage:mine")).content.decode()

    assert "kein Personaldatensatz" in html
    assert "nach 90 Tagen gelöscht" in html


# --------------------------------------------------------------------------- unmapped names


def test_it_lists_unmapped_names_by_cause_and_sessions(client, it, gateway):
    load(
        gateway,
        [
            ("altkonto", "2026-11-02T08:00:00", "2026-11-02T09:00:00"),
            ("altkonto", "2026-11-03T08:00:00", "2026-11-03T09:00:00"),
            ("niemand", "2026-11-02T10:00:00", "2026-11-02T11:00:00"),
            ("it", "2026-11-02T10:00:00", "2026-11-02T11:00:00"),
            ("kaputt;zeile", "x", "y"),
        ],
    )
    client.force_login(it)

    html = client.get(reverse("usage:unmapped")).content.decode()

    assert html.index("altkonto") < html.index("niemand")
    assert "<code>it</code>" not in html  # mapped: IT's own name
    assert "Name unbekannt: 2" in html  # cause chart: names
    assert "Name unbekannt: 3" in html  # cause chart: sessions
    assert "t.csv" in html and "Zeile 5" in html


def test_it_maps_a_name_and_the_unit_figures_change(client, town, gateway):
    people = staff(town["C1"], 5, "c1-") + staff(town["C2"], 6, "c2-") + staff(town["C3"], 7, "c3-")
    later = EmployeeFactory(unit=town["C1"], personnel_number="777001", email="")
    load(
        gateway, sessions_for(people) + [("STADT\\altkonto", f"{MON}T07:00:00", f"{MON}T18:00:00")]
    )
    user = it_user()
    client.force_login(user)
    before = cell_texts(
        client.get(reverse("usage:units"), {**PERIOD, "einheit": "P"}).content.decode(), "C1"
    )
    assert before[4] == "5"
    assert VpnAccount.objects.get(name="stadt\\altkonto").unmapped_cause == UnmappedCause.UNKNOWN

    response = client.post(
        reverse("usage:unmapped"),
        {"name": "stadt\\altkonto", "personnel_number": "777001", "note": "altes Konto"},
        follow=True,
    )

    assert "gehört jetzt zu" in response.content.decode()
    assert VpnAccount.objects.get(name="stadt\\altkonto").employee == later
    after = cell_texts(
        client.get(reverse("usage:units"), {**PERIOD, "einheit": "P"}).content.decode(), "C1"
    )
    assert after[4] == "6"
    assert after[2] != before[2]  # the mean in working hours grew
    event = AuditEvent.objects.get(action="usage.alias_added")
    assert event.actor == user and event.changes["employee"] == "777001"


def test_it_rejects_an_unknown_personnel_number(client, it, gateway):
    load(gateway, [("altkonto", "2026-11-02T08:00:00", "2026-11-02T09:00:00")])
    client.force_login(it)

    response = client.post(
        reverse("usage:unmapped"), {"name": "altkonto", "personnel_number": "000"}
    )

    assert response.status_code == 200
    assert "Unter dieser Personalnummer ist niemand beschäftigt." in response.content.decode()
    assert not VpnAlias.objects.exists()


def test_it_refuses_a_second_alias_and_non_it_users(it, hr, employee, gateway):
    load(gateway, [("altkonto", "2026-11-02T08:00:00", "2026-11-02T09:00:00")])
    person = employee.employee
    services.alias_add(name="altkonto", employee=person, user=it)

    with pytest.raises(DomainError):
        services.alias_add(name="ALTKONTO", employee=person, user=it)
    with pytest.raises(DomainError):
        services.alias_add(name="other", employee=person, user=hr)

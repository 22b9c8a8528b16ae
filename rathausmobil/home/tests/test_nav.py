"""The main menu: each role sees its groups and pages, and exactly one item is current."""

import re

import pytest
from django.urls import reverse

from rathausmobil.home.nav import nav_for
from rathausmobil.organisation.scoping import scope_for


def labels(user, page=None):
    nav = nav_for(scope_for(user), page)
    return {group.label: [link.label for link in group.links] for group in nav.groups}


def current(user, page):
    nav = nav_for(scope_for(user), page)
    return [
        (group.label, link.label) for group in nav.groups for link in group.links if link.current
    ] + ([("Meine Aufgaben", nav.tasks.label)] if nav.tasks and nav.tasks.current else [])


def test_it_gives_the_employee_their_own_pages_only(employee):
    assert labels(employee) == {
        "Mobiles Arbeiten": ["Mein mobiles Arbeiten", "Meine Woche", "Datenschutzerklärung"],
        "Geräte & Zugänge": ["Meine Geräte", "Mein Zugang", "Meine VPN-Sitzungen"],
        "Verwaltung": ["Organigramm"],
    }
    assert nav_for(scope_for(employee), None).tasks.label == "Meine Aufgaben"


def test_it_puts_the_heads_work_before_their_own_pages(supervisor):
    groups = labels(supervisor)
    assert groups["Mobiles Arbeiten"][:6] == [
        "Eingang",
        "Übersicht",
        "Eignung",
        "Wochenplanung",
        "Anwesenheit",
        "Pandemiemodus",
    ]
    assert "Geräte meiner Beschäftigten" in groups["Geräte & Zugänge"]
    assert "Geräteausgabe (Scanner)" not in groups["Geräte & Zugänge"]
    assert "Rückmeldungen zum Empfang" not in groups["Geräte & Zugänge"]
    assert "Auswertungen" not in groups
    assert groups["Verwaltung"] == ["Beschäftigte", "Organigramm"]


def test_it_leads_its_group_with_the_daily_work_of_it(it):
    devices = labels(it)["Geräte & Zugänge"]
    assert devices[:4] == [
        "Geräteausgabe (Scanner)",
        "Rücknahmen",
        "Rückmeldungen zum Empfang",
        "Zugänge zu erteilen",
    ]
    assert devices[-3:] == ["Meine Geräte", "Mein Zugang", "Meine VPN-Sitzungen"]
    assert "Geräte meiner Beschäftigten" not in devices
    assert "Eingang" not in labels(it).get("Mobiles Arbeiten", [])
    assert "Belegung" in labels(it)["Auswertungen"]


def test_it_gives_hr_the_administration(hr):
    groups = labels(hr)
    assert groups["Verwaltung"] == [
        "Beschäftigte",
        "Personaldaten importieren",
        "Rollen und Leitungen",
        "Regeln",
        "Auskunft (Art. 15)",
        "Verarbeitungsverzeichnis",
        "Organigramm",
    ]
    assert groups["Auswertungen"] == [
        "Kennzahlen",
        "Berichte",
        "Rollout mobiler Arbeitsplätze",
        "VPN-Nutzung",
        "Belegung",
    ]
    assert "Eingang" not in groups["Mobiles Arbeiten"]
    assert "Geräteausgabe (Scanner)" not in groups["Geräte & Zugänge"]


def test_it_gives_the_staff_council_and_the_dpo_their_pages(staff_council, dpo):
    council = labels(staff_council)
    assert council["Auswertungen"] == [
        "Kennzahlen",
        "Berichte",
        "Ablehnungen",
        "Rollout mobiler Arbeitsplätze",
        "VPN-Nutzung",
    ]
    assert "Checkliste Datenschutz" not in council["Verwaltung"]
    assert labels(dpo)["Verwaltung"] == [
        "Checkliste Datenschutz",
        "Protokoll der Änderungen",
        "Verarbeitungsverzeichnis",
        "Organigramm",
    ]
    assert council["Verwaltung"] == ["Organigramm"]
    assert "Ablehnungen" not in labels(dpo)["Auswertungen"]


def test_it_gives_leadership_the_register_and_nobody_else_the_privacy_pages(
    leadership, employee, supervisor, it
):
    assert labels(leadership)["Verwaltung"] == ["Verarbeitungsverzeichnis", "Organigramm"]
    for user in (employee, supervisor, it):
        assert not {
            "Protokoll der Änderungen",
            "Auskunft (Art. 15)",
            "Verarbeitungsverzeichnis",
        } & set(labels(user)["Verwaltung"])


@pytest.mark.parametrize(
    ("role", "page", "expected"),
    [
        ("supervisor", "eligibility:overview", ("Mobiles Arbeiten", "Eignung")),
        ("supervisor", "eligibility:position_detail", ("Mobiles Arbeiten", "Eignung")),
        ("supervisor", "agreements:overview", ("Mobiles Arbeiten", "Übersicht")),
        ("supervisor", "agreements:request_detail", ("Mobiles Arbeiten", "Eingang")),
        ("employee", "agreements:request_detail", ("Mobiles Arbeiten", "Mein mobiles Arbeiten")),
        ("employee", "agreements:request_new", ("Mobiles Arbeiten", "Mein mobiles Arbeiten")),
        ("it", "equipment:device_list", ("Geräte & Zugänge", "Geräte")),
        ("it", "equipment:device_detail", ("Geräte & Zugänge", "Geräte")),
        ("it", "equipment:order_detail", ("Geräte & Zugänge", "Bestellungen")),
        ("it", "equipment:mine", ("Geräte & Zugänge", "Meine Geräte")),
        ("it", "access:queue", ("Geräte & Zugänge", "Zugänge zu erteilen")),
        ("it", "equipment:receipt_problems", ("Geräte & Zugänge", "Rückmeldungen zum Empfang")),
        ("it", "access:grant_detail", ("Geräte & Zugänge", "Zugänge")),
        (
            "supervisor",
            "equipment:device_detail",
            ("Geräte & Zugänge", "Geräte meiner Beschäftigten"),
        ),
        ("employee", "presence:my_week", ("Mobiles Arbeiten", "Meine Woche")),
        ("supervisor", "presence:unit_week", ("Mobiles Arbeiten", "Wochenplanung")),
        ("supervisor", "presence:qualifications", ("Mobiles Arbeiten", "Anwesenheit")),
        ("hr", "presence:occupancy", ("Auswertungen", "Belegung")),
        ("leadership", "reports:dashboard", ("Auswertungen", "Kennzahlen")),
        ("leadership", "reports:documents", ("Auswertungen", "Berichte")),
        ("staff_council", "reports:document", ("Auswertungen", "Berichte")),
        ("dpo", "reports:document_download", ("Auswertungen", "Berichte")),
        ("hr", "usage:units", ("Auswertungen", "VPN-Nutzung")),
        ("hr", "organisation:import_preview", ("Verwaltung", "Personaldaten importieren")),
        ("hr", "organisation:role_revoke", ("Verwaltung", "Rollen und Leitungen")),
        ("hr", "organisation:unit_head", ("Verwaltung", "Rollen und Leitungen")),
        ("employee", "home:index", ("Meine Aufgaben", "Meine Aufgaben")),
        ("dpo", "privacy:audit_export", ("Verwaltung", "Protokoll der Änderungen")),
        ("dpo", "privacy:register_export", ("Verwaltung", "Verarbeitungsverzeichnis")),
        ("hr", "privacy:access_preview", ("Verwaltung", "Auskunft (Art. 15)")),
    ],
)
def test_it_marks_exactly_one_item_current(request, role, page, expected):
    user = request.getfixturevalue(role)
    assert current(user, page) == [expected]


def test_it_marks_nothing_for_a_page_outside_the_menu(employee):
    assert current(employee, "organisation:employee_detail") == []
    assert current(employee, None) == []


def test_it_renders_one_current_link_and_one_active_group(client, supervisor):
    client.force_login(supervisor)
    html = client.get(reverse("eligibility:overview")).content.decode()
    header = html[html.index("<header") : html.index("</header>")]
    assert header.count('aria-current="page"') == 1
    assert len(re.findall(r'class="nav-link[^"]*\bactive\b', header)) == 1
    current_link = re.search(r'<a href="([^"]+)" aria-current="page">([^<]+)</a>', header)
    assert current_link.groups() == (reverse("eligibility:overview"), "Eignung")
    assert re.search(r'<summary class="nav-link active">Mobiles Arbeiten</summary>', header)


def test_it_shows_a_group_of_one_page_as_a_plain_link(client, employee):
    client.force_login(employee)
    html = client.get(reverse("organisation:org_unit_list")).content.decode()
    header = html[html.index("<header") : html.index("</header>")]
    assert ">Verwaltung<" not in header
    org_chart = reverse("organisation:org_unit_list")
    assert (
        f'<a class="nav-link active" href="{org_chart}" aria-current="page">Organigramm</a>'
        in header
    )


def test_it_costs_no_query_to_build_the_menu(client, supervisor, django_assert_num_queries):
    client.force_login(supervisor)
    client.get(reverse("eligibility:overview"))  # warm the session and the scope
    from django.test import RequestFactory

    from rathausmobil.home.nav import main_nav

    request = RequestFactory().get("/")
    request.user = supervisor
    scope_for(supervisor)
    with django_assert_num_queries(0):
        nav = main_nav(request)["main_nav"]
        assert nav.groups


def test_it_builds_the_menu_once_per_roles_page_and_language(employee, supervisor, hr):
    from django.utils import translation

    from rathausmobil.home.nav import kept_nav

    page = "agreements:mine"
    mine = kept_nav(scope_for(employee), page)
    assert kept_nav(scope_for(employee), page) is mine  # built and rendered once
    assert mine.groups_html is mine.groups_html
    assert kept_nav(scope_for(supervisor), page) is not mine
    assert kept_nav(scope_for(hr), page).groups_html != mine.groups_html
    assert kept_nav(scope_for(employee), "equipment:mine") is not mine
    with translation.override("en"):
        english = kept_nav(scope_for(employee), page)
        assert english is not mine
        assert "My devices" in english.groups_html
    assert "Meine Geräte" in mine.groups_html
    assert 'aria-current="page"' in mine.groups_html


def test_it_offers_berichte_to_who_may_make_a_report(it, dpo, leadership, supervisor, employee):
    for user in (it, dpo, leadership):
        assert "Berichte" in labels(user)["Auswertungen"]
    for user in (supervisor, employee):
        assert "Berichte" not in labels(user).get("Auswertungen", [])

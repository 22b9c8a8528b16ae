"""Pages of access: who sees what (guessed ids 404, pages outside one's role 403),
IT never reading the reasons of a decision, htmx fragments, flat query counts."""

import pytest
from django.urls import reverse

from rathausmobil.access import services
from rathausmobil.access.models import (
    AccessGrant,
    AccessKind,
    AccessPolicy,
    DeviceRule,
    GrantStatus,
)
from rathausmobil.access.tests.conftest import person
from rathausmobil.agreements.models import Agreement
from rathausmobil.agreements.tests.conftest import REVOKE_REASON
from rathausmobil.core.audit import history_of
from rathausmobil.organisation.tests.factories import EmployeeFactory

G = GrantStatus


@pytest.fixture
def vpn(employee, gateway, it):
    """The employee's active VPN grant (given for on-call duty)."""
    grant = services.grant_request(
        employee=person(employee), kind=AccessKind.VPN, by=it, reason="Rufbereitschaft"
    )
    return services.grant_activate(grant=grant, by=it)


@pytest.fixture
def requested(colleague, gateway, it):
    return services.grant_request(
        employee=person(colleague), kind=AccessKind.VPN, by=it, reason="IT-Administration"
    )


@pytest.mark.parametrize(
    "viewer,status",
    [
        ("employee", 200),
        ("supervisor", 200),
        ("amt_head", 200),
        ("hr", 200),
        ("it", 200),
        ("colleague", 404),
        ("outsider", 404),
        ("stranger", 404),
        ("dpo", 404),
        ("leadership", 404),
        ("staff_council", 404),
    ],
)
def test_it_answers_guessed_grant_ids_with_404(client, request, vpn, viewer, status):
    client.force_login(request.getfixturevalue(viewer))

    response = client.get(reverse("access:grant_detail", args=[vpn.pk]))

    assert response.status_code == status


@pytest.mark.parametrize(
    "page,allowed,refused",
    [
        ("access:overview", ["it", "hr", "supervisor"], ["employee", "dpo", "staff_council"]),
        ("access:queue", ["it", "hr"], ["supervisor", "employee"]),
        ("access:capacity", ["it", "hr"], ["supervisor", "leadership"]),
        ("access:policy", ["it", "hr"], ["supervisor", "employee"]),
        ("access:grant_new", ["it"], ["hr", "supervisor"]),
        ("access:mine", ["employee", "it", "dpo"], []),
    ],
)
def test_it_answers_pages_outside_ones_role_with_403(
    client, request, gateway, page, allowed, refused
):
    for name, expected in [(n, 200) for n in allowed] + [(n, 403) for n in refused]:
        client.force_login(request.getfixturevalue(name))
        assert client.get(reverse(page)).status_code == expected, (page, name)


def test_it_shows_supervisors_only_their_units(client, supervisor, vpn, stranger, it):
    other = services.grant_request(
        employee=person(stranger), kind=AccessKind.VPN, by=it, reason="Rufbereitschaft"
    )
    client.force_login(supervisor)

    body = client.get(reverse("access:overview")).content.decode()

    assert reverse("access:grant_detail", args=[vpn.pk]) in body
    assert reverse("access:grant_detail", args=[other.pk]) not in body
    assert "Kapazität" not in body  # capacity is for IT and HR
    detail = client.get(reverse("access:grant_detail", args=[vpn.pk])).content.decode()
    assert "Zugang entziehen" not in detail  # read-only


def test_it_never_shows_it_the_reasons_of_a_decision(
    client, make_agreement, employee, colleague, supervisor, gateway, hand_over, it
):
    hand_over(employee)
    ended = make_agreement("ended")  # revoked at once, with REVOKE_REASON
    hand_over(colleague)
    running = make_agreement("active", user=colleague)
    secret = "Schwerbehinderung, ärztlich bescheinigt; Wegezeit unzumutbar."
    Agreement.objects.filter(pk=running.pk).update(quota_exception_reason=secret)
    grants = list(AccessGrant.objects.all())
    assert {g.agreement_id for g in grants} == {ended.pk, running.pk}
    client.force_login(it)

    urls = [
        reverse("access:overview"),
        reverse("access:queue"),
        reverse("access:capacity"),
        "/api/v1/access-grants/",
        *[reverse("access:grant_detail", args=[g.pk]) for g in grants],
        *[f"/api/v1/access-grants/{g.pk}/" for g in grants],
    ]
    for url in urls:
        body = client.get(url).content.decode()
        for text in (REVOKE_REASON, secret, "Widerruf aus wichtigem Grund", "Bitte zwei Tage"):
            assert text not in body, (url, text)
    detail = client.get(reverse("access:grant_detail", args=[grants[0].pk])).content.decode()
    assert "Alternierende mobile Arbeit" in detail  # the kind of the agreement is shown


def test_it_grants_from_the_queue_with_htmx(client, it, requested):
    client.force_login(it)
    url = reverse("access:grant_action", args=[requested.pk, "erteilen"])

    response = client.post(url, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and f'id="grant-{requested.pk}"' in body
    assert "aktiv" in body
    requested.refresh_from_db()
    assert requested.status == G.ACTIVE

    again = client.post(url, HTTP_HX_REQUEST="true")  # double click

    assert again.status_code == 200
    assert "kann nicht erteilt werden" in again.content.decode()
    assert requested.history.count() == 2


def test_it_grants_with_a_plain_form_and_goes_back(client, it, requested):
    client.force_login(it)
    queue = reverse("access:queue")

    response = client.post(
        reverse("access:grant_action", args=[requested.pk, "erteilen"]), {"next": queue}
    )

    assert response.status_code == 302 and response.url == queue
    requested.refresh_from_db()
    assert requested.status == G.ACTIVE


def test_it_warns_about_capacity_when_granting(client, it, org, gateway):
    client.force_login(it)
    grants = []
    for _ in range(4):
        employee = EmployeeFactory(unit=org["A1"])
        grants.append(
            services.grant_request(employee=employee, kind="vpn", by=it, reason="Rufbereitschaft")
        )

    response = client.post(
        reverse("access:grant_action", args=[grants[0].pk, "erteilen"]), follow=True
    )

    body = response.content.decode()
    assert "ist erteilt" in body
    assert "über der Kapazität von 3" in body
    assert (
        "Warnung: geplant über Kapazität" in client.get(reverse("access:capacity")).content.decode()
    )


def test_it_needs_a_reason_to_revoke(client, it, vpn):
    client.force_login(it)
    url = reverse("access:grant_action", args=[vpn.pk, "entziehen"])

    response = client.post(url, {"reason": ""})

    assert response.status_code == 200
    assert "Dieses Feld ist zwingend erforderlich" in response.content.decode()
    vpn.refresh_from_db()
    assert vpn.status == G.ACTIVE

    response = client.post(url, {"reason": "Rufbereitschaft endet"})

    assert response.status_code == 302
    vpn.refresh_from_db()
    assert vpn.status == G.REVOKED
    assert vpn.history.last().reason == "Rufbereitschaft endet"


@pytest.mark.parametrize("who,status", [("supervisor", 403), ("hr", 403), ("outsider", 404)])
def test_it_keeps_everyone_but_it_from_acting(client, request, requested, who, status):
    client.force_login(request.getfixturevalue(who))

    response = client.post(reverse("access:grant_action", args=[requested.pk, "erteilen"]))

    assert response.status_code == status
    requested.refresh_from_db()
    assert requested.status == G.REQUESTED


def test_it_filters_the_overview_and_answers_htmx_with_the_fragment(
    client, it, vpn, requested, farm
):
    client.force_login(it)
    url = reverse("access:overview")

    page = client.get(url).content.decode()
    fragment = client.get(url, {"status": "requested"}, HTTP_HX_REQUEST="true").content.decode()

    assert "<html" in page and "Zugangsregeln" in page
    assert "<html" not in fragment and 'id="results"' in fragment
    assert reverse("access:grant_detail", args=[requested.pk]) in fragment
    assert reverse("access:grant_detail", args=[vpn.pk]) not in fragment
    by_unit = client.get(url, {"einheit": "B1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Nichts gefunden" in by_unit


def test_it_keeps_the_overview_query_count_flat(
    client, it, org, gateway, django_assert_max_num_queries
):
    client.force_login(it)
    url = reverse("access:overview")

    def add(n):
        for _ in range(n):
            employee = EmployeeFactory(unit=org["A1"])
            grant = services.grant_request(employee=employee, kind="vpn", by=it, reason="Test")
            services.grant_activate(grant=grant, by=it)

    add(1)
    with django_assert_max_num_queries(25) as first:
        client.get(url)
    add(15)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(reverse("access:queue")).status_code == 200


def test_it_lets_it_create_a_grant_without_agreement(client, it, stranger, gateway):
    client.force_login(it)
    employee = person(stranger)

    response = client.post(
        reverse("access:grant_new"),
        {
            "personnel_number": employee.personnel_number,
            "kind": "vpn",
            "reason": "Rufbereitschaft Stadtpolizei",
            "activate": "on",
        },
    )

    grant = AccessGrant.objects.get(employee=employee)
    assert response.status_code == 302
    assert (grant.status, grant.reason, grant.agreement) == (
        G.ACTIVE,
        "Rufbereitschaft Stadtpolizei",
        None,
    )
    again = client.post(
        reverse("access:grant_new"),
        {"personnel_number": employee.personnel_number, "kind": "vpn", "reason": "Noch mal"},
    )
    assert again.status_code == 200
    assert "bereits einen offenen VPN-Zugang" in again.content.decode()


def test_it_lets_it_change_the_policy_with_audit(client, it, employee):
    client.force_login(it)

    page = client.get(reverse("access:policy")).content.decode()
    assert "Zugang so viele Tage vor Beginn einrichten" in page
    response = client.post(
        reverse("access:policy"), {"device_rule": DeviceRule.MOBILE_DEVICE, "lead_days": "5"}
    )  # auto_grant unticked

    assert response.status_code == 302
    policy = AccessPolicy.current()
    assert (policy.auto_grant, policy.device_rule, policy.lead_days, policy.updated_by) == (
        False,
        DeviceRule.MOBILE_DEVICE,
        5,
        it,
    )
    event = history_of(policy).get()
    assert event.actor == it
    assert event.changes["Tage vor Beginn"] == ["3", "5"]
    client.force_login(employee)
    assert client.post(reverse("access:policy"), {"auto_grant": "on"}).status_code == 403


def test_it_shows_the_employee_their_own_access(client, employee, vpn, requested):
    client.force_login(employee)

    body = client.get(reverse("access:mine")).content.decode()

    assert reverse("access:grant_detail", args=[vpn.pk]) in body
    assert reverse("access:grant_detail", args=[requested.pk]) not in body  # the colleague's
    assert "VPN-Gateway Rathaus" in body and "aktiv" in body


def test_it_exports_who_should_have_access(client, it, employee, vpn, requested):
    client.force_login(it)

    response = client.get(reverse("access:export"))

    body = b"".join(response.streaming_content).decode()
    lines = body.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Personalnummer;Name;E-Mail")
    assert len(lines) == 2  # the active grant only, not the requested one
    assert lines[1].startswith(person(employee).personnel_number)
    client.force_login(employee)
    assert client.get(reverse("access:export")).status_code == 403


@pytest.fixture
def wireguard_on(settings):
    from rathausmobil.access.provisioning import wireguard

    _private, public = wireguard.generate_keypair()
    settings.WIREGUARD_ENABLED = True
    settings.WIREGUARD_POOL = "10.66.0.0/24"
    settings.WIREGUARD_SERVER_PUBLIC_KEY = public
    settings.WIREGUARD_PEERS_FILE = ""
    return settings


def test_it_shows_the_wireguard_configuration_once(
    client, it, employee, gateway, wireguard_on, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        grant = services.grant_request(
            employee=person(employee), kind=AccessKind.VPN, by=it, reason="Rufbereitschaft"
        )
        services.grant_activate(grant=grant, by=it)
    client.force_login(it)
    detail = client.get(reverse("access:grant_detail", args=[grant.pk])).content.decode()
    assert "10.66.0." in detail and "noch nicht ausgegeben" in detail
    url = reverse("access:wireguard_config", args=[grant.pk])

    shown = client.post(url)

    assert shown.status_code == 200
    assert "no-store" in shown["Cache-Control"]
    body = shown.content.decode()
    assert "[Interface]" in body and "PrivateKey" in body and "data:image/svg+xml" in body
    again = client.post(url, follow=True)
    assert "bereits am" in again.content.decode()
    assert "PrivateKey" not in again.content.decode()
    client.force_login(employee)
    assert client.post(url).status_code == 403


# --------------------------------------------------------------------------- browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_walks_its_pages_in_the_browser(
    browser, live_server, sign_in, it, employee, colleague, gateway, farm, axe_check
):
    on_call = services.grant_request(
        employee=person(colleague), kind=AccessKind.VPN, by=it, reason="Rufbereitschaft"
    )
    own = services.grant_request(
        employee=person(employee), kind=AccessKind.TERMINAL_SERVER, by=it, reason="Administration"
    )
    services.grant_activate(grant=own, by=it)

    page = sign_in(it)
    page.goto(live_server.url + reverse("access:overview"))
    axe_check(page)
    page.get_by_role("link", name="Zu erteilen").click()
    axe_check(page)
    # Granting from the queue swaps the row in place (htmx).
    page.get_by_role("button", name=f"Erteilen {person(colleague).full_name}").click()
    page.locator(f"#grant-{on_call.pk}").get_by_text("aktiv").wait_for()
    on_call.refresh_from_db()
    assert on_call.status == G.ACTIVE
    page.goto(live_server.url + reverse("access:grant_detail", args=[on_call.pk]))
    axe_check(page)
    page.get_by_label("Warum wird der Zugang entzogen?").fill("Rufbereitschaft endet")
    page.get_by_role("button", name="Zugang entziehen").click()
    page.get_by_text("ist entzogen").wait_for()
    for name in ("access:capacity", "access:policy", "access:grant_new"):
        page.goto(live_server.url + reverse(name))
        axe_check(page)

    mine = sign_in(employee)
    mine.goto(live_server.url + reverse("access:mine"))
    mine.get_by_text("TS-Farm Fachverfahren").wait_for()
    axe_check(mine)

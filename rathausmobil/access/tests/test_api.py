"""Access under /api/v1/: scoping, actions with 409 on illegal transitions,
German errors, capacity."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from rathausmobil.access import services
from rathausmobil.access.models import AccessGrant, AccessKind, GrantStatus
from rathausmobil.access.tests.conftest import person
from rathausmobil.organisation.tests.factories import EmployeeFactory

G = GrantStatus


def api(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def grants(employee, stranger, gateway, farm, it):
    """A requested VPN grant of the employee (A1), an active terminal-server grant of
    the stranger (B1)."""
    mine = services.grant_request(
        employee=person(employee), kind=AccessKind.VPN, by=it, reason="Rufbereitschaft"
    )
    other = services.grant_request(
        employee=person(stranger), kind=AccessKind.TERMINAL_SERVER, by=it, reason="Administration"
    )
    services.grant_activate(grant=other, by=it)
    return {"mine": mine, "other": other}


@pytest.mark.parametrize(
    "viewer,expected",
    [
        ("employee", {"mine"}),
        ("supervisor", {"mine"}),
        ("outsider", {"other"}),
        ("it", {"mine", "other"}),
        ("hr", {"mine", "other"}),
        ("colleague", set()),
        ("dpo", set()),
    ],
)
def test_it_lists_only_visible_grants(request, grants, viewer, expected):
    response = api(request.getfixturevalue(viewer)).get("/api/v1/access-grants/")

    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {grants[name].pk for name in expected}


@pytest.mark.parametrize("viewer", ["colleague", "outsider", "dpo"])
def test_it_answers_guessed_ids_with_404(request, grants, viewer):
    client = api(request.getfixturevalue(viewer))
    pk = grants["mine"].pk

    for response in (
        client.get(f"/api/v1/access-grants/{pk}/"),
        client.post(f"/api/v1/access-grants/{pk}/activate/"),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "Nicht gefunden."}
    assert AccessGrant.objects.get(pk=pk).status == G.REQUESTED


def test_it_shows_a_grant_with_history_and_the_agreement_without_reasons(
    make_agreement, employee, gateway, hand_over, it
):
    hand_over(employee)
    agreement = make_agreement("ended")
    grant = AccessGrant.objects.get()

    data = api(it).get(f"/api/v1/access-grants/{grant.pk}/").json()

    assert data["employee"]["personnel_number"] == person(employee).personnel_number
    assert (data["kind"], data["status"], data["gateway"]) == (
        "vpn",
        "revoked",
        "VPN-Gateway Rathaus",
    )
    assert data["agreement"] == {
        "id": agreement.pk,
        "kind": "alternating",
        "kind_label": "Alternierende mobile Arbeit",
        "status": "ended",
        "status_label": "beendet",
        "start_date": agreement.start_date.isoformat(),
        "end_date": agreement.end_date.isoformat(),
    }
    assert [h["to_status"] for h in data["history"]] == ["requested", "active", "revoked"]


def test_it_activates_once_and_answers_the_second_time_with_409(grants, it):
    client = api(it)
    url = f"/api/v1/access-grants/{grants['mine'].pk}/activate/"

    first = client.post(url)
    second = client.post(url)

    assert first.status_code == 200 and first.json()["status"] == "active"
    assert second.status_code == 409
    assert second.json() == {
        "detail": "Ein Zugang im Status „aktiv“ kann nicht erteilt werden.",
        "code": "illegal_transition",
    }
    assert grants["mine"].history.count() == 2


def test_it_revokes_with_a_reason_only(grants, it):
    client = api(it)
    url = f"/api/v1/access-grants/{grants['other'].pk}/revoke/"

    missing = client.post(url, {}, format="json")
    done = client.post(url, {"reason": "Administration beendet"}, format="json")
    again = client.post(url, {"reason": "Administration beendet"}, format="json")

    assert missing.status_code == 400
    assert missing.json()["reason"] == ["Dieses Feld ist zwingend erforderlich."]
    assert done.status_code == 200 and done.json()["status"] == "revoked"
    assert again.status_code == 409


@pytest.mark.parametrize("who", ["employee", "supervisor", "hr"])
def test_it_lets_only_it_act(request, grants, who):
    client = api(request.getfixturevalue(who))
    pk = grants["mine"].pk

    for response in (
        client.post(f"/api/v1/access-grants/{pk}/activate/"),
        client.post(f"/api/v1/access-grants/{pk}/revoke/", {"reason": "Weg damit"}, format="json"),
        client.post(
            "/api/v1/access-grants/",
            {"personnel_number": "1", "kind": "vpn", "reason": "Test"},
            format="json",
        ),
    ):
        assert response.status_code == 403
        assert response.json()["detail"]
    assert AccessGrant.objects.get(pk=pk).status == G.REQUESTED


def test_it_lets_it_create_a_grant_without_agreement(colleague, gateway, it):
    number = person(colleague).personnel_number
    client = api(it)

    created = client.post(
        "/api/v1/access-grants/",
        {"personnel_number": number, "kind": "vpn", "reason": "Rufbereitschaft", "activate": True},
        format="json",
    )
    twice = client.post(
        "/api/v1/access-grants/",
        {"personnel_number": number, "kind": "vpn", "reason": "Rufbereitschaft"},
        format="json",
    )
    nobody = client.post("/api/v1/access-grants/", {"kind": "vpn", "reason": "x"}, format="json")

    assert created.status_code == 201
    assert (created.json()["status"], created.json()["reason"]) == ("active", "Rufbereitschaft")
    assert twice.status_code == 409 and twice.json()["code"] == "illegal_transition"
    assert nobody.status_code == 400


def test_it_lists_my_access(employee, grants):
    response = api(employee).get("/api/v1/access-grants/mine/")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [grants["mine"].pk]


def test_it_filters_by_kind_status_and_unit(grants, it):
    client = api(it)

    def ids(**params):
        return {r["id"] for r in client.get("/api/v1/access-grants/", params).json()["results"]}

    assert ids(kind="terminal_server") == {grants["other"].pk}
    assert ids(status="requested") == {grants["mine"].pk}
    assert ids(status="open") == {grants["mine"].pk, grants["other"].pk}
    assert ids(unit="A") == {grants["mine"].pk}
    assert ids(unit="XYZ") == set()


def test_it_filters_the_overview_page_like_the_api(client, grants, it):
    from django.urls import reverse

    client.force_login(it)
    listed = api(it)

    def page(**params):
        body = client.get(reverse("access:overview"), params).content.decode()
        return {
            g.pk for g in grants.values() if reverse("access:grant_detail", args=[g.pk]) in body
        }

    def ids(**params):
        return {r["id"] for r in listed.get("/api/v1/access-grants/", params).json()["results"]}

    assert page(art="terminal_server") == ids(kind="terminal_server") == {grants["other"].pk}
    assert page(einheit="B", status="open") == ids(unit="B", status="open") == {grants["other"].pk}
    assert page(q="Employee") == ids(q="Employee") == {grants["mine"].pk}
    # A value the filter does not know: the API says so, the page leaves the filter out.
    assert listed.get("/api/v1/access-grants/", {"status": "offen"}).status_code == 400
    assert page(status="offen") == {g.pk for g in grants.values()}


def test_it_reports_capacity_to_it_and_hr_only(grants, it, hr, employee):
    rows = api(it).get("/api/v1/access-capacity/").json()

    assert rows == [
        {
            "kind": "vpn",
            "id": grants["mine"].gateway_id,
            "name": "VPN-Gateway Rathaus",
            "capacity": 3,
            "active": 0,
            "requested": 1,
            "waiting": 0,
            "planned": 1,
            "warning": False,
        },
        {
            "kind": "terminal_server",
            "id": grants["other"].farm_id,
            "name": "TS-Farm Fachverfahren",
            "capacity": 2,
            "active": 1,
            "requested": 0,
            "waiting": 0,
            "planned": 1,
            "warning": False,
        },
    ]
    assert api(hr).get("/api/v1/access-capacity/").status_code == 200
    assert api(employee).get("/api/v1/access-capacity/").status_code == 403


def test_it_lists_grants_in_constant_queries(org, gateway, it, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            grant = services.grant_request(
                employee=EmployeeFactory(unit=org["A1"]), kind="vpn", by=it, reason="Test"
            )
            services.grant_activate(grant=grant, by=it)

    client = api(it)
    add(1)
    with django_assert_max_num_queries(12) as first:
        client.get("/api/v1/access-grants/")
    add(10)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get("/api/v1/access-grants/").json()["count"] == 11


def test_it_documents_access_in_the_schema(employee):
    client = APIClient()
    client.force_authenticate(employee)  # the schema is for signed-in users (docs/security.md)
    response = client.get("/api/schema/?format=json")

    paths = response.json()["paths"]
    assert "/api/v1/access-grants/{id}/activate/" in paths
    assert "/api/v1/access-capacity/" in paths

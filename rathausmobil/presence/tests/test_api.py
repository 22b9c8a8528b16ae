"""The presence API: every endpoint scoped like the pages (plans of the units one
plans, one's own week and wishes; a guessed id answers 404), the wish deadline as 409
with a German detail."""

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from rathausmobil.organisation.tests.factories import UserFactory
from rathausmobil.presence.models import UnitPresenceSettings, Wish
from rathausmobil.presence.planning import iso_week
from rathausmobil.presence.tests.conftest import person
from rathausmobil.presence.tests.test_my_week import next_monday, publish_week, this_monday

PLANS = "/api/v1/presence/plans/"
MY_WEEK = "/api/v1/presence/my-week/"
WISHES = "/api/v1/presence/wishes/"


def api(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def plans(org, employee, stranger, make_room):
    rh104 = make_room("RH-104", units=[org["A1"], org["B1"]])
    a1 = publish_week(org["A1"], this_monday(), {person(employee): [("office", rh104)] * 5})
    b1 = publish_week(org["B1"], this_monday(), {person(stranger): ["home"] * 5})
    return {"A1": a1, "B1": b1}


def deadline(unit, days):
    UnitPresenceSettings.objects.update_or_create(
        unit=unit, defaults={"wish_deadline_days_before": days}
    )


# -- plans ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "viewer,expected",
    [
        ("supervisor", {"A1"}),
        ("amt_head", {"A1"}),
        ("outsider", {"B1"}),
        ("hr", {"A1", "B1"}),
        ("employee", set()),
        ("it", set()),
        ("leadership", set()),
    ],
)
def test_it_lists_the_plans_of_the_units_one_plans(request, plans, viewer, expected):
    response = api(request.getfixturevalue(viewer)).get(PLANS)

    assert response.status_code == 200
    assert {row["unit"] for row in response.json()["results"]} == expected


@pytest.mark.parametrize("viewer", ["outsider", "employee", "colleague", "it"])
def test_a_guessed_plan_id_answers_404(request, plans, viewer):
    response = api(request.getfixturevalue(viewer)).get(f"{PLANS}{plans['A1'].pk}/")

    assert response.status_code == 404
    assert response.json()["detail"] == "Nicht gefunden."


def test_a_plan_comes_with_its_cells(supervisor, plans, employee):
    response = api(supervisor).get(f"{PLANS}{plans['A1'].pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["week"] == iso_week(this_monday())
    assert body["status"] == "published"
    assert len(body["cells"]) == 5
    cell = body["cells"][0]
    assert cell["personnel_number"] == person(employee).personnel_number
    assert (cell["kind"], cell["room"], cell["published_room"]) == ("office", "RH-104", "RH-104")


def test_plans_filter_by_week_and_unit(hr, plans):
    client = api(hr)

    this = client.get(PLANS, {"week": iso_week(this_monday()), "unit": "B1"}).json()["results"]
    assert [row["id"] for row in this] == [plans["B1"].pk]
    assert client.get(PLANS, {"week": iso_week(next_monday())}).json()["results"] == []
    bad = client.get(PLANS, {"week": "nächste"})
    assert bad.status_code == 400
    assert "JJJJ-Www" in bad.json()["week"][0]


def test_the_api_needs_a_login(plans):
    for url in (PLANS, MY_WEEK, WISHES):
        assert APIClient().get(url).status_code in (401, 403)


# -- my week --------------------------------------------------------------------------------


def test_my_week_shows_my_published_days_only(employee, org, plans, make_room):
    publish_week(org["A1"], next_monday(), {person(employee): ["home"] * 5}, published=False)

    response = api(employee).get(MY_WEEK)

    assert response.status_code == 200
    body = response.json()
    assert body["personnel_number"] == person(employee).personnel_number
    this, following = body["weeks"]
    assert this["week"] == iso_week(this_monday())
    assert this["published"] is True
    assert [(d["kind"], d["room"], d["building"]) for d in this["days"]] == [
        ("office", "RH-104", "Rathaus")
    ] * 5
    assert following["published"] is False  # the draft is nobody's day yet
    assert {d["kind"] for d in following["days"]} == {None}


def test_my_week_is_mine_alone(colleague, plans):
    body = api(colleague).get(MY_WEEK).json()

    assert all(day["kind"] is None for week in body["weeks"] for day in week["days"])


def test_my_week_without_an_employee_record_answers_404(org):
    response = api(UserFactory(username="extern")).get(MY_WEEK)

    assert response.status_code == 404
    assert "Personaldatensatz" in response.json()["detail"]


# -- wishes ---------------------------------------------------------------------------------


def test_i_create_change_and_take_back_a_wish(employee, org):
    deadline(org["A1"], 0)
    client = api(employee)
    monday = next_monday()

    created = client.post(WISHES, {"date": monday.isoformat(), "kind": "home"}, format="json")
    assert created.status_code == 201
    assert created.json()["kind"] == "home"
    wish_id = created.json()["id"]

    again = client.post(WISHES, {"date": monday.isoformat(), "kind": "office"}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == wish_id

    patched = client.patch(f"{WISHES}{wish_id}/", {"kind": "home"}, format="json")
    assert patched.status_code == 200
    assert Wish.objects.get(pk=wish_id).kind == "home"

    listed = client.get(WISHES).json()["results"]
    assert [(row["date"], row["kind"]) for row in listed] == [(monday.isoformat(), "home")]

    assert client.delete(f"{WISHES}{wish_id}/").status_code == 204
    assert not Wish.objects.exists()

    taken_back = client.post(WISHES, {"date": monday.isoformat(), "kind": None}, format="json")
    assert taken_back.status_code == 204


def test_after_the_deadline_a_wish_answers_409_in_german(employee, org):
    deadline(org["A1"], 60)

    response = api(employee).post(
        WISHES, {"date": next_monday().isoformat(), "kind": "home"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "deadline"
    assert "die Frist ist abgelaufen" in response.json()["detail"]
    assert not Wish.objects.exists()


def test_a_wish_for_the_first_week_of_year_one_is_past_its_deadline(employee, org):
    # schemathesis sent {"date": "0001-01-01"}: the deadline N days before that Monday lay
    # before the calendar's first day, and the answer was a 500 (OverflowError).
    response = api(employee).post(WISHES, {"date": "0001-01-01", "kind": None}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "deadline"
    assert not Wish.objects.exists()


def test_a_wish_body_is_checked(employee, org):
    deadline(org["A1"], 0)
    client = api(employee)

    assert client.post(WISHES, {"date": "morgen", "kind": "home"}, format="json").status_code == 400
    bad_kind = client.post(
        WISHES, {"date": next_monday().isoformat(), "kind": "garten"}, format="json"
    )
    assert bad_kind.status_code == 400
    saturday = next_monday() + dt.timedelta(days=5)
    weekend = client.post(WISHES, {"date": saturday.isoformat(), "kind": "home"}, format="json")
    assert weekend.status_code == 409


@pytest.mark.parametrize("viewer", ["colleague", "supervisor", "hr", "outsider"])
def test_nobody_sees_or_changes_someone_elses_wish(request, employee, org, viewer):
    wish = Wish.objects.create(employee=person(employee), date=next_monday(), kind="home")
    client = api(request.getfixturevalue(viewer))

    assert client.get(WISHES).json()["results"] == []
    assert client.get(f"{WISHES}{wish.pk}/").status_code == 404
    assert client.patch(f"{WISHES}{wish.pk}/", {"kind": "office"}, format="json").status_code == 404
    assert client.delete(f"{WISHES}{wish.pk}/").status_code == 404
    assert Wish.objects.get(pk=wish.pk).kind == "home"


def test_a_user_without_an_employee_record_has_no_wishes(org):
    client = api(UserFactory(username="extern"))

    assert client.get(WISHES).json()["results"] == []
    response = client.post(
        WISHES, {"date": next_monday().isoformat(), "kind": "home"}, format="json"
    )
    assert response.status_code == 404

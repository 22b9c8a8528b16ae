import datetime as dt

import pytest
from django.utils import timezone

from rathausmobil.eligibility.models import PositionAssessment
from rathausmobil.eligibility.services import assessment_create

URL = "/api/v1/assessments/"


def assess(position, shares, reasons="Begründung der Bewertung."):
    return assessment_create(
        position=position, by=None, shares=shares, reasons=reasons, system=True
    )


@pytest.fixture
def assessed(position, b1_position):
    return {"A1": assess(position, {"E1": 40}), "B1": assess(b1_position, {"E2": 100})}


def test_it_lists_only_visible_assessments(client, supervisor, position, assessed):
    client.force_login(supervisor)
    rows = client.get(URL).json()["results"]
    assert [row["position"] for row in rows] == [position.number]
    row = rows[0]
    assert row["result"] == "partial" and row["result_label"] == "teilweise geeignet"
    assert row["movable_share"] == 60
    assert row["shares"]["E1"] == 40 and row["shares"]["E7"] == 0
    assert row["unit"] == "A1" and row["is_current"] is True


@pytest.mark.parametrize("role", ["it", "staff_council", "dpo", "leadership", "colleague"])
def test_it_lists_nothing_for_roles_without_assessments(client, request, role, assessed):
    client.force_login(request.getfixturevalue(role))
    assert client.get(URL).json()["results"] == []


def test_it_filters_by_position_unit_and_result(client, hr, position, b1_position, assessed):
    client.force_login(hr)

    def numbers(**params):
        return {row["position"] for row in client.get(URL, params).json()["results"]}

    assert numbers() == {position.number, b1_position.number}
    assert numbers(position=b1_position.number) == {b1_position.number}
    assert numbers(unit="A") == {position.number}  # with the units below
    assert numbers(result="not_eligible") == {b1_position.number}
    assess(position, {})
    assert len(client.get(URL, {"position": position.number}).json()["results"]) == 2
    assert numbers(is_current="false") == {position.number}


@pytest.mark.parametrize("role,target", [("outsider", "A1"), ("employee", "B1"), ("it", "A1")])
def test_it_answers_404_for_a_guessed_assessment_id(client, request, assessed, role, target):
    client.force_login(request.getfixturevalue(role))
    response = client.get(f"{URL}{assessed[target].pk}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Nicht gefunden."}


def test_it_creates_an_assessment(client, supervisor, position):
    client.force_login(supervisor)
    review = (timezone.localdate() + dt.timedelta(days=90)).isoformat()
    response = client.post(
        URL,
        {
            "position": position.number,
            "shares": {"E1": 40, "E5": 20},
            "reasons": "Akten nur auf Papier, Sprechstunden vor Ort.",
            "review_date": review,
            "result": "eligible",  # ignored: the result is derived
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["result"] == "partial" and body["movable_share"] == 40
    assert body["review_date"] == review
    assert body["assessor"] == "Erika Supervisor"
    assert PositionAssessment.objects.get().assessed_by == supervisor


def test_it_answers_409_in_german_when_a_rule_says_no(client, supervisor, position):
    client.force_login(supervisor)
    response = client.post(
        URL,
        {"position": position.number, "shares": {"E2": 100}},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert "Bitte begründen Sie schriftlich" in response.json()["detail"]
    assert response.json()["code"] == "reasons_required"


@pytest.mark.parametrize(
    "shares,code",
    [
        ({"E1": 120}, "share_out_of_range"),
        ({"E9": 10}, "unknown_criterion"),
        ({"E7": 10}, "review_date_required"),
    ],
)
def test_it_answers_409_for_invalid_shares(client, supervisor, position, shares, code):
    client.force_login(supervisor)
    response = client.post(
        URL,
        {"position": position.number, "shares": shares, "reasons": "Begründung"},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == code
    assert not PositionAssessment.objects.exists()


def test_it_answers_400_for_malformed_input(client, supervisor, position):
    client.force_login(supervisor)
    response = client.post(
        URL,
        {"position": position.number, "shares": {"E1": "viel"}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "Ganzzahl" in str(response.json())


def test_it_answers_404_for_a_position_outside_the_scope(client, outsider, position):
    client.force_login(outsider)
    response = client.post(
        URL, {"position": position.number, "shares": {}}, content_type="application/json"
    )
    assert response.status_code == 404
    assert not PositionAssessment.objects.exists()


@pytest.mark.parametrize("role", ["hr", "employee"])
def test_it_answers_409_to_those_who_see_but_may_not_assess(client, request, role, position):
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        URL, {"position": position.number, "shares": {}}, content_type="application/json"
    )
    assert response.status_code == 409
    assert "nicht bewerten" in response.json()["detail"]


def test_it_refuses_anonymous_api_calls(client, db):
    assert client.get(URL).status_code in (401, 403)


def test_it_documents_the_endpoint_in_the_schema(client, hr):
    client.force_login(hr)
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/assessments/" in schema and "Eine Stelle bewerten" in schema

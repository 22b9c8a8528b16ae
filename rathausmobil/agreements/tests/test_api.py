"""The workflow API under /api/v1/: the whole flow, German errors, scoping."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from rathausmobil.agreements import jobs, services
from rathausmobil.agreements.models import Agreement, Offer, WorkRequest
from rathausmobil.agreements.serializers import WorkRequestSerializer
from rathausmobil.organisation.models import Employee

TODAY = timezone.localdate()
START = TODAY + dt.timedelta(days=14)
JUSTIFICATION = "Die Stelle verlangt täglich Beratung im Bürgerbüro vor Ort."
ITEMS = [
    {"key": "lock", "text": "Unterlagen und Datenträger verschlossen", "mandatory": True},
    {"key": "screen", "text": "Bildschirm bei jeder Abwesenheit gesperrt", "mandatory": True},
    {"key": "filter", "text": "Blickschutzfilter", "mandatory": False},
]
ALL_YES = {"lock": True, "screen": True, "filter": False}


def api(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def pattern(**overrides) -> dict:
    return {
        "kind": "alternating",
        "pattern_type": "weekdays",
        "weekdays": [0, 2],
        "working_days_per_week": 5,
        "start_date": START.isoformat(),
        **overrides,
    }


def values(**overrides) -> dict:
    """The pattern as services take it (dates, not strings)."""
    data = pattern(**overrides)
    return {**data, "start_date": dt.date.fromisoformat(data["start_date"])}


@pytest.fixture
def checklist(dpo):
    return services.checklist_publish(by=dpo, items=ITEMS)


@pytest.fixture
def submitted(employee, supervisor):
    work_request = services.request_create(by=employee, values=values(), text="Pendelzeit sparen")
    return services.request_submit(request=work_request, by=employee)


@pytest.fixture
def agreement(submitted, supervisor) -> Agreement:
    return services.request_approve(request=submitted, by=supervisor, comment="Passt gut.")


def person(user) -> Employee:
    return Employee.objects.select_related("unit").get(user=user)


@pytest.fixture
def offer(employee, supervisor) -> Offer:
    return services.offer_create(
        employee=person(employee), by=supervisor, values=values(), text="Gern"
    )


# --------------------------------------------------------------------------- the whole flow


def request_and_submit(me) -> int:
    created = me.post("/api/v1/requests/", pattern(text="Pendelzeit sparen"), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft"
    assert body["home_share_percent"] == 40.0
    assert [h["action"] for h in body["history"]] == ["create"]
    pk = body["id"]

    submitted = me.post(f"/api/v1/requests/{pk}/submit/")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["decider_unit"] == "A1"
    return pk


def approve_after_a_refusal_without_reason(boss, pk: int) -> int:
    refused = boss.post(f"/api/v1/requests/{pk}/reject/", {}, format="json")
    assert refused.status_code == 409
    assert "mindestens einen Grund" in refused.json()["detail"]
    assert refused.json()["code"] == "invalid"

    approved = boss.post(f"/api/v1/requests/{pk}/approve/", {"comment": "Gern."}, format="json")
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved"
    agreement_id = approved.json()["agreement"]
    assert agreement_id == Agreement.objects.get(request_id=pk).pk
    return agreement_id


def pledge_on_the_current_checklist(me, checklist) -> None:
    current = me.get("/api/v1/checklists/current/")
    assert current.status_code == 200
    assert current.json()["number"] == checklist.number
    answers = {item["key"]: True for item in current.json()["items"]}
    pledge = me.post("/api/v1/pledges/", {"answers": answers}, format="json")
    assert pledge.status_code == 201
    assert pledge.json()["is_valid"] is True


def test_it_walks_from_request_to_active_agreement(employee, supervisor, checklist):
    me, boss = api(employee), api(supervisor)
    pk = request_and_submit(me)
    agreement_id = approve_after_a_refusal_without_reason(boss, pk)

    pending = me.get(f"/api/v1/agreements/{agreement_id}/").json()
    assert pending["status"] == "pending"
    assert {p["key"]: p["met"] for p in pending["prerequisites"]} == {
        "accepted": False,
        "pledge": False,
    }
    pledge_on_the_current_checklist(me, checklist)

    accepted = me.post(f"/api/v1/agreements/{agreement_id}/accept/")
    assert accepted.status_code == 200
    # It begins on START: agreed until then, active from that day (the daily job).
    assert accepted.json()["status"] == "agreed"
    assert accepted.json()["status_label"] == "vereinbart, beginnt am Startdatum"
    assert all(p["met"] for p in accepted.json()["prerequisites"])
    assert jobs.activate_due_agreements(START) == 1
    active = me.get(f"/api/v1/agreements/{agreement_id}/").json()
    assert active["status"] == "active"
    history = active["history"]
    assert [h["action"] for h in history] == ["create", "accept", "agree", "activate"]
    assert history[1]["by"] == "employee"


def test_it_answers_a_double_submit_with_409(employee, supervisor):
    me = api(employee)
    pk = me.post("/api/v1/requests/", pattern(), format="json").json()["id"]
    assert me.post(f"/api/v1/requests/{pk}/submit/").status_code == 200

    again = me.post(f"/api/v1/requests/{pk}/submit/")

    assert again.status_code == 409
    assert again.json() == {
        "detail": "Ein Antrag im Status „eingereicht“ kann nicht eingereicht werden.",
        "code": "illegal_transition",
    }


def test_it_rejects_with_reasons_and_shows_them_to_the_staff_council(
    submitted, employee, supervisor, staff_council
):
    boss = api(supervisor)
    url = f"/api/v1/requests/{submitted.pk}/reject/"

    temporary = boss.post(
        url, {"reason_codes": ["R5"], "justification": JUSTIFICATION}, format="json"
    )
    assert temporary.status_code == 409
    assert "Wiedervorlage" in temporary.json()["detail"]

    refused = boss.post(
        url, {"reason_codes": ["R1"], "justification": JUSTIFICATION}, format="json"
    )
    assert refused.status_code == 200
    assert refused.json()["status"] == "rejected"
    assert refused.json()["history"][-1]["reason"] == f"R1: {JUSTIFICATION}"

    mine = api(employee).get(f"/api/v1/requests/{submitted.pk}/").json()
    assert mine["justification"] == JUSTIFICATION
    council = api(staff_council).get(f"/api/v1/requests/{submitted.pk}/")
    assert council.status_code == 200
    assert council.json()["reason_codes"] == ["R1"]

    again = boss.post(f"/api/v1/requests/{submitted.pk}/approve/", {}, format="json")
    assert again.status_code == 409


def test_it_keeps_drafts_away_from_the_staff_council(employee, staff_council):
    pk = api(employee).post("/api/v1/requests/", pattern(), format="json").json()["id"]

    response = api(staff_council).get(f"/api/v1/requests/{pk}/")

    assert response.status_code == 404


def test_it_needs_a_reason_above_the_quota(employee, supervisor):
    me, boss = api(employee), api(supervisor)
    pk = me.post("/api/v1/requests/", pattern(weekdays=[0, 1, 2, 3]), format="json").json()["id"]
    me.post(f"/api/v1/requests/{pk}/submit/")
    url = f"/api/v1/requests/{pk}/approve/"

    refused = boss.post(url, {}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "quota_exceeded"

    reason = "Pflege eines Angehörigen, befristet auf ein Jahr."
    approved = boss.post(url, {"quota_exception_reason": reason}, format="json")
    assert approved.status_code == 200
    assert approved.json()["quota_exception_reason"] == reason


def test_it_withdraws_and_then_refuses_to_submit(employee):
    me = api(employee)
    pk = me.post("/api/v1/requests/", pattern(), format="json").json()["id"]

    withdrawn = me.post(f"/api/v1/requests/{pk}/withdraw/", {"reason": "Doch nicht"}, format="json")
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["history"][-1]["reason"] == "Doch nicht"

    assert me.post(f"/api/v1/requests/{pk}/submit/").status_code == 409
    assert me.post(f"/api/v1/requests/{pk}/withdraw/").status_code == 409


def test_it_changes_a_draft_but_not_a_submitted_request(employee, supervisor):
    me = api(employee)
    pk = me.post("/api/v1/requests/", pattern(text="alt"), format="json").json()["id"]

    changed = me.patch(f"/api/v1/requests/{pk}/", {"weekdays": [4]}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["weekdays"] == [4]
    assert changed.json()["text"] == "alt"
    assert changed.json()["kind"] == "alternating"

    assert me.put(f"/api/v1/requests/{pk}/", pattern(), format="json").status_code == 405
    me.post(f"/api/v1/requests/{pk}/submit/")
    late = me.patch(f"/api/v1/requests/{pk}/", {"text": "neu"}, format="json")
    assert late.status_code == 409
    assert late.json()["detail"] == "Nur Entwürfe können geändert werden."


# --------------------------------------------------------------------------- 400, 403, 409


def test_it_answers_400_in_german_for_malformed_bodies(employee, submitted, supervisor):
    me = api(employee)

    missing = me.post("/api/v1/requests/", {"weekdays": [1]}, format="json")
    assert missing.status_code == 400
    assert missing.json()["kind"] == ["Dieses Feld ist zwingend erforderlich."]
    assert missing.json()["start_date"] == ["Dieses Feld ist zwingend erforderlich."]

    wrong = me.post(
        "/api/v1/requests/",
        pattern(kind="ganz", weekdays=[7], start_date="morgen"),
        format="json",
    )
    assert wrong.status_code == 400
    assert set(wrong.json()) == {"kind", "weekdays", "start_date"}
    assert "gültige Option" in wrong.json()["kind"][0]

    code = api(supervisor).post(
        f"/api/v1/requests/{submitted.pk}/reject/",
        {"reason_codes": ["R9"], "justification": JUSTIFICATION},
        format="json",
    )
    assert code.status_code == 400
    assert "reason_codes" in code.json()


def test_it_answers_409_for_rules_of_the_pattern(employee):
    past = (TODAY - dt.timedelta(days=1)).isoformat()

    response = api(employee).post("/api/v1/requests/", pattern(start_date=past), format="json")

    assert response.status_code == 409
    assert response.json()["detail"] == "Der Beginn darf nicht in der Vergangenheit liegen."
    assert not WorkRequest.objects.exists()


def test_it_answers_403_when_the_service_refuses_the_person(submitted, employee, supervisor):
    by_boss = api(supervisor).post(f"/api/v1/requests/{submitted.pk}/withdraw/")
    assert by_boss.status_code == 403
    assert by_boss.json() == {
        "detail": "Das kann nur die/der betroffene Beschäftigte selbst tun.",
        "code": "not_allowed",
    }

    by_self = api(employee).post(f"/api/v1/requests/{submitted.pk}/approve/", {}, format="json")
    assert by_self.status_code == 403
    assert by_self.json()["detail"] == "Über diesen Antrag entscheidet die zuständige Leitung."


def test_it_answers_401_without_a_token(submitted):
    response = APIClient().get("/api/v1/requests/")

    assert response.status_code == 401
    assert response.json()["detail"] == "Anmeldedaten fehlen."


def test_it_filters_the_list_by_status_and_kind(employee, submitted):
    me = api(employee)
    me.post("/api/v1/requests/", pattern(kind="occasional"), format="json")

    drafts = me.get("/api/v1/requests/?status=draft").json()
    assert [r["kind"] for r in drafts["results"]] == ["occasional"]
    alternating = me.get("/api/v1/requests/?kind=alternating").json()
    assert [r["id"] for r in alternating["results"]] == [submitted.pk]
    assert me.get("/api/v1/requests/?status=irgendwas").status_code == 400


# --------------------------------------------------------------------------- offers


def test_it_offers_and_the_employee_accepts(employee, supervisor, checklist):
    boss, me = api(supervisor), api(employee)
    number = person(employee).personnel_number

    created = boss.post(
        "/api/v1/offers/",
        {**pattern(kind="telework"), "personnel_number": number, "text": "Gern"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "offered"
    pk = created.json()["id"]
    assert [o["id"] for o in me.get("/api/v1/offers/").json()["results"]] == [pk]

    accepted = me.post(f"/api/v1/offers/{pk}/accept/")
    assert accepted.status_code == 201
    agreement = accepted.json()
    assert agreement["offer"] == pk
    assert agreement["accepted_at"] is not None
    assert agreement["status"] == "pending"
    assert me.get(f"/api/v1/offers/{pk}/").json()["agreement"] == agreement["id"]
    assert me.post(f"/api/v1/offers/{pk}/accept/").status_code == 409
    assert me.post(f"/api/v1/offers/{pk}/decline/").status_code == 409

    # Telearbeit: the workstation and the pledge complete the prerequisites.
    me.post("/api/v1/pledges/", {"answers": ALL_YES}, format="json")
    workstation = me.post(
        f"/api/v1/agreements/{agreement['id']}/workstation/",
        {
            "home_address": "Musterweg 1, 63065 Offenbach",
            "equipment_list": "Notebook\nMonitor",
            "risk_assessment_date": TODAY.isoformat(),
        },
        format="json",
    )
    assert workstation.status_code == 200, workstation.json()
    assert workstation.json()["status"] == "agreed"


def test_it_records_a_declined_offer(offer, employee):
    me = api(employee)

    declined = me.post(
        f"/api/v1/offers/{offer.pk}/decline/", {"note": "Lieber im Büro"}, format="json"
    )

    assert declined.status_code == 200
    assert declined.json()["status"] == "declined"
    assert declined.json()["decline_note"] == "Lieber im Büro"
    assert declined.json()["agreement"] is None
    assert me.post(f"/api/v1/offers/{offer.pk}/accept/").status_code == 409
    assert not Agreement.objects.exists()


def test_it_lets_only_the_employer_side_make_offers(employee, outsider, it, hr):
    target = person(employee)
    body = {**pattern(), "employee": target.pk}

    assert api(outsider).post("/api/v1/offers/", body, format="json").status_code == 404
    by_it = api(it).post("/api/v1/offers/", body, format="json")
    assert by_it.status_code == 403
    by_self = api(employee).post("/api/v1/offers/", body, format="json")
    assert by_self.status_code == 403
    assert by_self.json()["detail"] == "In eigener Sache entscheidet die nächsthöhere Leitung."
    both = {**body, "personnel_number": target.personnel_number}
    assert api(hr).post("/api/v1/offers/", both, format="json").status_code == 400
    assert api(hr).post("/api/v1/offers/", body, format="json").status_code == 201


# --------------------------------------------------------------------------- agreements


def test_it_refuses_illegal_agreement_transitions(agreement, employee, supervisor):
    me, boss = api(employee), api(supervisor)
    url = f"/api/v1/agreements/{agreement.pk}"

    assert me.post(f"{url}/return/").status_code == 409  # not active yet
    assert me.post(f"{url}/accept/").status_code == 200
    twice = me.post(f"{url}/accept/")
    assert twice.status_code == 409
    assert twice.json()["detail"] == "Sie haben dieser Vereinbarung bereits zugestimmt."
    assert boss.post(f"{url}/renew/", {}, format="json").status_code == 409  # still pending
    not_telework = me.post(
        f"{url}/workstation/", {"home_address": "x", "equipment_list": "y"}, format="json"
    )
    assert not_telework.status_code == 409
    assert me.post(f"{url}/workstation/", {}, format="json").status_code == 400


def test_it_returns_revokes_and_renews_an_active_agreement(
    agreement, employee, supervisor, checklist
):
    services.pledge_sign(by=employee, answers=ALL_YES)
    me, boss = api(employee), api(supervisor)
    url = f"/api/v1/agreements/{agreement.pk}"
    assert me.post(f"{url}/accept/").json()["status"] == "agreed"
    assert jobs.activate_due_agreements(START) == 1

    by_employee = me.post(f"{url}/revoke/", {"reason": JUSTIFICATION}, format="json")
    assert by_employee.status_code == 403
    too_short = boss.post(f"{url}/revoke/", {"reason": "passt nicht"}, format="json")
    assert too_short.status_code == 409
    assert "schriftlich begründet" in too_short.json()["detail"]

    renewed = boss.post(f"{url}/renew/", {}, format="json")
    assert renewed.status_code == 201
    assert renewed.json()["renewal_of"] == agreement.pk
    assert renewed.json()["status"] == "pending"
    assert boss.post(f"{url}/renew/", {}, format="json").status_code == 409

    returned = me.post(f"{url}/return/", {"reason": "Kinder sind groß"}, format="json")
    assert returned.status_code == 200
    assert returned.json()["status"] == "ending"
    assert returned.json()["end_kind"] == "return"
    assert me.post(f"{url}/return/").status_code == 409

    ended = boss.post(f"{url}/revoke/", {"reason": JUSTIFICATION, "at_once": True}, format="json")
    assert ended.status_code == 200
    assert ended.json()["status"] == "ended"
    assert ended.json()["effective_end_date"] == TODAY.isoformat()


def test_it_lets_the_employee_decline_an_agreement(agreement, employee):
    response = api(employee).post(
        f"/api/v1/agreements/{agreement.pk}/decline/", {"reason": "Zu wenig"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "declined"


# --------------------------------------------------------------------------- pledge and checklist


def test_it_records_an_incomplete_pledge_as_invalid(employee, checklist):
    me = api(employee)

    invalid = me.post("/api/v1/pledges/", {"answers": {**ALL_YES, "lock": False}}, format="json")
    assert invalid.status_code == 201
    assert invalid.json()["is_valid"] is False
    assert invalid.json()["version"] == checklist.number

    missing = me.post("/api/v1/pledges/", {"answers": {"lock": True}}, format="json")
    assert missing.status_code == 409
    assert missing.json()["detail"] == "Bitte jeden Punkt der Checkliste beantworten."
    assert me.post("/api/v1/pledges/", {"answers": "ja"}, format="json").status_code == 400
    assert [p["is_valid"] for p in me.get("/api/v1/pledges/").json()["results"]] == [False]


def test_it_says_when_no_checklist_is_published(employee):
    me = api(employee)

    current = me.get("/api/v1/checklists/current/")
    assert current.status_code == 404
    assert current.json()["detail"] == "Es ist noch keine Checkliste veröffentlicht."
    sign = me.post("/api/v1/pledges/", {"answers": {}}, format="json")
    assert sign.status_code == 409


# --------------------------------------------------------------------------- scoping


@pytest.fixture
def records(employee, supervisor, checklist):
    """One of everything for `employee`: a submitted request, an offer, an agreement
    from an earlier approved request, a pledge."""
    first = services.request_create(by=employee, values=values())
    first = services.request_submit(request=first, by=employee)
    agreement = services.request_approve(request=first, by=supervisor)
    second = services.request_create(by=employee, values=values(kind="occasional"))
    second = services.request_submit(request=second, by=employee)
    offer = services.offer_create(employee=person(employee), by=supervisor, values=values())
    pledge = services.pledge_sign(by=employee, answers=ALL_YES)
    return {"request": second, "offer": offer, "agreement": agreement, "pledge": pledge}


def endpoints(records) -> list[tuple[str, str, dict | None]]:
    r, o, a, p = (records[k].pk for k in ("request", "offer", "agreement", "pledge"))
    reason = {"reason": JUSTIFICATION}
    return [
        ("get", f"/api/v1/requests/{r}/", None),
        ("patch", f"/api/v1/requests/{r}/", {"text": "x"}),
        ("post", f"/api/v1/requests/{r}/submit/", None),
        ("post", f"/api/v1/requests/{r}/withdraw/", {}),
        ("post", f"/api/v1/requests/{r}/approve/", {}),
        ("post", f"/api/v1/requests/{r}/reject/", {"reason_codes": ["R1"], **reason}),
        ("get", f"/api/v1/offers/{o}/", None),
        ("post", f"/api/v1/offers/{o}/accept/", None),
        ("post", f"/api/v1/offers/{o}/decline/", {}),
        ("get", f"/api/v1/agreements/{a}/", None),
        ("post", f"/api/v1/agreements/{a}/accept/", None),
        ("post", f"/api/v1/agreements/{a}/decline/", {}),
        ("post", f"/api/v1/agreements/{a}/return/", {}),
        ("post", f"/api/v1/agreements/{a}/revoke/", {**reason, "at_once": True}),
        ("post", f"/api/v1/agreements/{a}/renew/", {}),
        (
            "post",
            f"/api/v1/agreements/{a}/workstation/",
            {"home_address": "x", "equipment_list": "y"},
        ),
        ("get", f"/api/v1/pledges/{p}/", None),
    ]


@pytest.mark.parametrize("who", ["outsider", "it", "stranger", "colleague", "leadership", "dpo"])
def test_it_answers_404_outside_the_scope(request, records, who):
    client = api(request.getfixturevalue(who))

    for method, url, body in endpoints(records):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 404, (method, url, response.content)
        assert response.json() == {"detail": "Nicht gefunden."}
    for name in ("requests", "offers", "agreements", "pledges"):
        assert client.get(f"/api/v1/{name}/").json()["count"] == 0, name
    assert WorkRequest.objects.get(pk=records["request"].pk).status == "submitted"
    assert Offer.objects.get(pk=records["offer"].pk).status == "offered"
    assert Agreement.objects.get(pk=records["agreement"].pk).accepted_at is None


def test_it_answers_404_for_guessed_ids(records, employee):
    client = api(employee)
    guessed = {k: SimpleNamespace(pk=v.pk + 1000) for k, v in records.items()}

    for method, url, body in endpoints(guessed):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 404, (method, url)
    assert client.get("/api/v1/requests/abc/").status_code == 404


def test_it_shows_the_records_to_the_people_above(records, employee, supervisor, amt_head, hr):
    for user in (supervisor, amt_head, hr):
        client = api(user)
        for name in ("requests", "offers", "agreements", "pledges"):
            response = client.get(f"/api/v1/{name}/{records[name[:-1]].pk}/")
            assert response.status_code == 200, (user, name)
            body = response.json()
            assert body["id"] == records[name[:-1]].pk, (user, name)
            assert body["employee"]["personnel_number"] == person(employee).personnel_number


def test_it_never_shows_reasons_to_it_staff(submitted, supervisor, it, hr):
    services.request_reject(
        request=submitted, by=supervisor, reason_codes=["R1"], justification=JUSTIFICATION
    )
    work_request = WorkRequest.objects.get(pk=submitted.pk)

    def as_seen_by(user):
        context = {"request": SimpleNamespace(user=user)}
        return WorkRequestSerializer(work_request, context=context).data

    hidden = as_seen_by(it)
    assert hidden["justification"] == ""
    assert hidden["reason_codes"] == []
    assert hidden["text"] == ""
    assert {h["reason"] for h in hidden["history"]} == {""}
    assert as_seen_by(hr)["justification"] == JUSTIFICATION
    assert api(it).get(f"/api/v1/requests/{submitted.pk}/").status_code == 404


def test_it_lists_requests_in_constant_queries(employee, supervisor, django_assert_max_num_queries):
    for _ in range(6):
        services.request_create(by=employee, values=values())
    client = api(supervisor)

    with django_assert_max_num_queries(7):
        response = client.get("/api/v1/requests/")

    assert response.json()["count"] == 6


def test_it_lists_agreements_in_constant_queries(
    records, employee, supervisor, django_assert_max_num_queries
):
    services.request_approve(request=records["request"], by=supervisor)
    client = api(supervisor)

    with django_assert_max_num_queries(7):
        response = client.get("/api/v1/agreements/")

    assert response.json()["count"] == 2


# --------------------------------------------------------------------------- schema


def test_it_documents_the_workflow_in_the_schema(employee):
    client = APIClient()
    client.force_authenticate(employee)  # the schema is for signed-in users (docs/security.md)
    response = client.get("/api/schema/?format=json")

    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in (
        "/api/v1/requests/",
        "/api/v1/requests/{id}/",
        "/api/v1/requests/{id}/submit/",
        "/api/v1/requests/{id}/withdraw/",
        "/api/v1/requests/{id}/approve/",
        "/api/v1/requests/{id}/reject/",
        "/api/v1/offers/",
        "/api/v1/offers/{id}/accept/",
        "/api/v1/offers/{id}/decline/",
        "/api/v1/agreements/{id}/accept/",
        "/api/v1/agreements/{id}/decline/",
        "/api/v1/agreements/{id}/return/",
        "/api/v1/agreements/{id}/revoke/",
        "/api/v1/agreements/{id}/renew/",
        "/api/v1/agreements/{id}/workstation/",
        "/api/v1/pledges/",
        "/api/v1/checklists/current/",
    ):
        assert path in paths, path
    reject = paths["/api/v1/requests/{id}/reject/"]["post"]
    assert reject["tags"] == ["Mobiles Arbeiten"]
    assert reject["summary"] == "Antrag ablehnen"
    assert {"200", "400", "403", "404", "409"} <= set(reject["responses"])
    assert "requestBody" in reject

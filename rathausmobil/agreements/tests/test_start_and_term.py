"""The agreement's start date and term as a person meets them: agreed until the
start, then active; "Ende offen" is the longest term and the pages say so; a
pandemic agreement ends with its period and the person is asked whether to go on;
a draft cannot be decided (409, and a message on the page)."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from rathausmobil.agreements import jobs, services
from rathausmobil.agreements.models import AgreementStatus as A
from rathausmobil.agreements.models import RequestStatus, WorkKind
from rathausmobil.agreements.tests.conftest import START, TODAY, pattern
from rathausmobil.organisation.models import Employee

# --------------------------------------------------------------------------- start date


def test_it_keeps_an_agreed_agreement_inactive_until_its_start_date(make_agreement):
    agreement = make_agreement("agreed")
    assert (agreement.status, agreement.activated_at) == (A.AGREED, None)
    assert agreement.status_text == "vereinbart, beginnt am 15.03.2021"

    assert jobs.activate_due_agreements(START - dt.timedelta(days=1)) == 0
    agreement.refresh_from_db()
    assert agreement.status == A.AGREED

    assert jobs.activate_due_agreements(START) == 1
    assert jobs.activate_due_agreements(START) == 0  # a second run: nothing more
    agreement.refresh_from_db()
    assert agreement.status == A.ACTIVE and agreement.activated_at is not None
    assert [(h.action, h.from_status, h.to_status) for h in agreement.history.all()][-2:] == [
        ("agree", A.PENDING, A.AGREED),
        ("activate", A.AGREED, A.ACTIVE),
    ]


def test_it_lets_the_employee_take_back_an_agreed_agreement(make_agreement, employee):
    agreement = make_agreement("agreed")
    services.agreement_decline(agreement=agreement, by=employee, reason="Doch nicht.")
    agreement.refresh_from_db()
    assert agreement.status == A.DECLINED
    assert jobs.activate_due_agreements(START) == 0


def test_it_ends_an_agreed_agreement_whose_person_left_before_the_start(make_agreement, employee):
    agreement = make_agreement("agreed")
    Employee.objects.filter(user=employee).update(is_active=False, exit_date=TODAY)
    assert jobs.end_due_agreements(TODAY + dt.timedelta(days=1)) == 1
    agreement.refresh_from_db()
    assert (agreement.status, agreement.end_kind) == (A.ENDED, "left")


# --------------------------------------------------------------------------- the employee's pages


def test_it_leads_the_employee_to_the_next_step(client, make_agreement, employee, checklist):
    agreement = make_agreement("pending")
    client.force_login(employee)

    page = client.get(reverse("agreements:mine")).content.decode()
    assert "Ihre Vereinbarung wartet auf Sie" in page
    assert reverse("agreements:agreement_action", args=[agreement.pk, "zustimmen"]) in page
    assert "Zustimmung der/des Beschäftigten" in page and "fehlt" in page
    # The request button is not the main action while an agreement waits for her.
    assert "Mobiles Arbeiten beantragen" not in page

    client.post(reverse("agreements:agreement_action", args=[agreement.pk, "zustimmen"]))
    page = client.get(reverse("agreements:mine")).content.decode()
    assert f'class="btn btn-primary" href="{reverse("agreements:pledge")}"' in page

    detail = client.get(reverse("agreements:agreement_detail", args=[agreement.pk])).content
    assert f'class="btn btn-primary" href="{reverse("agreements:pledge")}"' in detail.decode()


def test_it_says_when_an_agreed_agreement_begins_and_what_ende_offen_means(
    client, make_agreement, employee
):
    agreement = make_agreement("agreed")  # asked with "Ende offen"
    assert agreement.open_end
    client.force_login(employee)

    for url in (
        reverse("agreements:mine"),
        reverse("agreements:agreement_detail", args=[agreement.pk]),
    ):
        page = client.get(url).content.decode()
        assert "vereinbart, beginnt am 15.03.2021" in page
        assert "Sie müssen nichts weiter tun." in page
        end = agreement.end_date.strftime("%d.%m.%Y")
        assert f"Ende offen: Die Vereinbarung läuft bis längstens {end}" in page
        assert "werden Sie gefragt, ob Sie verlängern möchten" in page


def test_it_keeps_a_requested_end(make_request, supervisor):
    request = make_request("submitted", values=pattern(end_date=START + dt.timedelta(days=200)))
    agreement = services.request_approve(request=request, by=supervisor, today=TODAY)
    assert not agreement.open_end
    assert agreement.end_date == START + dt.timedelta(days=200)


# --------------------------------------------------------------------------- pandemic


@pytest.fixture
def pandemic_offer(employee, supervisor):
    def make(start=START):
        person = Employee.objects.get(user=employee)
        values = pattern(kind=WorkKind.PANDEMIC, weekdays=[0, 1, 2, 3, 4], start_date=start)
        return services.offer_create(employee=person, by=supervisor, values=values, today=TODAY)

    return make


def test_it_ends_a_pandemic_agreement_with_its_period(pandemic_offer, employee, hr):
    period_end = START + dt.timedelta(days=90)
    services.pandemic_period_set(by=hr, start_date=TODAY, end_date=period_end)
    offer = pandemic_offer()
    assert offer.quota_exception_reason == ""  # five days at home: the duty, not the quota
    agreement = services.offer_accept(offer=offer, by=employee, today=TODAY)
    assert agreement.end_date == period_end


def test_it_cuts_a_pandemic_agreement_when_the_period_is_ended_later(
    pandemic_offer, employee, supervisor, hr, django_capture_on_commit_callbacks
):
    period = services.pandemic_period_set(by=hr, start_date=TODAY, end_date=None)
    agreement = services.offer_accept(offer=pandemic_offer(), by=employee, today=TODAY)
    later = services.offer_accept(
        offer=pandemic_offer(start=START + dt.timedelta(days=60)), by=employee, today=TODAY
    )
    assert agreement.end_date > START + dt.timedelta(days=365)  # open period: the longest term

    period_end = START + dt.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        services.pandemic_period_end(period=period, by=hr, end_date=period_end, today=TODAY)

    agreement.refresh_from_db()
    assert agreement.end_date == period_end
    assert agreement.expiry_reminder_sent_on == TODAY  # asked now: the end is near
    change = agreement.history.last()
    assert (change.action, change.from_status, change.to_status) == (
        "shorten",
        A.PENDING,
        A.PENDING,
    )
    assert change.reason == "Die Homeoffice-Angebotspflicht endet am 14.04.2021."
    later.refresh_from_db()
    assert (later.status, later.end_kind) == (A.ENDED, "expiry")  # would begin after it
    asked = [m for m in mail.outbox if m.to == [employee.email]]
    assert asked and all("weiter mobil arbeiten" in m.subject for m in asked)
    assert reverse("agreements:request_new") in asked[0].body
    assert "endet mit der Homeoffice-Angebotspflicht am 14.04.2021" in asked[0].body


def test_it_asks_before_the_end_of_a_pandemic_agreement_whether_to_go_on(
    pandemic_offer, employee, hr, sign, django_capture_on_commit_callbacks
):
    period = services.pandemic_period_set(by=hr, start_date=TODAY, end_date=None)
    sign(employee)
    agreement = services.offer_accept(offer=pandemic_offer(), by=employee, today=START)
    assert agreement.status == A.ACTIVE
    far = START + dt.timedelta(days=300)
    services.pandemic_period_end(period=period, by=hr, end_date=far, today=START)
    agreement.refresh_from_db()
    assert agreement.expiry_reminder_sent_on is None  # the reminder asks again in time
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.remind_expiring_agreements(far - dt.timedelta(days=60)) == 1
    [message] = [m for m in mail.outbox if m.to == [employee.email]]
    assert message.subject == "Rathaus Mobil: Pandemie-Angebot endet: weiter mobil arbeiten?"


# --------------------------------------------------------------------------- a draft is not decided


def test_it_answers_409_to_deciding_a_draft(make_request, supervisor, client):
    draft = make_request("draft")
    api = APIClient()
    api.force_authenticate(supervisor)
    for action, body in (("approve", {}), ("reject", {})):
        answer = api.post(f"/api/v1/requests/{draft.pk}/{action}/", body, format="json")
        assert answer.status_code == 409, answer.json()
        assert answer.json()["code"] == "illegal_transition"
        assert "Ein Antrag im Status „Entwurf“" in answer.json()["detail"]

    client.force_login(supervisor)
    page = client.post(
        reverse("agreements:request_action", args=[draft.pk, "entscheiden"]),
        {"decision": "approve"},
        follow=True,
    ).content.decode()
    assert "Ein Antrag im Status „Entwurf“ kann nicht genehmigt werden." in page
    draft.refresh_from_db()
    assert draft.status == RequestStatus.DRAFT


def test_it_still_answers_403_to_someone_who_would_not_decide_a_draft(make_request, outsider):
    draft = make_request("draft")
    with pytest.raises(services.NotAllowed):
        services.request_approve(request=draft, by=outsider, today=TODAY)

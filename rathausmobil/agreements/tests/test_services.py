"""The workflow services: every transition legal and illegal, consent, burden of
proof, quota, who may act, double clicks, ending and renewal."""

import datetime as dt
import threading
import time
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from rathausmobil.agreements import hooks, jobs, selectors, services
from rathausmobil.agreements.models import (
    Agreement,
    AgreementStatus,
    ChecklistVersion,
    EndKind,
    Offer,
    OfferStatus,
    PatternType,
    Pledge,
    RequestStatus,
    WorkKind,
    WorkRequest,
)
from rathausmobil.agreements.prerequisites import prerequisites_of
from rathausmobil.agreements.selectors import inbox_for
from rathausmobil.agreements.services import NotAllowed, requests_and_offers
from rathausmobil.agreements.tests.conftest import (
    CHECKLIST_ITEMS,
    JUSTIFICATION,
    QUOTA_REASON,
    REVOKE_REASON,
    START,
    TODAY,
    all_yes,
    pattern,
)
from rathausmobil.agreements.workflow import AGREEMENT_WORKFLOW, OFFER_WORKFLOW, REQUEST_WORKFLOW
from rathausmobil.core.errors import DomainError
from rathausmobil.core.models import StatusChange
from rathausmobil.core.workflow import IllegalTransition
from rathausmobil.organisation.models import Employee, Role, RoleAssignment
from rathausmobil.organisation.tests.factories import EmployeeFactory, UserFactory

R, OS, A = RequestStatus, OfferStatus, AgreementStatus


def person(user) -> Employee:
    return Employee.objects.get(user=user)


def row(obj) -> dict:
    """Every stored field of the object, to show that nothing changed."""
    return type(obj).objects.filter(pk=obj.pk).values().get()


def history(obj) -> list[tuple]:
    return list(
        obj.history.order_by("id").values_list(
            "action", "from_status", "to_status", "by__username", "reason"
        )
    )


def mails_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def assert_german_mail(message, *, link: str, says: str) -> None:
    assert message.subject.startswith("Rathaus Mobil: ")
    assert message.body.startswith("Guten Tag,")
    assert says in message.body
    assert f"Hier geht es weiter: http://127.0.0.1:8000{link}" in message.body
    assert "automatisch versandt" in message.body


# --------------------------------------------------------------------------- the table


WORKFLOWS = {WorkRequest: REQUEST_WORKFLOW, Offer: OFFER_WORKFLOW, Agreement: AGREEMENT_WORKFLOW}


def test_it_allows_exactly_the_transitions_of_the_domain():
    assert REQUEST_WORKFLOW.transitions == {
        "create": {("", R.DRAFT)},
        "submit": {(R.DRAFT, R.SUBMITTED)},
        "withdraw": {(R.DRAFT, R.WITHDRAWN), (R.SUBMITTED, R.WITHDRAWN)},
        "approve": {(R.SUBMITTED, R.APPROVED)},
        "reject": {(R.SUBMITTED, R.REJECTED)},
        "escalate": {(R.SUBMITTED, R.SUBMITTED)},
        "review_return": {(R.REJECTED, R.SUBMITTED)},
    }
    assert OFFER_WORKFLOW.transitions == {
        "offer": {("", OS.OFFERED)},
        "accept": {(OS.OFFERED, OS.ACCEPTED)},
        "decline": {(OS.OFFERED, OS.DECLINED)},
    }
    assert AGREEMENT_WORKFLOW.transitions == {
        "create": {("", A.PENDING)},
        "accept": {(A.PENDING, A.PENDING)},
        "update": {(A.PENDING, A.PENDING), (A.AGREED, A.AGREED), (A.ACTIVE, A.ACTIVE)},
        "agree": {(A.PENDING, A.AGREED)},
        "activate": {(A.PENDING, A.ACTIVE), (A.AGREED, A.ACTIVE)},
        "decline": {(A.PENDING, A.DECLINED), (A.AGREED, A.DECLINED)},
        "give_notice": {(A.ACTIVE, A.ENDING)},
        "shorten": {
            (A.PENDING, A.PENDING),
            (A.AGREED, A.AGREED),
            (A.ACTIVE, A.ACTIVE),
            (A.ENDING, A.ENDING),
        },
        "end": {
            (A.PENDING, A.ENDED),
            (A.AGREED, A.ENDED),
            (A.ACTIVE, A.ENDED),
            (A.ENDING, A.ENDED),
        },
    }


def _legal(model, status: str, action: str, target: str) -> bool:
    return WORKFLOWS[model].allows(status, target, action)


# --------------------------------------------------------------------------- every request transition

REQUEST_ACTIONS = {
    # action: (target status, raises when illegal; False: a job that answers False)
    "submit": (R.SUBMITTED, True),
    "withdraw": (R.WITHDRAWN, True),
    "approve": (R.APPROVED, True),
    "reject": (R.REJECTED, True),
    "escalate": (R.SUBMITTED, False),
    "review_return": (R.SUBMITTED, False),
}


@pytest.fixture
def request_action(employee, supervisor, amt_head):
    def act(action, request):
        if action == "submit":
            return services.request_submit(request=request, by=employee, today=TODAY)
        if action == "withdraw":
            return services.request_withdraw(request=request, by=employee, reason="Erledigt.")
        if action == "approve":
            return services.request_approve(request=request, by=supervisor, today=TODAY)
        if action == "reject":
            return services.request_reject(
                request=request,
                by=supervisor,
                reason_codes=["R1"],
                justification=JUSTIFICATION,
                today=TODAY,
            )
        if action == "escalate":
            # the day after the deadline, which is 28 days after submission
            return services.request_escalate(request=request, today=TODAY + dt.timedelta(29))
        if action == "review_return":
            # the review date of `make_request("rejected")`
            return services.request_review_return(request=request, today=TODAY + dt.timedelta(30))
        raise ValueError(action)

    return act


@pytest.mark.parametrize("action", REQUEST_ACTIONS)
@pytest.mark.parametrize("status", R.values)
def test_it_runs_each_request_transition_only_from_the_table(
    status, action, make_request, request_action, django_capture_on_commit_callbacks
):
    request = make_request(status)
    assert request.status == status
    target, raises = REQUEST_ACTIONS[action]
    before, changes, agreements = (
        row(request),
        StatusChange.objects.count(),
        Agreement.objects.count(),
    )

    if _legal(WorkRequest, status, action, target):
        rows = len(history(request))
        request_action(action, request)
        request.refresh_from_db()
        assert request.status == target
        assert len(history(request)) == rows + 1
        assert history(request)[-1][:3] == (action, status, target)
        return

    with django_capture_on_commit_callbacks() as callbacks:
        if not raises:
            assert request_action(action, request) is False
        else:
            # A draft too: the head who will decide it hears that a draft cannot be
            # decided (409), not that somebody else decides it (403).
            with pytest.raises(IllegalTransition) as info:
                request_action(action, request)
            assert isinstance(info.value, DomainError)
            assert info.value.status_code == 409
            assert info.value.code == "illegal_transition"
            assert "Ein Antrag im Status" in info.value.message
    assert row(request) == before
    assert StatusChange.objects.count() == changes
    assert Agreement.objects.count() == agreements
    assert callbacks == []  # no mail


# --------------------------------------------------------------------------- every offer transition

OFFER_ACTIONS = {"accept": OS.ACCEPTED, "decline": OS.DECLINED}


@pytest.mark.parametrize("action", OFFER_ACTIONS)
@pytest.mark.parametrize("status", OS.values)
def test_it_runs_each_offer_transition_only_from_the_table(
    status, action, make_offer, employee, django_capture_on_commit_callbacks
):
    offer = make_offer()
    if status == OS.ACCEPTED:
        services.offer_accept(offer=offer, by=employee, today=TODAY)
    elif status == OS.DECLINED:
        services.offer_decline(offer=offer, by=employee)
    offer.refresh_from_db()
    assert offer.status == status
    target = OFFER_ACTIONS[action]
    act = services.offer_accept if action == "accept" else services.offer_decline
    kwargs = {"today": TODAY} if action == "accept" else {}
    before, changes, agreements = (
        row(offer),
        StatusChange.objects.count(),
        Agreement.objects.count(),
    )

    if _legal(Offer, status, action, target):
        rows = len(history(offer))
        act(offer=offer, by=employee, **kwargs)
        offer.refresh_from_db()
        assert offer.status == target
        assert len(history(offer)) == rows + 1
        assert history(offer)[-1][:3] == (action, status, target)
        return

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(IllegalTransition) as info,
    ):
        act(offer=offer, by=employee, **kwargs)
    assert info.value.status_code == 409
    assert "Ein Angebot im Status" in info.value.message
    assert row(offer) == before
    assert StatusChange.objects.count() == changes
    assert Agreement.objects.count() == agreements
    assert callbacks == []


# --------------------------------------------------------------------------- every agreement transition

AGREEMENT_ACTIONS = {
    # action: (table action, target status, raises when illegal)
    "accept": ("accept", A.PENDING, True),
    "agree": ("agree", A.AGREED, False),
    "activate": ("activate", A.ACTIVE, False),
    "decline": ("decline", A.DECLINED, True),
    "revoke_at_once": ("end", A.ENDED, True),
    "return": ("give_notice", A.ENDING, True),
    "revoke": ("give_notice", A.ENDING, True),
}


@pytest.fixture
def agreement_action(employee, supervisor, sign):
    def act(action, agreement):
        if action == "accept":
            return services.agreement_accept(agreement=agreement, by=employee, today=TODAY)
        if action in ("agree", "activate"):
            # Meet every prerequisite first, without activating through those services;
            # before the start date it is agreed, on it active.
            sign(employee)
            Agreement.objects.filter(
                pk=agreement.pk, status=A.PENDING, accepted_at__isnull=True
            ).update(accepted_at=dt.datetime(2021, 3, 1, 9, tzinfo=dt.UTC))
            day = TODAY if action == "agree" else START
            return services.agreement_try_activate(agreement=agreement, today=day)
        if action == "decline":
            return services.agreement_decline(agreement=agreement, by=employee, reason="Nein.")
        if action == "revoke_at_once":
            return services.agreement_revoke(
                agreement=agreement, by=supervisor, reason=REVOKE_REASON, at_once=True, today=TODAY
            )
        if action == "return":
            return services.agreement_return(agreement=agreement, by=employee, today=TODAY)
        if action == "revoke":
            return services.agreement_revoke(
                agreement=agreement, by=supervisor, reason=REVOKE_REASON, today=TODAY
            )
        raise ValueError(action)

    return act


@pytest.mark.parametrize("action", AGREEMENT_ACTIONS)
@pytest.mark.parametrize("status", A.values)
def test_it_runs_each_agreement_transition_only_from_the_table(
    status, action, make_agreement, agreement_action, django_capture_on_commit_callbacks
):
    agreement = make_agreement(status)
    agreement.refresh_from_db()
    assert agreement.status == status
    table_action, target, raises = AGREEMENT_ACTIONS[action]
    changes, agreements = StatusChange.objects.count(), Agreement.objects.count()

    if _legal(Agreement, status, table_action, target):
        rows = len(history(agreement))
        agreement_action(action, agreement)
        agreement.refresh_from_db()
        assert agreement.status == target
        assert len(history(agreement)) == rows + 1
        assert history(agreement)[-1][:3] == (table_action, status, target)
        return

    before = row(agreement)
    with django_capture_on_commit_callbacks() as callbacks:
        if not raises:
            assert agreement_action(action, agreement) is False
        else:
            with pytest.raises(IllegalTransition) as info:
                agreement_action(action, agreement)
            assert info.value.status_code == 409
            assert "Eine Vereinbarung im Status" in info.value.message or (
                "bereits zugestimmt" in info.value.message
            )
    assert row(agreement) == before
    assert StatusChange.objects.count() == changes
    assert Agreement.objects.count() == agreements
    assert callbacks == []


# --------------------------------------------------------------------------- history rows


def test_it_writes_one_history_row_per_request_transition(
    make_request, employee, supervisor, amt_head
):
    request = make_request("draft")
    assert history(request) == [("create", "", "draft", "employee", "")]

    services.request_submit(request=request, by=employee, today=TODAY)
    assert history(request)[1:] == [("submit", "draft", "submitted", "employee", "")]

    services.request_escalate(request=request, today=TODAY + dt.timedelta(29))
    action, from_status, to_status, by, reason = history(request)[2]
    assert (action, from_status, to_status, by) == ("escalate", "submitted", "submitted", None)
    assert "Frist 29.03.2021 überschritten" in reason and "A Amt A" in reason

    services.request_reject(
        request=request,
        by=amt_head,
        reason_codes=["R5", "R4"],
        justification=JUSTIFICATION,
        review_date=TODAY + dt.timedelta(60),
        today=TODAY + dt.timedelta(29),
    )
    assert history(request)[3] == (
        "reject",
        "submitted",
        "rejected",
        "amthead",
        f"R4, R5: {JUSTIFICATION}",
    )

    services.request_review_return(request=request, today=TODAY + dt.timedelta(60))
    assert history(request)[4][:4] == ("review_return", "rejected", "submitted", None)
    assert history(request)[4][4] == "Wiedervorlage zum 30.04.2021 (Gründe R4, R5)"

    services.request_approve(
        request=request, by=supervisor, comment="Gern, wie besprochen.", today=TODAY
    )
    assert history(request)[5] == (
        "approve",
        "submitted",
        "approved",
        "supervisor",
        "Gern, wie besprochen.",
    )
    assert len(history(request)) == 6


def test_it_records_the_withdrawal_with_its_reason(
    make_request, employee, supervisor, django_capture_on_commit_callbacks
):
    request = make_request("submitted")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_withdraw(request=request, by=employee, reason="  Hat sich erledigt.  ")
    [message] = mails_to(supervisor)
    assert message.subject == "Rathaus Mobil: Antrag zurückgezogen"
    assert_german_mail(
        message,
        link=reverse("agreements:request_detail", args=[request.pk]),
        says="Erika Employee hat den Antrag auf mobiles Arbeiten zurückgezogen.",
    )
    assert history(request)[-1] == (
        "withdraw",
        "submitted",
        "withdrawn",
        "employee",
        "Hat sich erledigt.",
    )
    assert len(history(request)) == 3


def test_it_writes_one_history_row_per_offer_and_agreement_transition(
    make_offer, employee, supervisor, sign
):
    offer = make_offer()
    assert history(offer) == [("offer", "", "offered", "supervisor", "")]
    agreement = services.offer_accept(offer=offer, by=employee, today=TODAY)
    assert history(offer)[1:] == [("accept", "offered", "accepted", "employee", "")]
    assert history(agreement) == [
        ("create", "", "pending", "employee", ""),
        ("accept", "pending", "pending", "employee", ""),
    ]

    sign(employee)  # before the start date: agreed
    assert history(agreement)[2:] == [("agree", "pending", "agreed", "employee", "")]
    assert jobs.activate_due_agreements(START) == 1  # on the start date: active
    assert history(agreement)[3:] == [("activate", "agreed", "active", None, "")]

    services.agreement_return(agreement=agreement, by=employee, reason="Pflege", today=TODAY)
    assert history(agreement)[4] == (
        "give_notice",
        "active",
        "ending",
        "employee",
        "Rückkehr ins Büro auf Wunsch der/des Beschäftigten zum 29.03.2021: Pflege",
    )

    assert services.agreement_end_due(agreement=agreement, today=TODAY + dt.timedelta(28))
    assert history(agreement)[5] == (
        "end",
        "ending",
        "ended",
        None,
        "Rückkehr ins Büro auf Wunsch der/des Beschäftigten",
    )
    assert len(history(agreement)) == 6

    declined = services.offer_decline(offer=make_offer(), by=employee, note="Lieber im Büro.")
    assert history(declined)[1:] == [
        ("decline", "offered", "declined", "employee", "Lieber im Büro.")
    ]


def test_it_records_the_decline_of_an_agreement(make_agreement, employee):
    agreement = make_agreement("pending")
    services.agreement_decline(agreement=agreement, by=employee, reason="Doch nicht.")
    assert history(agreement)[-1] == ("decline", "pending", "declined", "employee", "Doch nicht.")
    assert len(history(agreement)) == 2


# --------------------------------------------------------------------------- consent


def test_it_keeps_an_approved_agreement_pending_until_the_employee_accepts(
    make_request, employee, supervisor, sign
):
    sign(employee)
    agreement = services.request_approve(
        request=make_request("submitted"), by=supervisor, today=TODAY
    )
    assert agreement.status == A.PENDING
    assert agreement.accepted_at is None
    assert not services.agreement_try_activate(agreement=agreement, today=TODAY)
    assert [p.key for p in prerequisites_of(agreement) if not p.met] == ["accepted"]

    agreement = services.agreement_accept(agreement=agreement, by=employee, today=TODAY)
    assert agreement.status == A.AGREED  # it starts on START
    assert agreement.accepted_at is not None and agreement.activated_at is None


def test_it_keeps_an_accepted_agreement_pending_without_a_pledge(make_agreement, employee):
    agreement = make_agreement("pending")
    agreement = services.agreement_accept(agreement=agreement, by=employee, today=TODAY)
    assert agreement.status == A.PENDING
    assert [p.key for p in prerequisites_of(agreement) if not p.met] == ["pledge"]


def test_it_does_not_activate_with_an_invalid_pledge(make_agreement, employee, sign):
    agreement = make_agreement("pending")
    services.agreement_accept(agreement=agreement, by=employee, today=TODAY)
    pledge = sign(employee, valid=False)
    assert pledge.is_valid is False
    assert pledge.answers == {"lock": False, "screen": True, "vpn": True, "filter": True}
    agreement.refresh_from_db()
    assert agreement.status == A.PENDING

    sign(employee)  # the same version, now every mandatory item confirmed
    agreement.refresh_from_db()
    assert agreement.status == A.AGREED
    assert Pledge.objects.filter(employee__user=employee).count() == 1


def test_it_activates_without_the_recommended_items(make_agreement, employee, checklist):
    agreement = make_agreement("pending")
    services.agreement_accept(agreement=agreement, by=employee, today=TODAY)
    answers = all_yes(checklist) | {"filter": False}
    pledge = services.pledge_sign(by=employee, answers=answers, today=TODAY)
    assert pledge.is_valid
    agreement.refresh_from_db()
    assert agreement.status == A.AGREED


def test_it_does_not_count_a_pledge_on_an_old_checklist_version(
    make_agreement, employee, sign, publish
):
    sign(employee)  # version 1
    version = publish()
    assert version.number == 2
    agreement = make_agreement("pending")
    services.agreement_accept(agreement=agreement, by=employee, today=TODAY)
    agreement.refresh_from_db()
    assert agreement.status == A.PENDING
    assert [p.key for p in prerequisites_of(agreement) if not p.met] == ["pledge"]

    pledge = sign(employee)
    assert pledge.version == version
    agreement.refresh_from_db()
    assert agreement.status == A.AGREED


def test_it_never_creates_an_agreement_from_a_declined_offer(
    make_offer, employee, supervisor, sign, django_capture_on_commit_callbacks
):
    sign(employee)
    offer = make_offer()
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_decline(offer=offer, by=employee, note="")
    offer.refresh_from_db()
    assert offer.status == OS.DECLINED and offer.answered_at is not None
    assert not Agreement.objects.exists()
    [message] = mails_to(supervisor)
    assert message.subject == "Rathaus Mobil: Angebot abgelehnt"
    assert_german_mail(
        message,
        link=reverse("agreements:offer_detail", args=[offer.pk]),
        says="Erika Employee hat das Angebot zum mobilen Arbeiten abgelehnt.",
    )


def test_it_activates_an_accepted_offer_once_the_pledge_is_valid(
    make_offer, employee, sign, django_capture_on_commit_callbacks
):
    offer = make_offer()
    agreement = services.offer_accept(offer=offer, by=employee, today=TODAY)
    assert agreement.offer == offer
    assert agreement.status == A.PENDING
    assert agreement.accepted_at == Offer.objects.get(pk=offer.pk).answered_at

    with django_capture_on_commit_callbacks(execute=True):
        sign(employee)
    agreement.refresh_from_db()
    assert agreement.status == A.AGREED
    [message] = mails_to(employee)
    assert (
        message.subject == "Rathaus Mobil: Ihre Vereinbarung über mobiles Arbeiten ist vereinbart"
    )
    assert_german_mail(message, link=reverse("agreements:mine"), says="beginnt am 15.03.2021")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.activate_due_agreements(START) == 1
    agreement.refresh_from_db()
    assert agreement.status == A.ACTIVE
    [message] = mails_to(employee)
    assert message.subject == "Rathaus Mobil: Ihre Vereinbarung über mobiles Arbeiten ist aktiv"
    assert_german_mail(message, link=reverse("agreements:mine"), says="gilt ab 15.03.2021")


def test_it_activates_an_accepted_offer_at_once_with_a_valid_pledge(make_offer, employee, sign):
    sign(employee)
    agreement = services.offer_accept(offer=make_offer(), by=employee, today=START)
    assert agreement.status == A.ACTIVE  # accepted on the start date


def test_it_needs_the_home_workstation_before_telework_becomes_active(
    make_agreement, employee, supervisor, sign
):
    agreement = make_agreement("pending", values=pattern(kind=WorkKind.TELEWORK))
    sign(employee)
    agreement = services.agreement_accept(agreement=agreement, by=employee, today=TODAY)
    assert agreement.status == A.PENDING
    [missing] = [p for p in prerequisites_of(agreement) if not p.met]
    assert missing.key == "telework"
    assert missing.detail == (
        "Es fehlt: Anschrift des häuslichen Arbeitsplatzes, Ausstattungsliste, "
        "erstmalige Gefährdungsbeurteilung"
    )

    for address, equipment, assessed in [
        ("Gartenweg 1, 63065 Offenbach", "", TODAY),
        ("Gartenweg 1, 63065 Offenbach", "Notebook, Monitor", None),
        ("  ", "Notebook, Monitor", TODAY),
    ]:
        agreement = services.agreement_set_workstation(
            agreement=agreement,
            by=employee,
            home_address=address,
            equipment_list=equipment,
            risk_assessment_date=assessed,
            today=TODAY,
        )
        assert agreement.status == A.PENDING

    agreement = services.agreement_set_workstation(
        agreement=agreement,
        by=supervisor,
        home_address="Gartenweg 1, 63065 Offenbach",
        equipment_list="Notebook, Monitor, Headset",
        risk_assessment_date=TODAY,
        today=TODAY,
    )
    assert agreement.status == A.AGREED
    assert history(agreement)[-2:] == [
        ("update", "pending", "pending", "supervisor", "Angaben zum Telearbeitsplatz"),
        ("agree", "pending", "agreed", "supervisor", ""),
    ]


def test_it_refuses_a_risk_assessment_in_the_future(make_agreement, employee):
    agreement = make_agreement("pending", values=pattern(kind=WorkKind.TELEWORK))
    with pytest.raises(DomainError, match="Gefährdungsbeurteilung kann nicht in der Zukunft"):
        services.agreement_set_workstation(
            agreement=agreement,
            by=employee,
            home_address="Gartenweg 1",
            equipment_list="Notebook",
            risk_assessment_date=TODAY + dt.timedelta(1),
            today=TODAY,
        )


def test_it_lets_only_the_employee_and_the_employer_side_fill_in_the_workstation(
    make_agreement, outsider, colleague
):
    agreement = make_agreement("pending", values=pattern(kind=WorkKind.TELEWORK))
    for intruder in (outsider, colleague):
        with pytest.raises(NotAllowed):
            services.agreement_set_workstation(
                agreement=agreement,
                by=intruder,
                home_address="Gartenweg 1",
                equipment_list="Notebook",
                risk_assessment_date=TODAY,
                today=TODAY,
            )
    agreement.refresh_from_db()
    assert agreement.home_address == ""


def test_it_does_not_ask_for_a_workstation_for_other_kinds(make_agreement, employee):
    agreement = make_agreement("pending")
    assert "telework" not in [p.key for p in prerequisites_of(agreement)]
    with pytest.raises(DomainError, match="Nur Telearbeit"):
        services.agreement_set_workstation(
            agreement=agreement,
            by=employee,
            home_address="Gartenweg 1",
            equipment_list="Notebook",
            risk_assessment_date=TODAY,
            today=TODAY,
        )


# --------------------------------------------------------------------------- pledge and checklist


def test_it_requires_an_answer_to_every_item(employee, checklist):
    with pytest.raises(DomainError, match="jeden Punkt"):
        services.pledge_sign(by=employee, answers={"lock": True, "screen": True}, today=TODAY)
    assert not Pledge.objects.exists()


def test_it_refuses_a_pledge_without_a_checklist(employee):
    with pytest.raises(DomainError, match="keine Checkliste"):
        services.pledge_sign(by=employee, answers={}, today=TODAY)


def test_it_lets_only_the_data_protection_officer_publish_the_checklist(hr, it, supervisor, dpo):
    for user in (hr, it, supervisor):
        with pytest.raises(NotAllowed):
            services.checklist_publish(by=user, items=CHECKLIST_ITEMS)
    assert not ChecklistVersion.objects.exists()
    first = services.checklist_publish(by=dpo, items=CHECKLIST_ITEMS, note="Start")
    second = services.checklist_publish(by=dpo, items=CHECKLIST_ITEMS[:1])
    assert (first.number, second.number) == (1, 2)
    assert second.mandatory_keys == {"lock"}


@pytest.mark.parametrize(
    "items,message",
    [
        ([{"key": "a", "text": "A", "mandatory": False}], "mindestens einen Pflichtpunkt"),
        (
            [
                {"key": "a", "text": "A", "mandatory": True},
                {"key": "a", "text": "B", "mandatory": True},
            ],
            "steht doppelt",
        ),
    ],
)
def test_it_refuses_a_broken_checklist(dpo, items, message):
    with pytest.raises(DomainError, match=message):
        services.checklist_publish(by=dpo, items=items)
    assert not ChecklistVersion.objects.exists()


# --------------------------------------------------------------------------- burden of proof


@pytest.mark.parametrize(
    "codes,justification,review_date,message",
    [
        ([], JUSTIFICATION, None, "mindestens einen Grund"),
        (["R1"], "", None, "schriftlich begründet"),
        (["R1"], "Passt nicht.", None, "mindestens 20 Zeichen"),
        (["R1"], "   Passt mir nicht.     ", None, "mindestens 20 Zeichen"),
        (["R4"], JUSTIFICATION, None, "Die Gründe R4 sind vorübergehend"),
        (["R5"], JUSTIFICATION, None, "Die Gründe R5 sind vorübergehend"),
        (["R6"], JUSTIFICATION, None, "Die Gründe R6 sind vorübergehend"),
        (["R1", "R6"], JUSTIFICATION, None, "Die Gründe R6 sind vorübergehend"),
        (["R4"], JUSTIFICATION, TODAY - dt.timedelta(1), "muss in der Zukunft liegen"),
        (["R5"], JUSTIFICATION, TODAY, "muss in der Zukunft liegen"),
        (["R9"], JUSTIFICATION, None, "Unbekannter Grund: R9"),
        (["Chef mag nicht"], JUSTIFICATION, None, "Unbekannter Grund"),
    ],
)
def test_it_refuses_a_refusal_without_proof(
    make_request, supervisor, codes, justification, review_date, message
):
    request = make_request("submitted")
    before, changes = row(request), StatusChange.objects.count()
    with pytest.raises(DomainError, match=message) as info:
        services.request_reject(
            request=request,
            by=supervisor,
            reason_codes=codes,
            justification=justification,
            review_date=review_date,
            today=TODAY,
        )
    assert info.value.code == "invalid"
    assert row(request) == before
    assert StatusChange.objects.count() == changes


def test_it_stores_the_reasons_of_a_refusal_and_tells_the_employee(
    make_request, employee, supervisor, django_capture_on_commit_callbacks
):
    request = make_request("submitted")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_reject(
            request=request,
            by=supervisor,
            reason_codes=["R6", "R1", "R1"],
            justification=f"  {JUSTIFICATION}  ",
            review_date=TODAY + dt.timedelta(90),
            today=TODAY,
        )
    request.refresh_from_db()
    assert request.status == R.REJECTED
    assert request.reason_codes == ["R1", "R6"]
    assert request.justification == JUSTIFICATION
    assert request.review_date == dt.date(2021, 5, 30)
    assert request.decided_by == supervisor and request.decided_at is not None
    [message] = mails_to(employee)
    assert message.subject == "Rathaus Mobil: Entscheidung über Ihren Antrag auf mobiles Arbeiten"
    assert_german_mail(
        message,
        link=reverse("agreements:mine"),
        says="wird am 30.05.2021 erneut vorgelegt",
    )


def test_it_drops_a_review_date_for_a_lasting_reason(make_request, supervisor):
    request = services.request_reject(
        request=make_request("submitted"),
        by=supervisor,
        reason_codes=["R1"],
        justification=JUSTIFICATION,
        review_date=TODAY + dt.timedelta(30),
        today=TODAY,
    )
    assert request.review_date is None
    assert not services.request_review_return(request=request, today=TODAY + dt.timedelta(30))


# --------------------------------------------------------------------------- quota


@pytest.mark.parametrize(
    "values,share",
    [
        (pattern(weekdays=[0, 1, 2, 3]), "80"),  # 4 of 5 days
        (pattern(weekdays=[0, 2], working_days_per_week=3), "66,7"),  # part-time: 2 of 3 days
        (pattern(pattern_type=PatternType.SHARE, share_percent=61, weekdays=[]), "61"),
    ],
)
def test_it_refuses_to_approve_above_the_quota_without_a_reason(
    make_request, supervisor, values, share
):
    request = make_request("submitted", values=values)
    before = row(request)
    for reason in ("", "Weil es passt."):  # none, or too short to be a reason
        with pytest.raises(DomainError) as info:
            services.request_approve(
                request=request, by=supervisor, quota_exception_reason=reason, today=TODAY
            )
        assert info.value.code == "quota_exceeded"
        assert f"Homeoffice-Anteil von {share} %" in info.value.message
        assert "Höchstanteil von 60 %" in info.value.message
    assert row(request) == before
    assert not Agreement.objects.exists()

    agreement = services.request_approve(
        request=request, by=supervisor, quota_exception_reason=QUOTA_REASON, today=TODAY
    )
    assert agreement.quota_exception_reason == QUOTA_REASON
    assert WorkRequest.objects.get(pk=request.pk).quota_exception_reason == QUOTA_REASON


@pytest.mark.parametrize(
    "values",
    [
        pattern(weekdays=[0, 1, 2]),  # 3 of 5 days = 60 %
        pattern(weekdays=[0], working_days_per_week=2),  # 1 of 2 days = 50 %
        pattern(pattern_type=PatternType.SHARE, share_percent=60, weekdays=[]),
    ],
)
def test_it_approves_up_to_the_quota_without_a_reason(make_request, supervisor, values):
    agreement = services.request_approve(
        request=make_request("submitted", values=values),
        by=supervisor,
        quota_exception_reason="wird nicht gebraucht, bleibt leer",
        today=TODAY,
    )
    assert agreement.quota_exception_reason == ""


def test_it_uses_the_quota_hr_sets(make_request, supervisor, hr):
    services.rules_update(by=hr, values={"home_quota_percent": 80})
    agreement = services.request_approve(
        request=make_request("submitted", values=pattern(weekdays=[0, 1, 2, 3])),
        by=supervisor,
        today=TODAY,
    )
    assert agreement.home_share_percent == 80


# --------------------------------------------------------------------------- who may act


@pytest.mark.parametrize("intruder", ["colleague", "supervisor", "amt_head", "hr", "stranger"])
def test_it_lets_only_the_owner_submit_and_withdraw(request, make_request, intruder):
    user = request.getfixturevalue(intruder)
    draft = make_request("draft")
    for act in (services.request_submit, services.request_withdraw):
        with pytest.raises(NotAllowed) as info:
            act(request=draft, by=user)
        assert info.value.status_code == 403
    assert WorkRequest.objects.get(pk=draft.pk).status == R.DRAFT


@pytest.mark.parametrize("intruder", ["colleague", "supervisor", "hr"])
def test_it_lets_only_the_owner_answer_an_offer(request, make_offer, intruder):
    user = request.getfixturevalue(intruder)
    offer = make_offer()
    with pytest.raises(NotAllowed):
        services.offer_accept(offer=offer, by=user, today=TODAY)
    with pytest.raises(NotAllowed):
        services.offer_decline(offer=offer, by=user)
    assert Offer.objects.get(pk=offer.pk).status == OS.OFFERED
    assert not Agreement.objects.exists()


@pytest.mark.parametrize("intruder", ["colleague", "supervisor", "hr"])
def test_it_lets_only_the_owner_accept_decline_or_return(request, make_agreement, intruder):
    user = request.getfixturevalue(intruder)
    pending, active = make_agreement("pending"), make_agreement("active")
    with pytest.raises(NotAllowed):
        services.agreement_accept(agreement=pending, by=user, today=TODAY)
    with pytest.raises(NotAllowed):
        services.agreement_decline(agreement=pending, by=user)
    with pytest.raises(NotAllowed):
        services.agreement_return(agreement=active, by=user, today=TODAY)
    assert row(pending)["status"] == A.PENDING and row(pending)["accepted_at"] is None
    assert row(active)["status"] == A.ACTIVE


@pytest.mark.parametrize(
    "intruder", ["employee", "colleague", "outsider", "stranger", "hr", "it", "staff_council"]
)
def test_it_lets_only_a_decider_approve_or_reject(request, make_request, intruder):
    user = request.getfixturevalue(intruder)
    submitted = make_request("submitted")
    before = row(submitted)
    assert not services.can_decide(user, submitted)
    with pytest.raises(NotAllowed) as info:
        services.request_approve(request=submitted, by=user, today=TODAY)
    assert info.value.message == "Über diesen Antrag entscheidet die zuständige Leitung."
    with pytest.raises(NotAllowed):
        services.request_reject(
            request=submitted,
            by=user,
            reason_codes=["R1"],
            justification=JUSTIFICATION,
            today=TODAY,
        )
    assert row(submitted) == before
    assert not Agreement.objects.exists()


@pytest.mark.parametrize("decider", ["supervisor", "amt_head"])
def test_it_lets_the_head_of_the_unit_or_above_decide(request, make_request, decider):
    user = request.getfixturevalue(decider)
    submitted = make_request("submitted")
    assert services.can_decide(user, submitted)
    agreement = services.request_approve(request=submitted, by=user, today=TODAY)
    assert agreement.request == submitted
    submitted.refresh_from_db()
    assert submitted.decided_by == user


def test_it_lets_a_deputy_decide(make_request, colleague, org):
    RoleAssignment.objects.create(user=colleague, role=Role.SUPERVISOR, unit=org["A1"])
    agreement = services.request_approve(
        request=make_request("submitted"), by=colleague, today=TODAY
    )
    assert agreement.status == A.PENDING


def test_it_sends_the_request_of_a_head_to_the_head_above(
    make_request, supervisor, amt_head, org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = make_request("submitted", user=supervisor)
    assert request.decider_unit == org["A"]
    assert request.due_date == TODAY + dt.timedelta(28)
    assert list(inbox_for(amt_head, today=TODAY)) == [request]
    assert list(inbox_for(supervisor, today=TODAY)) == []
    [message] = mails_to(amt_head)
    assert not mails_to(supervisor)
    assert message.subject == "Rathaus Mobil: Neuer Antrag auf mobiles Arbeiten"
    assert_german_mail(
        message,
        link=reverse("agreements:request_detail", args=[request.pk]),
        says="Erika Supervisor beantragt Alternierende mobile Arbeit",
    )

    with pytest.raises(NotAllowed):
        services.request_approve(request=request, by=supervisor, today=TODAY)
    assert services.request_approve(request=request, by=amt_head, today=TODAY)


def test_it_skips_a_head_who_has_left(make_request, employee, supervisor, amt_head, org):
    Employee.objects.filter(user=supervisor).update(is_active=False)
    request = make_request("submitted")
    assert request.decider_unit == org["A"]


def test_it_refuses_to_submit_without_any_head(employee):
    request = services.request_create(by=employee, values=pattern(), today=TODAY)
    with pytest.raises(DomainError, match="keine Leitung hinterlegt") as info:
        services.request_submit(request=request, by=employee, today=TODAY)
    assert info.value.code == "no_decider"
    assert row(request)["status"] == R.DRAFT


def test_it_refuses_a_second_open_request(make_request, employee):
    make_request("submitted")
    second = make_request("draft")
    with pytest.raises(DomainError, match="bereits ein eingereichter Antrag"):
        services.request_submit(request=second, by=employee, today=TODAY)
    assert row(second)["status"] == R.DRAFT


def test_it_refuses_to_submit_a_draft_whose_start_has_passed(make_request, employee):
    draft = make_request("draft")
    with pytest.raises(DomainError, match="nicht in der Vergangenheit"):
        services.request_submit(request=draft, by=employee, today=START + dt.timedelta(1))
    assert row(draft)["status"] == R.DRAFT


@pytest.mark.parametrize(
    "values,message",
    [
        (pattern(start_date=TODAY - dt.timedelta(1)), "nicht in der Vergangenheit"),
        (pattern(weekdays=[]), "mindestens einen Wochentag"),
        (pattern(weekdays=[0, 1, 2], working_days_per_week=2), "mehr Homeoffice-Tage"),
        (pattern(end_date=START), "Ende muss nach dem Beginn"),
        (pattern(kind="sabbatical"), "Art des mobilen Arbeitens"),
        (pattern(pattern_type=PatternType.SHARE, share_percent=None), "Anteil der Wochen"),
    ],
)
def test_it_refuses_an_unclear_request(employee, values, message):
    with pytest.raises(DomainError, match=message):
        services.request_create(by=employee, values=values, today=TODAY)
    assert not WorkRequest.objects.exists()


# --------------------------------------------------------------------------- escalation and review


@pytest.fixture
def dezernent(org):
    """A head of D, so that requests can escalate twice."""
    user = UserFactory(username="dezernent")
    org["D"].head = EmployeeFactory(unit=org["D"], user=user, last_name="Dezernent")
    org["D"].save(update_fields=["head"])
    return user


def test_it_escalates_an_overdue_request_one_level_per_deadline_period(
    make_request, supervisor, amt_head, dezernent, org, django_capture_on_commit_callbacks
):
    request = make_request("submitted")
    due = request.due_date
    assert (request.decider_unit, due) == (org["A1"], dt.date(2021, 3, 29))

    assert not services.request_escalate(request=request, today=due)  # not yet overdue
    with django_capture_on_commit_callbacks(execute=True):
        assert services.request_escalate(request=request, today=due + dt.timedelta(1))
    request.refresh_from_db()
    assert (request.decider_unit, request.escalation_level) == (org["A"], 1)
    assert request.escalated_at == due + dt.timedelta(1)
    assert request.status == R.SUBMITTED
    [message] = mails_to(amt_head)
    assert message.subject == "Rathaus Mobil: Überfälliger Antrag auf mobiles Arbeiten"
    assert_german_mail(
        message,
        link=reverse("agreements:request_detail", args=[request.pk]),
        says="bis zum 29.03.2021 nicht entschieden",
    )
    assert list(inbox_for(amt_head, today=due)) == [request]
    assert list(inbox_for(supervisor, today=due)) == []
    assert not services.can_decide(supervisor, request)

    # not twice in the same period
    for days in (1, 2, 28):
        assert not services.request_escalate(request=request, today=due + dt.timedelta(days))
    request.refresh_from_db()
    assert request.escalation_level == 1
    assert request.history.filter(action="escalate").count() == 1

    # the next period: one level further up
    assert services.request_escalate(request=request, today=due + dt.timedelta(29))
    request.refresh_from_db()
    assert (request.decider_unit, request.escalation_level) == (org["D"], 2)
    assert services.can_decide(dezernent, request)

    # nobody above the top
    assert not services.request_escalate(request=request, today=due + dt.timedelta(90))
    assert request.history.filter(action="escalate").count() == 2


def test_it_does_not_escalate_a_decided_request(make_request, amt_head):
    request = make_request("approved")
    assert not services.request_escalate(request=request, today=TODAY + dt.timedelta(60))
    assert row(request)["escalation_level"] == 0


def test_it_brings_a_temporarily_refused_request_back_on_the_review_date(
    make_request, supervisor, amt_head, org, django_capture_on_commit_callbacks
):
    request = make_request("rejected")
    review = request.review_date
    assert review == TODAY + dt.timedelta(30)
    assert list(inbox_for(supervisor, today=review)) == []
    assert not services.request_review_return(request=request, today=review - dt.timedelta(1))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.request_review_return(request=request, today=review)
    request.refresh_from_db()
    assert request.status == R.SUBMITTED
    assert request.decider_unit == org["A1"]
    assert request.due_date == review + dt.timedelta(28)
    assert list(inbox_for(supervisor, today=review)) == [request]
    [message] = mails_to(supervisor)
    assert message.subject == "Rathaus Mobil: Wiedervorlage: Antrag auf mobiles Arbeiten"
    assert_german_mail(
        message,
        link=reverse("agreements:request_detail", args=[request.pk]),
        says="vorübergehend abgelehnt (R4)",
    )

    assert not services.request_review_return(request=request, today=review)
    assert request.history.filter(action="review_return").count() == 1
    # and it can be decided again
    assert services.request_approve(request=request, by=supervisor, today=review)


# --------------------------------------------------------------------------- double click


def test_it_submits_once_on_a_double_click(
    make_request, employee, supervisor, django_capture_on_commit_callbacks
):
    draft = make_request("draft")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_submit(request=draft, by=employee, today=TODAY)
        with pytest.raises(IllegalTransition):
            services.request_submit(request=draft, by=employee, today=TODAY)
    assert draft.history.filter(action="submit").count() == 1
    assert len(mails_to(supervisor)) == 1


def test_it_approves_once_on_a_double_click(make_request, supervisor):
    request = make_request("submitted")
    services.request_approve(request=request, by=supervisor, today=TODAY)
    with pytest.raises(IllegalTransition):
        services.request_approve(request=request, by=supervisor, today=TODAY)
    assert Agreement.objects.count() == 1


def test_it_accepts_an_offer_once_on_a_double_click(make_offer, employee):
    offer = make_offer()
    services.offer_accept(offer=offer, by=employee, today=TODAY)
    with pytest.raises(IllegalTransition):
        services.offer_accept(offer=offer, by=employee, today=TODAY)
    assert Agreement.objects.count() == 1


def test_it_accepts_an_agreement_once_on_a_double_click(make_agreement, employee):
    agreement = make_agreement("pending")
    services.agreement_accept(agreement=agreement, by=employee, today=TODAY)
    before = row(agreement)
    with pytest.raises(IllegalTransition, match="bereits zugestimmt"):
        services.agreement_accept(agreement=agreement, by=employee, today=TODAY)
    assert row(agreement) == before
    assert agreement.history.filter(action="accept").count() == 1


def test_it_lets_consent_be_taken_back_until_the_agreement_is_active(make_agreement, employee):
    agreement = make_agreement("pending")
    services.agreement_accept(agreement=agreement, by=employee, today=TODAY)
    services.agreement_decline(agreement=agreement, by=employee, reason="Doch lieber im Büro.")
    agreement.refresh_from_db()
    assert agreement.status == A.DECLINED
    assert history(agreement)[-1][:3] == ("decline", A.PENDING, A.DECLINED)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second", ["supervisor", "amt_head"])
def test_it_creates_one_agreement_when_two_approvals_race(
    request, make_request, employee, supervisor, second
):
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite's in-memory test database uses shared-cache table locks, which fail at once "
            "instead of waiting; the race is meaningful only with PostgreSQL's row locks."
        )
    deciders = [supervisor, request.getfixturevalue(second)]
    submitted = make_request("submitted")
    barrier = threading.Barrier(2)
    results = []
    check_quota = requests_and_offers.check_quota

    def slow_check_quota(*args, **kwargs):
        # Hold the row lock a while, so that the other thread surely waits for it.
        time.sleep(0.3)
        return check_quota(*args, **kwargs)

    def approve(user):
        try:
            barrier.wait(timeout=10)
            results.append(services.request_approve(request=submitted, by=user, today=TODAY))
        except Exception as exc:  # the test inspects it
            results.append(exc)
        finally:
            connection.close()

    mail.outbox.clear()
    with mock.patch.object(requests_and_offers, "check_quota", slow_check_quota):
        threads = [threading.Thread(target=approve, args=(user,)) for user in deciders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    agreements = [r for r in results if isinstance(r, Agreement)]
    errors = [r for r in results if not isinstance(r, Agreement)]
    assert len(agreements) == 1, results
    assert len(errors) == 1 and isinstance(errors[0], IllegalTransition), errors
    assert Agreement.objects.filter(request=submitted).count() == 1
    assert submitted.history.filter(action="approve").count() == 1
    assert len(mails_to(employee)) == 1


# --------------------------------------------------------------------------- terms


def test_it_gives_the_first_agreement_a_trial_period_and_caps_the_term(
    make_agreement, make_request, employee, supervisor
):
    first = make_agreement("active", values=pattern(end_date=dt.date(2030, 1, 1)))
    assert first.start_date == START
    assert first.trial_end_date == dt.date(2021, 9, 14)
    assert first.end_date == dt.date(2024, 3, 14)  # at most 3 years

    second = services.request_approve(request=make_request("submitted"), by=supervisor, today=TODAY)
    assert second.trial_end_date is None


def test_it_starts_an_agreement_today_when_the_wished_start_has_passed(make_request, supervisor):
    request = make_request("submitted")
    later = START + dt.timedelta(10)
    agreement = services.request_approve(request=request, by=supervisor, today=later)
    assert agreement.start_date == later


# --------------------------------------------------------------------------- ending


def test_it_lets_the_employee_return_with_four_weeks_notice(
    make_agreement, employee, supervisor, django_capture_on_commit_callbacks
):
    agreement = make_agreement("active")
    with django_capture_on_commit_callbacks(execute=True):
        agreement = services.agreement_return(
            agreement=agreement, by=employee, reason="", today=TODAY
        )
    assert agreement.status == A.ENDING
    assert agreement.end_kind == EndKind.RETURN
    assert agreement.effective_end_date == dt.date(2021, 3, 29)
    [message] = mails_to(supervisor)
    assert message.subject == "Rathaus Mobil: Rückkehr ins Büro"
    assert_german_mail(
        message,
        link=reverse("agreements:agreement_detail", args=[agreement.pk]),
        says="Erika Employee kehrt zum 29.03.2021 ins Büro zurück.",
    )

    assert not services.agreement_end_due(agreement=agreement, today=dt.date(2021, 3, 28))
    assert services.agreement_end_due(agreement=agreement, today=dt.date(2021, 3, 29))
    agreement.refresh_from_db()
    assert agreement.status == A.ENDED


def test_it_ends_a_return_no_later_than_the_term(make_agreement, employee):
    agreement = make_agreement("active", values=pattern(end_date=START + dt.timedelta(6)))
    agreement = services.agreement_return(agreement=agreement, by=employee, today=TODAY)
    assert agreement.effective_end_date == dt.date(2021, 3, 21)


@pytest.mark.parametrize("reason", ["", "   ", "Weil ich es sage."])
def test_it_refuses_a_revocation_without_a_written_reason(make_agreement, supervisor, reason):
    agreement = make_agreement("active")
    before = row(agreement)
    for at_once in (False, True):
        with pytest.raises(DomainError, match="schriftlich begründet"):
            services.agreement_revoke(
                agreement=agreement, by=supervisor, reason=reason, at_once=at_once, today=TODAY
            )
    assert row(agreement) == before


def test_it_lets_the_employer_revoke_with_three_months_notice(
    make_agreement, employee, supervisor, django_capture_on_commit_callbacks
):
    agreement = make_agreement("active")
    with django_capture_on_commit_callbacks(execute=True):
        agreement = services.agreement_revoke(
            agreement=agreement, by=supervisor, reason=f"  {REVOKE_REASON} ", today=TODAY
        )
    assert agreement.status == A.ENDING
    assert agreement.end_kind == EndKind.REVOKE
    assert agreement.end_reason == REVOKE_REASON
    assert agreement.effective_end_date == dt.date(2021, 6, 1)
    [message] = mails_to(employee)
    assert message.subject == "Rathaus Mobil: Widerruf Ihrer Vereinbarung über mobiles Arbeiten"
    assert_german_mail(
        message,
        link=reverse("agreements:mine"),
        says=f"endet am 01.06.2021. Begründung: {REVOKE_REASON}",
    )


def test_it_lets_the_employer_revoke_at_once_for_good_cause(make_agreement, supervisor, listen):
    ended = listen(hooks.agreement_ended)
    agreement = make_agreement("active")
    agreement = services.agreement_revoke(
        agreement=agreement, by=supervisor, reason=REVOKE_REASON, at_once=True, today=TODAY
    )
    assert agreement.status == A.ENDED
    assert agreement.end_kind == EndKind.REVOKE_AT_ONCE
    assert agreement.effective_end_date == TODAY
    assert history(agreement)[-1] == ("end", "active", "ended", "supervisor", REVOKE_REASON)
    assert [a.pk for a in ended] == [agreement.pk]


@pytest.mark.parametrize("intruder", ["employee", "colleague", "outsider", "it", "staff_council"])
def test_it_lets_only_the_employer_side_revoke(request, make_agreement, intruder):
    user = request.getfixturevalue(intruder)
    agreement = make_agreement("active")
    with pytest.raises(NotAllowed):
        services.agreement_revoke(
            agreement=agreement, by=user, reason=REVOKE_REASON, at_once=True, today=TODAY
        )
    assert row(agreement)["status"] == A.ACTIVE


@pytest.mark.parametrize("revoker", ["hr", "amt_head"])
def test_it_lets_hr_and_heads_above_revoke(request, make_agreement, revoker):
    agreement = make_agreement("active")
    agreement = services.agreement_revoke(
        agreement=agreement,
        by=request.getfixturevalue(revoker),
        reason=REVOKE_REASON,
        today=TODAY,
    )
    assert agreement.status == A.ENDING


def test_it_ends_an_agreement_at_the_end_of_its_term(make_agreement, listen):
    ended = listen(hooks.agreement_ended)
    last_day = START + dt.timedelta(60)
    agreement = make_agreement("active", values=pattern(end_date=last_day))
    assert not services.agreement_end_due(agreement=agreement, today=last_day)
    assert services.agreement_end_due(agreement=agreement, today=last_day + dt.timedelta(1))
    agreement.refresh_from_db()
    assert agreement.status == A.ENDED
    assert agreement.end_kind == EndKind.EXPIRY
    assert agreement.effective_end_date == last_day
    assert history(agreement)[-1] == ("end", "active", "ended", None, "Ablauf der Laufzeit")
    assert not services.agreement_end_due(agreement=agreement, today=last_day + dt.timedelta(2))
    assert len(ended) == 1


@pytest.mark.parametrize("status", [A.PENDING, A.ACTIVE, A.ENDING])
def test_it_ends_an_agreement_when_the_employee_has_left(make_agreement, employee, status):
    agreement = make_agreement(status)
    Employee.objects.filter(user=employee).update(is_active=False, exit_date=TODAY)
    assert services.agreement_end_due(agreement=agreement, today=TODAY + dt.timedelta(1))
    agreement.refresh_from_db()
    assert agreement.status == A.ENDED
    assert agreement.end_kind == EndKind.LEFT
    assert agreement.effective_end_date == TODAY + dt.timedelta(1)
    assert not services.agreement_end_due(agreement=agreement, today=TODAY + dt.timedelta(2))


def test_it_leaves_a_running_agreement_alone(make_agreement):
    agreement = make_agreement("active")
    before = row(agreement)
    assert not services.agreement_end_due(agreement=agreement, today=TODAY + dt.timedelta(300))
    assert row(agreement) == before


# --------------------------------------------------------------------------- renewal


def test_it_renews_with_a_follow_up_that_needs_acceptance_again(
    make_agreement, employee, supervisor, django_capture_on_commit_callbacks
):
    current = make_agreement("active")
    with django_capture_on_commit_callbacks(execute=True):
        renewal = services.agreement_renew(agreement=current, by=supervisor, today=TODAY)
    assert renewal.status == A.PENDING
    assert renewal.renewal_of == current
    assert renewal.accepted_at is None
    assert renewal.start_date == current.end_date + dt.timedelta(1) == dt.date(2024, 3, 15)
    assert renewal.end_date == dt.date(2027, 3, 14)
    assert renewal.trial_end_date is None
    assert (renewal.kind, renewal.weekdays) == (current.kind, current.weekdays)
    assert history(renewal) == [
        ("create", "", "pending", "supervisor", f"Verlängerung von Vereinbarung {current.pk}")
    ]
    [message] = mails_to(employee)
    assert message.subject == "Rathaus Mobil: Verlängerung Ihrer Vereinbarung über mobiles Arbeiten"
    assert_german_mail(message, link=reverse("agreements:mine"), says="bis 14.03.2027")

    # a valid pledge is not enough: the employee must agree again
    assert not services.agreement_try_activate(agreement=renewal, today=TODAY)
    renewal = services.agreement_accept(agreement=renewal, by=employee, today=TODAY)
    assert renewal.status == A.AGREED  # it begins the day after the current one ends


def test_it_lets_the_employee_decline_a_renewal(make_agreement, employee, supervisor):
    current = make_agreement("active")
    renewal = services.agreement_renew(agreement=current, by=supervisor, today=TODAY)
    services.agreement_decline(agreement=renewal, by=employee)
    assert row(renewal)["status"] == A.DECLINED
    assert row(current)["status"] == A.ACTIVE


def test_it_caps_a_renewal_at_the_longest_term(make_agreement, supervisor):
    current = make_agreement("active")
    renewal = services.agreement_renew(
        agreement=current, by=supervisor, end_date=dt.date(2030, 1, 1), today=TODAY
    )
    assert renewal.end_date == dt.date(2027, 3, 14)
    with pytest.raises(DomainError, match="schon eine Verlängerung"):
        services.agreement_renew(agreement=current, by=supervisor, today=TODAY)
    assert Agreement.objects.filter(renewal_of=current).count() == 1


@pytest.mark.parametrize("status", [A.PENDING, A.ENDING, A.ENDED, A.DECLINED])
def test_it_renews_only_a_running_agreement(make_agreement, supervisor, status):
    agreement = make_agreement(status)
    with pytest.raises(DomainError, match="Nur eine laufende, ungekündigte"):
        services.agreement_renew(agreement=agreement, by=supervisor, today=TODAY)
    assert not Agreement.objects.filter(renewal_of=agreement).exists()


@pytest.mark.parametrize("intruder", ["employee", "outsider", "it"])
def test_it_lets_only_the_employer_side_renew(request, make_agreement, intruder):
    agreement = make_agreement("active")
    with pytest.raises(NotAllowed):
        services.agreement_renew(
            agreement=agreement, by=request.getfixturevalue(intruder), today=TODAY
        )
    assert not Agreement.objects.filter(renewal_of=agreement).exists()


# --------------------------------------------------------------------------- offers


def test_it_offers_and_tells_the_employee(
    make_offer, employee, supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        offer = make_offer()
    assert (offer.status, offer.offered_by) == (OS.OFFERED, supervisor)
    [message] = mails_to(employee)
    assert message.subject == "Rathaus Mobil: Angebot: mobiles Arbeiten"
    assert_german_mail(
        message, link=reverse("agreements:mine"), says="Sie entscheiden frei, ob Sie"
    )


@pytest.mark.parametrize("offerer", ["employee", "colleague", "outsider", "it"])
def test_it_lets_only_the_employer_side_offer(request, make_offer, offerer):
    with pytest.raises(NotAllowed):
        make_offer(by=request.getfixturevalue(offerer))
    assert not Offer.objects.exists()


def test_it_does_not_offer_to_someone_who_has_left(make_offer, employee, hr):
    Employee.objects.filter(user=employee).update(is_active=False)
    with pytest.raises(DomainError, match="nicht mehr beschäftigt"):
        make_offer(by=hr)


def test_it_rolls_back_and_sends_nothing_when_a_rule_says_no(
    make_request, supervisor, django_capture_on_commit_callbacks
):
    request = make_request("submitted", values=pattern(weekdays=[0, 1, 2, 3, 4]))
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(DomainError, match="Höchstanteil"),
    ):
        services.request_approve(request=request, by=supervisor, today=TODAY)
    assert callbacks == []
    assert not mail.outbox


# --------------------------------------------------------------------------- hand-over between agreements


def test_it_lets_a_renewal_follow_without_cutting_the_current_agreement_short(
    make_agreement, employee, supervisor
):
    current = make_agreement("active")
    renewal = services.agreement_renew(agreement=current, by=supervisor, today=TODAY)
    services.agreement_accept(agreement=renewal, by=employee, today=TODAY)
    current.refresh_from_db()
    renewal.refresh_from_db()
    assert renewal.status == A.AGREED and renewal.start_date == current.end_date + dt.timedelta(
        days=1
    )
    assert current.status == A.ACTIVE and not current.end_kind
    # Only the agreement in force counts.
    assert sum(selectors.kpis(today=current.start_date)["agreements_active_by_kind"].values()) == 1

    # The day after the end: the daily jobs activate the renewal, then end the current one.
    after_end = current.end_date + dt.timedelta(days=1)
    assert jobs.activate_due_agreements(after_end) == 1
    renewal.refresh_from_db()
    assert renewal.status == A.ACTIVE
    assert jobs.end_due_agreements(after_end) == 1
    current.refresh_from_db()
    assert (current.status, current.end_kind) == (A.ENDED, "expiry")
    assert sum(selectors.kpis(today=after_end)["agreements_active_by_kind"].values()) == 1


def test_it_replaces_the_current_agreement_from_the_start_of_a_new_one(
    make_agreement, make_request, employee, supervisor, sign
):
    current = make_agreement("active")
    start = TODAY + dt.timedelta(days=30)
    values = {"kind": "alternating", "weekdays": [4], "start_date": start}
    request = make_request("submitted", values=values)
    new = services.request_approve(request=request, by=supervisor, today=TODAY)
    services.agreement_accept(agreement=new, by=employee, today=TODAY)
    current.refresh_from_db()
    assert current.status == A.ACTIVE  # the new one is only agreed
    assert jobs.activate_due_agreements(start) == 1
    current.refresh_from_db()
    assert current.status == A.ENDED
    assert (current.end_kind, current.effective_end_date) == (
        "replaced",
        start - dt.timedelta(days=1),
    )
    assert history(current)[-1][4] == f"Ersetzt durch Vereinbarung {new.pk} zum 30.03.2021"


def test_it_lets_a_pending_agreement_expire_unused(make_agreement):
    agreement = make_agreement("pending")
    assert services.agreement_end_due(
        agreement=agreement, today=agreement.end_date + dt.timedelta(days=1)
    )
    agreement.refresh_from_db()
    assert (agreement.status, agreement.end_kind) == (A.ENDED, "expiry")


def test_it_applies_the_quota_to_offers_except_pandemic_offers_in_a_period(
    employee, supervisor, hr
):
    person = Employee.objects.get(user=employee)
    four_days = {
        "kind": "alternating",
        "weekdays": [0, 1, 2, 3],
        "start_date": TODAY + dt.timedelta(days=7),
    }
    with pytest.raises(DomainError, match="Höchstanteil"):
        services.offer_create(employee=person, by=supervisor, values=four_days, today=TODAY)
    offer = services.offer_create(
        employee=person,
        by=supervisor,
        values=four_days,
        today=TODAY,
        quota_exception_reason="Ausnahme wegen langer Anfahrt und Pflege eines Angehörigen.",
    )
    assert offer.quota_exception_reason
    # Outside a pandemic period a pandemic offer follows the quota like any other.
    with pytest.raises(DomainError, match="Höchstanteil"):
        services.offer_create(
            employee=person, by=supervisor, values={**four_days, "kind": "pandemic"}, today=TODAY
        )
    services.pandemic_period_set(by=hr, start_date=TODAY, end_date=TODAY + dt.timedelta(90))
    pandemic = services.offer_create(
        employee=person, by=supervisor, values={**four_days, "kind": "pandemic"}, today=TODAY
    )
    assert pandemic.quota_exception_reason == ""
    # ... but only where the period is in force on the offer's start.
    later = {**four_days, "kind": "pandemic", "start_date": TODAY + dt.timedelta(120)}
    with pytest.raises(DomainError, match="Höchstanteil"):
        services.offer_create(employee=person, by=supervisor, values=later, today=TODAY)

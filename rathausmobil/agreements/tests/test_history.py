"""The history of requests, offers and agreements in `core.StatusChange`: one row
and one audit event per move, whichever path makes it; nothing when a move is
refused; the rows go with their record; the admin shows them."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from rathausmobil.agreements import hooks, jobs, services
from rathausmobil.agreements.models import Agreement, AgreementStatus, WorkRequest
from rathausmobil.agreements.tests.conftest import REVOKE_REASON, START, TODAY
from rathausmobil.core.audit import history_of
from rathausmobil.core.models import AuditEvent, StatusChange
from rathausmobil.core.workflow import IllegalTransition
from rathausmobil.organisation.models import Employee
from rathausmobil.organisation.tests.factories import UserFactory

A = AgreementStatus


def ends(agreement: Agreement) -> tuple[list[tuple], list[tuple]]:
    """The agreement's "end" history rows and the audit events of its ending."""
    rows = list(agreement.history.filter(action="end").values_list("from_status", "to_status"))
    events = [
        (event.action, event.changes)
        for event in history_of(agreement)
        if event.action == "Vereinbarung beendet"
    ]
    return rows, events


# --------------------------------------------------------------------------- every ending path


def _revoked_at_once(make_agreement, employee, supervisor):
    agreement = make_agreement("active")
    services.agreement_revoke(
        agreement=agreement, by=supervisor, reason=REVOKE_REASON, at_once=True, today=TODAY
    )
    return agreement, A.ACTIVE


def _replaced_by_a_started_agreement(make_agreement, employee, supervisor):
    current = make_agreement("active")
    later = START + dt.timedelta(days=30)
    new = services.request_approve(
        request=services.request_submit(
            request=services.request_create(
                by=employee,
                values={"kind": "alternating", "weekdays": [4], "start_date": START},
                today=TODAY,
            ),
            by=employee,
            today=TODAY,
        ),
        by=supervisor,
        today=later,
    )
    services.agreement_accept(agreement=new, by=employee, today=later)  # active at once
    new.refresh_from_db()
    assert new.status == A.ACTIVE
    return current, A.ACTIVE


def _ended_at_the_notice_date(make_agreement, employee, supervisor):
    agreement = make_agreement("ending")
    agreement.refresh_from_db()
    assert services.agreement_end_due(agreement=agreement, today=agreement.effective_end_date)
    return agreement, A.ENDING


def _expired(make_agreement, employee, supervisor):
    agreement = make_agreement("active")
    assert services.agreement_end_due(
        agreement=agreement, today=agreement.end_date + dt.timedelta(days=1)
    )
    return agreement, A.ACTIVE


def _expired_unused(make_agreement, employee, supervisor):
    agreement = make_agreement("pending")
    assert services.agreement_end_due(
        agreement=agreement, today=agreement.end_date + dt.timedelta(days=1)
    )
    return agreement, A.PENDING


def _left(make_agreement, employee, supervisor):
    agreement = make_agreement("pending")
    Employee.objects.filter(user=employee).update(is_active=False, exit_date=TODAY)
    assert services.agreement_end_due(agreement=agreement, today=TODAY + dt.timedelta(days=1))
    return agreement, A.PENDING


@pytest.mark.parametrize(
    "path",
    [
        _revoked_at_once,
        _replaced_by_a_started_agreement,
        _ended_at_the_notice_date,
        _expired,
        _expired_unused,
        _left,
    ],
    ids=lambda path: path.__name__.strip("_"),
)
def test_it_writes_one_end_row_one_audit_event_and_one_hook_call_on_every_ending_path(
    path, make_agreement, employee, supervisor, listen
):
    ended = listen(hooks.agreement_ended)
    agreement, was = path(make_agreement, employee, supervisor)
    agreement.refresh_from_db()
    assert agreement.status == A.ENDED
    labels = dict(A.choices)
    rows, events = ends(agreement)
    assert rows == [(was, A.ENDED)]
    assert events == [
        ("Vereinbarung beendet", {"Status": [labels[was], labels[A.ENDED]]}),
    ]
    assert [a.pk for a in ended] == [agreement.pk]
    # The daily job finds nothing more to do.
    assert not services.agreement_end_due(agreement=agreement, today=TODAY + dt.timedelta(2000))
    assert ends(agreement) == (rows, events)


def test_it_ends_the_replaced_agreement_the_day_before_the_new_one_starts(
    make_agreement, make_request, employee, supervisor
):
    current = make_agreement("active")
    start = TODAY + dt.timedelta(days=30)
    request = make_request(
        "submitted", values={"kind": "alternating", "weekdays": [4], "start_date": start}
    )
    new = services.request_approve(request=request, by=supervisor, today=TODAY)
    services.agreement_accept(agreement=new, by=employee, today=TODAY)
    assert not current.history.filter(action="end").exists()  # agreed only: nothing yet
    assert jobs.activate_due_agreements(start) == 1
    assert list(current.history.filter(action="end").values_list("reason", flat=True)) == [
        f"Ersetzt durch Vereinbarung {new.pk} zum 30.03.2021"
    ]
    ended = [e for e in history_of(current) if e.action == "Vereinbarung beendet"]
    assert [e.changes for e in ended] == [{"Status": ["aktiv", "beendet"]}]


# --------------------------------------------------------------------------- a refused move writes nothing


@pytest.mark.parametrize(
    "status,act,message",
    [
        (
            "ended",
            "revoke_at_once",
            "Eine Vereinbarung im Status „beendet“ kann nicht beendet werden.",
        ),
        (
            "declined",
            "revoke_at_once",
            "Eine Vereinbarung im Status „von Beschäftigten abgelehnt“ kann nicht beendet werden.",
        ),
        (
            "pending",
            "return",
            "Eine Vereinbarung im Status „wartet auf Voraussetzungen“ kann nicht gekündigt werden.",
        ),
        (
            "ending",
            "revoke",
            "Eine Vereinbarung im Status „gekündigt, läuft aus“ kann nicht gekündigt werden.",
        ),
        ("active", "decline", "Eine Vereinbarung im Status „aktiv“ kann nicht abgelehnt werden."),
    ],
)
def test_it_refuses_a_move_before_writing_anything(
    status,
    act,
    message,
    make_agreement,
    employee,
    supervisor,
    listen,
    django_capture_on_commit_callbacks,
):
    agreement = make_agreement(status)
    before = Agreement.objects.filter(pk=agreement.pk).values().get()
    counts = StatusChange.objects.count(), AuditEvent.objects.count()
    ended = listen(hooks.agreement_ended)
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(IllegalTransition) as info,
    ):
        if act == "revoke_at_once":
            services.agreement_revoke(
                agreement=agreement, by=supervisor, reason=REVOKE_REASON, at_once=True, today=TODAY
            )
        elif act == "revoke":
            services.agreement_revoke(
                agreement=agreement, by=supervisor, reason=REVOKE_REASON, today=TODAY
            )
        elif act == "return":
            services.agreement_return(agreement=agreement, by=employee, today=TODAY)
        else:
            services.agreement_decline(agreement=agreement, by=employee)
    assert info.value.message == message
    assert (info.value.status_code, info.value.code) == (409, "illegal_transition")
    assert Agreement.objects.filter(pk=agreement.pk).values().get() == before
    assert (StatusChange.objects.count(), AuditEvent.objects.count()) == counts
    assert ended == []
    assert callbacks == []


def test_it_refuses_a_request_move_with_the_same_sentence_as_before(make_request, supervisor):
    request = make_request("withdrawn")
    with pytest.raises(IllegalTransition) as info:
        services.request_approve(request=request, by=supervisor, today=TODAY)
    assert info.value.message == (
        "Ein Antrag im Status „zurückgezogen“ kann nicht genehmigt werden."
    )


# --------------------------------------------------------------------------- the rows go with the record


def test_it_deletes_the_history_with_the_record_at_the_end_of_retention(make_request, supervisor):
    request = make_request("rejected")
    rows = StatusChange.objects.filter(
        content_type=ContentType.objects.get_for_model(WorkRequest), object_id=request.pk
    )
    assert [row.action for row in rows] == ["create", "submit", "reject"]
    assert jobs.delete_expired_records(dt.date(request.decided_at.year + 4, 1, 1)) == 1
    assert not rows.all().exists()  # the reasons of the refusal go with it


# --------------------------------------------------------------------------- pages and admin


def test_it_shows_the_history_on_the_page_and_in_the_admin(client, make_agreement, employee):
    agreement = make_agreement("active")
    client.force_login(employee)
    page = client.get(reverse("agreements:agreement_detail", args=[agreement.pk])).content.decode()
    assert "aktiv geworden" in page and "vereinbart, beginnt am Startdatum → aktiv" in page

    client.force_login(UserFactory(username="admin", is_superuser=True, is_staff=True))
    admin = client.get(reverse("admin:agreements_agreement_change", args=[agreement.pk]))
    assert admin.status_code == 200
    text = admin.content.decode()
    assert "Statusänderungen" in text
    assert [h.action for h in agreement.history.all()] == ["create", "accept", "agree", "activate"]
    assert text.count('class="field-action"') == 4

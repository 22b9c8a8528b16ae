"""The daily jobs and `run_due_jobs`: each does its work once, and a second run
the same day (or the next) changes nothing, writes nothing and sends nothing."""

import datetime as dt
import importlib
import io
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from rathausmobil.agreements import hooks, jobs, migrations, services
from rathausmobil.agreements.models import (
    Agreement,
    AgreementStatus,
    EndKind,
    PledgeRenewalRequest,
    RequestStatus,
)
from rathausmobil.agreements.tests.conftest import START, TODAY, pattern
from rathausmobil.core.models import AuditEvent, StatusChange
from rathausmobil.organisation.models import Employee

A = AgreementStatus


def day(month: int, day: int) -> dt.date:
    return dt.date(2021, month, day)


def footprint() -> tuple[int, int, int]:
    """What a run leaves behind: history rows, audit events, mails."""
    return StatusChange.objects.count(), AuditEvent.objects.count(), len(mail.outbox)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a job (or anything) and deliver the mails it sends on commit."""

    def do(job, today):
        with django_capture_on_commit_callbacks(execute=True):
            return job(today)

    return do


def mails_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


# --------------------------------------------------------------------------- escalation


def test_it_escalates_an_overdue_request_once_per_period(make_request, amt_head, supervisor, run):
    request = make_request("submitted")
    assert request.due_date == day(3, 29)

    assert run(jobs.escalate_overdue_requests, day(3, 29)) == 0
    assert run(jobs.escalate_overdue_requests, day(3, 30)) == 1
    after = footprint()
    for today in (day(3, 30), day(3, 31), day(4, 26)):
        assert run(jobs.escalate_overdue_requests, today) == 0
    assert footprint() == after
    request.refresh_from_db()
    assert (request.decider_unit.code, request.escalation_level) == ("A", 1)
    assert len(mails_to(amt_head)) == 1
    assert not mails_to(supervisor)


def test_it_does_not_escalate_without_a_head_above(make_request, supervisor, run):
    request = make_request("submitted")  # A has no head in this test, nor has D
    before = footprint()
    assert run(jobs.escalate_overdue_requests, day(4, 30)) == 0
    assert footprint() == before
    request.refresh_from_db()
    assert request.decider_unit.code == "A1"


# --------------------------------------------------------------------------- review dates


def test_it_returns_a_refused_request_on_its_review_date_once(make_request, supervisor, run):
    request = make_request("rejected")
    assert request.review_date == day(3, 31)

    assert run(jobs.return_requests_for_review, day(3, 30)) == 0
    assert run(jobs.return_requests_for_review, day(3, 31)) == 1
    after = footprint()
    for today in (day(3, 31), day(4, 1)):
        assert run(jobs.return_requests_for_review, today) == 0
    assert footprint() == after
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    [message] = mails_to(supervisor)
    assert reverse("agreements:request_detail", args=[request.pk]) in message.body


# --------------------------------------------------------------------------- endings


@pytest.fixture
def due_agreements(make_agreement, employee, colleague, make_person):
    """On 29.03.2021 three agreements are due to end: a notice, a term and a leaver."""
    notice = make_agreement("ending")  # the employee returns on 29.03.2021
    term = make_agreement(
        "active", user=colleague, values=pattern(end_date=START + dt.timedelta(7))
    )
    leaver_user = make_person("leaver")
    leaver = make_agreement("active", user=leaver_user)
    Employee.objects.filter(user=leaver_user).update(is_active=False, exit_date=day(3, 20))
    running = make_agreement("active", user=make_person("stays"))
    return {"notice": notice, "term": term, "leaver": leaver, "running": running}


def test_it_ends_due_agreements_once(due_agreements, listen, run):
    ended = listen(hooks.agreement_ended)

    assert run(jobs.end_due_agreements, day(3, 21)) == 1  # the leaver only
    assert run(jobs.end_due_agreements, day(3, 29)) == 2
    after = footprint()
    for today in (day(3, 29), day(3, 30)):
        assert run(jobs.end_due_agreements, today) == 0
    assert footprint() == after

    state = {
        name: Agreement.objects.values_list("status", "end_kind", "effective_end_date").get(
            pk=agreement.pk
        )
        for name, agreement in due_agreements.items()
    }
    assert state == {
        "notice": (A.ENDED, EndKind.RETURN, day(3, 29)),
        "term": (A.ENDED, EndKind.EXPIRY, day(3, 22)),
        "leaver": (A.ENDED, EndKind.LEFT, day(3, 21)),
        "running": (A.ACTIVE, "", None),
    }
    assert sorted(a.pk for a in ended) == sorted(
        due_agreements[name].pk for name in ("notice", "term", "leaver")
    )


def test_it_ends_the_agreement_of_someone_who_left_during_the_notice(make_agreement, employee, run):
    agreement = make_agreement("ending")  # would end on 29.03.2021
    Employee.objects.filter(user=employee).update(is_active=False)
    assert run(jobs.end_due_agreements, day(3, 5)) == 1
    assert run(jobs.end_due_agreements, day(3, 5)) == 0
    agreement.refresh_from_db()
    assert (agreement.status, agreement.end_kind) == (A.ENDED, EndKind.LEFT)


# --------------------------------------------------------------------------- expiry reminder


def test_it_reminds_of_the_expiry_once(make_agreement, employee, supervisor, run):
    last_day = day(6, 23)
    agreement = make_agreement("active", values=pattern(end_date=last_day))

    assert run(jobs.remind_expiring_agreements, day(4, 23)) == 0  # 61 days before
    assert run(jobs.remind_expiring_agreements, day(4, 24)) == 1  # 60 days before
    after = footprint()
    for today in (day(4, 24), day(4, 25), day(6, 1)):
        assert run(jobs.remind_expiring_agreements, today) == 0
    assert footprint() == after

    agreement.refresh_from_db()
    assert agreement.expiry_reminder_sent_on == day(4, 24)
    assert AuditEvent.objects.filter(action="Erinnerung Ablauf").count() == 1
    link = reverse("agreements:agreement_detail", args=[agreement.pk])
    for user in (employee, supervisor):
        [message] = mails_to(user)
        assert message.subject == "Rathaus Mobil: Vereinbarung über mobiles Arbeiten läuft aus"
        assert "endet am 23.06.2021. Soll sie verlängert werden?" in message.body
        assert link in message.body


def test_it_does_not_remind_when_the_end_is_already_settled(
    make_agreement, colleague, supervisor, run
):
    ending = make_agreement("ending", values=pattern(end_date=day(6, 23)))
    renewed = make_agreement("active", user=colleague, values=pattern(end_date=day(6, 23)))
    services.agreement_renew(agreement=renewed, by=supervisor, today=TODAY)
    before = footprint()
    assert run(jobs.remind_expiring_agreements, day(5, 1)) == 0
    assert footprint() == before
    assert Agreement.objects.get(pk=ending.pk).expiry_reminder_sent_on is None


# --------------------------------------------------------------------------- pledge renewal


def test_it_asks_for_a_new_pledge_once_per_version(
    make_agreement, employee, colleague, make_person, publish, sign, run
):
    make_agreement("active")
    pending = make_agreement("pending", user=colleague)  # never pledged
    make_person("nobody")  # no agreement: not asked
    left = make_person("left")
    make_agreement("active", user=left)
    Employee.objects.filter(user=left).update(is_active=False)

    assert run(jobs.request_pledge_renewals, TODAY) == 1  # the colleague, for version 1
    assert [m.to for m in mail.outbox] == [[colleague.email]]

    publish()  # version 2
    assert run(jobs.request_pledge_renewals, TODAY) == 2  # the employee and the colleague
    after = footprint()
    for today in (TODAY, TODAY + dt.timedelta(1)):
        assert run(jobs.request_pledge_renewals, today) == 0
    assert footprint() == after
    [message] = mails_to(employee)
    assert message.subject == "Rathaus Mobil: Bitte Datenschutzerklärung abgeben"
    assert "Version 2" in message.body
    assert reverse("agreements:pledge") in message.body
    assert len(mails_to(colleague)) == 2  # once for version 1, once for version 2

    sign(employee)
    publish()  # version 3
    assert run(jobs.request_pledge_renewals, TODAY) == 2
    assert run(jobs.request_pledge_renewals, TODAY) == 0
    assert len(mails_to(employee)) == 2
    assert len(mails_to(colleague)) == 3
    assert Agreement.objects.get(pk=pending.pk).status == A.PENDING


def test_it_does_not_ask_someone_who_pledged(make_agreement, publish, sign, employee, run):
    make_agreement("active")
    publish()
    sign(employee)
    assert run(jobs.request_pledge_renewals, TODAY) == 0
    assert not mail.outbox


def test_it_keys_the_request_on_person_and_version_not_on_the_audit_wording(
    make_agreement, colleague, run
):
    make_agreement("pending", user=colleague)  # never pledged
    assert run(jobs.request_pledge_renewals, TODAY) == 1
    event = AuditEvent.objects.get(object_type="organisation.employee", source="run_due_jobs")
    assert event.action == "Datenschutzerklärung angefordert (Version 1)"
    assert event.object_id == str(Employee.objects.get(user=colleague).pk)

    # The record for people may be worded anew (or read in English): nobody is asked again.
    AuditEvent.objects.filter(pk=event.pk).update(action="Declaration requested (version 1)")
    with translation.override("en"):
        assert run(jobs.request_pledge_renewals, TODAY) == 0
    assert len(mails_to(colleague)) == 1
    [asked] = PledgeRenewalRequest.objects.all()
    assert (asked.employee.user, asked.version.number) == (colleague, 1)


def test_it_takes_over_whom_the_audit_trail_says_was_asked(
    make_agreement, employee, colleague, publish, run
):
    """The migration step that adds the key reads the earlier requests from the audit
    trail, so that nobody is asked a second time after the update."""
    make_agreement("active")  # the employee pledged on version 1
    make_agreement("pending", user=colleague)  # the colleague never pledged
    publish()  # version 2: both must pledge again
    person = {u: Employee.objects.get(user=u) for u in (employee, colleague)}
    earlier = timezone.now() - dt.timedelta(days=30)
    for user, version in ((colleague, 1), (colleague, 2), (employee, 2)):
        AuditEvent.objects.create(
            action=f"Datenschutzerklärung angefordert (Version {version})",
            object_type="organisation.employee",
            object_id=str(person[user].pk),
            source="run_due_jobs",
        )
    AuditEvent.objects.update(created_at=earlier)
    AuditEvent.objects.create(  # not a request: left alone
        action="Datenschutzerklärung angefordert (Version 9)",
        object_type="organisation.employee",
        object_id=str(person[employee].pk),
    )

    migration_step()(django_apps, None)

    assert sorted(
        PledgeRenewalRequest.objects.values_list("employee__user__username", "version__number")
    ) == [("colleague", 1), ("colleague", 2), ("employee", 2)]
    assert {r.requested_at for r in PledgeRenewalRequest.objects.all()} == {earlier}
    assert run(jobs.request_pledge_renewals, TODAY) == 0
    assert not mail.outbox


def migration_step():
    [path] = Path(migrations.__file__).parent.glob("*_pledge_renewal_request.py")
    module = importlib.import_module(f"{migrations.__name__}.{path.stem}")
    return module.requests_from_audit_trail


# --------------------------------------------------------------------------- the command


@pytest.fixture
def everything_due(make_request, make_agreement, make_person, colleague, supervisor, amt_head):
    """On 24.04.2021 something is due for every job."""
    make_request("submitted", user=colleague)  # due 29.03.2021: escalates to A
    make_request("rejected")  # review date 31.03.2021: comes back
    make_agreement("ending", user=make_person("anna"))  # ends 29.03.2021
    make_agreement("active", user=make_person("bert"), values=pattern(end_date=day(6, 20)))


def this_apps_lines(output: str) -> list[str]:
    """The lines of this app's jobs, in their order (other apps' jobs run beside them)."""
    labels = {label for label, _ in jobs.JOBS}
    return [line for line in output.splitlines() if line.split(":")[0] in labels]


def test_it_runs_every_job_and_changes_nothing_on_a_second_run(everything_due, publish, run):
    publish()  # version 2: bert must pledge again
    first, second = io.StringIO(), io.StringIO()

    run(lambda d: call_command("run_due_jobs", "--date", d, stdout=first), "2021-04-24")
    assert this_apps_lines(first.getvalue()) == [
        "Überfällige Anträge eskaliert: 1",
        "Anträge zur Wiedervorlage: 1",
        "Vereinbarungen zum Beginn aktiv: 0",
        "Vereinbarungen beendet: 1",
        "Erinnerungen vor Ablauf: 1",
        "Datenschutzerklärungen angefordert: 1",
        "Gelöscht nach Aufbewahrungsfrist: 0",
    ]
    after = footprint()
    assert after[2] > 0

    run(lambda d: call_command("run_due_jobs", "--date", d, stdout=second), "2021-04-24")
    assert this_apps_lines(second.getvalue()) == [
        "Überfällige Anträge eskaliert: 0",
        "Anträge zur Wiedervorlage: 0",
        "Vereinbarungen zum Beginn aktiv: 0",
        "Vereinbarungen beendet: 0",
        "Erinnerungen vor Ablauf: 0",
        "Datenschutzerklärungen angefordert: 0",
        "Gelöscht nach Aufbewahrungsfrist: 0",
    ]
    assert footprint() == after


# --------------------------------------------------------------------------- retention


def test_it_deletes_refused_requests_three_years_after_the_year_of_decision(
    make_request, supervisor
):
    from rathausmobil.agreements.models import WorkRequest

    request = make_request("submitted")
    services.request_reject(
        request=request,
        by=supervisor,
        reason_codes=["R2"],
        justification="Die Mindestbesetzung ist derzeit nicht gesichert.",
        today=TODAY,
    )
    decided_year = WorkRequest.objects.get(pk=request.pk).decided_at.year
    assert jobs.delete_expired_records(dt.date(decided_year + 3, 12, 31)) == 0
    assert WorkRequest.objects.filter(pk=request.pk).exists()
    assert jobs.delete_expired_records(dt.date(decided_year + 4, 1, 1)) == 1
    assert not WorkRequest.objects.filter(pk=request.pk).exists()
    event = AuditEvent.objects.get(action="gelöscht (Aufbewahrungsfrist)")
    assert str(request.pk) in event.changes["Anträge"][0]
    assert jobs.delete_expired_records(dt.date(decided_year + 4, 1, 1)) == 0  # safe to repeat


def test_it_deletes_a_leavers_agreements_three_years_after_the_exit(make_agreement, employee):
    from rathausmobil.agreements.models import Agreement, Pledge, WorkRequest

    make_agreement("active")
    record = Employee.objects.get(user=employee)
    record.exit_date, record.is_active = dt.date(2021, 6, 30), False
    record.save()
    assert jobs.delete_expired_records(dt.date(2024, 6, 30)) == 0
    removed = jobs.delete_expired_records(dt.date(2024, 7, 1))
    assert removed == 3  # agreement, request, pledge
    assert not Agreement.objects.filter(employee=record).exists()
    assert not WorkRequest.objects.filter(employee=record).exists()
    assert not Pledge.objects.filter(employee=record).exists()
    event = AuditEvent.objects.get(action="gelöscht (Aufbewahrungsfrist)", object_id=str(record.pk))
    assert event.changes["Vereinbarungen"] == ["1", "0"]


def test_it_deletes_a_leavers_requests_to_pledge_and_keeps_no_name(make_agreement, colleague, run):
    make_agreement("pending", user=colleague)
    assert run(jobs.request_pledge_renewals, TODAY) == 1
    record = Employee.objects.get(user=colleague)
    record.exit_date, record.is_active = dt.date(2021, 6, 30), False
    record.save()

    assert jobs.delete_expired_records(dt.date(2024, 7, 1)) == 3  # agreement, request, the ask
    assert not PledgeRenewalRequest.objects.exists()
    event = AuditEvent.objects.get(action="gelöscht (Aufbewahrungsfrist)")
    assert (event.object_type, event.object_id) == ("organisation.employee", str(record.pk))
    assert event.object_label == f"Personalnummer {record.personnel_number}"
    assert record.last_name not in event.object_label
    assert event.changes["Anforderungen der Datenschutzerklärung"] == ["1", "0"]

"""Daily jobs of the workflow, run by `manage.py run_due_jobs`. Each job finds the
rows that are due and calls the service, which re-checks under a row lock, so a
second run the same day changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from rathausmobil.agreements import notifications as mail
from rathausmobil.agreements import services
from rathausmobil.agreements.models import (
    Agreement,
    AgreementStatus,
    Offer,
    Pledge,
    PledgeRenewalRequest,
    RequestStatus,
    RuleSettings,
    WorkRequest,
)
from rathausmobil.agreements.selectors import current_checklist, employees_missing_pledge
from rathausmobil.core.audit import audit_event
from rathausmobil.organisation.models import Employee


def escalate_overdue_requests(today: dt.date) -> int:
    due = WorkRequest.objects.filter(status=RequestStatus.SUBMITTED, due_date__lt=today)
    return sum(services.request_escalate(request=r, today=today) for r in due)


def return_requests_for_review(today: dt.date) -> int:
    due = WorkRequest.objects.filter(status=RequestStatus.REJECTED, review_date__lte=today)
    return sum(services.request_review_return(request=r, today=today) for r in due)


def activate_due_agreements(today: dt.date) -> int:
    """Agreements whose start date has come become active (with every prerequisite
    met; access is granted on the way by policy). Runs before the ending job, so a
    renewal takes over its predecessor's access before that one ends."""
    A = AgreementStatus
    due = (
        Agreement.objects.filter(
            Q(status=A.AGREED) | Q(status=A.PENDING, accepted_at__isnull=False),
            start_date__lte=today,
            employee__is_active=True,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .order_by("start_date", "pk")
    )
    return sum(
        services.agreement_try_activate(agreement=a, today=today, source="run_due_jobs")
        for a in due
    )


def end_due_agreements(today: dt.date) -> int:
    A = AgreementStatus
    due = Agreement.objects.filter(
        Q(status=A.ENDING, effective_end_date__lte=today)
        | Q(status__in=[A.ACTIVE, A.AGREED, A.PENDING], end_date__lt=today)
        | Q(status__in=[A.ACTIVE, A.AGREED, A.PENDING, A.ENDING], employee__is_active=False)
    )
    return sum(services.agreement_end_due(agreement=a, today=today) for a in due)


def remind_expiring_agreements(today: dt.date) -> int:
    candidates = Agreement.objects.filter(
        status=AgreementStatus.ACTIVE,
        expiry_reminder_sent_on__isnull=True,
        end_date__isnull=False,
        end_kind="",
    )
    return sum(services.agreement_remind_expiry(agreement=a, today=today) for a in candidates)


def request_pledge_renewals(today: dt.date) -> int:
    """After a new checklist version, ask everyone with an open agreement and no
    valid pledge on it, once per version: a `PledgeRenewalRequest` row is the key, the
    audit event the record for people."""
    version = current_checklist()
    if version is None:
        return 0
    asked = PledgeRenewalRequest.objects.filter(employee=OuterRef("pk"), version=version)
    count = 0
    for employee in (
        employees_missing_pledge().exclude(Exists(asked)).select_related("user").order_by("pk")
    ):
        with transaction.atomic():
            key = {"employee": employee, "version": version}
            if not PledgeRenewalRequest.objects.get_or_create(**key)[1]:
                continue  # a run at the same time asked first
            audit_event(
                actor=None,
                action=_("Datenschutzerklärung angefordert (Version %(number)s)")
                % {"number": version.number},
                obj=employee,
                source="run_due_jobs",
            )
            mail.send(
                to=[employee.user],
                subject=_("Bitte Datenschutzerklärung abgeben"),
                body=_(
                    "Die Checkliste Datenschutz liegt in Version %(number)s vor. Bitte geben Sie "
                    "Ihre Datenschutzerklärung dazu ab, damit Ihre Vereinbarung über mobiles "
                    "Arbeiten wirksam wird bzw. bleibt."
                )
                % {"number": version.number},
                url=mail.link("agreements:pledge"),
            )
        count += 1
    return count


def delete_expired_records(today: dt.date) -> int:
    """Retention (DOMAIN.md): refused requests 3 years after the year of decision;
    agreements, requests, offers and pledges of people who left (and the requests to
    pledge), 3 years after the exit. Deletion is logged with what it removed, never
    silent."""
    rules = RuleSettings.current()
    removed = 0
    with transaction.atomic():
        refused = WorkRequest.objects.filter(
            status=RequestStatus.REJECTED,
            decided_at__year__lt=today.year - rules.retention_refused_years,
            agreement__isnull=True,
        )
        ids = sorted(refused.values_list("pk", flat=True))
        if ids:
            refused.delete()
            audit_event(
                actor=None,
                action=_("gelöscht (Aufbewahrungsfrist)"),
                model=WorkRequest,
                object_id=_("%(count)s Anträge") % {"count": len(ids)},
                label=_("Abgelehnte Anträge"),
                changes={_("Anträge"): [", ".join(map(str, ids)), _("gelöscht")]},
                reason=_("%(years)s Jahre nach dem Jahr der Entscheidung")
                % {"years": rules.retention_refused_years},
                source="run_due_jobs",
            )
            removed += len(ids)
        cutoff = today.replace(year=today.year - rules.retention_after_exit_years)
        leavers = list(
            Employee.objects.filter(is_active=False, exit_date__lt=cutoff).values_list(
                "pk", "personnel_number"
            )
        )
        for employee_id, personnel_number in leavers:
            counts = {
                _("Vereinbarungen"): Agreement.objects.filter(employee_id=employee_id),
                _("Anträge"): WorkRequest.objects.filter(employee_id=employee_id),
                _("Angebote"): Offer.objects.filter(employee_id=employee_id),
                _("Datenschutzerklärungen"): Pledge.objects.filter(employee_id=employee_id),
                _("Anforderungen der Datenschutzerklärung"): PledgeRenewalRequest.objects.filter(
                    employee_id=employee_id
                ),
            }
            found = {label: qs.count() for label, qs in counts.items()}
            if not any(found.values()):
                continue
            # Agreements first: they point to the request or offer they came from.
            Agreement.objects.filter(employee_id=employee_id, renewal_of__isnull=False).delete()
            for qs in counts.values():
                qs.delete()
            # The leaver's name is not kept: the entry names the personnel number only.
            audit_event(
                actor=None,
                action=_("gelöscht (Aufbewahrungsfrist)"),
                model=Employee,
                object_id=str(employee_id),
                label=_("Personalnummer %(number)s") % {"number": personnel_number},
                changes={label: [str(n), "0"] for label, n in found.items() if n},
                reason=_("%(years)s Jahre nach dem Austritt")
                % {"years": rules.retention_after_exit_years},
                source="run_due_jobs",
            )
            removed += sum(found.values())
    return removed


JOBS = [
    ("Überfällige Anträge eskaliert", escalate_overdue_requests),
    ("Anträge zur Wiedervorlage", return_requests_for_review),
    ("Vereinbarungen zum Beginn aktiv", activate_due_agreements),
    ("Vereinbarungen beendet", end_due_agreements),
    ("Erinnerungen vor Ablauf", remind_expiring_agreements),
    ("Datenschutzerklärungen angefordert", request_pledge_renewals),
    ("Gelöscht nach Aufbewahrungsfrist", delete_expired_records),
]

"""Daily jobs of access, run by `manage.py run_due_jobs` after the agreement jobs
(which end agreements at their effective date first). Each job finds the grants
that are due and calls the service, which re-checks under a row lock, so a second
run the same day changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from rathausmobil.access import selectors, services
from rathausmobil.access.models import OPEN_GRANT, AccessGrant, AccessPolicy


def settle_grants_without_basis(today: dt.date) -> int:
    """Revoke the same day every open grant of a person who has left, and every
    open grant whose agreement has ended (or was declined) when the person has no
    other active or ending agreement; otherwise the grant moves to that one.
    Grants given without an agreement for another reason stay as they are."""
    from rathausmobil.agreements.models import AgreementStatus

    due = (
        AccessGrant.objects.filter(status__in=OPEN_GRANT)
        .filter(
            Q(employee__is_active=False)
            | Q(agreement__status__in=[AgreementStatus.ENDED, AgreementStatus.DECLINED])
        )
        .order_by("pk")
    )
    return sum(
        services.grant_settle(grant=grant, source="run_due_jobs") is not None for grant in due
    )


def grant_access_before_start(today: dt.date) -> int:
    """The access of consented agreements whose access day has come (start date less
    the policy's lead days) is requested and, with auto-grant, granted, so that the
    agreement can become active on its start date. Returns how many grants it
    activated; a second run finds them active."""
    from rathausmobil.agreements.models import Agreement, AgreementStatus

    if not selectors.access_managed():
        return 0
    horizon = today + dt.timedelta(days=AccessPolicy.current().lead_days)
    due = (
        Agreement.objects.filter(
            status__in=[AgreementStatus.PENDING, AgreementStatus.AGREED],
            accepted_at__isnull=False,
            employee__is_active=True,
            start_date__lte=horizon,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .order_by("start_date", "pk")
    )
    return sum(services.access_grant_due(agreement=a, today=today) for a in due)


JOBS = [
    ("Zugänge ohne Grundlage entzogen oder übertragen", settle_grants_without_basis),
    ("Zugänge vor Beginn der Vereinbarung erteilt", grant_access_before_start),
]

"""The monthly report by mail: who subscribes, and the run that makes and mails the PDFs.

On the first working day of a month (Monday to Friday; the application knows no public
holidays) the daily job enqueues `monthly_reports_task` (Django's tasks API, run by
`db_worker`, so that making PDFs never runs inside a request or holds up the other daily
jobs). The task makes each subscriber's report as of the last day of the month before,
with the figures that person may read (the rule of 5 for them), and mails it as a PDF.

A delivery row is written before the mail leaves: a second run in the same month (the
job twice, a worker restarted) sends nothing twice. A mail that fails keeps its error on
the row and is tried again by the next run that month. Someone who may no longer make
the report (a role taken away) gets nothing, and their subscription ends.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from rathausmobil.core.audit import audit_event
from rathausmobil.core.dates import german_date
from rathausmobil.core.errors import DomainError, NotAllowed
from rathausmobil.reports.documents.registry import REPORTS
from rathausmobil.reports.documents.render import render_pdf
from rathausmobil.reports.models import ReportDelivery, ReportSubscription

log = logging.getLogger(__name__)

MONTHLY_REPORTS = ("lagebericht",)  # the reports offered by mail


def first_working_day(month: dt.date) -> dt.date:
    """The first Monday to Friday of `month`'s month."""
    day = month.replace(day=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def subscription_start(*, user, report: str = "lagebericht") -> ReportSubscription:
    """`user` receives `report` every month from now on (again: nothing changes)."""
    kind = REPORTS.get(report)
    if report not in MONTHLY_REPORTS or kind is None:
        raise DomainError(_("Diesen Bericht gibt es nicht im Abonnement."), code="invalid")
    if not kind.may_make(user):
        raise NotAllowed(_("Diesen Bericht dürfen Sie nicht erhalten."))
    if not user.email:
        raise DomainError(
            _(
                "Für Ihr Benutzerkonto ist keine E-Mail-Adresse hinterlegt. Bitte wenden Sie "
                "sich an das Personalamt."
            ),
            code="invalid",
        )
    with transaction.atomic():
        subscription, created = ReportSubscription.objects.get_or_create(user=user, report=report)
        if created:
            audit_event(
                actor=user,
                action="report_subscribe",
                obj=subscription,
                label=str(kind.label),
                source="web",
            )
    return subscription


def subscription_end(*, user, report: str = "lagebericht", reason: str = "") -> bool:
    """`user` receives `report` no more; False if there was no subscription."""
    with transaction.atomic():
        subscription = ReportSubscription.objects.filter(user=user, report=report).first()
        if subscription is None:
            return False
        audit_event(
            actor=user,
            action="report_unsubscribe",
            obj=subscription,
            label=report,
            reason=reason,
        )
        subscription.delete()
    return True


def monthly_reports_send(*, today: dt.date | None = None) -> dict[str, int]:
    """Make and mail every subscriber's report of the month before `today`; returns how
    many were sent, failed, ended (no longer allowed) and already sent."""
    today = today or timezone.localdate()
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    on = today.replace(day=1) - dt.timedelta(days=1)
    counts = {"sent": 0, "failed": 0, "ended": 0, "done": 0}
    subscriptions = ReportSubscription.objects.select_related("user", "unit").order_by("pk")
    for subscription in subscriptions:
        kind = REPORTS.get(subscription.report)
        user = subscription.user
        if kind is None or not user.is_active or not kind.may_make(user):
            subscription_end(
                user=user, report=subscription.report, reason=_("keine Berechtigung mehr")
            )
            counts["ended"] += 1
            continue
        delivery = _claim(subscription, month)
        if delivery is None:
            counts["done"] += 1
            continue
        try:
            _mail(subscription, kind, on=on)
        except Exception as error:  # one failed mail must not stop the others
            log.exception("monthly report %s for user %s failed", subscription.report, user.pk)
            ReportDelivery.objects.filter(pk=delivery.pk).update(error=str(error)[:2000])
            counts["failed"] += 1
            continue
        ReportDelivery.objects.filter(pk=delivery.pk).update(sent_at=timezone.now(), error="")
        counts["sent"] += 1
    return counts


def _claim(subscription: ReportSubscription, month: dt.date) -> ReportDelivery | None:
    """This month's delivery row, taken by this run; None when it was sent already."""
    try:
        with transaction.atomic():
            return ReportDelivery.objects.create(subscription=subscription, month=month)
    except IntegrityError:
        delivery = ReportDelivery.objects.get(subscription=subscription, month=month)
        return None if delivery.sent_at else delivery


def _mail(subscription: ReportSubscription, kind, *, on: dt.date) -> None:
    user = subscription.user
    with override(settings.LANGUAGE_CODE):
        report = kind.make(viewer=user, on=on, unit=subscription.unit)
        pdf = render_pdf(report, landscape=kind.landscape)
        subject = _("%(report)s, Stand %(day)s") % {
            "report": kind.label,
            "day": german_date(on),
        }
        body = _(
            "Guten Tag,\n\nanbei der %(report)s mit dem Stand vom %(day)s, berechnet aus den "
            "Daten von Rathaus Mobil.\n\nSie erhalten ihn, weil Sie ihn monatlich bestellt "
            "haben. Abbestellen können Sie ihn in Rathaus Mobil unter Auswertungen > "
            "Berichte.\n"
        ) % {"report": kind.label, "day": german_date(on)}
    message = EmailMessage(subject=subject, body=body, to=[user.email])
    message.attach(f"{kind.name}-{on.isoformat()}.pdf", pdf, "application/pdf")
    message.send()


def monthly_reports_due(today: dt.date) -> int:
    """The daily job: on the first working day of the month, hand the run to a worker.
    Returns 1 when it enqueued the run, else 0 (the worker's run is idempotent)."""
    if today != first_working_day(today) or not ReportSubscription.objects.exists():
        return 0
    from rathausmobil.reports.tasks import monthly_reports_task

    transaction.on_commit(lambda: monthly_reports_task.enqueue(today.isoformat()))
    return 1

"""The monthly Lagebericht by mail: ordered on its page, made on the first working day
by a background worker as of the month's last day, with the reader's figures; never sent
twice in a month, and never to someone who may no longer read it."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from rathausmobil.core.models import AuditEvent
from rathausmobil.organisation.models import RoleAssignment
from rathausmobil.reports.mailing import (
    first_working_day,
    monthly_reports_due,
    monthly_reports_send,
    subscription_start,
)
from rathausmobil.reports.models import ReportDelivery, ReportSubscription

MONDAY = dt.date(2026, 11, 2)  # the first working day of November 2026


def test_the_first_working_day_skips_the_weekend():
    assert first_working_day(dt.date(2026, 8, 15)) == dt.date(2026, 8, 3)  # 1 August: Saturday
    assert first_working_day(dt.date(2026, 11, 20)) == MONDAY  # 1 November: Sunday
    assert first_working_day(dt.date(2026, 12, 7)) == dt.date(2026, 12, 1)


def test_the_mayor_orders_and_cancels_it_on_its_page(client, leadership):
    client.force_login(leadership)
    page = client.get(reverse("reports:subscription")).content.decode()
    assert "Monatlich per E-Mail bestellen" in page
    response = client.post(reverse("reports:subscription"), {"action": "start"}, follow=True)
    assert "Bestellt: Sie erhalten den Lagebericht ab dem" in response.content.decode()
    assert ReportSubscription.objects.filter(user=leadership, report="lagebericht").exists()
    client.post(reverse("reports:subscription"), {"action": "start"})  # a double click
    assert ReportSubscription.objects.count() == 1
    assert AuditEvent.objects.filter(action="report_subscribe").count() == 1

    client.post(reverse("reports:subscription"), {"action": "end"})
    assert not ReportSubscription.objects.exists()
    assert AuditEvent.objects.filter(action="report_unsubscribe").count() == 1


def test_who_may_not_read_it_may_not_order_it(client, employee, supervisor):
    for user in (employee, supervisor):
        client.force_login(user)
        assert client.get(reverse("reports:subscription")).status_code == 403
        assert client.post(reverse("reports:subscription"), {"action": "start"}).status_code == 403
    assert not ReportSubscription.objects.exists()


def test_without_an_address_the_page_says_whom_to_ask(client, leadership):
    leadership.email = ""
    leadership.save()
    client.force_login(leadership)
    response = client.post(reverse("reports:subscription"), {"action": "start"}, follow=True)
    assert "keine E-Mail-Adresse hinterlegt" in response.content.decode()
    assert not ReportSubscription.objects.exists()


def test_the_run_mails_each_subscriber_the_pdf_once_a_month(leadership, hr, employee):
    subscription_start(user=leadership)
    subscription_start(user=hr)
    assert monthly_reports_send(today=MONDAY) == {"sent": 2, "failed": 0, "ended": 0, "done": 0}
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert message.subject == "Lagebericht mobiles Arbeiten, Stand 31.10.2026"
    assert message.to == [leadership.email]
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == ("lagebericht-2026-10-31.pdf", "application/pdf")
    assert content[:5] == b"%PDF-"
    assert "Abbestellen" in message.body

    assert monthly_reports_send(today=MONDAY) == {"sent": 0, "failed": 0, "ended": 0, "done": 2}
    assert len(mail.outbox) == 2, "a second run in the same month must send nothing"
    assert ReportDelivery.objects.filter(sent_at__isnull=False).count() == 2


def test_a_subscriber_who_lost_the_role_gets_nothing_and_the_subscription_ends(leadership):
    subscription_start(user=leadership)
    RoleAssignment.objects.filter(user=leadership).delete()
    from rathausmobil.organisation.scoping import forget_scope

    forget_scope(leadership)
    assert monthly_reports_send(today=MONDAY)["ended"] == 1
    assert mail.outbox == []
    assert not ReportSubscription.objects.exists()


def test_a_failed_mail_is_kept_and_tried_again(leadership, monkeypatch):
    from rathausmobil.reports import mailing

    subscription_start(user=leadership)

    def broken(*args, **kwargs):
        raise OSError("Mailserver nicht erreichbar")

    monkeypatch.setattr(mailing.EmailMessage, "send", broken)
    assert monthly_reports_send(today=MONDAY)["failed"] == 1
    assert ReportDelivery.objects.get().error == "Mailserver nicht erreichbar"
    monkeypatch.undo()
    assert monthly_reports_send(today=MONDAY)["sent"] == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_the_daily_job_hands_the_run_to_the_real_worker_on_the_first_working_day(
    leadership, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    subscription_start(user=leadership)
    assert monthly_reports_due(MONDAY + dt.timedelta(days=1)) == 0
    assert monthly_reports_due(MONDAY) == 1
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.endswith("Stand 31.10.2026")


def test_the_lagebericht_and_the_list_of_reports_lead_to_the_order(client, leadership):
    client.force_login(leadership)
    for url in (reverse("reports:documents"), reverse("reports:document", args=["lagebericht"])):
        assert reverse("reports:subscription") in client.get(url).content.decode()

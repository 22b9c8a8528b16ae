"""Mail after commit: a mail server that fails leaves a log line for the operators and
leaves the person's action as it was, saved and answered as a success."""

import datetime as dt
import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

from rathausmobil.agreements import notifications, services
from rathausmobil.agreements.models import RequestStatus, WorkRequest
from rathausmobil.agreements.tests.conftest import pattern

BODY = "Vertraulicher Text, der nie in einem Protokoll stehen darf."


class RefusingBackend(BaseEmailBackend):
    """A mail server that answers every message with an error."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def mail_server_down(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"


def test_it_logs_a_mail_that_cannot_be_sent_without_its_body(
    mail_server_down, employee, supervisor, caplog, django_capture_on_commit_callbacks
):
    with (
        caplog.at_level(logging.ERROR, logger=notifications.__name__),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notifications.send(to=[employee, supervisor], subject="Bitte entscheiden", body=BODY)

    [record] = caplog.records
    assert record.getMessage() == "Mail not sent: 'Bitte entscheiden' to 2 recipient(s)"
    assert record.exc_info[0] is smtplib.SMTPServerDisconnected
    assert BODY not in caplog.text and employee.email not in caplog.text


def test_it_sends_as_before_when_the_server_answers(
    employee, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.send(to=[employee], subject="Bitte entscheiden", body=BODY)

    [message] = mail.outbox
    assert message.to == [employee.email] and BODY in message.body
    assert not caplog.records


@pytest.mark.django_db(transaction=True)
def test_it_keeps_a_submitted_request_when_its_mail_fails(
    mail_server_down, client, employee, supervisor, caplog
):
    """Committed for real: the mail is sent inside the request, after the service's commit."""
    request = services.request_create(
        by=employee, values=pattern(start_date=dt.date.today() + dt.timedelta(days=7))
    )
    client.force_login(employee)

    with caplog.at_level(logging.ERROR, logger=notifications.__name__):
        response = client.post(
            reverse("agreements:request_action", args=[request.pk, "einreichen"]), follow=True
        )

    assert response.status_code == 200
    assert "Ihr Antrag ist eingereicht." in response.content.decode()
    assert WorkRequest.objects.get(pk=request.pk).status == RequestStatus.SUBMITTED
    assert [r.getMessage() for r in caplog.records] == [
        "Mail not sent: 'Neuer Antrag auf mobiles Arbeiten' to 1 recipient(s)"
    ]

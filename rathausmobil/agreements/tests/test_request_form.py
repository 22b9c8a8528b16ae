"""The request form: only the chosen pattern's fields, the quota in days for this
person, no kind only the employer offers, and what "Ende offen" means."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from rathausmobil.agreements import services
from rathausmobil.agreements.models import RuleSettings, WorkKind, WorkRequest
from rathausmobil.agreements.tests.conftest import TODAY, pattern
from rathausmobil.core.dates import add_months
from rathausmobil.core.errors import DomainError
from rathausmobil.organisation.models import Employee

URL = reverse("agreements:request_new")


def form_data(**overrides):
    start = timezone.localdate() + dt.timedelta(days=14)
    data = {
        "kind": "alternating",
        "pattern_type": "weekdays",
        "weekdays": ["0", "2"],
        "working_days_per_week": "5",
        "share_percent": "",
        "start_date": start.isoformat(),
        "end_date": "",
        "text": "",
        "submit": "1",
    }
    data.update(overrides)
    return data


def test_it_offers_no_pandemic_kind_to_an_employee(client, employee):
    client.force_login(employee)
    body = client.get(URL).content.decode()
    assert 'value="alternating"' in body and 'value="telework"' in body
    assert 'value="pandemic"' not in body and "Pandemie-Angebot" not in body


def test_it_refuses_a_pandemic_kind_posted_by_hand(client, employee, supervisor):
    client.force_login(employee)
    response = client.post(URL, form_data(kind="pandemic"))
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not WorkRequest.objects.exists()


def test_it_refuses_a_pandemic_request_in_the_service(employee):
    with pytest.raises(DomainError) as refused:
        services.request_create(by=employee, values=pattern(kind=WorkKind.PANDEMIC), today=TODAY)
    assert refused.value.code == "employer_only"
    draft = services.request_create(by=employee, values=pattern(), today=TODAY)
    with pytest.raises(DomainError):
        services.request_update(
            request=draft, by=employee, values=pattern(kind=WorkKind.PANDEMIC), today=TODAY
        )
    draft.refresh_from_db()
    assert draft.kind == WorkKind.ALTERNATING


def test_it_refuses_a_pandemic_request_in_the_api(client, employee):
    client.force_login(employee)
    start = timezone.localdate() + dt.timedelta(days=14)
    response = client.post(
        "/api/v1/requests/",
        {
            "kind": "pandemic",
            "pattern_type": "weekdays",
            "weekdays": [0, 1, 2, 3, 4],
            "start_date": start.isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "employer_only"
    assert not WorkRequest.objects.exists()


def test_it_says_in_days_what_the_quota_means_for_this_person(client, employee):
    Employee.objects.filter(user=employee).update(weekly_hours=Decimal("39"))
    client.force_login(employee)
    body = client.get(URL).content.decode()
    assert "60 % von 39 Std. = höchstens 23,4 Std., also höchstens 3 von 5 Tagen" in body

    # After a submit with an error, for what was chosen (a share of 70 %).
    response = client.post(URL, form_data(pattern_type="share", share_percent="70", start_date=""))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Dieser Antrag: 70 % = 27,3 Std., also 3,5 von 5 Tagen." in body
    assert "Das liegt über dem Höchstanteil." in body


def test_it_counts_days_for_part_time_on_fewer_days(client, employee):
    Employee.objects.filter(user=employee).update(weekly_hours=Decimal("19.5"))
    client.force_login(employee)
    fragment = client.get(
        URL,
        {"pattern_type": "weekdays", "weekdays": ["1"], "working_days_per_week": "3"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "<html" not in fragment
    assert "60 % von 19,5 Std. = höchstens 11,7 Std., also höchstens 1 von 3 Tagen" in fragment
    assert "Dieser Antrag: 33,3 % = 6,5 Std., also 1 von 3 Tagen." in fragment
    assert "Das liegt im Höchstanteil." in fragment


def test_it_updates_the_quota_sentence_live_while_typing(client, employee):
    client.force_login(employee)
    fragment = client.get(
        URL,
        {"pattern_type": "share", "share_percent": "8", "working_days_per_week": "5"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "<html" not in fragment
    assert "Dieser Antrag: 8 % = 3,1 Std., also 0,4 von 5 Tagen." in fragment
    # A half-typed value is not an error, just nothing chosen yet.
    unfinished = client.get(
        URL, {"pattern_type": "share", "share_percent": "x"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "Wählen Sie Wochentage oder einen Anteil" in unfinished


def test_it_explains_an_open_end_before_submitting(client, employee):
    rules = RuleSettings.current()
    rules.max_term_months = 24
    rules.save()
    client.force_login(employee)
    body = client.get(URL).content.decode()
    assert "Ende offen heißt: Die Vereinbarung gilt höchstens 24 Monate ab Beginn." in body
    assert "eine neue Vereinbarung, der Sie wieder zustimmen" in body

    start = timezone.localdate() + dt.timedelta(days=30)
    fragment = client.get(
        URL, {"start_date": start.isoformat()}, headers={"HX-Request": "true"}
    ).content.decode()
    latest = add_months(start, 24) - dt.timedelta(days=1)
    assert f"Ohne Ende gilt die Vereinbarung bis längstens {latest:%d.%m.%Y}." in fragment


def test_it_shows_only_the_chosen_patterns_fields(client, employee):
    client.force_login(employee)
    body = client.get(URL).content.decode()
    # The fields of each pattern sit in a block that the page shows for that pattern
    # only (static/js/forms.js); without JavaScript both stay usable.
    weekdays = body.split('data-show-when="pattern_type=weekdays"')[1].split("</fieldset>")[0]
    assert 'name="weekdays"' in weekdays and 'name="share_percent"' not in weekdays
    share = body.split('data-show-when="pattern_type=share"')[1].split("</div>\n</div>")[0]
    assert 'name="share_percent"' in share and 'name="weekdays"' not in share


def test_it_submits_a_request_and_leads_to_it(client, employee, supervisor):
    client.force_login(employee)
    response = client.post(URL, form_data())
    request = WorkRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("agreements:request_detail", args=[request.pk])
    assert request.status == "submitted" and request.weekdays == [0, 2]

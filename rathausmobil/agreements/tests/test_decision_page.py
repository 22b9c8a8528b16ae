"""The head's decision page: the basis of the decision (eligibility, quota, the unit's
week, devices and access), two paths with only their own fields, and errors marked at
the field with a summary that links to them."""

import datetime as dt
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from rathausmobil.agreements.models import RequestStatus, WorkRequest
from rathausmobil.agreements.tests.conftest import JUSTIFICATION, pattern
from rathausmobil.eligibility.services import assessment_create
from rathausmobil.organisation.models import Employee
from rathausmobil.organisation.tests.factories import EmployeeFactory, UserFactory

VOID = {"input", "br", "img", "meta", "link", "hr", "col", "source", "wbr", "area"}


class _Elements(HTMLParser):
    """Every element with an id: its attributes and its text."""

    def __init__(self):
        super().__init__()
        self.found: dict[str, dict] = {}
        self.open: list[tuple[str, dict | None]] = []

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        entry = None
        if "id" in attrs:
            entry = self.found.setdefault(attrs["id"], {"tag": tag, "attrs": attrs, "text": ""})
        if tag not in VOID:
            self.open.append((tag, entry))

    def handle_endtag(self, tag):
        while self.open:
            open_tag, _entry = self.open.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        for _tag, entry in self.open:
            if entry is not None:
                entry["text"] += " " + data


def elements(body: str) -> dict[str, dict]:
    parser = _Elements()
    parser.feed(body)
    return parser.found


def text(body: str, element_id: str) -> str:
    return " ".join(elements(body)[element_id]["text"].split())


def page_url(request) -> str:
    return reverse("agreements:request_detail", args=[request.pk])


def decide_url(request) -> str:
    return reverse("agreements:request_action", args=[request.pk, "entscheiden"])


@pytest.fixture
def assessed(employee, supervisor):
    position = Employee.objects.get(user=employee).position
    return assessment_create(
        position=position,
        by=supervisor,
        shares={"E1": 30},
        reasons="Beratung am Schalter an einem Tag pro Woche, sonst Aktenarbeit.",
        today=timezone.localdate(),
    )


def test_it_shows_the_basis_of_the_decision(
    client,
    employee,
    colleague,
    stranger,
    outsider,
    supervisor,
    assessed,
    make_request,
    make_agreement,
):
    # A colleague of the same unit is at home on Monday and Friday; a person of
    # another unit on Monday, Wednesday and Thursday (counts nowhere, never named).
    make_agreement("active", user=colleague, values=pattern(weekdays=[0, 4]))
    make_agreement("pending", user=stranger, decider=outsider, values=pattern(weekdays=[0, 2, 3]))
    request = make_request("submitted", values=pattern(weekdays=[0, 2]))
    client.force_login(supervisor)

    body = client.get(page_url(request)).content.decode()

    # The position's eligibility.
    assert text(body, "basis-result") == "teilweise geeignet"
    assert "70 %" in body and "E1 30 %" in body
    assert "Beratung am Schalter an einem Tag pro Woche" in body
    assert assessed.assessed_on.strftime("%d.%m.%Y") in body
    # The quota arithmetic for a 39-hour week.
    quota = text(body, "basis-quota-text")
    assert "60 % von 39 Std. = höchstens 23,4 Std., also höchstens 3 von 5 Tagen" in quota
    assert "Dieser Antrag: 40 % = 15,6 Std., also 2 von 5 Tagen." in quota
    assert "Das liegt im Höchstanteil." in quota
    # The unit's other home days: only the colleague of A1 counts.
    week = text(body, "unit-week")
    assert re.search(r"Montag 1 beantragt", week)
    assert re.search(r"Dienstag 0 nicht beantragt", week)
    assert re.search(r"Mittwoch 0 beantragt", week)
    assert re.search(r"Freitag 1 nicht beantragt", week)
    assert "Stranger" not in body and "Abteilung B1" not in body
    # Devices, access and the pledge as the other apps answer for this person.
    prerequisites = text(body, "basis-prerequisites")
    assert "fehlt noch Gültige Datenschutzerklärung" in prerequisites


def test_it_says_when_the_position_is_not_assessed(client, supervisor, make_request):
    request = make_request("submitted")
    client.force_login(supervisor)
    body = client.get(page_url(request)).content.decode()
    assert "ist noch nicht bewertet" in body
    position = request.employee.position
    assert reverse("eligibility:position_detail", args=[position.pk]) in body


def test_it_warns_about_a_share_above_the_quota_and_the_movable_share(
    client, supervisor, assessed, make_request
):
    request = make_request("submitted", values=pattern(weekdays=[0, 1, 2, 3]))
    client.force_login(supervisor)
    body = client.get(page_url(request)).content.decode()
    assert "Das liegt über dem Höchstanteil." in text(body, "basis-quota-text")
    assert "Beantragt sind 80 %, mobil möglich sind laut Bewertung 70 %" in body
    # Only now does the approve path ask for the exception's reason.
    assert 'name="quota_exception_reason"' in body


def test_it_shows_each_path_with_only_its_own_fields(client, supervisor, make_request):
    request = make_request("submitted")
    client.force_login(supervisor)
    body = client.get(page_url(request)).content.decode()
    approve, refuse = body.split('id="weg-genehmigen"')[1].split('id="weg-ablehnen"')
    assert 'name="comment"' in approve and 'name="reason_codes"' not in approve
    assert 'name="quota_exception_reason"' not in approve  # within the quota
    assert 'name="reason_codes"' in refuse and 'name="comment"' not in refuse
    assert "R4 Papierakten noch nicht digitalisiert (vorübergehend)" in refuse
    # Neither is open until the head chooses; a link may open one.
    assert "open" not in elements(body)["weg-ablehnen"]["attrs"]
    opened = client.get(page_url(request) + "?weg=ablehnen").content.decode()
    assert "open" in elements(opened)["weg-ablehnen"]["attrs"]
    assert "open" not in elements(opened)["weg-genehmigen"]["attrs"]


def test_it_marks_the_fields_of_a_refusal_without_reason(client, supervisor, make_request):
    request = make_request("submitted")
    client.force_login(supervisor)

    response = client.post(decide_url(request), {"decision": "reject"})

    assert response.status_code == 200
    body = response.content.decode()
    found = elements(body)
    # Each field says it is invalid and names its message.
    first_code = found["id_reason_codes_0"]["attrs"]
    assert first_code["aria-invalid"] == "true"
    assert first_code["aria-describedby"] == "id_reason_codes_errors"
    assert "mindestens einen Grund (R1 bis R8)" in text(body, "id_reason_codes_errors")
    justification = found["id_justification"]["attrs"]
    assert justification["aria-invalid"] == "true"
    assert "id_justification_errors" in justification["aria-describedby"].split()
    assert "schriftlich begründet" in text(body, "id_justification_errors")
    # The summary at the top takes the focus and links to the fields.
    summary = found["form-errors"]["attrs"]
    assert summary["role"] == "alert" and summary["tabindex"] == "-1"
    assert "autofocus" in summary
    assert 'href="#id_reason_codes_0"' in body and 'href="#id_justification"' in body
    # The refusal path stays open; nothing changed.
    assert "open" in found["weg-ablehnen"]["attrs"]
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert not request.history.filter(action="reject").exists()


def test_it_asks_for_a_review_date_only_for_a_temporary_reason(client, supervisor, make_request):
    request = make_request("submitted")
    client.force_login(supervisor)
    body = client.post(
        decide_url(request),
        {"decision": "reject", "reason_codes": ["R4"], "justification": JUSTIFICATION},
    ).content.decode()
    assert elements(body)["id_review_date"]["attrs"]["aria-invalid"] == "true"
    assert "vorübergehend" in text(body, "id_review_date_errors")
    assert "id_reason_codes_errors" not in elements(body)

    later = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    response = client.post(
        decide_url(request),
        {
            "decision": "reject",
            "reason_codes": ["R2"],
            "justification": JUSTIFICATION,
            "review_date": later,
        },
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.REJECTED
    assert request.review_date is None  # R2 is not temporary


def test_it_marks_the_missing_exception_reason_when_approving_above_the_quota(
    client, supervisor, make_request
):
    request = make_request("submitted", values=pattern(weekdays=[0, 1, 2, 3]))
    client.force_login(supervisor)
    body = client.post(decide_url(request), {"decision": "approve"}).content.decode()
    field = elements(body)["id_quota_exception_reason"]["attrs"]
    assert field["aria-invalid"] == "true"
    assert "übersteigt den Höchstanteil" in text(body, "id_quota_exception_reason_errors")
    assert "open" in elements(body)["weg-genehmigen"]["attrs"]
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_it_approves_on_the_approve_path(client, supervisor, make_request):
    request = make_request("submitted")
    client.force_login(supervisor)
    response = client.post(
        decide_url(request), {"decision": "approve", "comment": "Gerne, viel Erfolg."}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    assert request.justification == "Gerne, viel Erfolg."


def test_it_shows_no_decision_to_the_employee(client, employee, make_request):
    request = make_request("submitted")
    client.force_login(employee)
    body = client.get(page_url(request)).content.decode()
    assert "Grundlage der Entscheidung" not in body and "weg-ablehnen" not in body
    assert "höchstens 3 von 5 Tagen" in body  # her own quota, in days


def test_it_keeps_the_decision_page_queries_flat(
    client, org, supervisor, make_request, django_assert_max_num_queries
):
    request = make_request("submitted")
    client.force_login(supervisor)

    def add_colleagues(start, count):
        for n in range(start, start + count):
            user = UserFactory(username=f"kollege{n}")
            EmployeeFactory(unit=org["A1"], user=user, weekly_hours=Decimal("30"))
            from rathausmobil.agreements import services
            from rathausmobil.agreements.tests.conftest import TODAY

            other = services.request_create(by=user, values=pattern(weekdays=[n % 5]), today=TODAY)
            other = services.request_submit(request=other, by=user, today=TODAY)
            services.request_approve(request=other, by=supervisor, today=TODAY)

    add_colleagues(0, 2)
    with django_assert_max_num_queries(60) as few:
        client.get(page_url(request))
    add_colleagues(2, 10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(page_url(request)).content.decode()
    assert WorkRequest.objects.filter(status=RequestStatus.APPROVED).count() == 12
    assert re.search(r"Montag 3 beantragt", text(body, "unit-week"))

"""Pages of the workflow: permissions, guessed ids, fragments, query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils.timezone import localdate

from rathausmobil.agreements import services
from rathausmobil.agreements.models import AgreementStatus, WorkRequest
from rathausmobil.core.tests.readback import pdf_info, pdf_text
from rathausmobil.eligibility.services import assessment_create
from rathausmobil.organisation.models import Employee
from rathausmobil.organisation.tests.factories import EmployeeFactory, UserFactory

TODAY = dt.date.today()
VALUES = {
    "kind": "alternating",
    "pattern_type": "weekdays",
    "weekdays": [0, 2],
    "start_date": TODAY + dt.timedelta(days=7),
}


@pytest.fixture
def submitted(employee, supervisor):
    request = services.request_create(by=employee, values=VALUES)
    services.request_submit(request=request, by=employee)
    return request


@pytest.mark.parametrize(
    "viewer,status",
    [
        ("employee", 200),
        ("supervisor", 200),
        ("amt_head", 200),
        ("hr", 200),
        ("outsider", 404),
        ("colleague", 404),
        ("it", 404),
        ("dpo", 404),
        ("leadership", 404),
        ("staff_council", 404),
    ],
)
def test_it_answers_guessed_request_ids_with_404(client, request, submitted, viewer, status):
    client.force_login(request.getfixturevalue(viewer))
    response = client.get(reverse("agreements:request_detail", args=[submitted.pk]))
    assert response.status_code == status


def test_it_never_shows_it_a_justification(client, submitted, supervisor, it, hr):
    services.request_reject(
        request=submitted,
        by=supervisor,
        reason_codes=["R2"],
        justification="Die Mindestbesetzung im Sachgebiet ist derzeit nicht gesichert.",
    )
    client.force_login(it)
    for url in (
        reverse("agreements:request_detail", args=[submitted.pk]),
        reverse("agreements:overview"),
        reverse("agreements:refusals"),
        "/api/v1/requests/",
        f"/api/v1/requests/{submitted.pk}/",
    ):
        response = client.get(url)
        assert "Mindestbesetzung im Sachgebiet" not in response.content.decode(), url


def test_it_shows_the_staff_council_refusals_with_reasons(
    client, submitted, supervisor, staff_council
):
    services.request_reject(
        request=submitted,
        by=supervisor,
        reason_codes=["R2"],
        justification="Die Mindestbesetzung im Sachgebiet ist derzeit nicht gesichert.",
    )
    client.force_login(staff_council)
    body = client.get(reverse("agreements:refusals")).content.decode()
    assert "Mindestbesetzung im Sachgebiet" in body


def test_it_keeps_an_outsider_from_deciding(client, submitted, outsider):
    client.force_login(outsider)
    response = client.post(
        reverse("agreements:request_action", args=[submitted.pk, "entscheiden"]),
        {"decision": "approve"},
    )
    assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_it_explains_a_refusal_without_reasons_and_changes_nothing(client, submitted, supervisor):
    client.force_login(supervisor)
    response = client.post(
        reverse("agreements:request_action", args=[submitted.pk, "entscheiden"]),
        {"decision": "reject"},
    )
    assert response.status_code == 200
    assert "mindestens einen Grund" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_it_lets_the_supervisor_approve_from_the_page(client, submitted, supervisor):
    client.force_login(supervisor)
    client.post(
        reverse("agreements:request_action", args=[submitted.pk, "entscheiden"]),
        {"decision": "approve"},
    )
    submitted.refresh_from_db()
    assert submitted.status == "approved"
    assert submitted.agreement.status == AgreementStatus.PENDING


def test_it_shows_the_inbox_overdue_first(client, employee, colleague, supervisor):
    for user, submitted_on in (
        (employee, TODAY - dt.timedelta(days=2)),
        (colleague, TODAY - dt.timedelta(days=40)),
    ):
        request = services.request_create(
            by=user, values=VALUES, today=TODAY - dt.timedelta(days=50)
        )
        services.request_submit(request=request, by=user, today=submitted_on)
    client.force_login(supervisor)
    body = client.get(reverse("agreements:inbox")).content.decode()
    assert body.index("Colleague") < body.index("Employee")
    assert "überfällig" in body


@pytest.mark.parametrize("viewer", ["employee", "it", "dpo"])
def test_it_keeps_the_inbox_and_rules_from_others(client, request, viewer):
    client.force_login(request.getfixturevalue(viewer))
    assert client.get(reverse("agreements:inbox")).status_code == 403
    assert client.get(reverse("agreements:rules")).status_code == 403


def test_it_lets_hr_change_the_rules_with_history(client, hr):
    from rathausmobil.agreements.models import RuleSettings
    from rathausmobil.core.models import AuditEvent

    client.force_login(hr)
    data = {
        "home_quota_percent": 50,
        "decision_deadline_days": 21,
        "trial_months": 6,
        "max_term_months": 36,
        "employee_notice_weeks": 4,
        "employer_notice_months": 3,
        "expiry_reminder_days": 60,
        "retention_refused_years": 3,
        "retention_after_exit_years": 3,
    }
    client.post(reverse("agreements:rules"), data)
    assert RuleSettings.current().home_quota_percent == 50
    assert AuditEvent.objects.filter(action="Regeln geändert").exists()


def test_it_renders_the_overview_fragment_for_htmx(client, hr, submitted):
    client.force_login(hr)
    fragment = client.get(
        reverse("agreements:overview"), headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in fragment and 'id="results"' in fragment


def test_it_keeps_the_overview_query_count_flat(
    client, hr, org, dpo, django_assert_max_num_queries
):
    client.force_login(hr)
    url = reverse("agreements:overview")

    def add(n):
        user = UserFactory(username=f"flat{n}")
        EmployeeFactory(unit=org["A1"], user=user)
        services.request_create(by=user, values=VALUES)

    add(99)
    with django_assert_max_num_queries(20) as first:
        client.get(url)
    for n in range(14):
        add(n)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(url).status_code == 200
    assert WorkRequest.objects.count() == 15


def test_it_exports_the_pandemic_documentation(client, hr, supervisor, employee, colleague):
    period = services.pandemic_period_set(
        by=hr,
        start_date=TODAY - dt.timedelta(days=1),
        end_date=TODAY + dt.timedelta(days=30),
        legal_basis="Corona-ArbSchV",
    )
    documented, undocumented = (
        Employee.objects.get(user=u).position for u in (employee, colleague)
    )
    for position in (documented, undocumented):
        assessment_create(position=position, by=supervisor, shares={}, reasons="")
    reason = "Mindestbesetzung der Leitstelle rund um die Uhr vor Ort."
    services.pandemic_gap_document(period=period, position=documented, by=supervisor, reason=reason)
    client.force_login(hr)

    csv = client.get(reverse("agreements:pandemic_export", args=["csv"]))
    assert csv["Content-Type"].startswith("text/csv")
    header, *rows = b"".join(csv.streaming_content).decode("utf-8-sig").splitlines()
    assert header.startswith("Organisationseinheit;Stellennummer;Stellenbezeichnung")
    assert sorted(row.split(";")[1:5:3] for row in rows) == sorted(
        [[documented.number, reason], [undocumented.number, "FEHLT"]]
    )

    pdf = client.get(reverse("agreements:pandemic_export", args=["pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith(
        'attachment; filename="homeoffice-angebotspflicht-'
    )
    assert pdf_info(pdf.content)["Tagged"] == "yes"
    text = pdf_text(pdf.content)
    assert text.startswith("Dokumentation der Homeoffice-Angebotspflicht")
    assert (
        f"Rechtsgrundlage: Corona-ArbSchV; Zeitraum: {period.start_date:%d.%m.%Y} bis "
        f"{period.end_date:%d.%m.%Y}"
    ) in text
    assert "(§ 22 ArbSchG)" in text
    assert "A1 Abteilung A1 Stelle Bezeichnung Grund dokumentiert" in text
    assert f"{documented.number} {documented.title} {reason} {localdate():%d.%m.%Y}" in text
    assert f"{undocumented.number} {undocumented.title} Grund fehlt" in text


def test_it_filters_the_overview_like_the_api_with_its_german_names(
    client, hr, employee, stranger, submitted
):
    from rest_framework.test import APIClient

    other = services.request_create(by=stranger, values={**VALUES, "kind": "occasional"})
    api = APIClient()
    api.force_authenticate(hr)
    client.force_login(hr)

    def page(**params):
        body = client.get(reverse("agreements:overview"), params).content.decode()
        return {
            r.pk
            for r in (submitted, other)
            if reverse("agreements:request_detail", args=[r.pk]) in body
        }

    def listed(**params):
        return {row["id"] for row in api.get("/api/v1/requests/", params).json()["results"]}

    assert page(art="occasional") == listed(kind="occasional") == {other.pk}
    assert page(einheit="A") == listed(unit="A") == {submitted.pk}  # A1 lies below A
    assert page(status="draft", einheit="B") == listed(status="draft", unit="B") == {other.pk}
    assert page(einheit="NIRGENDS") == listed(unit="NIRGENDS") == set()
    # On the page a filter answers to its German name; the English one changes nothing.
    assert page(kind="occasional") == {submitted.pk, other.pk}


def test_it_lets_the_head_offer_mobile_work_from_the_page(client, employee, supervisor):
    from rathausmobil.agreements.models import Offer, OfferStatus

    person = Employee.objects.get(user=employee)
    url = reverse("agreements:offer_new", args=[person.pk])
    client.force_login(supervisor)
    page = client.get(url).content.decode()
    assert 'data-show-when="pattern_type=weekdays"' in page
    assert 'data-show-when="pattern_type=share"' in page
    start = localdate() + dt.timedelta(days=14)
    data = {
        "kind": "alternating",
        "pattern_type": "weekdays",
        "weekdays": ["0", "1"],
        "working_days_per_week": "5",
        "start_date": start.isoformat(),
        "text": "Gern zwei Tage zu Hause.",
    }
    response = client.post(url, data)
    offer = Offer.objects.get(employee=person)
    assert response.status_code == 302
    assert response["Location"] == reverse("agreements:offer_detail", args=[offer.pk])
    assert offer.status == OfferStatus.OFFERED and offer.weekdays == [0, 1]


def test_it_asks_for_the_reason_of_an_offer_above_the_quota_and_changes_nothing(
    client, employee, supervisor
):
    from rathausmobil.agreements.models import Offer

    person = Employee.objects.get(user=employee)
    url = reverse("agreements:offer_new", args=[person.pk])
    client.force_login(supervisor)
    data = {
        "kind": "alternating",
        "pattern_type": "weekdays",
        "weekdays": ["0", "1", "2", "3", "4"],
        "working_days_per_week": "5",
        "start_date": (localdate() + dt.timedelta(days=14)).isoformat(),
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Höchstanteil" in response.content.decode()
    assert not Offer.objects.filter(employee=person).exists()
    data["quota_exception_reason"] = "Pflege eines Angehörigen, ärztlich bescheinigt für ein Jahr."
    assert client.post(url, data).status_code == 302
    assert Offer.objects.get(employee=person).quota_exception_reason.startswith("Pflege")

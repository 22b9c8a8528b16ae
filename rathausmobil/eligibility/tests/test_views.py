import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rathausmobil.eligibility.models import PositionAssessment
from rathausmobil.eligibility.services import assessment_create
from rathausmobil.organisation.tests.factories import EmployeeFactory, PositionFactory

OVERVIEW = reverse("eligibility:overview")


def detail_url(position):
    return reverse("eligibility:position_detail", args=[position.pk])


def assess(position, shares, review_date=None, today=None):
    return assessment_create(
        position=position,
        by=None,
        shares=shares,
        reasons="Persönliche Vorsprachen im Amt.",
        review_date=review_date,
        today=today,
        system=True,
    )


def form_data(reasons="", review_date="", **shares):
    data = {f"share_e{n}": "0" for n in range(1, 8)}
    data.update({f"share_{code.lower()}": str(value) for code, value in shares.items()})
    return data | {"reasons": reasons, "review_date": review_date}


def test_it_redirects_anonymous_visitors_to_the_login(client, db):
    assert client.get(OVERVIEW).status_code == 302


def test_it_shows_a_supervisor_the_positions_of_their_units(
    client, supervisor, position, b1_position
):
    assess(position, {"E1": 40})
    client.force_login(supervisor)
    body = client.get(OVERVIEW).content.decode()
    assert position.number in body
    assert b1_position.number not in body
    assert "teilweise geeignet" in body
    assert '<th scope="col">' in body


def test_it_shows_an_employee_only_their_own_position(
    client, employee, position, colleague, b1_position
):
    client.force_login(employee)
    body = client.get(OVERVIEW).content.decode()
    assert position.number in body
    assert b1_position.number not in body
    assert "1 Stelle" in body


@pytest.mark.parametrize("role", ["it", "leadership", "dpo", "staff_council"])
def test_it_shows_aggregate_roles_no_foreign_positions(
    client, request, role, position, b1_position
):
    client.force_login(request.getfixturevalue(role))
    body = client.get(OVERVIEW).content.decode()
    assert position.number not in body and b1_position.number not in body


def test_it_filters_by_result_and_unit_with_counts(client, hr, org, position, b1_position):
    assess(position, {"E1": 40})
    vacant = PositionFactory(unit=org["B"], number="S-VAKANT")
    client.force_login(hr)
    body = client.get(OVERVIEW, {"result": "partial"}).content.decode()
    assert position.number in body and b1_position.number not in body
    body = client.get(OVERVIEW, {"result": "none"}).content.decode()
    assert position.number not in body and vacant.number in body and b1_position.number in body
    body = client.get(OVERVIEW, {"unit": "B"}).content.decode()
    assert position.number not in body and vacant.number in body
    assert "2 Stellen" in body  # B1's position and the vacant one


def test_it_marks_and_filters_reviews_due(client, hr, position, b1_position):
    assess(position, {"E5": 20}, review_date=dt.date(2021, 6, 30), today=dt.date(2021, 1, 15))
    client.force_login(hr)
    body = client.get(OVERVIEW).content.decode()
    assert "fällig" in body and "30.06.2021" in body
    body = client.get(OVERVIEW, {"due": "on"}).content.decode()
    assert position.number in body and b1_position.number not in body


def test_it_renders_the_results_fragment_for_htmx(client, hr, position):
    client.force_login(hr)
    fragment = client.get(OVERVIEW, {"q": position.number}, headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert "<html" not in body and 'id="results"' in body and position.number in body


def test_it_keeps_the_overview_query_count_flat(client, hr, org, django_assert_max_num_queries):
    def add_rows(n):
        for _ in range(n):
            position = PositionFactory(unit=org["A1"])
            EmployeeFactory(unit=org["A1"], position=position)
            assess(position, {"E1": 30})

    add_rows(2)
    client.force_login(hr)
    client.get(OVERVIEW)  # warm up (session, content types)
    with django_assert_max_num_queries(12) as few:
        assert client.get(OVERVIEW).status_code == 200
    add_rows(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(OVERVIEW).content.decode()
    assert body.count("teilweise geeignet") >= 32


def test_it_paginates(client, hr, org):
    for _ in range(55):
        PositionFactory(unit=org["A1"])
    client.force_login(hr)
    body = client.get(OVERVIEW).content.decode()
    assert "Seite 1 von 2" in body
    assert "Seite 2 von 2" in client.get(OVERVIEW, {"page": 2}).content.decode()


@pytest.mark.parametrize(
    "role,target",
    [
        ("outsider", "position"),  # A1's position, outside B1
        ("employee", "b1_position"),
        ("colleague", "position"),  # a colleague's position in the same unit
        ("it", "position"),
        ("leadership", "position"),
    ],
)
def test_it_answers_404_for_a_guessed_position_id(client, request, role, target):
    user = request.getfixturevalue(role)
    target = request.getfixturevalue(target)
    client.force_login(user)
    assert client.get(detail_url(target)).status_code == 404
    assert client.post(detail_url(target), form_data()).status_code == 404
    assert client.get(reverse("eligibility:position_detail", args=[999999])).status_code == 404


def test_it_shows_an_employee_their_assessment_without_a_form(client, employee, position):
    assess(position, {"E1": 40})
    client.force_login(employee)
    body = client.get(detail_url(position)).content.decode()
    assert "teilweise geeignet" in body and "Persönliche Vorsprachen im Amt." in body
    assert "Bewertung speichern" not in body
    assert client.post(detail_url(position), form_data()).status_code == 403


def test_it_shows_hr_the_assessment_without_a_form(client, hr, position):
    client.force_login(hr)
    body = client.get(detail_url(position)).content.decode()
    assert "noch nicht bewertet" in body
    assert "Bewertung speichern" not in body


def test_it_shows_the_supervisor_a_labelled_form(client, supervisor, position):
    client.force_login(supervisor)
    body = client.get(detail_url(position)).content.decode()
    assert "Bewertung speichern" in body
    for n in range(1, 8):
        assert f'<label class="form-label fw-semibold" for="id_share_e{n}">E{n} ' in body
    assert 'for="id_reasons"' in body and 'for="id_review_date"' in body
    assert 'aria-describedby="id_share_e1_helptext"' in body
    assert 'id="id_share_e1_helptext"' in body


def test_it_saves_an_assessment_and_redirects(client, supervisor, position):
    client.force_login(supervisor)
    data = form_data(E1=40, E3=20, reasons="Schalterdienst mit Biometrie.")
    response = client.post(detail_url(position), data)
    assert response.status_code == 302 and response.url == detail_url(position)
    assessment = PositionAssessment.objects.get(position=position)
    assert assessment.result == "partial" and assessment.movable_share == 40
    body = client.get(response.url).content.decode()
    assert "Bewertung gespeichert: teilweise geeignet (40 % mobil möglich)." in body


def test_it_ignores_a_result_sent_by_the_form(client, supervisor, position):
    client.force_login(supervisor)
    data = form_data(E2=100, reasons="Außendienst.") | {
        "result": "eligible",
        "movable_share": "100",
    }
    client.post(detail_url(position), data)
    assert PositionAssessment.objects.get().result == "not_eligible"


def test_it_rerenders_the_form_with_the_missing_reasons_for_htmx(client, supervisor, position):
    client.force_login(supervisor)
    response = client.post(
        detail_url(position), form_data(E1=70, E4=30), headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="assessment"' in body
    assert "Bitte begründen Sie schriftlich" in body
    assert 'aria-invalid="true"' in body
    assert 'aria-describedby="id_reasons_helptext id_reasons_errors"' in body
    assert 'value="70"' in body  # the input is kept
    assert not PositionAssessment.objects.exists()


def test_it_rerenders_the_whole_page_without_htmx(client, supervisor, position):
    client.force_login(supervisor)
    response = client.post(detail_url(position), form_data(E5=20, reasons="Papierakten."))
    body = response.content.decode()
    assert response.status_code == 200 and "<html" in body
    assert "Überprüfungsdatum" in body and "E5 ist nur" in body


@pytest.mark.parametrize("value", ["-5", "101", "viel"])
def test_it_refuses_a_share_out_of_range_in_the_form(client, supervisor, position, value):
    client.force_login(supervisor)
    data = form_data(reasons="x") | {"share_e2": value}
    response = client.post(detail_url(position), data)
    assert response.status_code == 200
    assert 'id="id_share_e2_errors"' in response.content.decode()
    assert not PositionAssessment.objects.exists()


def test_it_refuses_a_past_review_date_in_the_form(client, supervisor, position):
    client.force_login(supervisor)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    data = form_data(E7=10, reasons="Scanner nur im Haus.", review_date=yesterday.isoformat())
    body = client.post(detail_url(position), data).content.decode()
    assert "muss in der Zukunft liegen" in body
    assert 'id="id_review_date_errors"' in body


def test_it_saves_through_htmx_and_shows_the_history(client, supervisor, position):
    assess(position, {"E1": 40})
    client.force_login(supervisor)
    response = client.post(
        detail_url(position),
        form_data(reasons="Neu bewertet: Termine jetzt per Video."),
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "Bewertung gespeichert: geeignet (100 % mobil möglich)." in body
    assert "Frühere Bewertungen" in body and "E1 40 %" in body
    assert PositionAssessment.objects.filter(position=position).count() == 2


def test_it_gives_the_own_position_no_form(client, supervisor, amt_head):
    from rathausmobil.organisation.models import Employee

    own = Employee.objects.get(user=supervisor).position
    client.force_login(supervisor)
    assert "Bewertung speichern" not in client.get(detail_url(own)).content.decode()
    client.force_login(amt_head)
    assert "Bewertung speichern" in client.get(detail_url(own)).content.decode()

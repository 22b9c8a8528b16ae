"""The staff council's refusals: legend, full justification, unit names, filters by
period, unit and reason, the CSV export under the same filters, paging, a fixed number
of queries, and the marker the start page counts new refusals from."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rathausmobil.agreements.models import RequestStatus, WorkKind, WorkRequest
from rathausmobil.agreements.tests.conftest import START
from rathausmobil.core.todos import last_seen
from rathausmobil.organisation.tests.factories import EmployeeFactory

URL = reverse("agreements:refusals")
EXPORT = reverse("agreements:refusals_export")
LONG = (
    "Im Sachgebiet sind derzeit zwei Stellen unbesetzt; die Mindestbesetzung von drei "
    "Personen vor Ort ist sonst nicht gesichert. Eine erneute Prüfung erfolgt, sobald "
    "die Nachbesetzung abgeschlossen ist, spätestens aber zum Ende des Quartals. ENDE."
)


@pytest.fixture
def refuse(org):
    """A refused request of a new person in `unit`, decided on `day`."""

    def make(unit="A1", *, day=dt.date(2024, 5, 2), codes=("R2",), text=LONG, name=None):
        person = EmployeeFactory(unit=org[unit], **({"last_name": name} if name else {}))
        decided = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
        return WorkRequest.objects.create(
            employee=person,
            kind=WorkKind.ALTERNATING,
            weekdays=[0],
            start_date=START,
            status=RequestStatus.REJECTED,
            decided_at=decided,
            reason_codes=list(codes),
            justification=text,
            review_date=day + dt.timedelta(days=90) if "R4" in codes else None,
        )

    return make


def test_it_explains_every_reason_code_and_marks_the_temporary_ones(client, staff_council):
    client.force_login(staff_council)
    body = client.get(URL).content.decode()
    for label in (
        "Persönlicher Kundenkontakt vor Ort",
        "Mindestbesetzung nicht gesichert",
        "Daten mit sehr hohem Schutzbedarf",
        "Papierakten noch nicht digitalisiert",
        "Ausstattung nicht verfügbar",
        "Einarbeitungszeit",
        "Häuslicher Arbeitsplatz ungeeignet",
        "Dokumentierte Leistungsbedenken",
    ):
        assert label in body
    assert body.count(">vorübergehend</span>") == 3
    legend = body.split("<dl")[1].split("</dl>")[0]
    assert "(vorübergehend)" not in legend  # said once, as the badge
    assert "R4, R5, R6" in body


def test_it_shows_the_whole_justification_and_the_unit_by_code_and_name(
    client, staff_council, refuse
):
    refuse("A1", codes=("R2", "R4"))
    client.force_login(staff_council)
    body = client.get(URL).content.decode()
    assert "spätestens aber zum Ende des Quartals. ENDE." in body
    assert "…" not in body.split('id="results"')[1]
    assert "Abteilung A1" in body
    assert "R4 Papierakten noch nicht digitalisiert" in body  # the codes with their labels


def test_it_filters_by_period_unit_with_the_units_below_and_reason(client, staff_council, refuse):
    old = refuse("A1", day=dt.date(2023, 12, 31), name="Alt")
    in_a1 = refuse("A1", day=dt.date(2024, 3, 1), codes=("R4",), name="Unten")
    in_b = refuse("B1", day=dt.date(2024, 3, 2), codes=("R1", "R2"), name="Nebenan")
    client.force_login(staff_council)

    def names(**query):
        page = client.get(URL, query).context["page"]
        return {r.employee.last_name for r in page}

    assert names(von="2024-01-01") == {"Unten", "Nebenan"}
    assert names(bis="2023-12-31") == {"Alt"}
    assert names(von="2024-03-01", bis="2024-03-01") == {"Unten"}
    assert names(einheit="A") == {"Alt", "Unten"}  # Amt A with Abteilung A1 below it
    assert names(einheit="B1") == {"Nebenan"}
    assert names(grund="R2") == {"Alt", "Nebenan"}
    assert names(grund="R4", einheit="A") == {"Unten"}
    assert names(grund="R9") == {"Alt", "Unten", "Nebenan"}  # unknown: left out, as "alle"
    body = client.get(URL, {"einheit": "A"}).content.decode()
    assert "in A Amt A und allen Einheiten darunter" in body
    assert old and in_a1 and in_b


def test_it_exports_the_list_under_the_same_filters(client, staff_council, refuse):
    refuse("A1", codes=("R4",), name="Unten")
    refuse("B1", codes=("R1",), name="Nebenan")
    client.force_login(staff_council)
    response = client.get(EXPORT, {"einheit": "A", "grund": "R4"})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert lines[0].startswith("Entschieden am;Beschäftigte/r;Einheit (Kennung);Einheit;Gründe")
    assert len(lines) == 2
    assert "Unten" in lines[1] and "Abteilung A1" in lines[1]
    assert "R4 Papierakten noch nicht digitalisiert" in lines[1]
    assert "ENDE." in lines[1]  # the whole justification
    assert "Nebenan" not in text
    page_link = client.get(URL, {"einheit": "A", "grund": "R4"}).content.decode()
    assert f"{EXPORT}?einheit=A&amp;grund=R4" in page_link


def test_it_pages_the_list(client, staff_council, refuse):
    for day in range(51):
        refuse("A1", day=dt.date(2024, 1, 1) + dt.timedelta(days=day))
    client.force_login(staff_council)
    first = client.get(URL)
    assert len(first.context["page"]) == 50
    assert "Seite 1 von 2" in first.content.decode()
    second = client.get(URL, {"page": 2})
    assert [r.decided_at.date() for r in second.context["page"]] == [dt.date(2024, 1, 1)]


def test_it_reads_the_same_number_of_queries_for_5_and_30_refusals(
    client, staff_council, refuse, django_assert_max_num_queries
):
    client.force_login(staff_council)
    for _ in range(5):
        refuse("A1")
    client.get(URL)  # sessions and the seen marker exist from here on
    with django_assert_max_num_queries(12) as few:
        client.get(URL)
    for _ in range(25):
        refuse("B1", codes=("R1", "R4"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(response.context["page"]) == 30


def test_it_remembers_the_visit_for_the_new_refusals_task(client, staff_council):
    assert last_seen(staff_council, "agreements.refusals") is None
    client.force_login(staff_council)
    before = timezone.now()
    client.get(URL)
    assert last_seen(staff_council, "agreements.refusals") >= before


def test_it_shows_the_staff_council_only_refusals(client, staff_council, refuse, make_request):
    refuse("A1", name="Abgelehnt")
    make_request("submitted")
    approved = refuse("A1", name="Genehmigt")
    WorkRequest.objects.filter(pk=approved.pk).update(status=RequestStatus.APPROVED)
    client.force_login(staff_council)
    page = client.get(URL).context["page"]
    assert [r.employee.last_name for r in page] == ["Abgelehnt"]


@pytest.mark.parametrize("who", ["employee", "supervisor", "it", "dpo", "leadership"])
def test_it_keeps_everyone_else_out(client, request, refuse, who):
    refuse("A1")
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_it_shows_hr_the_same_list(client, hr, refuse):
    refuse("B1", name="Nebenan")
    client.force_login(hr)
    assert [r.employee.last_name for r in client.get(URL).context["page"]] == ["Nebenan"]

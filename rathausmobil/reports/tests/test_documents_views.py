"""The reports' pages and downloads: who may make which report (403 for the others), the
form (Stichtag not in the future, a known unit), the report on the page with its
download buttons, and each download."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rathausmobil.reports.documents.registry import REPORTS

pytestmark = pytest.mark.django_db

# Who may make which report (docs/reports.md).
MAY = {
    "lagebericht": {"hr", "it", "staff_council", "dpo", "leadership"},
    "anfrage": {"hr", "it", "staff_council", "dpo", "leadership"},
    "pressetext": {"hr", "it", "staff_council", "dpo", "leadership"},
    "personalrat": {"hr", "staff_council"},
    "verarbeitungsverzeichnis": {"hr", "dpo", "leadership"},
}
PEOPLE = ["employee", "supervisor", "amt_head", "hr", "it", "staff_council", "dpo", "leadership"]


def page(name):
    return reverse("reports:document", args=[name])


def download(name, fmt):
    return reverse("reports:document_download", args=[name, fmt])


@pytest.mark.parametrize("person", PEOPLE)
def test_it_lists_only_the_reports_a_person_may_make(client, request, person):
    user = request.getfixturevalue(person)
    client.force_login(user)
    response = client.get(reverse("reports:documents"))
    allowed = {name for name, people in MAY.items() if person in people}
    if not allowed:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    listed = {kind.name for kind in response.context["kinds"]}
    assert listed == allowed
    for name in allowed:
        assert page(name) in response.content.decode()


@pytest.mark.parametrize("name", list(MAY))
@pytest.mark.parametrize("person", PEOPLE)
def test_every_report_page_and_download_is_scoped(client, request, org, person, name):
    client.force_login(request.getfixturevalue(person))
    today = timezone.localdate().isoformat()
    expected = 200 if person in MAY[name] else 403
    assert client.get(page(name), {"stichtag": today}).status_code == expected
    assert client.get(download(name, "csv"), {"stichtag": today}).status_code == expected


def test_a_head_of_office_may_not_make_the_lagebericht_unless_they_see_aggregates(client, amt_head):
    from rathausmobil.organisation.models import Role, RoleAssignment
    from rathausmobil.organisation.scoping import forget_scope

    client.force_login(amt_head)
    assert client.get(page("lagebericht")).status_code == 403
    RoleAssignment.objects.create(user=amt_head, role=Role.LEADERSHIP)
    forget_scope(amt_head)
    assert client.get(page("lagebericht")).status_code == 200


def test_the_page_leads_to_the_report_and_its_downloads(client, city, leadership):
    client.force_login(leadership)
    first = client.get(page("lagebericht"))
    assert first.status_code == 200
    assert first.context["report"] is None
    body = first.content.decode()
    assert "Bericht erstellen" in body and 'name="einheit"' in body

    on = timezone.localdate() - dt.timedelta(days=3)
    response = client.get(page("lagebericht"), {"stichtag": on.isoformat(), "einheit": "d"})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.on == on and report.unit == city["D"]
    body = response.content.decode()
    assert "Kennzahlen je Einheit unter D" in body
    links = {link["format"]: link["url"] for link in response.context["downloads"]}
    assert list(links) == ["pdf", "xlsx", "csv", "txt"]
    assert links["pdf"].endswith(f"?stichtag={on.isoformat()}&einheit=D")


def test_a_future_date_or_an_unknown_unit_is_explained_on_the_form(client, org, leadership):
    client.force_login(leadership)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.get(page("lagebericht"), {"stichtag": tomorrow.isoformat()})
    assert response.status_code == 200
    assert response.context["report"] is None
    assert "liegt in der Zukunft" in response.content.decode()
    response = client.get(page("anfrage"), {"stichtag": "", "einheit": "NOPE"})
    assert response.status_code == 200
    assert "Keine Einheit mit der Kennung „NOPE“" in response.content.decode()
    response = client.get(download("anfrage", "xlsx"), {"stichtag": tomorrow.isoformat()})
    assert response.status_code == 400


def test_the_press_text_and_the_register_take_no_unit(client, city, leadership):
    client.force_login(leadership)
    response = client.get(page("pressetext"), {"einheit": "D", "erstellen": "1"})
    assert response.status_code == 200
    assert response.context["report"].unit is None
    assert 'name="einheit"' not in response.content.decode()
    response = client.get(page("verarbeitungsverzeichnis"), {"erstellen": "1"})
    assert 'name="stichtag"' not in response.content.decode()
    assert "Verarbeitungstätigkeit" in response.content.decode()


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [  # the PDF is made by the worker: test_report_files.py
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("csv", "text/csv; charset=utf-8"),
        ("txt", "text/plain; charset=utf-8"),
    ],
)
def test_each_download_is_a_file_named_after_report_unit_and_day(
    client, city, staff_council, fmt, content_type
):
    client.force_login(staff_council)
    on = timezone.localdate().isoformat()
    response = client.get(download("personalrat", fmt), {"stichtag": on, "einheit": "A"})
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="personalrat-A-{on}.{fmt}"'


def test_an_unknown_report_or_format_is_not_found(client, leadership):
    client.force_login(leadership)
    assert client.get(page("jahresbericht")).status_code == 404
    assert client.get(download("lagebericht", "docx")).status_code == 404


def test_the_report_page_reads_kept_figures_whatever_the_number_of_dezernate(
    client, org, leadership, django_assert_max_num_queries
):
    from rathausmobil.organisation.tests.factories import OrgUnitFactory

    for n in range(5):
        OrgUnitFactory(code=f"Z{n}", name=f"Dezernat {n}", kind="dezernat")
    client.force_login(leadership)
    client.get(page("anfrage"), {"erstellen": "1"})  # the figures of each Dezernat kept
    # session, user, scope, the Dezernate: the figures come from the store
    with django_assert_max_num_queries(5):
        assert client.get(page("anfrage"), {"erstellen": "1"}).status_code == 200


def test_every_registered_report_is_covered_here():
    assert set(REPORTS.names()) == set(MAY)

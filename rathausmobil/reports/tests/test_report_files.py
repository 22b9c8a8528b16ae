"""A report's PDF is made by the real worker (`db_worker`), not in the request
(reports/files.py): for the person who asked and with their permission at the time, once
however often they click, fetched by them only, deleted by the daily job."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from rathausmobil.organisation.models import RoleAssignment
from rathausmobil.organisation.scoping import forget_scope
from rathausmobil.reports import files
from rathausmobil.reports.models import ReportFile, ReportFileState
from rathausmobil.reports.tasks import report_file_task

FRAGMENT = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def worker_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.REPORTS_BACKGROUND_FORMATS = ("pdf",)


def ask(client, name="personalrat", fmt="pdf", **query):
    query.setdefault("stichtag", timezone.localdate().isoformat())
    return client.post(reverse("reports:document_file_request", args=[name, fmt]), query)


def status(client, file):
    response = client.get(reverse("reports:document_file_status", args=[file.pk]), **FRAGMENT)
    return response.status_code, "HX-Refresh" in response


@pytest.mark.django_db(transaction=True)
def test_the_worker_makes_the_pdf_for_the_person_who_asked(client, city, staff_council):
    client.force_login(staff_council)
    on = timezone.localdate().isoformat()
    page = client.get(reverse("reports:document", args=["personalrat"]), {"stichtag": on})
    assert reverse("reports:document_file_request", args=["personalrat", "pdf"]) in (
        page.content.decode()
    )

    response = ask(client, einheit="A")
    ask(client, einheit="A")  # a double click finds the first

    file = ReportFile.objects.get()
    assert response.url == reverse("reports:document_file", args=[file.pk])
    assert file.state == ReportFileState.QUEUED and file.task_id
    assert "wird im Hintergrund erstellt" in client.get(response.url).content.decode()
    assert status(client, file) == (200, False)

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    file.refresh_from_db()
    assert file.state == ReportFileState.DONE and file.size == len(bytes(file.content))
    assert status(client, file) == (200, True)  # the page reloads itself
    assert "PDF herunterladen" in client.get(response.url).content.decode()
    download = client.get(reverse("reports:document_file_download", args=[file.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="personalrat-A-{on}.pdf"'
    assert download.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_a_file_is_its_requesters_only(client, city, staff_council, hr):
    client.force_login(staff_council)
    ask(client)
    file = ReportFile.objects.get()

    client.force_login(hr)  # may make the same report, but did not ask for this file

    for name in ("document_file", "document_file_status", "document_file_download"):
        assert client.get(reverse(f"reports:{name}", args=[file.pk])).status_code == 404


@pytest.mark.django_db
def test_a_person_without_the_report_can_neither_ask_nor_get_it_made(
    client, city, staff_council, employee
):
    client.force_login(employee)
    assert ask(client).status_code == 403
    client.force_login(staff_council)
    ask(client)
    file = ReportFile.objects.get()
    RoleAssignment.objects.filter(user=staff_council).delete()  # the role ended meanwhile
    forget_scope(staff_council)

    assert files.report_file_make(file.pk) == ReportFileState.FAILED

    file.refresh_from_db()
    assert file.message == "Sie dürfen diesen Bericht nicht mehr erstellen."
    assert bytes(file.content) == b""
    assert client.get(reverse("reports:document_file", args=[file.pk])).status_code == 403


@pytest.mark.django_db
def test_a_broken_render_is_recorded_for_the_person_without_its_cause(
    client, city, staff_council, monkeypatch
):
    def broken(*args, **kwargs):
        raise OSError("font cache not writable")

    monkeypatch.setattr(files, "render", broken)
    client.force_login(staff_council)
    ask(client)
    file = ReportFile.objects.get()

    assert files.report_file_make(file.pk) == ReportFileState.FAILED
    assert files.report_file_make(file.pk) == "skipped"  # a second run of the task

    body = client.get(reverse("reports:document_file", args=[file.pk])).content.decode()
    assert "Beim Erstellen der Datei ist ein Fehler aufgetreten" in body
    assert "font cache" not in body


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_queue_fails_the_file_at_once(client, city, staff_council, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("queue down")

    monkeypatch.setattr(type(report_file_task), "enqueue", down)
    client.force_login(staff_council)

    ask(client)

    file = ReportFile.objects.get()
    assert file.state == ReportFileState.FAILED
    assert file.message == "Der Hintergrunddienst war nicht erreichbar."


@pytest.mark.django_db
def test_the_pdf_link_leads_to_the_report_page_with_its_button(client, city, staff_council):
    client.force_login(staff_council)
    query = {"stichtag": timezone.localdate().isoformat(), "einheit": "A"}

    response = client.get(reverse("reports:document_download", args=["personalrat", "pdf"]), query)

    assert response.status_code == 302
    assert response.url.startswith(reverse("reports:document", args=["personalrat"]) + "?")
    assert not ReportFile.objects.exists()


@pytest.mark.django_db
def test_the_daily_job_deletes_files_after_their_hours(client, city, staff_council, settings):
    client.force_login(staff_council)
    ask(client)
    ask(client, stichtag=(timezone.localdate() - dt.timedelta(days=1)).isoformat())
    old, new = ReportFile.objects.order_by("pk")
    ReportFile.objects.filter(pk=old.pk).update(
        requested_at=timezone.now() - dt.timedelta(hours=settings.REPORT_FILES_KEEP_HOURS + 1)
    )

    assert files.report_files_delete_old(timezone.localdate()) == 1

    assert list(ReportFile.objects.values_list("pk", flat=True)) == [new.pk]

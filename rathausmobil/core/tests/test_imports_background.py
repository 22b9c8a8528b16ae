"""A large import file is checked and applied by the real worker (`db_worker`), never in
the request (core/imports.py, docs/import.md "Large files in the background"): each
step a status change in the history, a double confirmation changes nothing, problems
refuse the file whole, a broken worker or queue applies nothing and says so."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from rathausmobil.core.audit import audit_event, history_of
from rathausmobil.core.importresult import ImportResult
from rathausmobil.core.imports import WORKER_SOURCE, ImportKind, import_kinds
from rathausmobil.core.models import AuditEvent, ImportStatus, ImportUpload
from rathausmobil.core.tasks import import_check_task
from rathausmobil.core.tests.test_imports import (
    FILE,
    LEDGER,
    PLANETS,
    planets,  # noqa: F401 (the fictitious kind, registered for each test)
    upload,
)

pytestmark = [pytest.mark.urls("rathausmobil.core.tests.fiction_urls")]

FRAGMENT = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def every_file_in_the_background(settings):
    settings.IMPORT_BACKGROUND_BYTES = 0
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def work() -> None:
    """The real worker, until the queue is empty."""
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def status_of(client, kept) -> tuple[int, str, bool]:
    response = client.get(reverse("fiction:import_status", args=[kept.pk]), **FRAGMENT)
    return response.status_code, response.content.decode(), "HX-Refresh" in response


@pytest.mark.django_db(transaction=True)
def test_the_worker_checks_then_applies_a_large_file_exactly_once(client, employee):
    client.force_login(employee)

    response = upload(client)
    kept = ImportUpload.objects.get()
    assert response.url == reverse("fiction:import_preview", args=[kept.pk])
    assert kept.status == ImportStatus.CHECKING and kept.task_id and kept.queued_at
    page = client.get(response.url).content.decode()
    assert "wird im Hintergrund geprüft" in page and "Änderungen übernehmen" not in page
    code, fragment, refresh = status_of(client, kept)
    assert code == 200 and 'hx-trigger="every 2s"' in fragment and not refresh

    work()

    kept.refresh_from_db()
    assert kept.status == ImportStatus.PREVIEW and kept.summary["counts"]["created"] == 2
    assert status_of(client, kept)[2]  # the page reloads itself into the preview
    page = client.get(response.url).content.decode()
    assert "2 neu" in page and "Änderungen übernehmen" in page and LEDGER == []

    client.post(reverse("fiction:import_apply", args=[kept.pk]))
    again = client.post(reverse("fiction:import_apply", args=[kept.pk]), follow=True)
    assert "Dieser Import wird gerade übernommen; das Ergebnis erscheint" in again.content.decode()
    kept.refresh_from_db()
    assert kept.status == ImportStatus.APPLYING and LEDGER == []
    assert "werden im Hintergrund übernommen" in again.content.decode()

    work()

    kept.refresh_from_db()
    assert kept.status == ImportStatus.APPLIED and LEDGER == ["Erde", "Mars"]
    assert bytes(kept.content) == b"" and kept.applied_at is not None
    history = list(kept.history.order_by("at", "pk"))
    assert [(h.action, h.from_status, h.to_status) for h in history] == [
        ("queue", "", "checking"),
        ("check", "checking", "preview"),
        ("queue_apply", "preview", "applying"),
        ("apply", "applying", "applied"),
    ]
    assert {h.by for h in history} == {employee}
    sources = [event.source for event in history_of(kept)]
    assert sources.count(WORKER_SOURCE) == 2  # the worker's two steps

    work()  # a task run twice (a restarted worker) finds nothing to do
    assert LEDGER == ["Erde", "Mars"]


@pytest.mark.django_db(transaction=True)
def test_a_large_file_with_problems_is_refused_whole_with_every_problem(client, employee):
    client.force_login(employee)
    upload(client, b"Name;Monde\r\nErde;1\r\n;viele\r\nErde;3\r\n")

    work()

    kept = ImportUpload.objects.get()
    assert kept.status == ImportStatus.REFUSED and bytes(kept.content) == b""
    page = client.get(reverse("fiction:import_preview", args=[kept.pk])).content.decode()
    assert "Die Datei wurde nicht übernommen: 3 Probleme" in page
    assert "Zeile 4, Spalte Name: Der Planet „Erde“ steht schon in Zeile 2." in page
    assert "Änderungen übernehmen" not in page and "Weitere Datei importieren" in page


def _breaking_kind() -> None:
    """The planets, but the apply writes a record and then breaks (a bug, a lost
    connection): nothing of it may stay."""

    def run(*, data, filename, by=None, dry_run=False) -> ImportResult:
        result = PLANETS.run(data=data, filename=filename, by=by, dry_run=True)
        if not dry_run:
            audit_event(actor=by, action="halb importiert", obj=by)
            raise RuntimeError("connection lost")
        return result

    import_kinds.unregister("planets")
    import_kinds.register(ImportKind(**{**PLANETS.__dict__, "run": run}))


@pytest.mark.django_db(transaction=True)
def test_a_broken_worker_applies_nothing_and_says_what_to_do(client, employee):
    _breaking_kind()
    client.force_login(employee)
    upload(client)
    work()
    kept = ImportUpload.objects.get()
    client.post(reverse("fiction:import_apply", args=[kept.pk]))

    work()

    kept.refresh_from_db()
    assert kept.status == ImportStatus.FAILED and bytes(kept.content) == b""
    assert not AuditEvent.objects.filter(action="halb importiert").exists()
    page = client.get(reverse("fiction:import_preview", args=[kept.pk])).content.decode()
    assert "Der Import wurde abgebrochen." in page and "Es wurde nichts gespeichert." in page
    assert "connection lost" not in page  # the cause is in the log, for IT
    assert kept.history.order_by("-at", "-pk").first().action == "fail"


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_queue_breaks_the_upload_off_at_once(client, employee, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("queue down")

    monkeypatch.setattr(type(import_check_task), "enqueue", down)  # (a frozen dataclass)
    client.force_login(employee)

    upload(client)

    kept = ImportUpload.objects.get()
    assert kept.status == ImportStatus.FAILED
    page = client.get(reverse("fiction:import_preview", args=[kept.pk])).content.decode()
    assert "Der Hintergrunddienst war nicht erreichbar." in page


@pytest.mark.django_db
def test_a_check_waiting_too_long_tells_the_person_to_call_it(client, employee, settings):
    client.force_login(employee)
    upload(client)  # no worker runs: the check waits
    ImportUpload.objects.update(queued_at=timezone.now() - dt.timedelta(minutes=31))
    kept = ImportUpload.objects.get()

    page = client.get(reverse("fiction:import_preview", args=[kept.pk])).content.decode()

    assert "Das dauert ungewöhnlich lange" in page and "wenden Sie sich an die IT" in page


@pytest.mark.django_db
def test_the_status_of_an_upload_is_its_uploaders_only(client, employee, colleague):
    client.force_login(employee)
    upload(client)
    kept = ImportUpload.objects.get()

    client.force_login(colleague)

    assert status_of(client, kept)[0] == 404


@pytest.mark.django_db
def test_a_small_file_is_still_checked_in_the_request(client, employee, settings):
    settings.IMPORT_BACKGROUND_BYTES = len(FILE)
    client.force_login(employee)

    upload(client)

    assert ImportUpload.objects.get().status == ImportStatus.PREVIEW

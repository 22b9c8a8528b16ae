"""One import lifecycle for every kind (core/imports.py): a kind registered here, by
no app and with no view or template of its own, gets the upload page, the preview,
the confirmation and the discard, with the rules of docs/adr/0002."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rathausmobil.core.errors import NotAllowed
from rathausmobil.core.importresult import ImportResult
from rathausmobil.core.imports import ImportKind, ImportPage, import_kinds, import_upload_preview
from rathausmobil.core.models import ImportStatus, ImportUpload
from rathausmobil.core.tabular import (
    CheckedRow,
    Column,
    TableError,
    check_rows,
    parse_decimal,
    read_table,
    text_parser,
)

pytestmark = pytest.mark.urls("rathausmobil.core.tests.fiction_urls")

LEDGER: list[str] = []  # what the fictitious kind "applies"

COLUMNS = [
    Column("name", "Name", ("Planet",), required=True, parse=text_parser(20)),
    Column("moons", "Monde", parse=parse_decimal),
]


def planet_once(row: CheckedRow, seen: dict[str, int]) -> None:
    if row["name"] in seen:
        row.problem(f"Der Planet „{row['name']}“ steht schon in Zeile {seen[row['name']]}.", "name")
    elif row["name"]:
        seen[row["name"]] = row.line


def planets_import(*, data, filename, by=None, dry_run=False) -> ImportResult:
    try:
        table = read_table(data, filename, COLUMNS)
    except TableError as exc:
        return ImportResult(problems=exc.problems)
    result = ImportResult()
    rows = check_rows(table, COLUMNS, report=result, rules=[planet_once], context={})
    if result.ok:
        result.created = [row["name"] for row in rows if row["name"] not in LEDGER]
        result.unchanged = len(rows) - len(result.created)
        if not dry_run:
            LEDGER.extend(result.created)
            result.applied = True
    return result


PLANETS = ImportKind(
    key="planets",
    label="Planeten",
    columns=COLUMNS,
    run=planets_import,
    may_upload=lambda user: user.username in {"employee", "colleague", "hr"},
    page=ImportPage(namespace="fiction", title="Planeten importieren"),
    help="Eine Liste der Planeten mit der Zahl ihrer Monde.",
)

FILE = b"Name;Monde\r\nErde;1\r\nMars;2\r\n"


@pytest.fixture(autouse=True)
def planets():
    import_kinds.register(PLANETS)
    LEDGER.clear()
    yield
    import_kinds.unregister("planets")


def upload(client, data=FILE, name="planeten.csv"):
    return client.post(reverse("fiction:import_upload"), {"file": SimpleUploadedFile(name, data)})


def test_it_serves_a_registered_kind_without_pages_of_its_own(client, employee):
    client.force_login(employee)

    body = client.get(reverse("fiction:import_upload")).content.decode()

    assert '<h1 class="h3 mb-3">Planeten importieren</h1>' in body
    assert "Eine Liste der Planeten mit der Zahl ihrer Monde." in body
    assert "<li>Name (Pflicht)</li>" in body and "<li>Monde</li>" in body


def test_it_asks_the_kind_who_may_upload(client, outsider):
    client.force_login(outsider)

    assert client.get(reverse("fiction:import_upload")).status_code == 403
    assert upload(client).status_code == 403
    with pytest.raises(NotAllowed):
        import_upload_preview(kind="planets", filename="p.csv", data=FILE, by=outsider)
    assert not ImportUpload.objects.exists()


def test_it_previews_then_applies_an_upload_exactly_once(client, employee):
    client.force_login(employee)

    response = upload(client)
    kept = ImportUpload.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("fiction:import_preview", args=[kept.pk])
    assert (kept.kind, kept.status, bytes(kept.content)) == ("planets", "preview", FILE)
    assert kept.sha256 == hashlib.sha256(FILE).hexdigest()
    preview = client.get(response.url).content.decode()
    assert "2 neu" in preview and "<li>Mars</li>" in preview and "Planeten" in preview
    assert LEDGER == []

    confirmed = client.post(reverse("fiction:import_apply", args=[kept.pk]), follow=True)
    assert "Import übernommen: 2 neu, 0 geändert, 0 unverändert." in confirmed.content.decode()
    assert LEDGER == ["Erde", "Mars"]
    kept.refresh_from_db()
    assert kept.status == ImportStatus.APPLIED and bytes(kept.content) == b""
    assert kept.applied_at is not None and kept.summary["counts"]["created"] == 2
    assert [change.action for change in kept.history.all()] == ["upload", "apply"]

    again = client.post(reverse("fiction:import_apply", args=[kept.pk]), follow=True)
    assert "Dieser Import wurde bereits übernommen" in again.content.decode()
    assert LEDGER == ["Erde", "Mars"]


def test_it_lists_every_problem_with_422_and_keeps_nothing(client, employee):
    client.force_login(employee)

    response = upload(client, b"Name;Monde\r\nErde;1\r\n;viele\r\nErde;3\r\n")

    body = response.content.decode()
    assert response.status_code == 422
    assert "Zeile 3, Spalte Name: Pflichtfeld ist leer." in body
    assert (
        "Zeile 3, Spalte Monde: „viele“ ist keine Zahl. Erwartet wird z. B. 39 oder 19,5." in body
    )
    assert "Zeile 4, Spalte Name: Der Planet „Erde“ steht schon in Zeile 2." in body
    assert not ImportUpload.objects.exists()


def test_it_discards_an_upload_and_clears_its_bytes(client, employee):
    client.force_login(employee)
    upload(client)
    kept = ImportUpload.objects.get()

    response = client.post(reverse("fiction:import_discard", args=[kept.pk]))

    assert response.url == reverse("fiction:import_upload")
    kept.refresh_from_db()
    assert kept.status == ImportStatus.DISCARDED and bytes(kept.content) == b""
    client.post(reverse("fiction:import_apply", args=[kept.pk]))
    assert LEDGER == []
    recent = client.get(reverse("fiction:import_upload")).content.decode()
    assert "planeten.csv" in recent and "verworfen" in recent


def test_it_shows_an_upload_to_its_uploader_only(client, employee, colleague):
    client.force_login(employee)
    upload(client)
    kept = ImportUpload.objects.get()

    client.force_login(colleague)

    assert client.get(reverse("fiction:import_preview", args=[kept.pk])).status_code == 404
    assert client.post(reverse("fiction:import_apply", args=[kept.pk])).status_code == 404
    assert client.post(reverse("fiction:import_discard", args=[kept.pk])).status_code == 404
    kept.refresh_from_db()
    assert kept.status == ImportStatus.PREVIEW and LEDGER == []


def test_it_shows_an_upload_only_on_the_page_of_its_kind(client, hr):
    client.force_login(hr)
    upload(client)
    kept = ImportUpload.objects.get()

    assert client.get(reverse("organisation:import_preview", args=[kept.pk])).status_code == 404
    assert client.post(reverse("organisation:import_apply", args=[kept.pk])).status_code == 404
    assert "planeten.csv" not in client.get(reverse("organisation:import_upload")).content.decode()


def test_it_refuses_a_second_kind_under_a_key_already_taken():
    other = ImportKind(
        key="planets",
        label="Andere Planeten",
        columns=COLUMNS,
        run=planets_import,
        may_upload=lambda user: True,
        page=ImportPage(namespace="fiction", title="Andere"),
    )

    with pytest.raises(ValueError):
        import_kinds.register(other)
    assert import_kinds.get("planets") is PLANETS


def test_it_lists_a_rows_problems_in_the_order_of_the_checks_or_of_the_columns():
    table = read_table(b"Name;Monde\r\nErde;1\r\nErde;viele\r\n", "p.csv", COLUMNS)
    not_a_number = (
        "Zeile 3, Spalte Monde: „viele“ ist keine Zahl. Erwartet wird z. B. 39 oder 19,5."
    )
    twice = "Zeile 3, Spalte Name: Der Planet „Erde“ steht schon in Zeile 2."

    checks, columns = ImportResult(), ImportResult()
    check_rows(table, COLUMNS, report=checks, rules=[planet_once], context={})
    check_rows(table, COLUMNS, report=columns, rules=[planet_once], context={}, by_column=True)

    assert [str(p) for p in checks.problems] == [not_a_number, twice]
    assert [str(p) for p in columns.problems] == [twice, not_a_number]

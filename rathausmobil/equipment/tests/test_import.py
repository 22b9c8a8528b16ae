"""Inventory import: Snipe-IT export, German Excel files, broken files write nothing."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook

from rathausmobil.core.models import AuditEvent, ImportStatus, ImportUpload
from rathausmobil.equipment.importing import devices_import
from rathausmobil.equipment.models import (
    Assignment,
    Device,
    DeviceKind,
    DeviceModel,
    DeviceStatus,
)
from rathausmobil.organisation.tests.factories import EmployeeFactory


@pytest.fixture
def people(org):
    """The holders the files name: by personnel number and by e-mail."""
    return {
        "jana": EmployeeFactory(
            personnel_number="004711",
            first_name="Jana",
            last_name="Schulz",
            email="jana.schulz@halver.example",
            unit=org["A1"],
        ),
        "tom": EmployeeFactory(
            personnel_number="004712",
            first_name="Tom",
            last_name="Becker",
            email="tom.becker@halver.example",
            unit=org["B1"],
        ),
    }


def run(read_file, name, **kwargs):
    return devices_import(data=read_file(name), filename=name, **kwargs)


def test_it_imports_a_snipe_it_export(read_file, people, it):
    result = run(read_file, "snipeit_assets.csv", by=it)

    assert result.ok, result.problems
    assert result.summary_line() == "6 neu, 0 geändert, 0 unverändert, 5 neue Modelle."
    devices = {d.inventory_number: d for d in Device.objects.select_related("model", "holder")}
    assert sorted(devices) == [
        "HV-000101",
        "HV-000102",
        "HV-000201",
        "HV-000301",
        "HV-000411",
        "HV-000501",
    ]
    t14 = devices["HV-000101"]
    assert (t14.model.name, t14.model.kind, t14.model.manufacturer, t14.model.model_number) == (
        "Lenovo ThinkPad T14 Gen 2",
        DeviceKind.NOTEBOOK,
        "Lenovo",
        "20W0-00AXGE",
    )
    assert t14.serial == "PF2XK4LM"
    assert t14.purchase_date == dt.date(2021, 2, 15)
    assert t14.warranty_until == dt.date(2024, 2, 15)
    assert t14.notes == "mit Dockingstation"
    # Checked out by personnel number (Employee No.) and by e-mail (Email).
    assert (t14.status, t14.holder) == (DeviceStatus.ASSIGNED, people["jana"])
    tablet = devices["HV-000201"]
    assert (tablet.status, tablet.holder) == (DeviceStatus.ASSIGNED, people["tom"])
    assert tablet.warranty_until == dt.date(2023, 3, 10)  # 24 months after purchase
    assignment = Assignment.objects.get(device=t14)
    assert assignment.handed_over_at.date() == dt.date(2021, 3, 1)
    assert assignment.acknowledged_at is None  # the holder confirms in the app
    # A shared account nobody can be matched to: kept in stock, with a hint.
    assert devices["HV-000301"].status == DeviceStatus.IN_STOCK
    assert devices["HV-000301"].model.is_mobile is False
    assert [str(w) for w in result.warnings] == [
        "Zeile 5, Spalte Checked Out To: „Schalter 3 (Sammelkonto)“ ist keiner/keinem "
        "Beschäftigten zuzuordnen (gesucht nach E-Mail, Personalnummer und eindeutigem Namen); "
        "das Gerät wird ohne Ausgabe übernommen."
    ]
    assert devices["HV-000411"].status == DeviceStatus.REPAIR  # Out for Repair
    assert devices["HV-000501"].status == DeviceStatus.RETIRED  # Archived
    assert devices["HV-000102"].status == DeviceStatus.IN_STOCK  # Ready to Deploy
    assert (
        AuditEvent.objects.filter(source="Import snipeit_assets.csv", action="angelegt").count()
        == 11
    )


def test_it_changes_nothing_when_the_same_file_comes_again(read_file, people, it):
    run(read_file, "snipeit_assets.csv", by=it)

    again = run(read_file, "snipeit_assets.csv", by=it)

    assert again.summary_line() == "0 neu, 0 geändert, 6 unverändert, 0 neue Modelle."
    assert Device.objects.count() == 6 and Assignment.objects.count() == 2


def test_it_reads_german_headers_from_an_excel_csv(read_file, people):
    result = run(read_file, "devices_de_cp1252.csv")

    assert result.ok, result.problems
    assert result.counts()["created"] == 4
    pc = Device.objects.get(inventory_number="OF-PC-0100")
    assert (pc.model.kind, pc.status, pc.holder) == (
        DeviceKind.DESKTOP,
        DeviceStatus.ASSIGNED,
        people["jana"],
    )
    assert Device.objects.get(inventory_number="OF-MO-0007").notes == (
        "Pixelfehler, Gewährleistung läuft"
    )


def test_it_moves_holders_and_statuses_as_a_later_file_says(read_file, people):
    run(read_file, "devices_de_cp1252.csv")
    first = Assignment.objects.get(device__inventory_number="OF-NB-0001")

    result = run(read_file, "devices_de_moved.csv", dry_run=True)
    assert result.counts() == {"created": 0, "changed": 2, "unchanged": 2, "new_models": 0}
    assert result.changed[0] == {
        "label": "OF-NB-0001 Lenovo ThinkPad T14",
        "changes": {"Ausgegeben an": ["Jana Schulz (004711)", "Tom Becker (004712)"]},
    }
    assert result.changed[1]["changes"] == {
        "Status": ["ausgegeben", "ausgemustert"],
        "Ausgegeben an": ["Jana Schulz (004711)", "–"],
    }

    run(read_file, "devices_de_moved.csv")

    first.refresh_from_db()
    assert first.returned_at is not None and "Rückgabe laut Import" in first.return_note
    notebook = Device.objects.get(inventory_number="OF-NB-0001")
    assert notebook.holder == people["tom"]
    assert (
        Assignment.objects.filter(device=notebook, returned_at__isnull=True).get().employee
        == (people["tom"])
    )
    pc = Device.objects.get(inventory_number="OF-PC-0100")
    assert (pc.status, pc.holder) == (DeviceStatus.RETIRED, None)


def test_it_writes_the_history_of_every_status_it_sets(read_file, people, it):
    run(read_file, "devices_de_cp1252.csv", by=it)
    pc = Device.objects.get(inventory_number="OF-PC-0100")
    assert [(h.action, h.from_status, h.to_status) for h in pc.history.all()] == [
        ("import", "", DeviceStatus.ASSIGNED)
    ]

    run(read_file, "devices_de_moved.csv", by=it)

    assert [(h.action, h.from_status, h.to_status, h.by) for h in pc.history.all()][1:] == [
        ("import", DeviceStatus.ASSIGNED, DeviceStatus.RETIRED, it)
    ]
    # One audit event tells the whole change, status included.
    changed = AuditEvent.objects.filter(object_id=str(pc.pk), action="geändert").get()
    assert changed.changes["Status"] == ["ausgegeben", "ausgemustert"]
    # The notebook only changed hands: no status move, no history row.
    notebook = Device.objects.get(inventory_number="OF-NB-0001")
    assert notebook.history.count() == 1


def test_it_writes_nothing_and_lists_every_problem_of_a_broken_file(read_file, people):
    result = run(read_file, "devices_broken.csv")

    assert [str(p) for p in result.problems] == [
        "Zeile 4, Spalte Inventarnummer: Die Inventarnummer „OF-NB-0001“ steht schon in Zeile 2.",
        "Zeile 5, Spalte Art: „Drucker“ ist keine bekannte Geräteart (Notebook, Tablet, "
        "Smartphone, Headset, Monitor, Dockingstation, Arbeitsplatzrechner (stationär)).",
        "Zeile 5, Spalte Kaufdatum: „01.03.21“ hat eine zweistellige Jahreszahl. Bitte das Jahr "
        "vierstellig angeben (TT.MM.JJJJ).",
        "Zeile 6, Spalte Modell: Pflichtfeld ist leer.",
        "Zeile 6, Spalte Status: „verliehen“ ist kein bekannter Status (bestellt, auf Lager, "
        "ausgegeben, in Reparatur, ausgemustert).",
        "Zeile 6, Spalte Kaufdatum: „31.02.2021“ ist kein gültiges Datum: diesen Tag gibt es nicht.",
        "Zeile 7, Spalte Garantie bis: Die Garantie (01.01.2020) endet vor dem Kaufdatum "
        "(01.03.2021).",
        "Zeile 7, Spalte Status: Ein Gerät mit Status „in Reparatur“ kann nicht ausgegeben sein "
        "(an Jana Schulz (004711)).",
        "Zeile 8, Spalte Inventarnummer: „OF NB 0006“ ist keine gültige Inventarnummer: erlaubt "
        "sind Buchstaben, Ziffern und . _ / - (höchstens 32 Zeichen).",
        "Zeile 8, Spalte Art: Das Modell „Neues Modell“ ist neu; bitte die Geräteart angeben "
        "(Spalte Art, z. B. Notebook, Tablet, Monitor).",
    ]
    assert not Device.objects.exists()
    assert not DeviceModel.objects.exists()
    assert not Assignment.objects.exists()


def test_it_names_a_missing_required_column(read_file, db):
    result = run(read_file, "devices_missing_column.csv")

    assert [str(p) for p in result.problems] == [
        "Zeile 1, Spalte Inventarnummer: Pflichtspalte fehlt in der Kopfzeile."
    ]


def test_it_refuses_a_serial_another_device_already_has(
    read_file, people, make_device, notebook_model
):
    make_device(notebook_model, number="ALT-1", serial="PF3A0002")
    DeviceModel.objects.filter(pk=notebook_model.pk).update(name="Lenovo ThinkPad T14")

    result = run(read_file, "devices_de_cp1252.csv")

    assert [str(p) for p in result.problems] == [
        "Zeile 3, Spalte Seriennummer: Die Seriennummer „PF3A0002“ ist schon beim Gerät ALT-1 erfasst."
    ]
    assert Device.objects.count() == 1


def test_it_reads_an_xlsx_with_date_cells(people):
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["Asset Tag", "Serial", "Model", "Category", "Status", "Purchase Date", "Assigned To"]
    )
    sheet.append(
        ["X-1", "S-1", "Apple iPad 10.2", "Tablet", "Deployed", dt.datetime(2021, 4, 1), "004712"]
    )
    buffer = io.BytesIO()
    book.save(buffer)

    result = devices_import(data=buffer.getvalue(), filename="bestand.xlsx")

    assert result.ok, result.problems
    device = Device.objects.get(inventory_number="X-1")
    assert (device.purchase_date, device.holder, device.model.kind) == (
        dt.date(2021, 4, 1),
        people["tom"],
        DeviceKind.TABLET,
    )


def test_it_keeps_a_deployed_device_without_known_holder_in_stock_with_a_hint(db):
    data = "Inventarnummer;Modell;Art;Status\r\nA-1;HP EliteBook 840;Notebook;ausgegeben\r\n"

    result = devices_import(data=data.encode(), filename="liste.csv")

    assert result.ok
    assert [str(w) for w in result.warnings] == [
        "Zeile 2, Spalte Status: Der Status sagt „ausgegeben“, aber an wen, ist nicht bekannt; "
        "das Gerät wird als „auf Lager“ übernommen."
    ]
    assert Device.objects.get().status == DeviceStatus.IN_STOCK


def test_an_inventory_number_in_another_case_updates_the_device_instead_of_adding_one(db):
    first = "Inventarnummer;Modell;Art;Status;Seriennummer\r\nNB-1;HP EliteBook 840;Notebook;auf Lager;S1\r\n"
    devices_import(data=first.encode(), filename="liste.csv")
    again = "Inventarnummer;Modell;Art;Status;Seriennummer\r\nnb-1;HP EliteBook 840;Notebook;Reparatur;S1\r\n"

    result = devices_import(data=again.encode(), filename="liste.csv")

    assert result.ok, [str(p) for p in result.problems]
    device = Device.objects.get()  # the same device, not a second one
    assert (device.inventory_number, device.status) == ("NB-1", DeviceStatus.REPAIR)


# --------------------------------------------------------------------------- command


def test_it_imports_from_the_command_and_fails_with_exit_1_on_problems(file_path, people, capsys):
    call_command("import_devices", file_path("snipeit_assets.csv"), "--dry-run")
    assert "Probelauf, nichts gespeichert. Geräte: 6 neu" in capsys.readouterr().out
    assert not Device.objects.exists()

    call_command("import_devices", file_path("snipeit_assets.csv"))
    out = capsys.readouterr().out
    assert "Hinweis: Zeile 5, Spalte Checked Out To" in out
    assert "Geräte importiert: 6 neu, 0 geändert, 0 unverändert, 5 neue Modelle." in out

    with pytest.raises(SystemExit) as exc:
        call_command("import_devices", file_path("devices_broken.csv"))
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "Zeile 4, Spalte Inventarnummer" in err
    assert "Import abgebrochen, nichts gespeichert (10 Problem(e))." in err
    assert Device.objects.count() == 6

    with pytest.raises(SystemExit):
        call_command("import_devices", "/nicht/da.csv")
    assert "Die Datei „/nicht/da.csv“ wurde nicht gefunden." in capsys.readouterr().err


# --------------------------------------------------------------------------- upload page


def test_it_previews_then_applies_an_upload_once(client, it, people, read_file):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(it)
    upload = SimpleUploadedFile("snipeit_assets.csv", read_file("snipeit_assets.csv"))
    response = client.post(reverse("equipment:import_upload"), {"file": upload})
    batch = ImportUpload.objects.get()
    assert response.status_code == 302
    assert not Device.objects.exists()

    preview = client.get(reverse("equipment:import_preview", args=[batch.pk])).content.decode()
    assert "6 neu" in preview and "Schalter 3 (Sammelkonto)" in preview

    response = client.post(reverse("equipment:import_apply", args=[batch.pk]), follow=True)
    assert "Import übernommen: 6 neu" in response.content.decode()
    assert Device.objects.count() == 6
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED and batch.content in (b"", memoryview(b""))

    again = client.post(reverse("equipment:import_apply", args=[batch.pk]), follow=True)
    assert "bereits übernommen" in again.content.decode()
    assert Device.objects.count() == 6


def test_it_shows_the_problems_of_a_broken_upload_with_422(client, it, people, read_file):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(it)
    upload = SimpleUploadedFile("liste.csv", read_file("devices_broken.csv"))
    response = client.post(reverse("equipment:import_upload"), {"file": upload})

    assert response.status_code == 422
    assert "Zeile 6, Spalte Modell: Pflichtfeld ist leer." in response.content.decode()
    assert not ImportUpload.objects.exists()


@pytest.mark.parametrize("who", ["hr", "employee", "supervisor"])
def test_it_keeps_the_import_to_it(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("equipment:import_upload")).status_code == 403

"""Rooms from the facility management's list and absences from the time-management
system: good files, broken files refused whole with every problem, hints, and a second
import that changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from rathausmobil.core.models import AuditEvent
from rathausmobil.organisation.tests.factories import EmployeeFactory
from rathausmobil.presence.importing import absences_import, rooms_import
from rathausmobil.presence.models import Absence, AbsenceSource, Building, Room, Site, UnitRoom

# --------------------------------------------------------------------------- rooms


def rooms(data: str) -> bytes:
    return data.replace("\n", "\r\n").encode("utf-8")


def test_it_imports_a_room_list_with_new_buildings(read_file, org, it):
    Site.objects.create(code="MITTE", name="Innenstadt")

    result = rooms_import(data=read_file("rooms.csv"), filename="rooms.csv", by=it)

    assert result.ok, [str(p) for p in result.problems]
    assert result.summary_line() == "4 neu, 0 geändert, 0 unverändert, 2 neue Gebäude."
    assert [str(w) for w in result.warnings] == [
        "Zeile 5, Spalte Arbeitsplätze: Der Raum hat keine Arbeitsplätze und wird nie eingeplant."
    ]
    counter = Room.objects.select_related("building__site").get(code="RH-104")
    assert (counter.building.name, counter.building.site.code) == ("Rathaus", "MITTE")
    assert (counter.name, counter.desks, counter.area_m2) == (
        "Bürgerbüro Schalter",
        6,
        Decimal("45.5"),
    )
    assert counter.pandemic_desks == 4
    assert Room.objects.get(code="RH-105").pandemic_desks == 3  # fixed
    assert sorted(UnitRoom.objects.values_list("room__code", "unit__code")) == [
        ("RH-104", "A"),
        ("RH-104", "A1"),
        ("RH-105", "A1"),
        ("SH-201", "B1"),
    ]
    assert AuditEvent.objects.filter(source="Import rooms.csv", action="angelegt").count() == 6


def test_a_second_import_of_the_same_list_changes_nothing(read_file, org, it):
    Site.objects.create(code="MITTE", name="Innenstadt")
    rooms_import(data=read_file("rooms.csv"), filename="rooms.csv", by=it)
    events = AuditEvent.objects.count()

    again = rooms_import(data=read_file("rooms.csv"), filename="rooms.csv", by=it)

    assert again.summary_line() == "0 neu, 0 geändert, 4 unverändert, 0 neue Gebäude."
    assert (Room.objects.count(), Building.objects.count(), UnitRoom.objects.count()) == (4, 2, 4)
    assert AuditEvent.objects.count() == events


def test_it_changes_what_the_file_says_and_keeps_what_it_does_not(org, it, make_room):
    room = make_room("RH-1", desks=4, area="40", units=[org["A1"]])
    data = rooms("Gebäude;Raum;Arbeitsplätze;Einheiten\nRH;RH-1;5;B1 | A1\n")

    result = rooms_import(data=data, filename="neu.csv", by=it)

    assert result.ok
    assert result.changed == [
        {"label": "RH-1", "changes": {"Arbeitsplätze": ["4", "5"], "Einheiten": ["A1", "A1, B1"]}}
    ]
    room.refresh_from_db()
    assert (room.desks, room.area_m2, room.name) == (5, Decimal("40.00"), "Büro RH-1")
    assert set(room.units.values_list("code", flat=True)) == {"A1", "B1"}
    event = AuditEvent.objects.get(source="Import neu.csv")
    assert event.changes["Arbeitsplätze"] == ["4", "5"]


def test_it_refuses_a_broken_room_list_whole_with_every_problem(read_file, org, it, town_hall):
    result = rooms_import(data=read_file("rooms_broken.csv"), filename="x.csv", by=it)

    assert [str(p) for p in result.problems] == [
        "Zeile 2, Spalte Gebäude: Das Gebäude „XX“ ist nicht bekannt. Um es anzulegen, bitte in "
        "der Spalte Gebäudename seinen Namen angeben.",
        "Zeile 3, Spalte Arbeitsplätze: „vier“ ist keine Zahl. Erwartet wird z. B. 39 oder 19,5.",
        "Zeile 4, Spalte Pandemiegrenze: Die Pandemiegrenze (3) liegt über den Arbeitsplätzen (2).",
        "Zeile 5, Spalte Raum: Der Raum „rh-105“ steht schon in Zeile 3.",
        "Zeile 5, Spalte Einheiten: Unbekannte Organisationseinheit(en): „ZZ“.",
        "Zeile 6, Spalte Raum: Pflichtfeld ist leer.",
    ]
    assert not Room.objects.exists() and not UnitRoom.objects.exists()


def test_a_new_building_needs_a_site_when_there_are_several(org, it):
    Site.objects.create(code="MITTE", name="Innenstadt")
    Site.objects.create(code="NORD", name="Nord")
    data = rooms("Gebäude;Gebäudename;Raum;Arbeitsplätze\nTR;Technisches Rathaus;TR-1;3\n")

    result = rooms_import(data=data, filename="x.csv", by=it)

    assert [str(p) for p in result.problems] == [
        "Zeile 2, Spalte Gebäude: Für das neue Gebäude „TR“ bitte den Standort angeben "
        "(Spalte Standort): es gibt 2 Standorte."
    ]


def test_a_new_site_is_created_with_a_hint(org, it):
    data = rooms(
        "Standort;Gebäude;Gebäudename;Raum;Arbeitsplätze;Fläche\n"
        "NORD;TR;Technisches Rathaus;TR-1;3;8\n"
        "NORD;TR;Techn. Rathaus;TR-2;3;\n"
    )

    result = rooms_import(data=data, filename="x.csv", by=it)

    assert [str(p) for p in result.problems] == [
        "Zeile 3, Spalte Gebäudename: Das neue Gebäude „TR“ heißt in Zeile 2 „Technisches "
        "Rathaus“, hier „Techn. Rathaus“."
    ]
    result = rooms_import(data=data.replace(b"Techn. ", b"Technisches "), filename="x.csv", by=it)
    assert result.ok
    assert [str(w) for w in result.warnings] == [
        "Zeile 2, Spalte Standort: Der Standort „NORD“ ist neu und wird angelegt.",
        "Zeile 2, Spalte Fläche: Nur 8 m² für 3 Arbeitsplätze: bitte prüfen.",
    ]
    assert Building.objects.get(code="TR").site.code == "NORD"


def test_a_room_out_of_use_stays_out_of_use_with_a_hint(it, make_room):
    make_room("RH-1", active=False)

    result = rooms_import(
        data=rooms("Gebäude;Raum;Arbeitsplätze\nRH;RH-1;4\n"), filename="x.csv", by=it
    )

    assert [str(w) for w in result.warnings][0].startswith(
        "Zeile 2, Spalte Raum: Der Raum ist außer Nutzung gestellt und bleibt es"
    )
    assert Room.objects.get().is_active is False


def test_the_room_command_prints_the_summary(read_file, org, it, tmp_path, capsys):
    Site.objects.create(code="MITTE", name="Innenstadt")
    path = tmp_path / "rooms.csv"
    path.write_bytes(read_file("rooms.csv"))

    call_command("import_rooms", str(path), "--dry-run")
    assert not Room.objects.exists()
    call_command("import_rooms", str(path))

    out = capsys.readouterr().out
    assert "Probelauf, nichts gespeichert. Räume: 4 neu" in out
    assert "Räume importiert: 4 neu, 0 geändert, 0 unverändert, 2 neue Gebäude." in out
    assert Room.objects.count() == 4


# --------------------------------------------------------------------------- absences


@pytest.fixture
def staff(org):
    return {
        "anna": EmployeeFactory(personnel_number="100001", unit=org["A1"], last_name="Adler"),
        "bert": EmployeeFactory(personnel_number="100002", unit=org["A1"], last_name="Berg"),
        "gone": EmployeeFactory(personnel_number="100003", unit=org["A1"], is_active=False),
    }


def periods(employee) -> list[tuple[dt.date, dt.date]]:
    return list(
        Absence.objects.filter(employee=employee).order_by("start").values_list("start", "end")
    )


def test_it_imports_absences_and_never_their_reasons(read_file, staff, hr):
    result = absences_import(data=read_file("absences.csv"), filename="zeit.csv", by=hr)

    assert result.ok, [str(p) for p in result.problems]
    assert periods(staff["anna"]) == [(dt.date(2027, 3, 8), dt.date(2027, 3, 12))]
    assert periods(staff["bert"]) == [(dt.date(2027, 3, 9), dt.date(2027, 3, 9))]
    assert set(Absence.objects.values_list("source", flat=True)) == {AbsenceSource.IMPORT}
    assert [str(w) for w in result.warnings] == [
        "Spalte Grund: Die Spalte wird nicht übernommen: gespeichert wird nur, dass jemand "
        "abwesend ist, nie warum (Krankheit ist ein Gesundheitsdatum).",
        "Zeile 4, Spalte Von: Überschneidet sich mit einer anderen Abwesenheit (Zeile 2); "
        "zusammengeführt zu 08.03.2027–12.03.2027.",
    ]
    assert result.summary_line() == "2 neu, 0 geändert, 0 unverändert."
    labels = list(
        AuditEvent.objects.filter(source="Import zeit.csv").values_list("object_label", flat=True)
    )
    assert sorted(labels) == [
        "Abwesenheit 100001 08.03.2027–12.03.2027",
        "Abwesenheit 100002 09.03.2027–09.03.2027",
    ]
    assert not any(
        "Krank" in str(v) for v in AuditEvent.objects.values_list("changes", "object_label")
    )


def test_importing_the_same_absences_twice_adds_nothing(read_file, staff, hr):
    absences_import(data=read_file("absences.csv"), filename="zeit.csv", by=hr)

    again = absences_import(data=read_file("absences.csv"), filename="zeit.csv", by=hr)

    assert again.ok
    assert again.summary_line() == "0 neu, 0 geändert, 3 unverändert."
    assert Absence.objects.count() == 2


def test_it_merges_an_absence_with_those_already_entered(staff, hr):
    anna = staff["anna"]
    Absence.objects.create(employee=anna, start=dt.date(2027, 3, 1), end=dt.date(2027, 3, 3))
    Absence.objects.create(employee=anna, start=dt.date(2027, 3, 5), end=dt.date(2027, 3, 5))
    data = b"Personalnummer;Von;Bis\r\n100001;03.03.2027;05.03.2027\r\n"

    result = absences_import(data=data, filename="zeit.csv", by=hr)

    assert result.ok
    assert periods(anna) == [(dt.date(2027, 3, 1), dt.date(2027, 3, 5))]
    assert [str(w) for w in result.warnings] == [
        "Zeile 2, Spalte Von: Überschneidet sich mit einer anderen Abwesenheit (eingetragen "
        "01.03.2027–03.03.2027; eingetragen 05.03.2027–05.03.2027); zusammengeführt zu "
        "01.03.2027–05.03.2027."
    ]
    assert result.counts() == {"created": 0, "changed": 2, "unchanged": 0}
    assert absences_import(data=data, filename="zeit.csv", by=hr).counts()["unchanged"] == 1


def test_it_skips_people_who_have_left_with_a_hint(staff, hr):
    data = b"Personalnummer;Von;Bis\r\n100003;03.03.2027;05.03.2027\r\n"

    result = absences_import(data=data, filename="zeit.csv", by=hr)

    assert result.ok and not Absence.objects.exists()
    assert "ist ausgeschieden; die Zeile wird übersprungen." in str(result.warnings[0])


def test_it_refuses_a_broken_absence_file_whole_with_every_problem(read_file, staff, hr):
    result = absences_import(data=read_file("absences_broken.csv"), filename="x.csv", by=hr)

    assert [str(p) for p in result.problems] == [
        "Zeile 2, Spalte Personalnummer: Die Personalnummer „199999“ ist nicht bekannt.",
        "Zeile 3, Spalte Bis: „Bis“ (10.03.2027) liegt vor „Von“ (12.03.2027).",
        "Zeile 4, Spalte Von: „31.02.2027“ ist kein gültiges Datum: diesen Tag gibt es nicht.",
        "Zeile 5, Spalte Personalnummer: Pflichtfeld ist leer.",
        "Zeile 5, Spalte Bis: Pflichtfeld ist leer.",
    ]
    assert not Absence.objects.exists()


def test_the_absence_command_refuses_a_broken_file(read_file, staff, tmp_path, capsys):
    path = tmp_path / "x.csv"
    path.write_bytes(read_file("absences_broken.csv"))

    with pytest.raises(SystemExit) as exit_:
        call_command("import_absences", str(path))

    assert exit_.value.code == 1
    assert "Import abgebrochen, nichts gespeichert (5 Problem(e))." in capsys.readouterr().err

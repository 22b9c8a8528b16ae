"""The HR import at service level: `org_units_import` and `employees_import`.

The files under `files/` are real bytes as Excel and HR systems write them
(Windows-1252 with CRLF, UTF-8 with BOM, XLSX); see `conftest.py`.
"""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook

from rathausmobil.core.audit import history_of
from rathausmobil.core.models import AuditEvent
from rathausmobil.organisation.importing import employees_import, org_units_import
from rathausmobil.organisation.models import Employee, OrgUnit, Position, UnitKind
from rathausmobil.organisation.tests.factories import UserFactory

BEFORE_ANY_EXIT = dt.date(2020, 12, 1)  # nobody in employees_cp1252.csv has left yet
MARCH_2021 = dt.date(2021, 3, 1)  # 004712 left on 31.01.2021, 004713 leaves on 30.06.2021

HEADER = (
    "Personalnummer;Nachname;Vorname;E-Mail;Organisationseinheit;Stellennummer;"
    "Stellenbezeichnung;Wochenstunden;Eintritt;Austritt"
)


def csv_bytes(*lines: str, encoding: str = "cp1252") -> bytes:
    return "".join(line + "\r\n" for line in lines).encode(encoding)


def import_employees(read_file, name: str, *, today=MARCH_2021, **kwargs):
    return employees_import(data=read_file(name), filename=name, today=today, **kwargs)


def snapshot():
    """Everything an import could write, to prove that nothing was."""
    return {
        "units": list(
            OrgUnit.objects.values_list("code", "name", "parent__code", "path", "head_id")
        ),
        "employees": list(
            Employee.objects.order_by("personnel_number").values_list(
                "personnel_number", "last_name", "unit__code", "is_active", "exit_date"
            )
        ),
        "positions": Position.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def people():
    return {
        e.personnel_number: e for e in Employee.objects.select_related("unit", "position", "user")
    }


# =========================================================================== org units


def test_it_imports_org_units_with_children_listed_before_their_parents(db, read_file):
    result = org_units_import(data=read_file("org_units.csv"), filename="org_units.csv")

    assert result.ok, result.problems
    assert result.counts() == {"created": 7, "changed": 0, "unchanged": 0, "deactivated": 0}
    units = {u.code: u for u in OrgUnit.objects.select_related("parent")}
    assert units["III"].name == "Dezernat III – Bürgerdienste und Ordnung"
    assert units["20"].name == "Kämmerei"
    assert units["33.2"].name == "Meldewesen, Pässe und Ausweise"
    assert {code: (u.parent.code if u.parent else None) for code, u in units.items()} == {
        "III": None,
        "32": "III",
        "32.1": "32",
        "33": "III",
        "33.2": "33",
        "II": None,
        "20": "II",
    }
    assert units["III"].kind == UnitKind.DEZERNAT
    assert units["32"].kind == UnitKind.AMT
    assert units["32.1"].kind == UnitKind.ABTEILUNG


def test_it_writes_materialised_paths(units):
    iii, u32, u321 = units["III"], units["32"], units["32.1"]

    assert iii.path == f"/{iii.pk}/"
    assert u32.path == f"/{iii.pk}/{u32.pk}/"
    assert u321.path == f"/{iii.pk}/{u32.pk}/{u321.pk}/"
    assert (iii.depth, u32.depth, u321.depth) == (0, 1, 2)


def test_it_rewrites_paths_of_a_moved_unit_and_everything_below_it(units, read_file):
    result = org_units_import(
        data=read_file("org_units_reparented.csv"), filename="org_units_reparented.csv"
    )

    assert result.ok, result.problems
    assert result.counts() == {"created": 0, "changed": 1, "unchanged": 6, "deactivated": 0}
    assert result.changed == [
        {"label": "33 Bürgerbüro", "changes": {"Übergeordnet": ["III", "II"]}}
    ]
    ii, u33, u332 = (OrgUnit.objects.get(code=code) for code in ("II", "33", "33.2"))
    assert u33.parent == ii
    assert u33.path == f"/{ii.pk}/{u33.pk}/"
    assert u332.path == f"/{ii.pk}/{u33.pk}/{u332.pk}/"
    assert OrgUnit.objects.get(code="32.1").path == units["32.1"].path  # untouched branch
    event = history_of(u33).first()
    assert event.action == "geändert"
    assert event.changes == {"Übergeordnet": ["III", "II"]}


def test_it_changes_no_org_unit_on_the_second_import(units, read_file):
    events = AuditEvent.objects.count()

    result = org_units_import(data=read_file("org_units.csv"), filename="org_units.csv")

    assert result.counts() == {"created": 0, "changed": 0, "unchanged": 7, "deactivated": 0}
    assert AuditEvent.objects.count() == events


def test_it_warns_about_a_head_who_is_not_yet_an_employee(db, read_file):
    result = org_units_import(data=read_file("org_units.csv"), filename="org_units.csv")

    assert [str(w) for w in result.warnings] == [
        "Zeile 2, Spalte Leitung: Die Leitung „000815“ ist noch nicht als Beschäftigte/r "
        "bekannt; sie wird beim Import der Beschäftigten zugeordnet.",
        "Zeile 5, Spalte Leitung: Die Leitung „000123“ ist noch nicht als Beschäftigte/r "
        "bekannt; sie wird beim Import der Beschäftigten zugeordnet.",
        "Zeile 8, Spalte Leitung: Die Leitung „009999“ ist noch nicht als Beschäftigte/r "
        "bekannt; sie wird beim Import der Beschäftigten zugeordnet.",
    ]
    assert OrgUnit.objects.get(code="32").head is None
    assert OrgUnit.objects.get(code="32").head_personnel_number == "000815"


def test_it_links_heads_named_in_the_unit_file_once_the_employees_are_imported(units, read_file):
    result = import_employees(read_file, "employees_cp1252.csv")

    assert result.ok, result.problems
    heads = dict(OrgUnit.objects.values_list("code", "head__personnel_number"))
    assert heads["32"] == "000815"
    assert heads["33"] == "000123"
    assert heads["20"] is None  # 009999 is not in the file; the number is kept for later
    assert OrgUnit.objects.get(code="20").head_personnel_number == "009999"


def test_it_links_a_head_who_is_already_an_employee_right_away(units, read_file):
    import_employees(read_file, "employees_cp1252.csv")
    data = csv_bytes("Kennung;Bezeichnung;Übergeordnet;Leitung", "33.2;Meldewesen;33;004711")

    result = org_units_import(data=data, filename="leitung.csv")

    assert result.ok and not result.warnings
    assert OrgUnit.objects.get(code="33.2").head == Employee.objects.get(personnel_number="004711")


def test_it_reads_english_org_unit_headers(db, read_file):
    result = org_units_import(data=read_file("org_units_english.csv"), filename="units.csv")

    assert result.ok, result.problems
    unit = OrgUnit.objects.get(code="33")
    assert (unit.name, unit.parent.code, unit.head_personnel_number) == (
        "Bürgerbüro",
        "III",
        "000123",
    )


@pytest.mark.parametrize(
    ("name", "problems"),
    [
        (
            "org_units_cycle.csv",
            [
                "Zeile 3, Spalte Übergeordnet: Die Einheit „32“ läge unter sich selbst (Kreis in der Hierarchie).",
                "Zeile 4, Spalte Übergeordnet: Die Einheit „32.1“ läge unter sich selbst (Kreis in der Hierarchie).",
            ],
        ),
        (
            "org_units_unknown_parent.csv",
            [
                "Zeile 4, Spalte Übergeordnet: Die übergeordnete Einheit „IV“ ist weder in der Datei "
                "noch bereits bekannt."
            ],
        ),
        (
            "org_units_duplicate_code.csv",
            ["Zeile 5, Spalte Kennung: Die Kennung „32“ steht schon in Zeile 3."],
        ),
        (
            "org_units_missing_column.csv",
            ["Zeile 1, Spalte Bezeichnung: Pflichtspalte fehlt in der Kopfzeile."],
        ),
        ("empty.csv", ["Die Datei ist leer."]),
        ("bom_only.csv", ["Die Datei ist leer."]),
    ],
)
def test_it_rejects_a_broken_org_unit_file_as_a_whole(db, read_file, name, problems):
    before = snapshot()

    result = org_units_import(data=read_file(name), filename=name)

    assert [str(p) for p in result.problems] == problems
    assert not result.applied
    assert snapshot() == before


def test_it_rejects_a_cycle_through_units_already_in_the_database(units):
    data = csv_bytes("Kennung;Bezeichnung;Übergeordnet", "III;Dezernat III;32.1")
    before = snapshot()

    result = org_units_import(data=data, filename="kreis.csv")

    assert [str(p) for p in result.problems] == [
        "Zeile 2, Spalte Übergeordnet: Die Einheit „III“ läge unter sich selbst (Kreis in der Hierarchie)."
    ]
    assert snapshot() == before


def test_it_rejects_a_unit_that_is_its_own_parent(db):
    data = csv_bytes("Kennung;Bezeichnung;Übergeordnet", "III;Dezernat III;III")

    result = org_units_import(data=data, filename="selbst.csv")

    assert [str(p) for p in result.problems] == [
        "Zeile 2, Spalte Übergeordnet: Eine Einheit kann nicht sich selbst übergeordnet sein."
    ]
    assert not OrgUnit.objects.exists()


# =========================================================================== employees: formats


def test_it_imports_a_windows_1252_semicolon_file_from_excel(units, read_file):
    result = import_employees(read_file, "employees_cp1252.csv")

    assert result.ok, result.problems
    assert result.counts() == {"created": 5, "changed": 0, "unchanged": 0, "deactivated": 0}
    staff = people()
    assert sorted(staff) == ["000123", "000815", "004711", "004712", "004713"]  # leading zeros kept
    mueller = staff["000123"]
    assert (mueller.last_name, mueller.first_name) == ("Müller", "Jürgen")
    assert mueller.email == "juergen.mueller@stadt.example"  # stored in lower case
    assert mueller.unit.code == "33"
    assert (mueller.position.number, mueller.position.title) == ("33-001", "Amtsleitung Bürgerbüro")
    assert mueller.weekly_hours == Decimal("39")
    assert mueller.entry_date == dt.date(2008, 4, 1)
    assert mueller.exit_date is None
    assert (staff["000815"].last_name, staff["000815"].first_name) == ("Weiß", "Änne")
    assert (staff["004711"].last_name, staff["004711"].first_name) == ("Größe", "Björn")
    assert staff["004711"].weekly_hours == Decimal("19.5")
    assert (staff["004712"].last_name, staff["004712"].first_name) == ("Çelik", "Zoë")
    assert staff["004712"].weekly_hours == Decimal("30.75")
    assert staff["004712"].entry_date == dt.date(2020, 2, 1)  # ISO date in the same file
    assert staff["004713"].email == ""
    # Job sharing: two people on position 32-101.
    assert staff["004712"].position == staff["004713"].position
    assert Position.objects.count() == 4


def test_it_imports_a_utf8_bom_comma_file_with_quoted_commas(units, read_file):
    result = import_employees(read_file, "employees_utf8_bom_comma.csv")

    assert result.ok, result.problems
    staff = people()
    assert sorted(staff) == ["000123", "007001", "007002"]
    assert staff["000123"].position.title == "Amtsleitung Bürgerbüro, Standort Mitte"
    assert staff["007001"].last_name == "Schmidt, geb. Meier"
    assert staff["007001"].position.title == "Sachbearbeitung Pässe, Ausweise"
    assert staff["007001"].weekly_hours == Decimal("19.5")  # decimal point
    assert staff["007002"].first_name == 'Jürgen "Jogi"'
    assert staff["007002"].weekly_hours == Decimal("38.5")  # decimal comma inside quotes
    assert staff["007002"].position is None


def test_it_imports_an_xlsx_file_exactly_like_the_csv_file(units, read_file):
    result = import_employees(read_file, "employees.xlsx")
    assert result.ok, result.problems
    assert result.counts()["created"] == 5
    staff = people()
    assert sorted(staff) == ["000123", "000815", "004711", "004712", "004713"]
    assert staff["004713"].exit_date == dt.date(2021, 6, 30)

    # The same people from the Windows CSV: nothing differs.
    again = import_employees(read_file, "employees_cp1252.csv")

    assert again.counts() == {"created": 0, "changed": 0, "unchanged": 5, "deactivated": 0}, (
        again.changed
    )


def test_it_reads_english_headers(units, read_file):
    result = import_employees(read_file, "employees_english.csv")

    assert result.ok, result.problems
    nguyen = Employee.objects.get(personnel_number="008001")
    assert (nguyen.last_name, nguyen.first_name, nguyen.unit.code) == ("Nguyen", "Thi Lan", "33")
    assert nguyen.weekly_hours == Decimal("20.5")
    assert nguyen.entry_date == dt.date(2021, 1, 15)
    assert nguyen.position.title == "Sachbearbeitung Bürgerbüro"


@pytest.mark.parametrize(
    ("encoding", "prefix", "separator"),
    [
        ("utf-8", "", ";"),
        ("utf-8-sig", "", ";"),
        ("cp1252", "", ","),
        ("cp1252", "sep=;\r\n", ";"),  # Excel's hint line
        ("utf-16", "", "\t"),  # Excel's "Unicode text"
    ],
)
def test_it_detects_encoding_and_separator(units, encoding, prefix, separator):
    lines = [
        HEADER.replace(";", separator),
        separator.join(["000123", "Müller", "Jürgen", "", "33", "", "", "19,5", "01.04.2008", ""])
        if separator != ","
        else '000123,Müller,Jürgen,,33,,,"19,5",01.04.2008,',
    ]
    data = (prefix + "".join(line + "\r\n" for line in lines)).encode(encoding)

    result = employees_import(data=data, filename="personal.csv", today=MARCH_2021)

    assert result.ok, result.problems
    mueller = Employee.objects.get(personnel_number="000123")
    assert (mueller.last_name, mueller.first_name, mueller.weekly_hours) == (
        "Müller",
        "Jürgen",
        Decimal("19.5"),
    )


def test_it_stores_a_name_beginning_with_an_equals_sign_as_text(units):
    data = csv_bytes(
        HEADER,
        "000123;=Müller;=1+1;;33;;;39;01.04.2008;",
        '000124;"=HYPERLINK(""http://evil.example"")";@SUMME(A1);;33;;;39;01.04.2008;',
    )

    result = employees_import(data=data, filename="formeln.csv", today=MARCH_2021)

    assert result.ok, result.problems
    assert Employee.objects.get(personnel_number="000123").last_name == "=Müller"
    assert Employee.objects.get(personnel_number="000123").first_name == "=1+1"
    assert (
        Employee.objects.get(personnel_number="000124").last_name
        == '=HYPERLINK("http://evil.example")'
    )


def xlsx(rows, prepare=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if prepare:
        prepare(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_it_stores_an_xlsx_name_cell_beginning_with_an_equals_sign_as_text(units):
    def as_text_and_as_formula(sheet):
        sheet["B2"].data_type = "s"  # a text cell "=Müller", as Excel stores typed text
        # B3 stays what openpyxl makes of "=Müller": a formula without a computed value.

    data = xlsx(
        [
            HEADER.split(";"),
            ["000123", "=Müller", "Jürgen", None, "33", None, None, 39, dt.date(2008, 4, 1)],
            ["000124", "=Müller", "Jörg", None, "33", None, None, 39, dt.date(2008, 4, 1)],
        ],
        as_text_and_as_formula,
    )

    result = employees_import(data=data, filename="formeln.xlsx", today=MARCH_2021)

    assert result.ok, result.problems
    assert Employee.objects.get(personnel_number="000123").last_name == "=Müller"
    assert Employee.objects.get(personnel_number="000124").last_name == "=Müller"


def test_it_reads_every_row_of_an_xlsx_file_with_a_wrong_used_range(units):
    """Some report generators write `<dimension ref="A1"/>` whatever the sheet holds."""
    data = xlsx(
        [
            HEADER.split(";"),
            ["000123", "Müller", "Jürgen", None, "33", None, None, 39, "01.04.2008"],
            ["000815", "Weiß", "Änne", None, "32", None, None, "19,5", "15.08.2015"],
        ]
    )
    source, target = io.BytesIO(data), io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            content = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b'<dimension ref="A1:J3" />' in content
                content = content.replace(b'<dimension ref="A1:J3" />', b'<dimension ref="A1" />')
            zout.writestr(item, content)

    result = employees_import(data=target.getvalue(), filename="bericht.xlsx", today=MARCH_2021)

    assert result.ok, result.problems
    assert sorted(people()) == ["000123", "000815"]
    assert Employee.objects.get(personnel_number="000815").weekly_hours == Decimal("19.5")


def test_it_keeps_leading_zeros_excel_shows_for_a_number_cell(units):
    def zero_padded(sheet):
        sheet["A2"].number_format = "000000"

    data = xlsx(
        [
            HEADER.split(";"),
            [4711, "Größe", "Björn", None, "33.2", None, None, 19.5, dt.date(2019, 10, 1)],
        ],
        zero_padded,
    )

    result = employees_import(data=data, filename="personal.xlsx", today=MARCH_2021)

    assert result.ok, result.problems
    assert list(Employee.objects.values_list("personnel_number", flat=True)) == ["004711"]


def test_it_reads_dates_with_a_midnight_time_as_excel_writes_them(units):
    data = csv_bytes(HEADER, "000123;Müller;Jürgen;;33;;;39;01.04.2008 00:00;2021-06-30 00:00:00")

    result = employees_import(data=data, filename="personal.csv", today=MARCH_2021)

    assert result.ok, result.problems
    mueller = Employee.objects.get()
    assert (mueller.entry_date, mueller.exit_date) == (dt.date(2008, 4, 1), dt.date(2021, 6, 30))


# =========================================================================== employees: upsert


def test_it_changes_nothing_when_the_same_file_is_imported_twice(units, read_file):
    import_employees(read_file, "employees_cp1252.csv")
    before = snapshot()
    stamps = dict(Employee.objects.values_list("personnel_number", "updated_at"))

    result = import_employees(read_file, "employees_cp1252.csv")

    assert result.ok
    assert result.counts() == {"created": 0, "changed": 0, "unchanged": 5, "deactivated": 0}
    assert snapshot() == before
    assert dict(Employee.objects.values_list("personnel_number", "updated_at")) == stamps


def test_it_updates_a_changed_unit_and_keeps_it_in_the_history(units, read_file):
    import_employees(read_file, "employees_cp1252.csv")
    hr = UserFactory(username="personalamt")

    result = import_employees(read_file, "employees_unit_changed.csv", by=hr)

    assert result.ok, result.problems
    assert result.counts() == {"created": 0, "changed": 1, "unchanged": 3, "deactivated": 0}
    assert result.changed == [
        {"label": "Größe, Björn (004711)", "changes": {"Organisationseinheit": ["33.2", "32.1"]}}
    ]
    groesse = Employee.objects.get(personnel_number="004711")
    assert groesse.unit.code == "32.1"
    event = history_of(groesse).first()
    assert event.object_type == "organisation.employee"
    assert event.action == "geändert"
    assert event.changes == {"Organisationseinheit": ["33.2", "32.1"]}
    assert event.actor == hr
    assert event.source == "Import employees_unit_changed.csv"
    assert [e.action for e in history_of(groesse)] == ["geändert", "angelegt"]


def test_it_keeps_people_who_are_missing_from_the_file(units, read_file):
    import_employees(read_file, "employees_cp1252.csv", today=BEFORE_ANY_EXIT)

    import_employees(
        read_file, "employees_unit_changed.csv", today=BEFORE_ANY_EXIT
    )  # without 004713

    schaefer = Employee.objects.get(personnel_number="004713")
    assert schaefer.is_active
    assert schaefer.unit.code == "32.1"
    assert not history_of(schaefer).exclude(action="angelegt").exists()


def test_it_deactivates_a_person_whose_exit_date_has_passed(units, read_file):
    import_employees(read_file, "employees_cp1252.csv", today=BEFORE_ANY_EXIT)
    account = UserFactory(username="zcelik", email="Zoe.Celik@stadt.example")
    import_employees(read_file, "employees_cp1252.csv", today=BEFORE_ANY_EXIT)  # links the account
    celik = Employee.objects.get(personnel_number="004712")
    assert celik.is_active and celik.user == account

    result = import_employees(read_file, "employees_cp1252.csv", today=MARCH_2021)

    assert result.counts() == {"created": 0, "changed": 0, "unchanged": 4, "deactivated": 1}
    assert result.deactivated == ["Çelik, Zoë (004712)"]
    celik.refresh_from_db()
    account.refresh_from_db()
    assert not celik.is_active
    assert not account.is_active  # a leaver can no longer sign in
    assert celik.user == account  # the link stays for the record
    event = history_of(celik).first()
    assert event.action == "deaktiviert"
    assert event.changes == {"aktiv": ["ja", "nein"]}
    assert Employee.objects.get(personnel_number="004713").is_active  # leaves in June


def test_it_keeps_a_person_active_on_their_last_day(units, read_file):
    import_employees(read_file, "employees_cp1252.csv", today=dt.date(2021, 1, 31))

    assert Employee.objects.get(personnel_number="004712").is_active


def test_it_records_every_change_of_a_person_who_is_deactivated(units, read_file):
    import_employees(read_file, "employees_cp1252.csv", today=BEFORE_ANY_EXIT)
    data = csv_bytes(
        HEADER,
        "004711;Größe;Björn;;32.1;33-201;Sachbearbeitung Meldewesen;19,5;01.10.2019;31.12.2020",
    )

    result = employees_import(data=data, filename="austritt.csv", today=MARCH_2021)

    assert result.deactivated == ["Größe, Björn (004711)"]
    event = history_of(Employee.objects.get(personnel_number="004711")).first()
    assert event.action == "deaktiviert"
    assert event.changes == {
        "E-Mail": ["bjoern.groesse@stadt.example", "–"],
        "Organisationseinheit": ["33.2", "32.1"],
        "Austritt": ["–", "31.12.2020"],
        "aktiv": ["ja", "nein"],
    }


def test_it_reactivates_a_person_whose_exit_date_was_withdrawn(units, read_file):
    import_employees(read_file, "employees_cp1252.csv", today=MARCH_2021)
    data = csv_bytes(
        HEADER,
        "004712;Çelik;Zoë;zoe.celik@stadt.example;32.1;32-101;Sachbearbeitung Gewerbe;30,75;2020-02-01;",
    )

    result = employees_import(data=data, filename="rueckkehr.csv", today=MARCH_2021)

    assert result.changed == [
        {
            "label": "Çelik, Zoë (004712)",
            "changes": {"Austritt": ["31.01.2021", "–"], "aktiv": ["nein", "ja"]},
        }
    ]
    assert Employee.objects.get(personnel_number="004712").is_active


def test_it_changes_nothing_for_a_column_the_file_does_not_have(units, read_file):
    import_employees(read_file, "employees_cp1252.csv", today=MARCH_2021)
    data = csv_bytes(
        "Personalnummer;Nachname;Vorname;Organisationseinheit;Wochenstunden;Eintritt",
        "000123;Müller;Jürgen;33;39;01.04.2008",
        "004712;Çelik;Zoë;32.1;30,75;01.02.2020",
    )

    result = employees_import(data=data, filename="ohne_email.csv", today=MARCH_2021)

    assert result.counts() == {"created": 0, "changed": 0, "unchanged": 2, "deactivated": 0}
    staff = people()
    assert staff["000123"].email == "juergen.mueller@stadt.example"
    assert staff["000123"].position.number == "33-001"
    assert staff["004712"].exit_date == dt.date(2021, 1, 31)
    assert not staff["004712"].is_active


def test_it_links_user_accounts_by_email_and_creates_none(units, read_file):
    account = UserFactory(username="jmueller", email="JUERGEN.MUELLER@stadt.example")
    UserFactory(username="other", email="someone.else@stadt.example")
    users = account.__class__.objects.count()

    import_employees(read_file, "employees_cp1252.csv")

    assert Employee.objects.get(personnel_number="000123").user == account
    assert Employee.objects.get(personnel_number="000815").user is None
    assert account.__class__.objects.count() == users


def test_it_writes_nothing_on_a_dry_run(units, read_file):
    before = snapshot()

    result = import_employees(read_file, "employees_cp1252.csv", dry_run=True)

    assert result.ok
    assert result.counts() == {"created": 5, "changed": 0, "unchanged": 0, "deactivated": 0}
    assert not result.applied
    assert snapshot() == before


def test_it_shows_the_changes_of_a_dry_run(units, read_file):
    import_employees(read_file, "employees_cp1252.csv", today=BEFORE_ANY_EXIT)
    before = snapshot()

    result = import_employees(
        read_file, "employees_unit_changed.csv", today=MARCH_2021, dry_run=True
    )

    assert result.counts() == {"created": 0, "changed": 1, "unchanged": 2, "deactivated": 1}
    assert snapshot() == before


def test_it_writes_nothing_for_org_units_on_a_dry_run(db, read_file):
    result = org_units_import(
        data=read_file("org_units.csv"), filename="org_units.csv", dry_run=True
    )

    assert result.counts()["created"] == 7
    assert not OrgUnit.objects.exists()
    assert not AuditEvent.objects.exists()


# =========================================================================== employees: broken files

BROKEN_EMPLOYEE_FILES = [
    (
        "employees_duplicate_personnel_number.csv",
        ["Zeile 4, Spalte Personalnummer: Die Personalnummer „000123“ steht schon in Zeile 2."],
    ),
    (
        "employees_unknown_unit.csv",
        [
            "Zeile 3, Spalte Organisationseinheit: Die Organisationseinheit „99“ ist nicht bekannt. "
            "Bitte zuerst die Organisationseinheiten importieren."
        ],
    ),
    (
        "employees_missing_column.csv",
        ["Zeile 1, Spalte Eintritt: Pflichtspalte fehlt in der Kopfzeile."],
    ),
    (
        "employees_impossible_date.csv",
        [
            "Zeile 3, Spalte Eintritt: „31.02.2021“ ist kein gültiges Datum: diesen Tag gibt es nicht."
        ],
    ),
    (
        "employees_two_digit_year.csv",
        [
            "Zeile 2, Spalte Eintritt: „01.10.19“ hat eine zweistellige Jahreszahl. Bitte das Jahr "
            "vierstellig angeben (TT.MM.JJJJ)."
        ],
    ),
    (
        "employees_exit_before_entry.csv",
        [
            "Zeile 3, Spalte Austritt: Der Austritt (30.09.2019) liegt vor dem Eintritt (01.10.2019)."
        ],
    ),
    (
        "employees_hours_not_numeric.csv",
        [
            "Zeile 2, Spalte Wochenstunden: „halbtags“ ist keine Zahl. Erwartet wird z. B. 39 oder 19,5."
        ],
    ),
    (
        "employees_hours_out_of_range.csv",
        [
            "Zeile 2, Spalte Wochenstunden: Wochenstunden müssen größer als 0 und höchstens 60 sein "
            "(gefunden: 0).",
            "Zeile 3, Spalte Wochenstunden: Wochenstunden müssen größer als 0 und höchstens 60 sein "
            "(gefunden: 70).",
        ],
    ),
    (
        "employees_invalid_email.csv",
        [
            "Zeile 3, Spalte E-Mail: „bjoern.groesse(at)stadt.example“ ist keine gültige E-Mail-Adresse."
        ],
    ),
    ("empty.csv", ["Die Datei ist leer."]),
    ("bom_only.csv", ["Die Datei ist leer."]),
    (
        "employees_header_only.csv",
        ["Zeile 1: Die Datei enthält nur die Kopfzeile, aber keine Datenzeilen."],
    ),
    (
        "employees_too_many_fields.csv",
        [
            "Zeile 3: Die Zeile hat 11 Felder, die Kopfzeile nur 10. Steht ein "
            "Trennzeichen im Text, ohne dass das Feld in Anführungszeichen steht?"
        ],
    ),
    (
        "employees_unclosed_quote.csv",
        [
            "Zeile 3, Spalte Nachname: Ein Feld beginnt mit einem Anführungszeichen, das bis zum "
            "Dateiende nicht geschlossen wird. Bitte das fehlende Anführungszeichen ergänzen."
        ],
    ),
    (
        "corrupt.xlsx",
        [
            "Die Excel-Datei ist beschädigt oder keine XLSX-Datei. Bitte in Excel öffnen und "
            "erneut als .xlsx oder als CSV speichern."
        ],
    ),
    (
        "old_format.xls",
        [
            "Das alte Excel-Format (.xls) wird nicht unterstützt. Bitte in Excel „Speichern unter“ "
            "wählen und als .xlsx oder als CSV speichern."
        ],
    ),
    (
        "employees_many_problems.csv",
        [
            "Zeile 4, Spalte Eintritt: „31.02.2021“ ist kein gültiges Datum: diesen Tag gibt es nicht.",
            "Zeile 5, Spalte E-Mail: „zoe.celik(at)stadt.example“ ist keine gültige E-Mail-Adresse.",
            "Zeile 5, Spalte Organisationseinheit: Die Organisationseinheit „99“ ist nicht bekannt. "
            "Bitte zuerst die Organisationseinheiten importieren.",
            "Zeile 5, Spalte Wochenstunden: Wochenstunden müssen größer als 0 und höchstens 60 sein "
            "(gefunden: 70).",
            "Zeile 6, Spalte Personalnummer: Die Personalnummer „000123“ steht schon in Zeile 2.",
            "Zeile 7, Spalte Personalnummer: Pflichtfeld ist leer.",
            "Zeile 7, Spalte Vorname: Pflichtfeld ist leer.",
        ],
    ),
    (
        "org_units.csv",  # the wrong file for this import
        [
            "Zeile 1: Die Kopfzeile wurde nicht erkannt: keine der erwarteten Spalten gefunden. "
            "Erwartet werden mindestens: Personalnummer, Nachname, Vorname, Organisationseinheit, "
            "Wochenstunden, Eintritt. Trennzeichen: Semikolon, Komma oder Tabulator."
        ],
    ),
]


@pytest.mark.parametrize(
    ("name", "problems"), BROKEN_EMPLOYEE_FILES, ids=[n for n, _ in BROKEN_EMPLOYEE_FILES]
)
def test_it_rejects_a_broken_employee_file_as_a_whole(units, read_file, name, problems):
    before = snapshot()

    result = import_employees(read_file, name)

    assert [str(p) for p in result.problems] == problems
    assert not result.ok and not result.applied
    assert snapshot() == before  # not even the valid rows


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("29.02.2021", "„29.02.2021“ ist kein gültiges Datum: diesen Tag gibt es nicht."),
        ("2021-13-01", "„2021-13-01“ ist kein gültiges Datum: diesen Tag gibt es nicht."),
        ("01.04.1850", "„01.04.1850“ liegt außerhalb des möglichen Zeitraums (1900 bis 2200)."),
        ("April 2008", "„April 2008“ ist kein Datum. Erwartet wird TT.MM.JJJJ oder JJJJ-MM-TT."),
        ("01/04/2008", "„01/04/2008“ ist kein Datum. Erwartet wird TT.MM.JJJJ oder JJJJ-MM-TT."),
    ],
)
def test_it_names_the_reason_a_date_is_rejected(units, cell, problem):
    data = csv_bytes(HEADER, f"000123;Müller;Jürgen;;33;;;39;{cell};")

    result = employees_import(data=data, filename="personal.csv", today=MARCH_2021)

    assert [str(p) for p in result.problems] == [f"Zeile 2, Spalte Eintritt: {problem}"]


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            "000 123;Müller;Jürgen;;33;;;39;01.04.2008;",
            "Zeile 2, Spalte Personalnummer: „000 123“ ist keine gültige Personalnummer: erlaubt sind "
            "Buchstaben, Ziffern und . _ / - (höchstens 32 Zeichen).",
        ),
        (
            f"000123;{'M' * 101};Jürgen;;33;;;39;01.04.2008;",
            "Zeile 2, Spalte Nachname: Der Text ist zu lang (101 Zeichen, höchstens 100).",
        ),
        (
            "000123;Müller;Jürgen;;33;;;19,125;01.04.2008;",
            "Zeile 2, Spalte Wochenstunden: Wochenstunden mit höchstens zwei Nachkommastellen angeben "
            "(gefunden: 19,125).",
        ),
        (
            '000123;"Mül\r\nler";Jürgen;;33;;;39;01.04.2008;',
            "Zeile 2, Spalte Nachname: Das Feld enthält einen Zeilenumbruch. Fehlt ein schließendes "
            "Anführungszeichen?",
        ),
    ],
)
def test_it_names_the_reason_a_cell_is_rejected(units, row, problem):
    data = csv_bytes(HEADER, row, "000815;Weiß;Änne;;32;;;39;15.08.2015;")

    result = employees_import(data=data, filename="personal.csv", today=MARCH_2021)

    assert [str(p) for p in result.problems] == [problem]


def test_it_rejects_a_column_given_twice(units):
    data = csv_bytes(HEADER + ";Name", "000123;Müller;Jürgen;;33;;;39;01.04.2008;;Müller")

    result = employees_import(data=data, filename="personal.csv", today=MARCH_2021)

    assert [str(p) for p in result.problems] == [
        "Zeile 1, Spalte Name: Die Spalte „Nachname“ kommt doppelt vor („Nachname“ und „Name“)."
    ]


def test_it_rejects_an_unknown_unit_level(db):
    data = csv_bytes("Kennung;Bezeichnung;Übergeordnet;Ebene", "III;Dezernat III;;Referat")

    result = org_units_import(data=data, filename="einheiten.csv")

    assert [str(p) for p in result.problems] == [
        "Zeile 2, Spalte Ebene: „Referat“ ist keine bekannte Ebene (Dezernat, Amt, Abteilung, Sachgebiet)."
    ]


def test_it_accepts_a_leap_day(units):
    data = csv_bytes(HEADER, "000123;Müller;Jürgen;;33;;;39;29.02.2020;")

    assert employees_import(data=data, filename="personal.csv", today=MARCH_2021).ok


@pytest.mark.parametrize(
    ("cell", "hours"), [("60", Decimal("60")), ("0,5", Decimal("0.5")), ("38,50", Decimal("38.5"))]
)
def test_it_accepts_weekly_hours_within_the_limits(units, cell, hours):
    data = csv_bytes(HEADER, f"000123;Müller;Jürgen;;33;;;{cell};01.04.2008;")

    assert employees_import(data=data, filename="personal.csv", today=MARCH_2021).ok
    assert Employee.objects.get().weekly_hours == hours


def test_it_reports_an_unclosed_quote_in_a_large_file_at_the_line_where_it_opens(units):
    rows = [f"{100000 + n};Muster;Erika;;33;;;39;01.04.2008;" for n in range(6000)]
    rows[1] = '100001;"Muster;Erika;;33;;;39;01.04.2008;'
    data = csv_bytes(HEADER, *rows)

    result = employees_import(data=data, filename="gross.csv", today=MARCH_2021)

    assert [str(p)[:25] for p in result.problems] == ["Zeile 3: Ein Feld beginnt"]
    assert not Employee.objects.exists()


def test_it_accepts_a_separator_at_the_end_of_every_data_line(units):
    data = csv_bytes(
        HEADER,
        "000123;Müller;Jürgen;;33;;;39;01.04.2008;;",
        "000815;Weiß;Änne;;32;;;39;15.08.2015;;",
    )

    result = employees_import(data=data, filename="personal.csv", today=MARCH_2021)

    assert result.ok, result.problems
    assert Employee.objects.count() == 2


def test_it_rejects_a_value_in_a_column_without_header(units):
    data = csv_bytes(HEADER + ";", "000123;Müller;Jürgen;;33;;;39;01.04.2008;;Notiz")

    result = employees_import(data=data, filename="personal.csv", today=MARCH_2021)

    assert [str(p) for p in result.problems] == [
        "Zeile 2: Die Zeile hat Werte rechts der letzten Spalte mit Überschrift. Bitte die "
        "Überschrift ergänzen oder die Werte löschen."
    ]


def test_it_accepts_data_lines_that_leave_out_empty_fields_at_the_end(units):
    data = csv_bytes(
        HEADER, "000123;Müller;Jürgen;;33;;;39;01.04.2008", "000815;Weiß;Änne;;32;;;39;15.08.2015;"
    )

    result = employees_import(data=data, filename="personal.csv", today=MARCH_2021)

    assert result.ok, result.problems
    assert Employee.objects.count() == 2


@pytest.mark.parametrize(
    "header",
    [
        "PERSONAL-NR.;Name;Vorname;E-Mail-Adresse;OE;Stelle;Stellenbezeichnung;Std./Woche;Eintrittsdatum;Austrittsdatum",
        "personnel_number;last_name;first_name;email;org_unit;position_number;position_title;weekly_hours;entry_date;exit_date",
        "Employee ID;Surname;Given name;E-mail;Unit code;Position ID;Job title;Hours;Start date;End date",
    ],
)
def test_it_recognises_column_names_however_they_are_written(units, header):
    data = csv_bytes(
        header, "000123;Müller;Jürgen;j.mueller@stadt.example;33;33-001;Amtsleitung;39;01.04.2008;"
    )

    result = employees_import(data=data, filename="personal.csv", today=MARCH_2021)

    assert result.ok, result.problems
    mueller = Employee.objects.get()
    assert (mueller.personnel_number, mueller.last_name, mueller.unit.code) == (
        "000123",
        "Müller",
        "33",
    )
    assert (mueller.email, mueller.position.title) == ("j.mueller@stadt.example", "Amtsleitung")


def test_it_lists_org_unit_problems_in_the_order_of_the_file(db):
    data = csv_bytes(
        "Kennung;Bezeichnung;Übergeordnet",
        "III;Dezernat III;",
        "32;Ordnungsamt;IV",
        "33;;III",
        "III;Noch einmal;",
    )

    result = org_units_import(data=data, filename="einheiten.csv")

    assert [str(p) for p in result.problems] == [
        "Zeile 3, Spalte Übergeordnet: Die übergeordnete Einheit „IV“ ist weder in der Datei noch bereits bekannt.",
        "Zeile 4, Spalte Bezeichnung: Pflichtfeld ist leer.",
        "Zeile 5, Spalte Kennung: Die Kennung „III“ steht schon in Zeile 2.",
    ]


def test_it_rejects_a_password_protected_xlsx_file(units):
    data = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(200)
        + "EncryptedPackage".encode("utf-16-le")
        + bytes(200)
    )

    result = employees_import(data=data, filename="geschuetzt.xlsx", today=MARCH_2021)

    assert [str(p) for p in result.problems] == [
        "Die Excel-Datei ist mit einem Kennwort geschützt. Bitte den Kennwortschutz in Excel "
        "entfernen und die Datei erneut speichern."
    ]


def test_it_counts_lines_like_an_editor_when_a_cell_holds_a_form_feed(units):
    data = csv_bytes(
        HEADER,
        "000123;Mül\x0cler;Jürgen;;33;;;39;01.04.2008;",
        "000124;Weiß;Änne;;33;;;39;31.02.2021;",
    )

    result = employees_import(data=data, filename="personal.csv", today=MARCH_2021)

    assert [str(p)[:25] for p in result.problems] == ["Zeile 3, Spalte Eintritt:"]


def test_it_rejects_a_file_in_an_unknown_encoding(units):
    data = HEADER.encode() + b"\r\n000123;M\x81ller;J\x9drgen;;33;;;39;01.04.2008;\r\n"

    result = employees_import(data=data, filename="personal.csv", today=MARCH_2021)

    assert [str(p) for p in result.problems] == [
        "Die Zeichenkodierung der Datei ist nicht erkennbar. Erwartet wird UTF-8 (mit oder ohne "
        "BOM) oder Windows-1252 (ANSI)."
    ]


def test_it_rejects_an_xlsx_file_that_is_a_zip_of_something_else(units):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")

    result = employees_import(data=buffer.getvalue(), filename="personal.ods", today=MARCH_2021)

    assert [str(p)[:36] for p in result.problems] == ["Die Excel-Datei ist beschädigt oder "]


def test_it_rejects_an_xlsx_file_with_a_broken_sheet(units):
    data = xlsx(
        [
            HEADER.split(";"),
            ["000123", "Müller", "Jürgen", None, "33", None, None, 39, "01.04.2008"],
        ]
    )
    source, target = io.BytesIO(data), io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            content = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]  # cut off in the middle
            zout.writestr(item, content)

    result = employees_import(data=target.getvalue(), filename="kaputt.xlsx", today=MARCH_2021)

    assert [str(p)[:36] for p in result.problems] == ["Die Excel-Datei ist beschädigt oder "]
    assert not Employee.objects.exists()


def city_export(*rows: str, size: int = 1200) -> bytes:
    """A city's HR export of `size` people: the given rows first (lines 2, 3, …),
    then ordinary staff, each on a position of their own."""
    filler = [
        f"{900000 + n:06d};Muster{n};Erika;;33.2;33-9{n:04d};Sachbearbeitung;39;01.04.2010;"
        for n in range(size - len(rows))
    ]
    return csv_bytes(HEADER, *rows, *filler)


JOB_SHARING = (
    "004711;Neumann;Sabine;;33;4711;Sachbearbeitung Bürgerbüro;19,5;01.04.2015;",
    "004712;Yilmaz;Derya;;33;4711;Sachbearbeiterin Bürgerbüro;19,5;01.09.2019;",
)


def test_it_imports_a_job_sharing_position_with_two_titles_keeping_the_first(units):
    data = city_export(
        JOB_SHARING[0], "000123;Müller;Jürgen;;33;33-001;Amtsleitung;39;01.04.2008;", JOB_SHARING[1]
    )

    result = employees_import(data=data, filename="personal.csv", today=MARCH_2021)

    assert result.ok and result.applied, result.problems
    assert result.counts()["created"] == 1200
    assert [str(w) for w in result.warnings] == [
        "Zeile 4, Spalte Stellenbezeichnung: Stelle 4711 hat in Zeile 2 den Titel "
        "„Sachbearbeitung Bürgerbüro“; „Sachbearbeiterin Bürgerbüro“ wird nicht übernommen."
    ]
    staff = people()
    assert staff["004711"].position == staff["004712"].position
    assert staff["004712"].position.title == "Sachbearbeitung Bürgerbüro"
    assert Employee.objects.count() == 1200


def test_it_keeps_the_title_already_stored_when_the_file_names_it_in_a_later_row(units):
    position = Position.objects.create(
        number="4711", title="Sachbearbeiterin Bürgerbüro", unit=units["33"]
    )

    result = employees_import(
        data=csv_bytes(HEADER, *JOB_SHARING), filename="personal.csv", today=MARCH_2021
    )

    assert result.ok, result.problems
    assert [str(w) for w in result.warnings] == [
        "Zeile 2, Spalte Stellenbezeichnung: Stelle 4711 heißt bereits „Sachbearbeiterin "
        "Bürgerbüro“ (so auch in Zeile 3); „Sachbearbeitung Bürgerbüro“ wird nicht übernommen."
    ]
    position.refresh_from_db()
    assert position.title == "Sachbearbeiterin Bürgerbüro"
    assert set(position.employees.values_list("personnel_number", flat=True)) == {
        "004711",
        "004712",
    }


def test_it_renames_a_position_the_whole_file_agrees_on(units):
    position = Position.objects.create(number="4711", title="Bürgerbüro", unit=units["33"])
    rows = [row.replace("Sachbearbeiterin", "Sachbearbeitung") for row in JOB_SHARING]

    result = employees_import(
        data=csv_bytes(HEADER, *rows), filename="personal.csv", today=MARCH_2021
    )

    assert result.ok and result.warnings == []
    position.refresh_from_db()
    assert position.title == "Sachbearbeitung Bürgerbüro"


def test_it_names_a_new_position_without_title_by_its_number_and_says_so(units):
    Position.objects.create(number="33-001", title="Amtsleitung", unit=units["33"])
    data = csv_bytes(
        HEADER,
        "000123;Müller;Jürgen;;33;33-001;;39;01.04.2008;",  # stored: keeps its title
        "004711;Neumann;Sabine;;33;4711;;19,5;01.04.2015;",  # the partner names it
        "004712;Yilmaz;Derya;;33;4711;Sachbearbeitung;19,5;01.09.2019;",
        "004713;Schulz;Uwe;;33.2;4713;;39;01.09.2019;",  # nobody names it
    )

    result = employees_import(data=data, filename="personal.csv", today=MARCH_2021)

    assert result.ok and result.applied, result.problems
    assert [str(w) for w in result.warnings] == [
        "Zeile 5, Spalte Stellenbezeichnung: Zur Stellennummer fehlt die Stellenbezeichnung; "
        "die Stelle heißt vorerst „4713“."
    ]
    titles = dict(Position.objects.values_list("number", "title"))
    assert titles == {"33-001": "Amtsleitung", "4711": "Sachbearbeitung", "4713": "4713"}


def test_it_takes_a_repeated_identical_row_once(units):
    row = "004711;Neumann;Sabine;;33;4711;Sachbearbeitung;19,5;01.04.2015;"
    data = csv_bytes(HEADER, row, "000123;Müller;Jürgen;;33;33-001;Amtsleitung;39;01.04.2008;", row)

    result = employees_import(data=data, filename="personal.csv", today=MARCH_2021)

    assert result.ok and result.applied, result.problems
    assert [str(w) for w in result.warnings] == [
        "Zeile 4, Spalte Personalnummer: Die Zeile wiederholt Zeile 2; die Person wird einmal "
        "übernommen."
    ]
    assert result.counts()["created"] == 2
    assert Employee.objects.filter(personnel_number="004711").count() == 1


def test_it_still_refuses_the_whole_file_when_a_person_is_given_twice_differently(units):
    before = snapshot()
    data = city_export(
        *JOB_SHARING,
        "000123;Müller;Jürgen;;33;33-001;Amtsleitung;39;01.04.2008;",
        "000123;Müller;Jürgen;;32.1;33-001;Amtsleitung;39;01.04.2008;",  # which unit is right?
    )

    result = employees_import(data=data, filename="personal.csv", today=MARCH_2021)

    assert [str(p) for p in result.problems] == [
        "Zeile 5, Spalte Personalnummer: Die Personalnummer „000123“ steht schon in Zeile 4."
    ]
    assert not result.applied
    assert snapshot() == before  # not one of the 1,200 rows


def test_it_takes_a_repeated_identical_org_unit_once(db):
    data = csv_bytes(
        "Kennung;Bezeichnung;Übergeordnet",
        "III;Dezernat III;",
        "32;Ordnungsamt;III",
        "III;Dezernat III;",
    )

    result = org_units_import(data=data, filename="einheiten.csv")

    assert result.ok and result.applied, result.problems
    assert [str(w) for w in result.warnings] == [
        "Zeile 4, Spalte Kennung: Die Zeile wiederholt Zeile 2; die Einheit wird einmal übernommen."
    ]
    assert OrgUnit.objects.count() == 2


def test_it_reports_a_position_title_too_long_once(units):
    data = csv_bytes(HEADER, f"000123;Müller;Jürgen;;33;33-001;{'T' * 201};39;01.04.2008;")

    result = employees_import(data=data, filename="personal.csv", today=MARCH_2021)

    assert [str(p) for p in result.problems] == [
        "Zeile 2, Spalte Stellenbezeichnung: Der Text ist zu lang (201 Zeichen, höchstens 200)."
    ]
    assert result.warnings == []

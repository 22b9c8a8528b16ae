"""HR import: org units and employees from the files HR systems export.

Two import kinds (see core/imports.py), registered in apps.py. Each declares its
columns with their parsers and the named rules that check what one cell alone
cannot (a code given twice, a parent nobody knows, an exit before the entry).
The whole file is checked first (`*_plan`, through `core.tabular.check_rows`);
only a plan without problems is applied, inside one transaction (`*_apply`).
Applying the same file twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rathausmobil.core.audit import audit_event, audit_events_bulk
from rathausmobil.core.bulk import (
    analyze_if_large,
    bulk_insert_rows,
    bulk_update_rows,
    gc_paused,
    one_of,
)
from rathausmobil.core.importresult import ExtraList
from rathausmobil.core.importresult import ImportResult as BaseImportResult
from rathausmobil.core.imports import ImportKind, ImportPage
from rathausmobil.core.models import AuditEvent
from rathausmobil.core.tabular import (
    CellError,
    CheckedRow,
    Column,
    Table,
    TableError,
    check_rows,
    display_value,
    in_file_order,
    key_parser,
    parse_date,
    parse_decimal,
    parse_text,
    quoted,
    read_table,
    text_parser,
)
from rathausmobil.organisation import hooks
from rathausmobil.organisation.models import Employee, OrgUnit, Position, Role, UnitKind
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.organisation.services import org_units_rebuild_paths

UNIT_CODE = gettext_lazy("Kennung")
PERSONNEL_NUMBER = gettext_lazy("Personalnummer")
POSITION_NUMBER = gettext_lazy("Stellennummer")

KIND_NAMES = {
    "dezernat": UnitKind.DEZERNAT,
    "department": UnitKind.DEZERNAT,
    "amt": UnitKind.AMT,
    "office": UnitKind.AMT,
    "abteilung": UnitKind.ABTEILUNG,
    "division": UnitKind.ABTEILUNG,
    "sachgebiet": UnitKind.SACHGEBIET,
    "team": UnitKind.SACHGEBIET,
    "section": UnitKind.SACHGEBIET,
}


def _parse_unit_kind(value: Any) -> str | None:
    text = parse_text(value, max_length=40)
    if not text:
        return None
    kind = KIND_NAMES.get(text.casefold())
    if kind is None:
        raise CellError(
            _("„%(value)s“ ist keine bekannte Ebene (Dezernat, Amt, Abteilung, Sachgebiet).")
            % {"value": text}
        )
    return kind


# Addresses of this plain shape are valid by Django's EmailValidator too (a subset of
# its user and domain patterns); only the others are put to the validator, which
# costs as much as the rest of a row.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}",
    re.IGNORECASE | re.ASCII,
)


def _parse_email(value: Any) -> str:
    if type(value) is str and len(value) <= 254 and _PLAIN_EMAIL.fullmatch(value):
        return value.lower()  # the usual cell: no spaces to trim, nothing to check
    text = parse_text(value, max_length=254)
    if text and not _PLAIN_EMAIL.fullmatch(text):
        try:
            validate_email(text)
        except ValidationError:
            raise CellError(
                _("%(value)s ist keine gültige E-Mail-Adresse.") % {"value": quoted(text)}
            ) from None
    return text.lower()


def _parse_hours(value: Any) -> Decimal | None:
    hours = parse_decimal(value)
    if hours is None:
        return None
    if not (Decimal("0") < hours <= Decimal("60")):
        raise CellError(
            _("Wochenstunden müssen größer als 0 und höchstens 60 sein (gefunden: %(hours)s).")
            % {"hours": display_value(hours)}
        )
    if hours.normalize().as_tuple().exponent < -2:
        raise CellError(
            _("Wochenstunden mit höchstens zwei Nachkommastellen angeben (gefunden: %(hours)s).")
            % {"hours": display_value(hours)}
        )
    return hours


_QUALIFICATION_SPLIT = re.compile(r"[,;|\s]+")
_QUALIFICATION_CODE = re.compile(r"[-a-zA-Z0-9_]{1,32}")
NO_QUALIFICATIONS = {"-", "–", "—"}


def _parse_qualifications(value: Any) -> tuple[str, ...] | None:
    """Qualification codes separated by `,` or `|` (spaces, `;` and line breaks
    too), in lower case and sorted. An empty cell is None (nothing changes), `-`
    is no qualification at all."""
    text = parse_text(value, max_length=1000, multiline_ok=True)
    if not text:
        return None
    if text in NO_QUALIFICATIONS:
        return ()
    codes = set()
    for code in _QUALIFICATION_SPLIT.split(text):
        if not code:
            continue
        if not _QUALIFICATION_CODE.fullmatch(code):
            raise CellError(
                _(
                    "%(value)s ist keine gültige Qualifikation: erlaubt sind Buchstaben, "
                    "Ziffern, - und _ (höchstens 32 Zeichen); mehrere mit Komma oder | trennen."
                )
                % {"value": quoted(code)}
            )
        codes.add(code.casefold())
    return tuple(sorted(codes))


def _repeating(parser):
    """The parser of a column whose cells repeat from row to row (names, units,
    titles, hours, dates): each distinct cell is parsed once and its value kept.
    Parsers are pure and their values immutable; a cell that fails is parsed (and
    reported) every time. A 50,000-row file is checked in half the time."""
    return functools.lru_cache(maxsize=16384, typed=True)(parser)


ORG_UNIT_COLUMNS = [
    Column(
        "code",
        "Kennung",
        ("Code", "Kürzel", "OE", "OE-Kennung", "Unit code", "ID"),
        required=True,
        parse=key_parser(UNIT_CODE),
    ),
    Column(
        "name",
        "Bezeichnung",
        ("Name", "Title", "Organisationseinheit", "Unit name"),
        required=True,
        parse=text_parser(200),
    ),
    Column(
        "parent",
        "Übergeordnet",
        (
            "Übergeordnete Einheit",
            "Übergeordnete OE",
            "Übergeordnete Kennung",
            "Parent",
            "Parent code",
            "Parent unit",
        ),
        parse=key_parser(UNIT_CODE),
    ),
    Column(
        "head",
        "Leitung",
        (
            "Leiter",
            "Leiterin",
            "Leitung (Personalnummer)",
            "Head",
            "Head of unit",
            "Manager",
            "Head personnel number",
        ),
        parse=key_parser(PERSONNEL_NUMBER),
    ),
    Column("kind", "Ebene", ("Typ", "Art", "Kind", "Type", "Level"), parse=_parse_unit_kind),
]

EMPLOYEE_COLUMNS = [
    Column(
        "personnel_number",
        "Personalnummer",
        (
            "Personal-Nr.",
            "Personalnr.",
            "PersNr",
            "Pers.-Nr.",
            "Personnel number",
            "Personnel no.",
            "Employee number",
            "Employee ID",
            "Staff number",
        ),
        required=True,
        parse=key_parser(PERSONNEL_NUMBER),
    ),
    Column(
        "last_name",
        "Nachname",
        ("Name", "Familienname", "Last name", "Surname", "Family name"),
        required=True,
        parse=_repeating(text_parser(100)),
    ),
    Column(
        "first_name",
        "Vorname",
        ("First name", "Given name", "Forename"),
        required=True,
        parse=_repeating(text_parser(100)),
    ),
    Column(
        "email",
        "E-Mail",
        ("Email", "Mail", "E-Mail-Adresse", "Email address"),
        parse=_parse_email,
    ),
    Column(
        "unit",
        "Organisationseinheit",
        (
            "OE",
            "OE-Kennung",
            "Org-Einheit",
            "Organisational unit",
            "Organizational unit",
            "Org unit",
            "Unit",
            "Unit code",
            "Department",
        ),
        required=True,
        parse=_repeating(key_parser(UNIT_CODE)),
    ),
    Column(
        "position_number",
        "Stellennummer",
        ("Stelle", "Stellen-Nr.", "Position number", "Position ID"),
        parse=key_parser(POSITION_NUMBER),
    ),
    Column(
        "position_title",
        "Stellenbezeichnung",
        ("Position title", "Job title", "Position"),
        parse=_repeating(text_parser(200)),
    ),
    Column(
        "weekly_hours",
        "Wochenstunden",
        (
            "Arbeitszeit",
            "Std./Woche",
            "Weekly hours",
            "Hours per week",
            "Weekly working hours",
            "Working hours",
            "Hours",
        ),
        required=True,
        parse=_repeating(_parse_hours),
    ),
    Column(
        "entry_date",
        "Eintritt",
        ("Eintrittsdatum", "Entry", "Entry date", "Start date", "Hire date"),
        required=True,
        parse=_repeating(parse_date),
    ),
    Column(
        "exit_date",
        "Austritt",
        ("Austrittsdatum", "Exit", "Exit date", "End date", "Leaving date"),
        parse=_repeating(parse_date),
    ),
    Column(
        "qualifications",
        "Qualifikationen",
        ("Qualifikation", "Qualifikations-Kennungen", "Qualifications", "Qualification"),
        parse=_parse_qualifications,
    ),
]


@dataclass
class ImportResult(BaseImportResult):
    kind: str = ""
    deactivated: list[str] = field(default_factory=list)
    # What changes for each deactivated record (label -> {field: [old, new]}), for
    # the audit trail; the preview lists deactivated records by label only.
    deactivated_changes: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    EXTRA_LISTS: ClassVar[dict[str, ExtraList]] = {
        "deactivated": ExtraList(
            count=gettext_lazy("%(count)s deaktiviert"),
            heading=gettext_lazy("Deaktiviert (Austritt liegt in der Vergangenheit)"),
        )
    }

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **super().as_dict()}


# =========================================================================== org units


def org_units_import(*, data: bytes, filename: str, by=None, dry_run: bool = False) -> ImportResult:
    """Validate the whole file; apply it only if it is free of problems and not a dry run."""
    try:
        table = read_table(data, filename, ORG_UNIT_COLUMNS)
    except TableError as exc:
        return ImportResult(kind="org_units", problems=exc.problems)
    if dry_run:
        return _org_units_plan(table)[0]
    with transaction.atomic():
        result, units = _org_units_plan(table, lock=True)
        if result.ok:
            _org_units_apply(table, units, result, by=by, filename=filename)
    return result


@dataclass
class _Units:
    """What the org-unit rules look at beyond one row."""

    first_line: dict[str, int] = field(default_factory=dict)  # code -> line it first appears
    first_values: dict[str, dict[str, Any]] = field(default_factory=dict)  # code -> its cells
    existing: dict[str, OrgUnit] = field(default_factory=dict)
    file_parent: dict[str, str] = field(default_factory=dict)  # code -> parent, as the file says
    parent_of: dict[str, str] = field(default_factory=dict)  # the tree after the import
    heads: set[str] = field(default_factory=set)  # personnel numbers already known

    def depth(self, code: str) -> int:
        depth, node = 0, self.parent_of.get(code, "")
        while node:
            depth, node = depth + 1, self.parent_of.get(node, "")
        return depth


def code_given_once(row: CheckedRow, units: _Units) -> None:
    """A code given twice with different values is refused; a row that repeats an
    earlier one cell for cell is a hint, and the unit is taken once."""
    code = row["code"]
    if not code:
        return
    if code not in units.first_line:
        units.first_line[code] = row.line
        units.first_values[code] = dict(row.values)
    elif row.ok and row.values == units.first_values[code]:
        row.warning(
            _("Die Zeile wiederholt Zeile %(line)s; die Einheit wird einmal übernommen.")
            % {"line": units.first_line[code]},
            "code",
        )
    else:
        row.problem(
            _("Die Kennung „%(code)s“ steht schon in Zeile %(line)s.")
            % {"code": code, "line": units.first_line[code]},
            "code",
        )


def not_its_own_parent(row: CheckedRow, units: _Units) -> None:
    if row["parent"] and row["parent"] == row["code"]:
        row.problem(_("Eine Einheit kann nicht sich selbst übergeordnet sein."), "parent")
        row.values["parent"] = ""  # reported once, not again as a cycle


def parent_known(row: CheckedRow, units: _Units) -> None:
    parent = row["parent"]
    if parent and parent not in units.file_parent and parent not in units.existing:
        row.problem(
            _("Die übergeordnete Einheit „%(parent)s“ ist weder in der Datei noch bereits bekannt.")
            % {"parent": parent},
            "parent",
        )


def not_in_a_cycle(row: CheckedRow, units: _Units) -> None:
    code = row["code"]
    node, steps = code, 0
    while node and steps <= len(units.parent_of):
        node = units.parent_of.get(node, "")
        steps += 1
        if node == code:
            row.problem(
                _("Die Einheit „%(code)s“ läge unter sich selbst (Kreis in der Hierarchie).")
                % {"code": code},
                "parent",
            )
            return


def head_known(row: CheckedRow, units: _Units) -> None:
    """Only a hint: the head is linked when the employees are imported."""
    if row["head"] and row["head"] not in units.heads:
        row.warning(
            _(
                "Die Leitung „%(head)s“ ist noch nicht als Beschäftigte/r bekannt; sie wird "
                "beim Import der Beschäftigten zugeordnet."
            )
            % {"head": row["head"]},
            "head",
        )


ORG_UNIT_ROW_RULES = [code_given_once, not_its_own_parent]
ORG_UNIT_TREE_RULES = [parent_known, not_in_a_cycle]


def _org_units_plan(table: Table, lock: bool = False) -> tuple[ImportResult, list[CheckedRow]]:
    result = ImportResult(kind="org_units")
    context = _Units()
    rows = check_rows(
        table, ORG_UNIT_COLUMNS, report=result, rules=ORG_UNIT_ROW_RULES, context=context
    )
    # The first row of each code stands for the unit.
    units = [row for row in rows if row["code"] and context.first_line[row["code"]] == row.line]
    _load_tree(context, units, lock=lock)
    for row in units:
        for rule in ORG_UNIT_TREE_RULES:
            rule(row, context)
    if result.problems:
        in_file_order(result.problems)
        return result, units

    context.heads = set(
        Employee.objects.filter(
            personnel_number__in={row["head"] for row in units if row["head"]}
        ).values_list("personnel_number", flat=True)
    )
    for row in units:
        head_known(row, context)
        _settle_unit_kind(row, context)
        _count_unit(row, context.existing.get(row["code"]), table, result)
    in_file_order(result.warnings)
    return result, units


def _load_tree(context: _Units, units: list[CheckedRow], *, lock: bool) -> None:
    """The units already known (locked for the import) and the tree after the
    import: the file's word for its units, the database's for the rest."""
    existing = OrgUnit.objects.select_related("parent", "head")
    if lock:
        existing = existing.select_for_update(of=("self",))
    context.existing = {unit.code: unit for unit in existing}
    context.file_parent = {row["code"]: row["parent"] or "" for row in units}
    context.parent_of = {
        code: (unit.parent.code if unit.parent else "") for code, unit in context.existing.items()
    }
    context.parent_of.update(context.file_parent)


def _settle_unit_kind(row: CheckedRow, units: _Units) -> None:
    """Without a level in the file a known unit keeps its own; otherwise the level
    follows the depth in the tree."""
    if row["kind"] is not None:
        return
    unit = units.existing.get(row["code"])
    if unit is not None and not row.table.has("kind"):
        row.values["kind"] = unit.kind
    else:
        row.values["kind"] = UnitKind.for_depth(units.depth(row["code"]))


def _count_unit(row: CheckedRow, unit: OrgUnit | None, table: Table, result: ImportResult) -> None:
    label = f"{row['code']} {row['name']}"
    if unit is None:
        result.created.append(label)
        return
    changes = _unit_changes(row, unit, table)
    if changes:
        result.changed.append(
            {"label": label, "changes": {k: [str(a), str(b)] for k, (a, b) in changes.items()}}
        )
    else:
        result.unchanged += 1


def _unit_changes(row: CheckedRow, unit: OrgUnit, table: Table) -> dict[str, list]:
    changes = {}
    if unit.name != row["name"]:
        changes["Bezeichnung"] = [unit.name, row["name"]]
    old_parent = unit.parent.code if unit.parent else ""
    if table.has("parent") and old_parent != row["parent"]:
        changes["Übergeordnet"] = [display_value(old_parent), display_value(row["parent"])]
    if table.has("head") and unit.head_personnel_number != row["head"]:
        changes["Leitung"] = [display_value(unit.head_personnel_number), display_value(row["head"])]
    if unit.kind != row["kind"]:
        changes["Ebene"] = [UnitKind(unit.kind).label, UnitKind(row["kind"]).label]
    return changes


def _org_units_apply(
    table: Table, rows: list[CheckedRow], result: ImportResult, *, by, filename: str
) -> None:
    existing = {u.code: u for u in OrgUnit.objects.all()}
    new_units = [
        OrgUnit(code=r["code"], name=r["name"], kind=r["kind"], head_personnel_number=r["head"])
        for r in rows
        if r["code"] not in existing
    ]
    OrgUnit.objects.bulk_create(new_units, batch_size=1000)
    new_codes = {u.code for u in new_units}
    by_code = {u.code: u for u in OrgUnit.objects.all()}
    heads = dict(
        Employee.objects.filter(
            personnel_number__in={r["head"] for r in rows if r["head"]}
        ).values_list("personnel_number", "pk")
    )
    for r in rows:
        unit = by_code[r["code"]]
        unit.name = r["name"]
        unit.kind = r["kind"]
        if table.has("parent") or unit.code in new_codes:
            unit.parent = by_code.get(r["parent"]) if r["parent"] else None
        if table.has("head"):
            unit.head_personnel_number = r["head"]
            unit.head_id = heads.get(r["head"])
    bulk_update_rows(
        OrgUnit,
        [by_code[r["code"]] for r in rows],
        ["name", "kind", "parent", "head_personnel_number", "head"],
    )
    org_units_rebuild_paths()
    audit_events_bulk(_unit_events(rows, by_code, new_codes, result, by=by, filename=filename))
    analyze_if_large(OrgUnit, rows=len(new_units) + len(result.changed))
    result.applied = True


def _unit_events(rows, by_code, new_codes, result: ImportResult, *, by, filename: str) -> list:
    source = f"Import {filename}"
    changed = {c["label"]: c["changes"] for c in result.changed}
    events = []
    for r in rows:
        unit, label = by_code[r["code"]], f"{r['code']} {r['name']}"
        if r["code"] in new_codes:
            events.append(
                audit_event(actor=by, action="angelegt", obj=unit, source=source, save=False)
            )
        elif label in changed:
            events.append(
                audit_event(
                    actor=by,
                    action="geändert",
                    obj=unit,
                    changes=changed[label],
                    source=source,
                    save=False,
                )
            )
    return events


# =========================================================================== employees


@dataclass(slots=True)
class _EmployeeRow:
    line: int
    personnel_number: str
    values: dict[str, Any]
    position_number: str
    position_title: str
    qualifications: tuple[str, ...] | None = None  # None: leave them as they are
    # From the plan: the record as stored (None: a new person) and what the file
    # changes of it, as the preview and the history show it (no qualifications).
    stored: dict[str, Any] | None = None
    changes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return _label(self.values["last_name"], self.values["first_name"], self.personnel_number)

    @property
    def leaves(self) -> bool:
        """An active person the file deactivates."""
        return bool(self.stored and self.stored["is_active"] and not self.values["is_active"])


EMPLOYEE_FIELD_LABELS = {
    "last_name": "Nachname",
    "first_name": "Vorname",
    "email": "E-Mail",
    "unit_id": "Organisationseinheit",
    "position_id": "Stelle",
    "weekly_hours": "Wochenstunden",
    "entry_date": "Eintritt",
    "exit_date": "Austritt",
    "is_active": "aktiv",
}
QUALIFICATIONS = "Qualifikationen"  # in the preview; the listener writes their history

_COLUMN_OF = {"unit_id": "unit", "is_active": None}
_EMPLOYEE_VALUES = (
    "last_name",
    "first_name",
    "email",
    "unit_id",
    "weekly_hours",
    "entry_date",
    "exit_date",
    "is_active",
)
# What the plan reads of the people in the file (values, not model instances: 50,000
# instances cost seconds) and the apply step needs.
_STORED = ("pk", "personnel_number", *_EMPLOYEE_VALUES, "position__number", "user_id")


def _present_fields(table: Table) -> tuple[str, ...]:
    """The fields whose column the file has: a missing column changes nothing."""
    return tuple(
        name
        for name in _EMPLOYEE_VALUES
        if _COLUMN_OF.get(name, name) is None or table.has(_COLUMN_OF.get(name, name))
    )


def employees_import(
    *, data: bytes, filename: str, by=None, dry_run: bool = False, today=None
) -> ImportResult:
    today = today or timezone.localdate()
    with gc_paused():  # a whole staff's file: see core/bulk.py
        try:
            table = read_table(data, filename, EMPLOYEE_COLUMNS)
        except TableError as exc:
            return ImportResult(kind="employees", problems=exc.problems)
        if dry_run:
            return _employees_plan(table, today)[0]
        with transaction.atomic():
            result, rows, staff = _employees_plan(table, today, lock=True)
            if result.ok:
                _employees_apply(table, rows, staff, result, by=by, filename=filename)
        return result


@dataclass
class _Staff:
    """What the employee rules look at beyond one row."""

    units: dict[str, int]  # code -> pk of the units already known
    first_line: dict[str, int] = field(default_factory=dict)  # personnel number -> line
    first_values: dict[str, dict[str, Any]] = field(default_factory=dict)  # ... -> its cells
    repeated: set[int] = field(default_factory=set)  # lines that repeat an earlier row
    position_rows: dict[str, list[CheckedRow]] = field(default_factory=dict)  # number -> rows
    # With the column Qualifikationen: what the listeners know and who holds what now.
    qualifications: hooks.Qualifications | None = None
    qualification_codes: dict[str, str] = field(default_factory=dict)  # casefold -> code
    positions: dict[str, tuple[int, str]] = field(
        default_factory=dict
    )  # stored: number -> pk, title


def personnel_number_once(row: CheckedRow, staff: _Staff) -> None:
    """A person given twice with different values is refused (which row is right?);
    a row that repeats an earlier one cell for cell is harmless: a hint, and the
    person is taken once."""
    number = row["personnel_number"]
    if not number:
        return
    if number not in staff.first_line:
        staff.first_line[number] = row.line
        staff.first_values[number] = dict(row.values)
    elif row.ok and row.values == staff.first_values[number]:
        staff.repeated.add(row.line)
        row.warning(
            _("Die Zeile wiederholt Zeile %(line)s; die Person wird einmal übernommen.")
            % {"line": staff.first_line[number]},
            "personnel_number",
        )
    else:
        row.problem(
            _("Die Personalnummer „%(number)s“ steht schon in Zeile %(line)s.")
            % {"number": number, "line": staff.first_line[number]},
            "personnel_number",
        )


def unit_known(row: CheckedRow, staff: _Staff) -> None:
    if row["unit"] and row["unit"] not in staff.units:
        row.problem(
            _(
                "Die Organisationseinheit „%(unit)s“ ist nicht bekannt. Bitte zuerst die "
                "Organisationseinheiten importieren."
            )
            % {"unit": row["unit"]},
            "unit",
        )


def position_title_noted(row: CheckedRow, staff: _Staff) -> None:
    """Remember which rows name which position, to settle each title once the whole
    file is read (`_settle_position_titles`)."""
    if row["position_number"]:
        staff.position_rows.setdefault(row["position_number"], []).append(row)


def exit_not_before_entry(row: CheckedRow, staff: _Staff) -> None:
    entry, exit_ = row["entry_date"], row["exit_date"]
    if entry and exit_ and exit_ < entry:
        row.problem(
            _("Der Austritt (%(exit)s) liegt vor dem Eintritt (%(entry)s).")
            % {"exit": display_value(exit_), "entry": display_value(entry)},
            "exit_date",
        )


def qualifications_known(row: CheckedRow, staff: _Staff) -> None:
    """Every code must be one the listeners know (spelt as they spell it)."""
    codes = row["qualifications"]
    if not codes:
        return
    known = staff.qualification_codes
    for code in codes:
        if code not in known:
            row.problem(
                _("Unbekannte Qualifikation „%(code)s“ (bekannt: %(known)s).")
                % {"code": code, "known": _known_codes(known.values())},
                "qualifications",
            )
    row.values["qualifications"] = tuple(sorted(known[code] for code in codes if code in known))


def _known_codes(codes, limit: int = 12) -> str:
    codes = sorted(codes)
    text = ", ".join(codes[:limit]) or "keine"
    return text + (", …" if len(codes) > limit else "")


EMPLOYEE_RULES = [
    personnel_number_once,
    unit_known,
    position_title_noted,
    exit_not_before_entry,
    qualifications_known,
]


def _ask_qualifications(table: Table, staff: _Staff) -> None:
    """Only for a file with the column: the codes the listeners know and what the
    people of the file hold now (one question, before the rows are checked)."""
    if not table.has("qualifications"):
        return
    numbers = [row.text("personnel_number") for row in table.rows]
    staff.qualifications = hooks.Qualifications.merged(
        hooks.employee_qualifications.collect(numbers)
    )
    staff.qualification_codes = {code.casefold(): code for code in staff.qualifications.known}


def _employees_plan(
    table: Table, today: dt.date, lock: bool = False
) -> tuple[ImportResult, list[_EmployeeRow], _Staff]:
    result = ImportResult(kind="employees")
    staff = _Staff(units=dict(OrgUnit.objects.values_list("code", "pk")))
    _ask_qualifications(table, staff)
    checked = check_rows(
        table,
        EMPLOYEE_COLUMNS,
        report=result,
        rules=EMPLOYEE_RULES,
        context=staff,
        by_column=True,
    )
    _settle_position_titles(staff)
    in_file_order(result.warnings)
    present = _present_fields(table)
    rows = [
        _employee_row(row, staff, today, present)
        for row in checked
        if row.ok and row.line not in staff.repeated
    ]
    if result.problems:
        return result, rows, staff

    stored = _stored_employees(staff.first_line, lock=lock)
    unit_codes = {pk: code for code, pk in staff.units.items()}
    held = staff.qualifications.held if staff.qualifications else {}
    for r in rows:
        r.stored = stored.get(r.personnel_number)
        _count_employee(r, table, unit_codes, today, result, held=held)
    return result, rows, staff


def _stored_employees(numbers, *, lock: bool) -> dict[str, dict[str, Any]]:
    """The people the file names as stored (locked for the import), by personnel number."""
    employees = Employee.objects.filter(one_of("personnel_number", numbers)).order_by()
    if lock:
        employees = employees.select_for_update(of=("self",))
    return {e["personnel_number"]: e for e in employees.values(*_STORED)}


def _settle_position_titles(staff: _Staff) -> None:
    """One title for each position the file names. The title is only shown, so a
    file that disagrees with itself is not refused: the title already stored stays
    if the file names it, otherwise the first row's title counts; every other title
    is a hint. A new position no row names a title for is called by its number."""
    staff.positions = {
        number: (pk, title)
        for number, pk, title in Position.objects.filter(
            one_of("number", staff.position_rows)
        ).values_list("number", "pk", "title")
    }
    stored = {number: title for number, (_pk, title) in staff.positions.items()}
    for number, rows in staff.position_rows.items():
        if len(rows) == 1 and rows[0].values["position_title"]:
            continue  # one row, one title: it counts (the usual position)
        titles = _titles(rows)
        already = stored.get(number) in titles
        kept = stored[number] if already else next(iter(titles), "")
        nameless = not titles and number not in stored  # a new position nobody names
        for row in rows:
            title = row["position_title"]
            if title and title != kept:
                _title_not_taken(row, number, kept, titles[kept], already=already)
            elif (
                nameless and row.table.has("position_title") and not row.raw_text("position_title")
            ):
                row.warning(
                    _(
                        "Zur Stellennummer fehlt die Stellenbezeichnung; die Stelle heißt "
                        "vorerst „%(number)s“."
                    )
                    % {"number": number},
                    "position_title",
                )
            row.values["position_title"] = kept


def _titles(rows: list[CheckedRow]) -> dict[str, int]:
    """The titles the rows give, in file order: title -> first line."""
    titles: dict[str, int] = {}
    for row in rows:
        if row["position_title"]:
            titles.setdefault(row["position_title"], row.line)
    return titles


def _title_not_taken(row: CheckedRow, number: str, kept: str, line: int, *, already: bool):
    where = {"number": number, "line": line, "kept": kept, "title": row["position_title"]}
    if already:
        message = _(
            "Stelle %(number)s heißt bereits „%(kept)s“ (so auch in Zeile %(line)s); "
            "„%(title)s“ wird nicht übernommen."
        )
    else:
        message = _(
            "Stelle %(number)s hat in Zeile %(line)s den Titel „%(kept)s“; „%(title)s“ wird "
            "nicht übernommen."
        )
    row.warning(message % where, "position_title")


def _employee_row(
    row: CheckedRow, staff: _Staff, today: dt.date, present: tuple[str, ...]
) -> _EmployeeRow:
    cells = row.values
    exit_ = cells["exit_date"]
    values = {
        "last_name": cells["last_name"],
        "first_name": cells["first_name"],
        "email": cells["email"],
        "unit_id": staff.units[cells["unit"]],
        "weekly_hours": cells["weekly_hours"],
        "entry_date": cells["entry_date"],
        "exit_date": exit_,
        "is_active": not (exit_ is not None and exit_ < today),
    }
    return _EmployeeRow(
        line=row.line,
        personnel_number=cells["personnel_number"],
        values=values if len(present) == len(values) else {k: values[k] for k in present},
        position_number=cells["position_number"],
        position_title=cells["position_title"],
        qualifications=cells["qualifications"],
    )


def _label(last_name: str, first_name: str, personnel_number: str) -> str:
    return f"{last_name}, {first_name} ({personnel_number})"


def _count_employee(
    r: _EmployeeRow,
    table: Table,
    unit_codes: dict[int, str],
    today: dt.date,
    result: ImportResult,
    *,
    held: dict[str, frozenset[str]],
) -> None:
    if r.stored is None:
        result.created.append(r.label)
        return
    if "exit_date" not in r.values:  # no exit column: the known exit date stays in force
        exit_ = r.stored["exit_date"]
        r.values["is_active"] = not (exit_ is not None and exit_ < today)
    r.changes = changes = _employee_changes(r, r.stored, table, unit_codes)
    if r.qualifications is not None:
        old = held.get(r.personnel_number, frozenset())
        if old != set(r.qualifications):
            changes = {**changes, QUALIFICATIONS: [_codes_text(old), _codes_text(r.qualifications)]}
    if r.leaves:
        result.deactivated.append(r.label)
        result.deactivated_changes[r.label] = changes
    elif changes:
        result.changed.append({"label": r.label, "changes": changes})
    else:
        result.unchanged += 1


def _codes_text(codes) -> str:
    return ", ".join(sorted(codes)) or "–"


def _employee_changes(
    r: _EmployeeRow, stored: dict[str, Any], table: Table, unit_codes: dict[int, str]
) -> dict[str, list[str]]:
    """What the row changes of the stored record; empty: nothing to write."""
    changes = {}
    for name, new in r.values.items():
        old = stored[name]
        if old == new or name == "is_active":
            continue
        if name == "unit_id":
            old, new = unit_codes.get(old, old), unit_codes.get(new, new)
        changes[EMPLOYEE_FIELD_LABELS[name]] = [display_value(old), display_value(new)]
    if table.has("position_number"):
        old = stored["position__number"] or ""
        if old != r.position_number:
            changes["Stelle"] = [display_value(old), display_value(r.position_number)]
    if stored["is_active"] != r.values["is_active"]:
        changes["aktiv"] = ["ja", "nein"] if stored["is_active"] else ["nein", "ja"]
    return changes


def _employees_apply(
    table: Table,
    rows: list[_EmployeeRow],
    staff: _Staff,
    result: ImportResult,
    *,
    by,
    filename: str,
) -> None:
    """Write the plan. Only new and changed people are written (one COPY each on
    PostgreSQL, see core/bulk.py); the plan read everyone's stored values already."""
    positions_written, position_ids = _sync_positions(rows, staff.positions)
    new_ids = _write_employees(table, rows, position_ids)

    # Leavers may no longer sign in, and what they hold is taken back at once.
    left = [
        r.stored["user_id"]
        for r in rows
        if r.stored and r.stored["user_id"] and not r.values["is_active"]
    ]
    if left:
        get_user_model().objects.filter(one_of("pk", left), is_active=True).update(is_active=False)
    newly_left = [r.stored["pk"] for r in rows if r.leaves]
    if newly_left:
        hooks.employees_left.send(newly_left)
    if table.has("qualifications"):
        hooks.employee_qualifications_imported.send(
            {
                r.personnel_number: list(r.qualifications)
                for r in rows
                if r.qualifications is not None
            },
            by,
            f"Import {filename}",
        )
    _link_user_accounts()
    _resolve_unit_heads()
    audit_events_bulk(_employee_events(rows, new_ids, by=by, source=f"Import {filename}"))
    written = positions_written + sum(1 for r in rows if r.stored is None or r.changes)
    analyze_if_large(Employee, Position, rows=written)
    result.applied = True


def _sync_positions(
    rows: list[_EmployeeRow], stored: dict[str, tuple[int, str]]
) -> tuple[int, dict[str, int]]:
    """Create the positions the file names that are missing, keep titles up to
    date; returns (rows written, number -> pk). `stored` is what the plan read."""
    wanted: dict[str, tuple[str, int]] = {}
    for r in rows:
        if r.position_number:
            wanted.setdefault(r.position_number, (r.position_title, r.values["unit_id"]))
    new = [
        {"number": number, "title": title or number, "unit_id": unit_id}
        for number, (title, unit_id) in wanted.items()
        if number not in stored
    ]
    bulk_insert_rows(Position, new)
    retitled = [
        Position(pk=stored[number][0], title=title)
        for number, (title, _unit) in wanted.items()
        if number in stored and title and stored[number][1] != title
    ]
    bulk_update_rows(Position, retitled, ["title"])
    ids = {number: pk for number, (pk, _title) in stored.items()}
    if new:
        ids.update(
            Position.objects.filter(one_of("number", [p["number"] for p in new])).values_list(
                "number", "pk"
            )
        )
    return len(new) + len(retitled), ids


def _write_employees(
    table: Table, rows: list[_EmployeeRow], position_ids: dict[str, int]
) -> dict[str, int]:
    """Create the new people and write what changed of the others; returns the pk
    of each new person by personnel number."""
    now = timezone.now()
    fields = [*rows[0].values, "updated_at"] if rows else []
    if table.has("position_number"):
        fields.append("position")
    created, updated = [], []
    for r in rows:
        position_id = position_ids.get(r.position_number) if r.position_number else None
        if r.stored is None:
            created.append(
                {"personnel_number": r.personnel_number, "position_id": position_id, **r.values}
            )
        elif r.changes:
            employee = Employee(pk=r.stored["pk"], updated_at=now, **r.values)
            employee.position_id = position_id
            updated.append(employee)
    bulk_insert_rows(Employee, created)
    bulk_update_rows(Employee, updated, fields)
    if not created:
        return {}
    return dict(
        Employee.objects.filter(
            one_of("personnel_number", [e["personnel_number"] for e in created])
        ).values_list("personnel_number", "pk")
    )


def _employee_events(
    rows: list[_EmployeeRow], new_ids: dict[str, int], *, by, source: str
) -> list[AuditEvent]:
    """The history of the employee records: the new ones first, then the changed
    ones, each in the order of the file; qualifications are the listener's to record."""

    def event(r: _EmployeeRow, action: str, **fields: Any) -> AuditEvent:
        pk = new_ids[r.personnel_number] if r.stored is None else r.stored["pk"]
        return audit_event(
            actor=by,
            action=action,
            model=Employee,
            object_id=str(pk),
            label=r.label,
            source=source,
            save=False,
            **fields,
        )

    events = [event(r, "angelegt") for r in rows if r.stored is None]
    for r in rows:
        if r.stored is None or not r.changes:
            continue
        if r.leaves:
            events.append(
                event(
                    r,
                    "deaktiviert",
                    changes=r.changes,
                    reason="Austrittsdatum liegt in der Vergangenheit.",
                )
            )
        else:
            events.append(event(r, "geändert", changes=r.changes))
    return events


def _link_user_accounts() -> None:
    """Link existing user accounts to employees by e-mail (case-insensitive).

    The import creates no accounts: they come from the directory (later) or the
    admin. An account already linked to someone else is never moved. The database
    matches the addresses; only the few that match come back.
    """
    User = get_user_model()
    unlinked = Employee.objects.filter(user__isnull=True, is_active=True).exclude(email="")
    candidates = (
        User.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=unlinked.values("email"), employee__isnull=True)
        .values_list("email_lower", "pk")
    )
    links: dict[str, list[int]] = {}
    for email, user_id in candidates:
        links.setdefault(email, []).append(user_id)
    if not links:
        return
    employee_of = dict(unlinked.filter(one_of("email", links)).values_list("email", "pk"))
    bulk_update_rows(
        Employee,
        [
            Employee(pk=employee_of[email], user_id=user_ids[0])
            for email, user_ids in links.items()
            if len(user_ids) == 1
        ],
        ["user"],
    )


def _resolve_unit_heads() -> None:
    pending = list(
        OrgUnit.objects.exclude(head_personnel_number="")
        .filter(head__isnull=True)
        .values_list("pk", "head_personnel_number")
    )
    if not pending:
        return
    ids = dict(
        Employee.objects.filter(
            one_of("personnel_number", {number for _pk, number in pending})
        ).values_list("personnel_number", "pk")
    )
    bulk_update_rows(
        OrgUnit,
        [OrgUnit(pk=pk, head_id=ids[number]) for pk, number in pending if number in ids],
        ["head"],
    )


# =========================================================================== the kinds


def hr_may_import(user) -> bool:
    return scope_for(user).has(Role.HR)


HR_PAGE = ImportPage(
    namespace="organisation",
    title=gettext_lazy("Personaldaten importieren"),
    intro=gettext_lazy(
        "Laden Sie die Datei aus dem Personalsystem hoch. Sie sehen zuerst eine Vorschau, was "
        "sich ändert; gespeichert wird erst, wenn Sie bestätigen. Niemand wird gelöscht, der "
        "in der Datei fehlt."
    ),
)

EMPLOYEES = ImportKind(
    key="employees",
    label=gettext_lazy("Beschäftigte"),
    columns=EMPLOYEE_COLUMNS,
    run=employees_import,
    may_upload=hr_may_import,
    page=HR_PAGE,
    result_class=ImportResult,
)

ORG_UNITS = ImportKind(
    key="org_units",
    label=gettext_lazy("Organisationseinheiten"),
    columns=ORG_UNIT_COLUMNS,
    run=org_units_import,
    may_upload=hr_may_import,
    page=HR_PAGE,
    result_class=ImportResult,
)

"""HR import: org units and employees from the files HR systems export.

The whole file is read and validated first (`*_plan`); only a plan without
problems is applied, inside one transaction (`*_apply`). Applying the same file
twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from rathausmobil.core.audit import audit_event, audit_events_bulk
from rathausmobil.core.importresult import ImportResult as BaseImportResult
from rathausmobil.core.tabular import (
    CellError,
    Column,
    Problem,
    Table,
    TableError,
    display_value,
    parse_cell,
    parse_date,
    parse_decimal,
    parse_key,
    parse_text,
    quoted,
    read_table,
)
from rathausmobil.organisation import hooks
from rathausmobil.organisation.models import Employee, ImportKind, OrgUnit, Position, UnitKind
from rathausmobil.organisation.services import org_units_rebuild_paths

ORG_UNIT_COLUMNS = [
    Column("code", "Kennung", ("Code", "Kürzel", "OE", "OE-Kennung", "Unit code", "ID"), True),
    Column("name", "Bezeichnung", ("Name", "Title", "Organisationseinheit", "Unit name"), True),
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
    ),
    Column("kind", "Ebene", ("Typ", "Art", "Kind", "Type", "Level")),
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
        True,
    ),
    Column(
        "last_name",
        "Nachname",
        ("Name", "Familienname", "Last name", "Surname", "Family name"),
        True,
    ),
    Column("first_name", "Vorname", ("First name", "Given name", "Forename"), True),
    Column("email", "E-Mail", ("Email", "Mail", "E-Mail-Adresse", "Email address")),
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
        True,
    ),
    Column(
        "position_number",
        "Stellennummer",
        ("Stelle", "Stellen-Nr.", "Position number", "Position ID"),
    ),
    Column("position_title", "Stellenbezeichnung", ("Position title", "Job title", "Position")),
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
        True,
    ),
    Column(
        "entry_date",
        "Eintritt",
        ("Eintrittsdatum", "Entry", "Entry date", "Start date", "Hire date"),
        True,
    ),
    Column(
        "exit_date", "Austritt", ("Austrittsdatum", "Exit", "Exit date", "End date", "Leaving date")
    ),
]

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


@dataclass
class ImportResult(BaseImportResult):
    kind: str = ""
    deactivated: list[str] = field(default_factory=list)
    # What changes for each deactivated record (label -> {field: [old, new]}), for
    # the audit trail; the preview lists deactivated records by label only.
    deactivated_changes: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    EXTRA_LISTS: ClassVar[dict[str, str]] = {"deactivated": "deaktiviert"}

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **super().as_dict()}


# =========================================================================== org units


@dataclass
class _UnitRow:
    line: int
    code: str
    name: str
    parent: str
    head: str
    kind: str | None


def org_units_import(*, data: bytes, filename: str, by=None, dry_run: bool = False) -> ImportResult:
    """Validate the whole file; apply it only if it is free of problems and not a dry run."""
    try:
        table = read_table(data, filename, ORG_UNIT_COLUMNS)
    except TableError as exc:
        return ImportResult(kind=ImportKind.ORG_UNITS, problems=exc.problems)
    if dry_run:
        return _org_units_plan(table)[0]
    with transaction.atomic():
        result, rows = _org_units_plan(table, lock=True)
        if result.ok:
            _org_units_apply(rows, result, by=by, filename=filename)
    return result


def _org_units_plan(table: Table, lock: bool = False):
    result = ImportResult(kind=ImportKind.ORG_UNITS)
    problems = result.problems
    rows: list[_UnitRow] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        code = parse_cell(
            row, table, problems, "code", lambda v: parse_key(v, what="Kennung"), required=True
        )
        name = parse_cell(
            row, table, problems, "name", lambda v: parse_text(v, max_length=200), required=True
        )
        parent = (
            parse_cell(row, table, problems, "parent", lambda v: parse_key(v, what="Kennung")) or ""
        )
        head = (
            parse_cell(row, table, problems, "head", lambda v: parse_key(v, what="Personalnummer"))
            or ""
        )
        kind_text = (
            parse_cell(row, table, problems, "kind", lambda v: parse_text(v, max_length=40)) or ""
        )
        kind = None
        if kind_text:
            kind = KIND_NAMES.get(kind_text.casefold())
            if kind is None:
                problems.append(
                    Problem(
                        f"„{kind_text}“ ist keine bekannte Ebene (Dezernat, Amt, Abteilung, Sachgebiet).",
                        line=row.line,
                        column=table.header("kind"),
                    )
                )
        if not code:
            continue
        if code in seen:
            problems.append(
                Problem(
                    f"Die Kennung „{code}“ steht schon in Zeile {seen[code]}.",
                    line=row.line,
                    column=table.header("code"),
                )
            )
            continue
        seen[code] = row.line
        if parent and parent == code:
            problems.append(
                Problem(
                    "Eine Einheit kann nicht sich selbst übergeordnet sein.",
                    line=row.line,
                    column=table.header("parent"),
                )
            )
            parent = ""
        rows.append(_UnitRow(row.line, code, name or "", parent, head, kind))

    units = OrgUnit.objects.select_related("parent", "head")
    if lock:
        units = units.select_for_update(of=("self",))
    existing = {unit.code: unit for unit in units}
    file_parent = {r.code: r.parent for r in rows}
    for r in rows:
        if r.parent and r.parent not in file_parent and r.parent not in existing:
            problems.append(
                Problem(
                    f"Die übergeordnete Einheit „{r.parent}“ ist weder in der Datei noch bereits bekannt.",
                    line=r.line,
                    column=table.header("parent"),
                )
            )
    # Parents after the import: the file's word for its units, the database's for the rest.
    parent_of = {code: (u.parent.code if u.parent else "") for code, u in existing.items()}
    parent_of.update(file_parent)
    for r in rows:
        node, steps = r.code, 0
        while node and steps <= len(parent_of):
            node = parent_of.get(node, "")
            steps += 1
            if node == r.code:
                problems.append(
                    Problem(
                        f"Die Einheit „{r.code}“ läge unter sich selbst (Kreis in der Hierarchie).",
                        line=r.line,
                        column=table.header("parent"),
                    )
                )
                break
    if problems:
        problems.sort(key=lambda problem: problem.line or 0)  # in file order, stable within a line
        return result, rows

    heads = set(
        Employee.objects.filter(personnel_number__in={r.head for r in rows if r.head}).values_list(
            "personnel_number", flat=True
        )
    )
    for r in rows:
        if r.head and r.head not in heads:
            result.warnings.append(
                Problem(
                    f"Die Leitung „{r.head}“ ist noch nicht als Beschäftigte/r bekannt; sie wird "
                    "beim Import der Beschäftigten zugeordnet.",
                    line=r.line,
                    column=table.header("head"),
                )
            )

    def depth(code: str) -> int:
        d, node = 0, parent_of.get(code, "")
        while node:
            d, node = d + 1, parent_of.get(node, "")
        return d

    has_kind = table.has("kind")
    has_head = table.has("head")
    has_parent = table.has("parent")
    for r in rows:
        if r.kind is None:
            unit = existing.get(r.code)
            r.kind = unit.kind if (unit and not has_kind) else UnitKind.for_depth(depth(r.code))
        unit = existing.get(r.code)
        if unit is None:
            result.created.append(f"{r.code} {r.name}")
            continue
        changes = {}
        if unit.name != r.name:
            changes["Bezeichnung"] = [unit.name, r.name]
        old_parent = unit.parent.code if unit.parent else ""
        if has_parent and old_parent != r.parent:
            changes["Übergeordnet"] = [display_value(old_parent), display_value(r.parent)]
        if has_head and unit.head_personnel_number != r.head:
            changes["Leitung"] = [display_value(unit.head_personnel_number), display_value(r.head)]
        if unit.kind != r.kind:
            changes["Ebene"] = [UnitKind(unit.kind).label, UnitKind(r.kind).label]
        if changes:
            result.changed.append(
                {
                    "label": f"{r.code} {r.name}",
                    "changes": {k: [str(a), str(b)] for k, (a, b) in changes.items()},
                }
            )
        else:
            result.unchanged += 1
    result._table_flags = (has_parent, has_head)  # type: ignore[attr-defined]
    return result, rows


def _org_units_apply(rows: list[_UnitRow], result: ImportResult, *, by, filename: str) -> None:
    has_parent, has_head = result._table_flags  # type: ignore[attr-defined]
    existing = {u.code: u for u in OrgUnit.objects.all()}
    changed_labels = {c["label"]: c["changes"] for c in result.changed}
    new_units = [
        OrgUnit(code=r.code, name=r.name, kind=r.kind, head_personnel_number=r.head)
        for r in rows
        if r.code not in existing
    ]
    OrgUnit.objects.bulk_create(new_units, batch_size=1000)
    new_codes = {u.code for u in new_units}
    by_code = {u.code: u for u in OrgUnit.objects.all()}
    heads = dict(
        Employee.objects.filter(personnel_number__in={r.head for r in rows if r.head}).values_list(
            "personnel_number", "pk"
        )
    )
    to_update = []
    for r in rows:
        unit = by_code[r.code]
        unit.name = r.name
        unit.kind = r.kind
        if has_parent or unit.code in new_codes:
            unit.parent = by_code.get(r.parent) if r.parent else None
        if has_head:
            unit.head_personnel_number = r.head
            unit.head_id = heads.get(r.head)
        to_update.append(unit)
    OrgUnit.objects.bulk_update(
        to_update, ["name", "kind", "parent", "head_personnel_number", "head"], batch_size=1000
    )
    org_units_rebuild_paths()
    events = []
    for r in rows:
        unit = by_code[r.code]
        label = f"{r.code} {r.name}"
        if r.code not in existing:
            events.append(
                audit_event(
                    actor=by, action="angelegt", obj=unit, source=f"Import {filename}", save=False
                )
            )
        elif label in changed_labels:
            events.append(
                audit_event(
                    actor=by,
                    action="geändert",
                    obj=unit,
                    changes=changed_labels[label],
                    source=f"Import {filename}",
                    save=False,
                )
            )
    audit_events_bulk(events)
    result.applied = True


# =========================================================================== employees


@dataclass
class _EmployeeRow:
    line: int
    personnel_number: str
    values: dict[str, Any]
    position_number: str
    position_title: str


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


def _parse_email(value: Any) -> str:
    text = parse_text(value, max_length=254)
    if text:
        try:
            validate_email(text)
        except ValidationError:
            raise CellError(f"{quoted(text)} ist keine gültige E-Mail-Adresse.") from None
    return text.lower()


def _parse_hours(value: Any) -> Decimal | None:
    hours = parse_decimal(value)
    if hours is not None and not (Decimal("0") < hours <= Decimal("60")):
        raise CellError(
            f"Wochenstunden müssen größer als 0 und höchstens 60 sein (gefunden: {display_value(hours)})."
        )
    if hours is not None and hours.normalize().as_tuple().exponent < -2:
        raise CellError(
            f"Wochenstunden mit höchstens zwei Nachkommastellen angeben (gefunden: {display_value(hours)})."
        )
    return hours


_COLUMN_OF = {"unit_id": "unit", "is_active": None}


def _present(table: Table, **values: Any) -> dict[str, Any]:
    """Only the fields whose column the file has: a missing column changes nothing."""
    return {
        name: value
        for name, value in values.items()
        if _COLUMN_OF.get(name, name) is None or table.has(_COLUMN_OF.get(name, name))
    }


def employees_import(
    *, data: bytes, filename: str, by=None, dry_run: bool = False, today=None
) -> ImportResult:
    today = today or timezone.localdate()
    try:
        table = read_table(data, filename, EMPLOYEE_COLUMNS)
    except TableError as exc:
        return ImportResult(kind=ImportKind.EMPLOYEES, problems=exc.problems)
    if dry_run:
        return _employees_plan(table, today)[0]
    with transaction.atomic():
        result, rows = _employees_plan(table, today, lock=True)
        if result.ok:
            _employees_apply(table, rows, result, by=by, filename=filename, today=today)
    return result


def _employees_plan(table: Table, today: dt.date, lock: bool = False):
    result = ImportResult(kind=ImportKind.EMPLOYEES)
    problems = result.problems
    units = dict(OrgUnit.objects.values_list("code", "pk"))
    seen: dict[str, int] = {}
    position_seen: dict[str, tuple[str, int]] = {}
    rows: list[_EmployeeRow] = []
    for row in table.rows:
        before = len(problems)
        pn = parse_cell(
            row,
            table,
            problems,
            "personnel_number",
            lambda v: parse_key(v, what="Personalnummer"),
            required=True,
        )
        if pn:
            if pn in seen:
                problems.append(
                    Problem(
                        f"Die Personalnummer „{pn}“ steht schon in Zeile {seen[pn]}.",
                        line=row.line,
                        column=table.header("personnel_number"),
                    )
                )
            else:
                seen[pn] = row.line
        last = parse_cell(
            row,
            table,
            problems,
            "last_name",
            lambda v: parse_text(v, max_length=100),
            required=True,
        )
        first = parse_cell(
            row,
            table,
            problems,
            "first_name",
            lambda v: parse_text(v, max_length=100),
            required=True,
        )
        email = parse_cell(row, table, problems, "email", _parse_email) or ""
        unit_code = parse_cell(
            row, table, problems, "unit", lambda v: parse_key(v, what="Kennung"), required=True
        )
        if unit_code and unit_code not in units:
            problems.append(
                Problem(
                    f"Die Organisationseinheit „{unit_code}“ ist nicht bekannt. Bitte zuerst die "
                    "Organisationseinheiten importieren.",
                    line=row.line,
                    column=table.header("unit"),
                )
            )
        pos_no = (
            parse_cell(
                row,
                table,
                problems,
                "position_number",
                lambda v: parse_key(v, what="Stellennummer"),
            )
            or ""
        )
        pos_title = (
            parse_cell(
                row, table, problems, "position_title", lambda v: parse_text(v, max_length=200)
            )
            or ""
        )
        if pos_no and table.has("position_title") and not pos_title:
            problems.append(
                Problem(
                    "Zur Stellennummer fehlt die Stellenbezeichnung.",
                    line=row.line,
                    column=table.header("position_title"),
                )
            )
        if pos_no and pos_title:
            if pos_no in position_seen and position_seen[pos_no][0] != pos_title:
                title, line = position_seen[pos_no]
                problems.append(
                    Problem(
                        f"Die Stelle „{pos_no}“ heißt in Zeile {line} „{title}“, hier „{pos_title}“.",
                        line=row.line,
                        column=table.header("position_title"),
                    )
                )
            position_seen.setdefault(pos_no, (pos_title, row.line))
        hours = parse_cell(row, table, problems, "weekly_hours", _parse_hours, required=True)
        entry = parse_cell(row, table, problems, "entry_date", parse_date, required=True)
        exit_ = parse_cell(row, table, problems, "exit_date", parse_date)
        if entry and exit_ and exit_ < entry:
            problems.append(
                Problem(
                    f"Der Austritt ({display_value(exit_)}) liegt vor dem Eintritt ({display_value(entry)}).",
                    line=row.line,
                    column=table.header("exit_date"),
                )
            )
        if len(problems) > before:
            continue
        rows.append(
            _EmployeeRow(
                line=row.line,
                personnel_number=pn,
                values=_present(
                    table,
                    last_name=last,
                    first_name=first,
                    email=email,
                    unit_id=units[unit_code],
                    weekly_hours=hours,
                    entry_date=entry,
                    exit_date=exit_,
                    is_active=not (exit_ is not None and exit_ < today),
                ),
                position_number=pos_no,
                position_title=pos_title,
            )
        )
    if problems:
        return result, rows

    employees = Employee.objects.select_related("position")
    if lock:
        employees = employees.select_for_update(of=("self",))
    existing = {e.personnel_number: e for e in employees.filter(personnel_number__in=seen)}
    unit_codes = {pk: code for code, pk in units.items()}
    has_position = table.has("position_number")
    for r in rows:
        employee = existing.get(r.personnel_number)
        label = _label(r.values["last_name"], r.values["first_name"], r.personnel_number)
        if employee is None:
            result.created.append(label)
            continue
        if "exit_date" not in r.values:  # no exit column: the known exit date stays in force
            r.values["is_active"] = not employee.has_left(today)
        changes = {}
        for name, new in r.values.items():
            old = getattr(employee, name)
            if old == new or name == "is_active":
                continue
            if name == "unit_id":
                old, new = unit_codes.get(old, old), unit_codes.get(new, new)
            changes[EMPLOYEE_FIELD_LABELS[name]] = [display_value(old), display_value(new)]
        if has_position:
            old = employee.position.number if employee.position_id else ""
            if old != r.position_number:
                changes["Stelle"] = [display_value(old), display_value(r.position_number)]
        if employee.is_active != r.values["is_active"]:
            changes["aktiv"] = ["ja", "nein"] if employee.is_active else ["nein", "ja"]
        if employee.is_active and not r.values["is_active"]:
            result.deactivated.append(label)
            result.deactivated_changes[label] = changes
        elif changes:
            result.changed.append({"label": label, "changes": changes})
        else:
            result.unchanged += 1
    return result, rows


def _label(last_name: str, first_name: str, personnel_number: str) -> str:
    return f"{last_name}, {first_name} ({personnel_number})"


def _employees_apply(table: Table, rows, result: ImportResult, *, by, filename: str, today) -> None:
    source = f"Import {filename}"
    # Positions: create the missing ones, keep titles up to date.
    wanted: dict[str, tuple[str, int]] = {}
    for r in rows:
        if r.position_number:
            wanted.setdefault(r.position_number, (r.position_title, r.values["unit_id"]))
    positions = {p.number: p for p in Position.objects.filter(number__in=wanted)}
    new_positions = [
        Position(number=number, title=title or number, unit_id=unit_id)
        for number, (title, unit_id) in wanted.items()
        if number not in positions
    ]
    Position.objects.bulk_create(new_positions, batch_size=2000)
    retitled = []
    for number, (title, _unit) in wanted.items():
        position = positions.get(number)
        if position and title and position.title != title:
            position.title = title
            retitled.append(position)
    Position.objects.bulk_update(retitled, ["title"], batch_size=2000)
    position_ids = dict(Position.objects.filter(number__in=wanted).values_list("number", "pk"))

    existing = {
        e.personnel_number: e
        for e in Employee.objects.filter(personnel_number__in=[r.personnel_number for r in rows])
    }
    has_position = table.has("position_number")
    fields = sorted({name for r in rows for name in r.values})
    created, updated, left = [], [], []
    was_active = {e.pk: e.is_active for e in existing.values()}
    for r in rows:
        employee = existing.get(r.personnel_number)
        position_id = position_ids.get(r.position_number) if r.position_number else None
        if employee is None:
            created.append(
                Employee(personnel_number=r.personnel_number, position_id=position_id, **r.values)
            )
            continue
        dirty = False
        for name, value in r.values.items():
            if getattr(employee, name) != value:
                setattr(employee, name, value)
                dirty = True
        if has_position and employee.position_id != position_id:
            employee.position_id = position_id
            dirty = True
        if dirty:
            employee.updated_at = timezone.now()
            updated.append(employee)
        if not r.values["is_active"] and employee.user_id:
            left.append(employee.user_id)
    Employee.objects.bulk_create(created, batch_size=2000)
    Employee.objects.bulk_update(updated, [*fields, "position", "updated_at"], batch_size=2000)

    # Leavers may no longer sign in, and what they hold is taken back at once.
    User = get_user_model()
    if left:
        User.objects.filter(pk__in=left, is_active=True).update(is_active=False)
    newly_left = [e.pk for e in updated if was_active.get(e.pk) and not e.is_active]
    if newly_left:
        hooks.employees_left.send(newly_left)
    _link_user_accounts()
    _resolve_unit_heads()

    changes_by_label = {c["label"]: c["changes"] for c in result.changed}
    events = []
    for employee in created:
        events.append(
            audit_event(actor=by, action="angelegt", obj=employee, source=source, save=False)
        )
    for employee in updated:
        label = _label(employee.last_name, employee.first_name, employee.personnel_number)
        if label in result.deactivated_changes:
            events.append(
                audit_event(
                    actor=by,
                    action="deaktiviert",
                    obj=employee,
                    changes=result.deactivated_changes[label],
                    reason="Austrittsdatum liegt in der Vergangenheit.",
                    source=source,
                    save=False,
                )
            )
        elif label in changes_by_label:
            events.append(
                audit_event(
                    actor=by,
                    action="geändert",
                    obj=employee,
                    changes=changes_by_label[label],
                    source=source,
                    save=False,
                )
            )
    audit_events_bulk(events)
    result.applied = True


def _link_user_accounts() -> None:
    """Link existing user accounts to employees by e-mail (case-insensitive).

    The import creates no accounts: they come from the directory (later) or the
    admin. An account already linked to someone else is never moved.
    """
    User = get_user_model()
    unlinked = dict(
        Employee.objects.filter(user__isnull=True, is_active=True)
        .exclude(email="")
        .values_list("email", "pk")
    )
    if not unlinked:
        return
    candidates = (
        User.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=list(unlinked), employee__isnull=True)
        .values_list("email_lower", "pk")
    )
    links = {}
    for email, user_id in candidates:
        links.setdefault(email, []).append(user_id)
    updates = []
    for email, user_ids in links.items():
        if len(user_ids) == 1:
            updates.append(Employee(pk=unlinked[email], user_id=user_ids[0]))
    Employee.objects.bulk_update(updates, ["user"], batch_size=2000)


def _resolve_unit_heads() -> None:
    pending = list(OrgUnit.objects.exclude(head_personnel_number="").filter(head__isnull=True))
    if not pending:
        return
    ids = dict(
        Employee.objects.filter(
            personnel_number__in={u.head_personnel_number for u in pending}
        ).values_list("personnel_number", "pk")
    )
    for unit in pending:
        unit.head_id = ids.get(unit.head_personnel_number)
    OrgUnit.objects.bulk_update([u for u in pending if u.head_id], ["head"], batch_size=1000)

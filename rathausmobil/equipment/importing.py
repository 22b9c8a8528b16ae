"""Import of an existing inventory: CSV or XLSX with German headers or the columns of
Snipe-IT's asset export.

The same rules as the HR import: the whole file is read and checked first
(`_plan`); only a file without problems is applied, in one transaction, with the
affected rows locked. Devices are matched by inventory number (upsert); importing
the same file twice changes nothing the second time. Problems read
`Zeile N, Spalte X: Grund`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rathausmobil.core.audit import audit_event, audit_events_bulk
from rathausmobil.core.importresult import ImportResult
from rathausmobil.core.tabular import (
    CellError,
    Column,
    Problem,
    Table,
    TableError,
    cell_text,
    display_value,
    normalise_header,
    parse_cell,
    parse_date,
    parse_key,
    parse_text,
    quoted,
    read_table,
)
from rathausmobil.equipment.models import (
    MOBILE_BY_DEFAULT,
    Assignment,
    Device,
    DeviceImport,
    DeviceKind,
    DeviceModel,
    DeviceStatus,
    ImportStatus,
)
from rathausmobil.equipment.services import add_months
from rathausmobil.organisation.models import Employee

DEVICE_COLUMNS = [
    Column(
        "inventory_number",
        "Inventarnummer",
        (
            "Inventar-Nr.",
            "Inventarnr.",
            "Inv.-Nr.",
            "Inventar",
            "Asset Tag",
            "Asset number",
            "Inventory number",
            "Inventory no.",
        ),
        True,
    ),
    Column(
        "serial",
        "Seriennummer",
        ("Serien-Nr.", "Seriennr.", "Serial", "Serial number", "Serial no.", "S/N", "SN"),
    ),
    Column(
        "model", "Modell", ("Gerätemodell", "Model", "Model name", "Asset model", "Produkt"), True
    ),
    Column(
        "model_number",
        "Modellnummer",
        ("Modell-Nr.", "Modellnr.", "Artikelnummer", "Model No.", "Model number", "Part number"),
    ),
    Column(
        "kind",
        "Art",
        ("Geräteart", "Gerätetyp", "Typ", "Kategorie", "Category", "Kind", "Type", "Device type"),
    ),
    Column("manufacturer", "Hersteller", ("Manufacturer", "Marke", "Brand", "Vendor")),
    Column("status", "Status", ("Zustand", "Status label", "Asset status")),
    Column(
        "purchase_date",
        "Kaufdatum",
        ("Anschaffungsdatum", "Beschaffungsdatum", "Kauf", "Purchase date", "Purchased"),
    ),
    Column(
        "warranty_until",
        "Garantie bis",
        (
            "Garantieende",
            "Garantie endet",
            "Gewährleistung bis",
            "Warranty expires",
            "Warranty expiration",
            "Warranty end",
            "Warranty until",
        ),
    ),
    Column(
        "warranty_months",
        "Garantie (Monate)",
        ("Garantiemonate", "Garantie Monate", "Garantie", "Warranty", "Warranty months"),
    ),
    Column(
        "holder",
        "Ausgegeben an",
        (
            "Zugewiesen an",
            "Nutzer",
            "Nutzerin",
            "Benutzer",
            "Checked out to",
            "Assigned to",
            "Holder",
            "User",
        ),
    ),
    Column(
        "holder_number",
        "Personalnummer",
        ("Personal-Nr.", "Personalnr.", "PersNr", "Employee No.", "Employee number", "Employee ID"),
    ),
    Column("holder_email", "E-Mail", ("Email", "Mail", "E-Mail-Adresse", "Email address")),
    Column(
        "handed_over_on",
        "Ausgegeben am",
        ("Ausgabedatum", "Übergeben am", "Checkout date", "Last checkout", "Checked out"),
    ),
    Column("notes", "Bemerkung", ("Bemerkungen", "Notiz", "Notizen", "Anmerkung", "Notes", "Note")),
]

_KIND_WORDS = {
    DeviceKind.NOTEBOOK: (
        "notebook",
        "notebooks",
        "laptop",
        "laptops",
        "ultrabook",
        "convertible",
        "mobiler arbeitsplatz",
    ),
    DeviceKind.TABLET: ("tablet", "tablets", "ipad", "ipads", "tablet-pc"),
    DeviceKind.PHONE: (
        "smartphone",
        "smartphones",
        "phone",
        "phones",
        "mobile phone",
        "mobile phones",
        "handy",
        "handys",
        "mobiltelefon",
        "mobiltelefone",
        "diensthandy",
        "telefon",
    ),
    DeviceKind.HEADSET: ("headset", "headsets", "kopfhörer"),
    DeviceKind.MONITOR: (
        "monitor",
        "monitore",
        "monitors",
        "bildschirm",
        "bildschirme",
        "display",
        "displays",
    ),
    DeviceKind.DOCKING: (
        "docking",
        "dockingstation",
        "dockingstationen",
        "docking station",
        "docking stations",
        "dock",
        "docks",
    ),
    DeviceKind.DESKTOP: (
        "desktop",
        "desktops",
        "pc",
        "pcs",
        "desktop pc",
        "arbeitsplatzrechner",
        "arbeitsplatz-pc",
        "stationärer arbeitsplatz",
        "workstation",
        "workstations",
    ),
}
KIND_NAMES = {normalise_header(word): kind for kind, words in _KIND_WORDS.items() for word in words}
KIND_NAMES.update({normalise_header(kind.value): kind for kind in DeviceKind})
KIND_NAMES.update({normalise_header(str(kind.label)): kind for kind in DeviceKind})

_STATUS_WORDS = {
    DeviceStatus.ORDERED: ("bestellt", "ordered", "on order", "bestellung"),
    DeviceStatus.IN_STOCK: (
        "auf lager",
        "lager",
        "im lager",
        "verfügbar",
        "frei",
        "in stock",
        "in_stock",
        "stock",
        "ready to deploy",
        "deployable",
        "available",
    ),
    DeviceStatus.ASSIGNED: (
        "ausgegeben",
        "zugewiesen",
        "im einsatz",
        "in benutzung",
        "assigned",
        "deployed",
        "checked out",
        "in use",
    ),
    DeviceStatus.REPAIR: (
        "in reparatur",
        "reparatur",
        "defekt",
        "repair",
        "in repair",
        "out for repair",
        "out for diagnostics",
        "pending",
        "broken",
    ),
    DeviceStatus.RETIRED: (
        "ausgemustert",
        "verschrottet",
        "entsorgt",
        "verloren",
        "gestohlen",
        "retired",
        "archived",
        "broken - not fixable",
        "broken not fixable",
        "lost",
        "stolen",
        "lost/stolen",
        "disposed",
    ),
}
STATUS_NAMES = {
    normalise_header(word): status for status, words in _STATUS_WORDS.items() for word in words
}

FIELD_LABELS = {
    "serial": "Seriennummer",
    "model_id": "Modell",
    "status": "Status",
    "purchase_date": "Kaufdatum",
    "warranty_until": "Garantie bis",
    "notes": "Bemerkung",
    "holder": "Ausgegeben an",
}

_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NUMBER_IN_PARENS = re.compile(r"\(([A-Za-z0-9._/-]{1,32})\)")
_MONTHS = re.compile(r"(\d{1,3})\s*(?:monate?|months?|mon\.?|m)?", re.IGNORECASE)


@dataclass
class DeviceImportResult(ImportResult):
    new_models: list[str] = field(default_factory=list)

    EXTRA_LISTS: ClassVar[dict[str, str]] = {"new_models": "neue Modelle"}


@dataclass
class _Row:
    line: int
    inventory_number: str
    values: dict[str, Any]  # device fields present in the file
    model_name: str
    model_fields: dict[str, Any]
    holder_id: int | None = None
    holder_given: bool = False  # the file says who holds it (or that nobody does)
    handed_over_on: dt.date | None = None
    status_given: str | None = None


def _parse_kind(value: Any) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    kind = KIND_NAMES.get(normalise_header(text))
    if kind is None:
        known = ", ".join(str(k.label) for k in DeviceKind)
        raise CellError(f"{quoted(text)} ist keine bekannte Geräteart ({known}).")
    return kind


def _parse_status(value: Any) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    status = STATUS_NAMES.get(normalise_header(text))
    if status is None:
        known = ", ".join(str(s.label) for s in DeviceStatus)
        raise CellError(f"{quoted(text)} ist kein bekannter Status ({known}).")
    return status


def _parse_months(value: Any) -> int | None:
    text = cell_text(value)
    if not text:
        return None
    match = _MONTHS.fullmatch(text)
    if not match or not 0 <= int(match.group(1)) <= 240:
        raise CellError(f"{quoted(text)} ist keine Garantiezeit in Monaten (z. B. 36).")
    return int(match.group(1))


class _People:
    """Finds the employee a holder cell names: e-mail, personnel number, or a unique name."""

    def __init__(self):
        rows = list(
            Employee.objects.values_list(
                "pk", "personnel_number", "email", "first_name", "last_name", "is_active"
            )
        )
        self.by_number = {r[1]: r[0] for r in rows}
        self.by_email = {r[2].lower(): r[0] for r in rows if r[2]}
        self.inactive = {r[0] for r in rows if not r[5]}
        self.by_name: dict[str, list[int]] = {}
        for pk, _n, _e, first, last, active in rows:
            if not active:
                continue
            for key in (f"{first} {last}", f"{last}, {first}", f"{last} {first}"):
                self.by_name.setdefault(" ".join(key.casefold().split()), []).append(pk)
        self.labels = {r[0]: f"{r[3]} {r[4]} ({r[1]})" for r in rows}

    def find(self, text: str, number: str = "", email: str = "") -> tuple[int | None, str]:
        """(employee id, how it was found) or (None, "") ."""
        if number and number in self.by_number:
            return self.by_number[number], "Personalnummer"
        if email and email.lower() in self.by_email:
            return self.by_email[email.lower()], "E-Mail"
        if not text:
            return None, ""
        if text.lower() in self.by_email:
            return self.by_email[text.lower()], "E-Mail"
        if text in self.by_number:
            return self.by_number[text], "Personalnummer"
        match = _EMAIL_IN_TEXT.search(text)
        if match and match.group(0).lower() in self.by_email:
            return self.by_email[match.group(0).lower()], "E-Mail"
        if (match := _NUMBER_IN_PARENS.search(text)) and match.group(1) in self.by_number:
            return self.by_number[match.group(1)], "Personalnummer"
        names = self.by_name.get(" ".join(text.casefold().split()), [])
        if len(set(names)) == 1:
            return names[0], "Name"
        return None, ""


def devices_import(
    *, data: bytes, filename: str, by=None, dry_run: bool = False
) -> DeviceImportResult:
    """Validate the whole file; apply it only if it is free of problems and not a dry run."""
    try:
        table = read_table(data, filename, DEVICE_COLUMNS)
    except TableError as exc:
        return DeviceImportResult(problems=exc.problems)
    if dry_run:
        return _plan(table)[0]
    with transaction.atomic():
        result, rows = _plan(table, lock=True)
        if result.ok:
            _apply(table, rows, result, by=by, filename=filename)
    return result


def _plan(table: Table, lock: bool = False):
    result = DeviceImportResult()
    problems = result.problems
    today = timezone.localdate()
    models = {m.name.casefold(): m for m in DeviceModel.objects.all()}
    new_models: dict[str, tuple[str, int, str]] = {}  # name -> (kind, line, raw kind)
    holder_columns = ("holder", "holder_number", "holder_email")
    people = _People() if any(table.has(c) for c in holder_columns) else None
    seen: dict[str, int] = {}
    serial_seen: dict[tuple[str, str], int] = {}
    rows: list[_Row] = []
    for row in table.rows:
        before = len(problems)
        number = parse_cell(
            row,
            table,
            problems,
            "inventory_number",
            lambda v: parse_key(v, what="Inventarnummer"),
            required=True,
        )
        if number:
            key = number.casefold()
            if key in seen:
                problems.append(
                    Problem(
                        f"Die Inventarnummer „{number}“ steht schon in Zeile {seen[key]}.",
                        line=row.line,
                        column=table.header("inventory_number"),
                    )
                )
            else:
                seen[key] = row.line
        serial = (
            parse_cell(row, table, problems, "serial", lambda v: parse_text(v, max_length=80)) or ""
        )
        model_name = parse_cell(
            row, table, problems, "model", lambda v: parse_text(v, max_length=120), required=True
        )
        model_number = (
            parse_cell(row, table, problems, "model_number", lambda v: parse_text(v, max_length=80))
            or ""
        )
        kind = parse_cell(row, table, problems, "kind", _parse_kind)
        manufacturer = (
            parse_cell(row, table, problems, "manufacturer", lambda v: parse_text(v, max_length=80))
            or ""
        )
        status = parse_cell(row, table, problems, "status", _parse_status)
        purchase = parse_cell(row, table, problems, "purchase_date", parse_date)
        warranty_until = parse_cell(row, table, problems, "warranty_until", parse_date)
        months = parse_cell(row, table, problems, "warranty_months", _parse_months)
        holder_text = (
            parse_cell(row, table, problems, "holder", lambda v: parse_text(v, max_length=200))
            or ""
        )
        holder_number = (
            parse_cell(
                row,
                table,
                problems,
                "holder_number",
                lambda v: parse_key(v, what="Personalnummer"),
            )
            or ""
        )
        holder_email = (
            parse_cell(
                row, table, problems, "holder_email", lambda v: parse_text(v, max_length=254)
            )
            or ""
        )
        handed_over_on = parse_cell(row, table, problems, "handed_over_on", parse_date)
        notes = (
            parse_cell(
                row,
                table,
                problems,
                "notes",
                lambda v: parse_text(v, max_length=2000, multiline_ok=True),
            )
            or ""
        )
        if warranty_until is None and months is not None:
            if purchase is None:
                problems.append(
                    Problem(
                        "Eine Garantie in Monaten braucht ein Kaufdatum.",
                        line=row.line,
                        column=table.header("warranty_months"),
                    )
                )
            else:
                warranty_until = add_months(purchase, months)
        if purchase and warranty_until and warranty_until < purchase:
            problems.append(
                Problem(
                    f"Die Garantie ({display_value(warranty_until)}) endet vor dem Kaufdatum "
                    f"({display_value(purchase)}).",
                    line=row.line,
                    column=table.header("warranty_until"),
                )
            )
        if handed_over_on and handed_over_on > today:
            problems.append(
                Problem(
                    f"Das Ausgabedatum ({display_value(handed_over_on)}) liegt in der Zukunft.",
                    line=row.line,
                    column=table.header("handed_over_on"),
                )
            )

        model = models.get(model_name.casefold()) if model_name else None
        if model_name and model is not None and kind and kind != model.kind:
            problems.append(
                Problem(
                    f"Das Modell „{model.name}“ ist als {model.get_kind_display()} erfasst, hier "
                    f"als {DeviceKind(kind).label}.",
                    line=row.line,
                    column=table.header("kind"),
                )
            )
        elif model_name and model is None:
            key = model_name.casefold()
            if key in new_models:
                first_kind, first_line, _raw = new_models[key]
                if kind and kind != first_kind:
                    problems.append(
                        Problem(
                            f"Das Modell „{model_name}“ ist in Zeile {first_line} als "
                            f"{DeviceKind(first_kind).label} angegeben, hier als "
                            f"{DeviceKind(kind).label}.",
                            line=row.line,
                            column=table.header("kind"),
                        )
                    )
            elif kind is None and not row.text("kind"):  # an unknown kind is reported above
                problems.append(
                    Problem(
                        f"Das Modell „{model_name}“ ist neu; bitte die Geräteart angeben "
                        "(Spalte Art, z. B. Notebook, Tablet, Monitor).",
                        line=row.line,
                        column=table.header("kind") if table.has("kind") else "Art",
                    )
                )
            elif kind is not None:
                new_models[key] = (kind, row.line, manufacturer)

        if serial and model_name:
            skey = (model_name.casefold(), serial)
            if skey in serial_seen:
                problems.append(
                    Problem(
                        f"Die Seriennummer „{serial}“ steht schon in Zeile {serial_seen[skey]}.",
                        line=row.line,
                        column=table.header("serial"),
                    )
                )
            else:
                serial_seen[skey] = row.line

        holder_id = None
        holder_named = bool(holder_text or holder_number or holder_email)
        if people is not None and holder_named:
            holder_id, how = people.find(holder_text, holder_number, holder_email)
            column = table.header(
                "holder"
                if table.has("holder")
                else "holder_number"
                if table.has("holder_number")
                else "holder_email"
            )
            shown = holder_text or holder_number or holder_email
            if holder_id is None:
                result.warnings.append(
                    Problem(
                        f"{quoted(shown)} ist keiner/keinem Beschäftigten zuzuordnen (gesucht "
                        "nach E-Mail, Personalnummer und eindeutigem Namen); das Gerät wird ohne "
                        "Ausgabe übernommen.",
                        line=row.line,
                        column=column,
                    )
                )
            elif holder_id in people.inactive:
                result.warnings.append(
                    Problem(
                        f"{people.labels[holder_id]} ist ausgeschieden; das Gerät erscheint in der "
                        "Rückgabeliste.",
                        line=row.line,
                        column=column,
                    )
                )
            elif how == "Name":
                result.warnings.append(
                    Problem(
                        f"{quoted(shown)} wurde über den Namen {people.labels[holder_id]} "
                        "zugeordnet. Bitte prüfen.",
                        line=row.line,
                        column=column,
                    )
                )
        if holder_id and status not in (None, DeviceStatus.IN_STOCK, DeviceStatus.ASSIGNED):
            problems.append(
                Problem(
                    f"Ein Gerät mit Status „{DeviceStatus(status).label}“ kann nicht ausgegeben "
                    f"sein (an {people.labels[holder_id]}).",
                    line=row.line,
                    column=table.header("status"),
                )
            )
        if len(problems) > before:
            continue
        values: dict[str, Any] = {}
        for name, value in (
            ("serial", serial),
            ("purchase_date", purchase),
            ("notes", notes),
        ):
            if table.has(name):
                values[name] = value
        if table.has("warranty_until") or (table.has("warranty_months") and months is not None):
            values["warranty_until"] = warranty_until
        rows.append(
            _Row(
                line=row.line,
                inventory_number=number,
                values=values,
                model_name=model_name,
                model_fields={
                    "kind": kind,
                    "manufacturer": manufacturer,
                    "model_number": model_number,
                },
                holder_id=holder_id,
                holder_given=people is not None,
                handed_over_on=handed_over_on,
                status_given=status,
            )
        )
    if problems:
        problems.sort(key=lambda p: p.line or 0)
        return result, rows

    # Inventory numbers match ignoring case, as people type them.
    known = {
        number.casefold(): pk for pk, number in Device.objects.values_list("pk", "inventory_number")
    }
    wanted = [
        known[r.inventory_number.casefold()] for r in rows if r.inventory_number.casefold() in known
    ]
    devices = Device.objects.select_related("model", "holder")
    if lock:
        devices = devices.select_for_update(of=("self",))
    existing = {
        d.inventory_number.casefold(): d
        for chunk in _chunks(wanted, 500)
        for d in devices.filter(pk__in=chunk)
    }
    # A serial already on another device of the same model is a conflict.
    by_serial = {}
    serials = [r.values.get("serial") for r in rows if r.values.get("serial")]
    for chunk in _chunks(serials, 500):
        for d in Device.objects.filter(serial__in=chunk).select_related("model"):
            by_serial[(d.model.name.casefold(), d.serial)] = d
    for r in rows:
        device = existing.get(r.inventory_number.casefold())
        serial = r.values.get("serial")
        if serial:
            other = by_serial.get((r.model_name.casefold(), serial))
            if other and (device is None or other.pk != device.pk):
                problems.append(
                    Problem(
                        f"Die Seriennummer „{serial}“ ist schon beim Gerät "
                        f"{other.inventory_number} erfasst.",
                        line=r.line,
                        column=table.header("serial"),
                    )
                )
                continue
        r.values["status"], r.holder_id = _target_status(r, device)
        if r.status_given == DeviceStatus.ASSIGNED and not r.holder_id:
            result.warnings.append(
                Problem(
                    "Der Status sagt „ausgegeben“, aber an wen, ist nicht bekannt; das Gerät wird "
                    f"als „{DeviceStatus(r.values['status']).label}“ übernommen.",
                    line=r.line,
                    column=table.header("status"),
                )
            )
        if device is None:
            result.created.append(f"{r.inventory_number} {r.model_name}")
            continue
        changes = {}
        for name, new in r.values.items():
            old = getattr(device, name)
            if old != new:
                if name == "status":
                    old, new = DeviceStatus(old).label, DeviceStatus(new).label
                changes[FIELD_LABELS[name]] = [display_value(old), display_value(new)]
        if device.model.name.casefold() != r.model_name.casefold():
            changes["Modell"] = [device.model.name, r.model_name]
        if device.holder_id != r.holder_id:
            changes["Ausgegeben an"] = [
                _person_label(device.holder),
                people.labels[r.holder_id] if (people and r.holder_id) else "–",
            ]
        if changes:
            result.changed.append(
                {
                    "label": f"{r.inventory_number} {r.model_name}",
                    "changes": {k: [str(a), str(b)] for k, (a, b) in changes.items()},
                }
            )
        else:
            result.unchanged += 1
    if problems:
        problems.sort(key=lambda p: p.line or 0)
        return result, rows
    first_of_model = {}
    for r in rows:
        first_of_model.setdefault(r.model_name.casefold(), r)
    result.new_models = sorted(
        f"{r.model_name} ({DeviceKind(r.model_fields['kind']).label})"
        for key, r in first_of_model.items()
        if key not in models
    )
    return result, rows


def _person_label(employee: Employee | None) -> str:
    if employee is None:
        return "–"
    return f"{employee.first_name} {employee.last_name} ({employee.personnel_number})"


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _target_status(row: _Row, device: Device | None) -> tuple[str, int | None]:
    """Status and holder after the import. The file wins where it says something; a
    column the file lacks changes nothing."""
    status = row.status_given
    if row.holder_given:
        holder = row.holder_id
        if holder:
            return DeviceStatus.ASSIGNED, holder
        # Nobody holds it (or nobody we know of).
        if status in (None, DeviceStatus.ASSIGNED):
            if device is not None and device.status != DeviceStatus.ASSIGNED:
                return device.status, None
            return DeviceStatus.IN_STOCK, None
        return status, None
    # The file says nothing about holders: keep the current one where the status allows.
    if device is None:
        return (DeviceStatus.IN_STOCK if status in (None, DeviceStatus.ASSIGNED) else status), None
    if status is None or (status == DeviceStatus.ASSIGNED and device.holder_id):
        return device.status, device.holder_id
    if status == DeviceStatus.ASSIGNED:
        return device.status, None
    return status, None


def _apply(table: Table, rows: list[_Row], result: DeviceImportResult, *, by, filename: str):
    source = f"Import {filename}"[:64]
    now = timezone.now()
    models = {m.name.casefold(): m for m in DeviceModel.objects.all()}
    for r in rows:
        key = r.model_name.casefold()
        if key not in models:
            kind = r.model_fields["kind"]
            model = DeviceModel.objects.create(
                name=r.model_name,
                kind=kind,
                manufacturer=r.model_fields["manufacturer"],
                model_number=r.model_fields["model_number"],
                is_mobile=kind in MOBILE_BY_DEFAULT,
            )
            models[key] = model
            audit_event(actor=by, action="angelegt", obj=model, source=source)
    existing = {
        d.inventory_number.casefold(): d
        for chunk in _chunks([r.inventory_number for r in rows], 500)
        for d in Device.objects.filter(inventory_number__in=chunk)
    }
    changed_by_label = {c["label"]: c["changes"] for c in result.changed}
    events = []
    for r in rows:
        device = existing.get(r.inventory_number.casefold())
        model = models[r.model_name.casefold()]
        target_status, holder_id = r.values["status"], r.holder_id
        fields = {k: v for k, v in r.values.items() if k != "status"}
        if device is None:
            device = Device.objects.create(
                inventory_number=r.inventory_number,
                model=model,
                status=target_status,
                holder_id=holder_id,
                **fields,
            )
            if holder_id:
                _open(device, holder_id, r, by=by, source=source, now=now)
            events.append(
                audit_event(actor=by, action="angelegt", obj=device, source=source, save=False)
            )
            continue
        label = f"{r.inventory_number} {r.model_name}"
        if label not in changed_by_label:
            continue
        if device.holder_id != holder_id and device.holder_id:
            open_assignment = Assignment.objects.filter(
                device=device, returned_at__isnull=True
            ).first()
            if open_assignment:
                open_assignment.returned_at = max(now, open_assignment.handed_over_at)
                open_assignment.returned_by = by if getattr(by, "pk", None) else None
                open_assignment.return_note = f"Rückgabe laut {source}"[:500]
                open_assignment.save(update_fields=["returned_at", "returned_by", "return_note"])
        previous_holder = device.holder_id
        for name, value in fields.items():
            setattr(device, name, value)
        device.model = model
        device.status = target_status
        device.holder_id = holder_id
        device.save()
        if holder_id and holder_id != previous_holder:
            # After a return recorded just now, the new hand-over cannot lie earlier.
            _open(device, holder_id, r, by=by, source=source, now=now, at_now=bool(previous_holder))
        events.append(
            audit_event(
                actor=by,
                action="geändert",
                obj=device,
                changes=changed_by_label[label],
                source=source,
                save=False,
            )
        )
    audit_events_bulk(events)
    result.applied = True


def _open(
    device: Device,
    holder_id: int,
    row: _Row,
    *,
    by,
    source: str,
    now: dt.datetime,
    at_now: bool = False,
):
    at = now
    if row.handed_over_on and not at_now:
        at = timezone.make_aware(dt.datetime.combine(row.handed_over_on, dt.time(9, 0)))
    Assignment.objects.create(
        device=device,
        employee_id=holder_id,
        handed_over_at=min(at, now),
        handed_over_by=by if getattr(by, "pk", None) else None,
        note=f"Übernommen aus {source}"[:500],
        source=source,
    )


# --------------------------------------------------------------------------- upload with preview


class DeviceImportError(Exception):
    """A problem of the upload workflow; the message is for the user."""


def device_import_preview(*, filename: str, data: bytes, by):
    """Check the file (nothing written) and keep it for the confirmation."""
    if len(data) > settings.IMPORT_MAX_BYTES:
        result = DeviceImportResult()
        limit = settings.IMPORT_MAX_BYTES // (1024 * 1024)
        result.problems.append(Problem(f"Die Datei ist größer als {limit} MB."))
        return None, result
    result = devices_import(data=data, filename=filename, by=by, dry_run=True)
    if not result.ok:
        return None, result
    batch = DeviceImport.objects.create(
        filename=filename[:255],
        content=data,
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=by,
        summary=result.as_dict(),
    )
    return batch, result


def device_import_apply(*, batch_id: int, by):
    """Apply a previewed file exactly once; a second confirmation changes nothing."""
    with transaction.atomic():
        batch = DeviceImport.objects.select_for_update().filter(pk=batch_id, uploaded_by=by).first()
        if batch is None:
            raise DeviceImportError("Dieser Importvorgang existiert nicht.")
        if batch.status != ImportStatus.PREVIEW:
            raise DeviceImportError(
                f"Dieser Import wurde bereits {batch.get_status_display()} "
                f"({timezone.localtime(batch.applied_at or batch.created_at):%d.%m.%Y %H:%M})."
            )
        result = devices_import(data=bytes(batch.content), filename=batch.filename, by=by)
        if not result.ok:
            return batch, result
        batch.status = ImportStatus.APPLIED
        batch.applied_at = timezone.now()
        batch.summary = result.as_dict()
        batch.content = b""
        batch.save(update_fields=["status", "applied_at", "summary", "content"])
    return batch, result


def device_import_discard(*, batch_id: int, by) -> None:
    with transaction.atomic():
        batch = DeviceImport.objects.select_for_update().filter(pk=batch_id, uploaded_by=by).first()
        if batch is None:
            raise DeviceImportError("Dieser Importvorgang existiert nicht.")
        if batch.status == ImportStatus.PREVIEW:
            batch.status = ImportStatus.DISCARDED
            batch.content = b""
            batch.save(update_fields=["status", "content"])

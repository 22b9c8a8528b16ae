"""Import of an existing inventory: CSV or XLSX with German headers or the columns of
Snipe-IT's asset export.

The same shape as the HR import (core/imports.py, core/tabular.py): the columns
carry their parsers, named rules check what one cell alone cannot, the whole file
is checked first (`_plan`), and only a file without problems is applied, in one
transaction, with the affected rows locked. Devices are matched by inventory
number (upsert); importing the same file twice changes nothing the second time.
Problems read `Zeile N, Spalte X: Grund`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rathausmobil.core.audit import audit_event
from rathausmobil.core.bulk import analyze_if_large
from rathausmobil.core.dates import add_months
from rathausmobil.core.importresult import ExtraList, ImportResult
from rathausmobil.core.imports import ImportKind, ImportPage
from rathausmobil.core.tabular import (
    CellError,
    CheckedRow,
    Column,
    Problem,
    Table,
    TableError,
    cell_text,
    check_rows,
    display_value,
    in_file_order,
    key_parser,
    normalise_header,
    parse_date,
    quoted,
    read_table,
    text_parser,
)
from rathausmobil.equipment.models import (
    MOBILE_BY_DEFAULT,
    Assignment,
    Device,
    DeviceKind,
    DeviceModel,
    DeviceStatus,
)
from rathausmobil.equipment.selectors import manages_equipment
from rathausmobil.equipment.workflow import DEVICE_WORKFLOW
from rathausmobil.organisation.models import Employee

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


def _parse_kind(value: Any) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    kind = KIND_NAMES.get(normalise_header(text))
    if kind is None:
        known = ", ".join(str(k.label) for k in DeviceKind)
        raise CellError(
            _("%(value)s ist keine bekannte Geräteart (%(known)s).")
            % {"value": quoted(text), "known": known}
        )
    return kind


def _parse_status(value: Any) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    status = STATUS_NAMES.get(normalise_header(text))
    if status is None:
        known = ", ".join(str(s.label) for s in DeviceStatus)
        raise CellError(
            _("%(value)s ist kein bekannter Status (%(known)s).")
            % {"value": quoted(text), "known": known}
        )
    return status


def _parse_months(value: Any) -> int | None:
    text = cell_text(value)
    if not text:
        return None
    match = _MONTHS.fullmatch(text)
    if not match or not 0 <= int(match.group(1)) <= 240:
        raise CellError(
            _("%(value)s ist keine Garantiezeit in Monaten (z. B. 36).") % {"value": quoted(text)}
        )
    return int(match.group(1))


PERSONNEL_NUMBER = gettext_lazy("Personalnummer")

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
        required=True,
        parse=key_parser(gettext_lazy("Inventarnummer")),
    ),
    Column(
        "serial",
        "Seriennummer",
        ("Serien-Nr.", "Seriennr.", "Serial", "Serial number", "Serial no.", "S/N", "SN"),
        parse=text_parser(80),
    ),
    Column(
        "model",
        "Modell",
        ("Gerätemodell", "Model", "Model name", "Asset model", "Produkt"),
        required=True,
        parse=text_parser(120),
    ),
    Column(
        "model_number",
        "Modellnummer",
        ("Modell-Nr.", "Modellnr.", "Artikelnummer", "Model No.", "Model number", "Part number"),
        parse=text_parser(80),
    ),
    Column(
        "kind",
        "Art",
        ("Geräteart", "Gerätetyp", "Typ", "Kategorie", "Category", "Kind", "Type", "Device type"),
        parse=_parse_kind,
    ),
    Column(
        "manufacturer",
        "Hersteller",
        ("Manufacturer", "Marke", "Brand", "Vendor"),
        parse=text_parser(80),
    ),
    Column("status", "Status", ("Zustand", "Status label", "Asset status"), parse=_parse_status),
    Column(
        "purchase_date",
        "Kaufdatum",
        ("Anschaffungsdatum", "Beschaffungsdatum", "Kauf", "Purchase date", "Purchased"),
        parse=parse_date,
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
        parse=parse_date,
    ),
    Column(
        "warranty_months",
        "Garantie (Monate)",
        ("Garantiemonate", "Garantie Monate", "Garantie", "Warranty", "Warranty months"),
        parse=_parse_months,
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
        parse=text_parser(200),
    ),
    Column(
        "holder_number",
        "Personalnummer",
        ("Personal-Nr.", "Personalnr.", "PersNr", "Employee No.", "Employee number", "Employee ID"),
        parse=key_parser(PERSONNEL_NUMBER),
    ),
    Column(
        "holder_email",
        "E-Mail",
        ("Email", "Mail", "E-Mail-Adresse", "Email address"),
        parse=text_parser(254),
    ),
    Column(
        "handed_over_on",
        "Ausgegeben am",
        ("Ausgabedatum", "Übergeben am", "Checkout date", "Last checkout", "Checked out"),
        parse=parse_date,
    ),
    Column(
        "notes",
        "Bemerkung",
        ("Bemerkungen", "Notiz", "Notizen", "Anmerkung", "Notes", "Note"),
        parse=text_parser(2000, multiline_ok=True),
    ),
]

HOLDER_COLUMNS = ("holder", "holder_number", "holder_email")


@dataclass
class DeviceImportResult(ImportResult):
    new_models: list[str] = field(default_factory=list)

    EXTRA_LISTS: ClassVar[dict[str, ExtraList]] = {
        "new_models": ExtraList(
            count=gettext_lazy("%(count)s neue Modelle"), heading=gettext_lazy("Neue Modelle")
        )
    }


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

    @property
    def label(self) -> str:
        return f"{self.inventory_number} {self.model_name}"


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


# --------------------------------------------------------------------------- rules


@dataclass
class _Inventory:
    """What the device rules look at beyond one row."""

    today: dt.date
    models: dict[str, DeviceModel]  # name (casefolded) -> the models already known
    people: _People | None  # None: the file names no holders
    first_line: dict[str, int] = field(default_factory=dict)  # inventory number -> line
    new_models: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (kind, line)
    serial_lines: dict[tuple[str, str], int] = field(default_factory=dict)

    def known_model(self, row: CheckedRow) -> DeviceModel | None:
        return self.models.get(row["model"].casefold()) if row["model"] else None


def inventory_number_once(row: CheckedRow, inventory: _Inventory) -> None:
    number = row["inventory_number"]
    if not number:
        return
    key = number.casefold()  # people type them in any case
    if key in inventory.first_line:
        row.problem(
            _("Die Inventarnummer „%(number)s“ steht schon in Zeile %(line)s.")
            % {"number": number, "line": inventory.first_line[key]},
            "inventory_number",
        )
    else:
        inventory.first_line[key] = row.line


def warranty_from_months(row: CheckedRow, inventory: _Inventory) -> None:
    """A warranty in months counts from the purchase date (unless the end is given)."""
    if row["warranty_until"] is not None or row["warranty_months"] is None:
        return
    if row["purchase_date"] is None:
        row.problem(_("Eine Garantie in Monaten braucht ein Kaufdatum."), "warranty_months")
    else:
        row.values["warranty_until"] = add_months(row["purchase_date"], row["warranty_months"])


def warranty_not_before_purchase(row: CheckedRow, inventory: _Inventory) -> None:
    purchase, warranty = row["purchase_date"], row["warranty_until"]
    if purchase and warranty and warranty < purchase:
        row.problem(
            _("Die Garantie (%(warranty)s) endet vor dem Kaufdatum (%(purchase)s).")
            % {"warranty": display_value(warranty), "purchase": display_value(purchase)},
            "warranty_until",
        )


def handed_over_not_in_future(row: CheckedRow, inventory: _Inventory) -> None:
    if row["handed_over_on"] and row["handed_over_on"] > inventory.today:
        row.problem(
            _("Das Ausgabedatum (%(date)s) liegt in der Zukunft.")
            % {"date": display_value(row["handed_over_on"])},
            "handed_over_on",
        )


def kind_matches_known_model(row: CheckedRow, inventory: _Inventory) -> None:
    model, kind = inventory.known_model(row), row["kind"]
    if model is not None and kind and kind != model.kind:
        row.problem(
            _("Das Modell „%(model)s“ ist als %(known)s erfasst, hier als %(kind)s.")
            % {
                "model": model.name,
                "known": model.get_kind_display(),
                "kind": DeviceKind(kind).label,
            },
            "kind",
        )


def new_model_kind_same_in_every_row(row: CheckedRow, inventory: _Inventory) -> None:
    if not row["model"] or inventory.known_model(row) is not None:
        return
    first = inventory.new_models.get(row["model"].casefold())
    if first and row["kind"] and row["kind"] != first[0]:
        row.problem(
            _(
                "Das Modell „%(model)s“ ist in Zeile %(line)s als %(first)s angegeben, hier als %(kind)s."
            )
            % {
                "model": row["model"],
                "line": first[1],
                "first": DeviceKind(first[0]).label,
                "kind": DeviceKind(row["kind"]).label,
            },
            "kind",
        )


def new_model_kind_given(row: CheckedRow, inventory: _Inventory) -> None:
    """The first row of a model not yet known says what kind of device it is."""
    if not row["model"] or inventory.known_model(row) is not None:
        return
    key = row["model"].casefold()
    if key in inventory.new_models:
        return
    if row["kind"] is not None:
        inventory.new_models[key] = (row["kind"], row.line)
    elif not row.raw_text("kind"):  # an unknown kind is reported by the column
        row.problem(
            _(
                "Das Modell „%(model)s“ ist neu; bitte die Geräteart angeben (Spalte Art, "
                "z. B. Notebook, Tablet, Monitor)."
            )
            % {"model": row["model"]},
            "kind",
        )


def serial_once_per_model(row: CheckedRow, inventory: _Inventory) -> None:
    serial, model = row["serial"], row["model"]
    if not (serial and model):
        return
    key = (model.casefold(), serial)
    if key in inventory.serial_lines:
        row.problem(
            _("Die Seriennummer „%(serial)s“ steht schon in Zeile %(line)s.")
            % {"serial": serial, "line": inventory.serial_lines[key]},
            "serial",
        )
    else:
        inventory.serial_lines[key] = row.line


def holder_found(row: CheckedRow, inventory: _Inventory) -> None:
    """Find the employee the holder cells name; a hint if nobody, a leaver or only a
    name matches (the file is applied all the same)."""
    row.values["holder_id"] = None
    text, number, email = (row[name] or "" for name in HOLDER_COLUMNS)
    people = inventory.people
    if people is None or not (text or number or email):
        return
    holder_id, how = people.find(text, number, email)
    row.values["holder_id"] = holder_id
    column = next(name for name in HOLDER_COLUMNS if row.table.has(name))
    shown = quoted(text or number or email)
    if holder_id is None:
        row.warning(
            _(
                "%(holder)s ist keiner/keinem Beschäftigten zuzuordnen (gesucht nach E-Mail, "
                "Personalnummer und eindeutigem Namen); das Gerät wird ohne Ausgabe übernommen."
            )
            % {"holder": shown},
            column,
        )
    elif holder_id in people.inactive:
        row.warning(
            _("%(person)s ist ausgeschieden; das Gerät erscheint in der Rückgabeliste.")
            % {"person": people.labels[holder_id]},
            column,
        )
    elif how == "Name":
        row.warning(
            _("%(holder)s wurde über den Namen %(person)s zugeordnet. Bitte prüfen.")
            % {"holder": shown, "person": people.labels[holder_id]},
            column,
        )


def holder_fits_status(row: CheckedRow, inventory: _Inventory) -> None:
    holder_id, status = row["holder_id"], row["status"]
    if holder_id and status not in (None, DeviceStatus.IN_STOCK, DeviceStatus.ASSIGNED):
        row.problem(
            _("Ein Gerät mit Status „%(status)s“ kann nicht ausgegeben sein (an %(person)s).")
            % {"status": DeviceStatus(status).label, "person": inventory.people.labels[holder_id]},
            "status",
        )


DEVICE_RULES = [
    inventory_number_once,
    warranty_from_months,
    warranty_not_before_purchase,
    handed_over_not_in_future,
    kind_matches_known_model,
    new_model_kind_same_in_every_row,
    new_model_kind_given,
    serial_once_per_model,
    holder_found,
    holder_fits_status,
]


# --------------------------------------------------------------------------- plan


def _plan(table: Table, lock: bool = False) -> tuple[DeviceImportResult, list[_Row]]:
    result = DeviceImportResult()
    names_holders = any(table.has(name) for name in HOLDER_COLUMNS)
    inventory = _Inventory(
        today=timezone.localdate(),
        models={m.name.casefold(): m for m in DeviceModel.objects.all()},
        people=_People() if names_holders else None,
    )
    checked = check_rows(
        table, DEVICE_COLUMNS, report=result, rules=DEVICE_RULES, context=inventory
    )
    rows = [_device_row(row, names_holders) for row in checked if row.ok]
    if result.problems:
        in_file_order(result.problems)
        return result, rows
    _compare_with_inventory(table, rows, inventory.people, result, lock=lock)
    if result.problems:
        in_file_order(result.problems)
        return result, rows
    result.new_models = _new_models(rows, inventory.models)
    return result, rows


def _device_row(row: CheckedRow, names_holders: bool) -> _Row:
    table = row.table
    values = {name: row[name] for name in ("serial", "purchase_date", "notes") if table.has(name)}
    if table.has("warranty_until") or (
        table.has("warranty_months") and row["warranty_months"] is not None
    ):
        values["warranty_until"] = row["warranty_until"]
    return _Row(
        line=row.line,
        inventory_number=row["inventory_number"],
        values=values,
        model_name=row["model"],
        model_fields={
            "kind": row["kind"],
            "manufacturer": row["manufacturer"],
            "model_number": row["model_number"],
        },
        holder_id=row["holder_id"],
        holder_given=names_holders,
        handed_over_on=row["handed_over_on"],
        status_given=row["status"],
    )


def _compare_with_inventory(
    table: Table, rows: list[_Row], people: _People | None, result: DeviceImportResult, *, lock
) -> None:
    """Check the rows against the devices already known and count what changes."""
    existing = _devices_of(rows, lock=lock)
    by_serial = _devices_by_serial(rows)
    for r in rows:
        device = existing.get(r.inventory_number.casefold())
        other = by_serial.get((r.model_name.casefold(), r.values.get("serial")))
        if other and (device is None or other.pk != device.pk):
            # A serial already on another device of the same model is a conflict.
            result.problems.append(
                Problem(
                    _("Die Seriennummer „%(serial)s“ ist schon beim Gerät %(device)s erfasst.")
                    % {"serial": r.values["serial"], "device": other.inventory_number},
                    line=r.line,
                    column=table.header("serial"),
                )
            )
            continue
        r.values["status"], r.holder_id = _target_status(r, device)
        if r.status_given == DeviceStatus.ASSIGNED and not r.holder_id:
            result.warnings.append(
                Problem(
                    _(
                        "Der Status sagt „ausgegeben“, aber an wen, ist nicht bekannt; das Gerät "
                        "wird als „%(status)s“ übernommen."
                    )
                    % {"status": DeviceStatus(r.values["status"]).label},
                    line=r.line,
                    column=table.header("status"),
                )
            )
        _count_device(r, device, people, result)


def _devices_of(rows: list[_Row], *, lock: bool) -> dict[str, Device]:
    """The known devices the file names (inventory numbers match ignoring case)."""
    known = {
        number.casefold(): pk for pk, number in Device.objects.values_list("pk", "inventory_number")
    }
    wanted = [
        known[r.inventory_number.casefold()] for r in rows if r.inventory_number.casefold() in known
    ]
    devices = Device.objects.select_related("model", "holder")
    if lock:
        devices = devices.select_for_update(of=("self",))
    return {
        d.inventory_number.casefold(): d
        for chunk in _chunks(wanted, 500)
        for d in devices.filter(pk__in=chunk)
    }


def _devices_by_serial(rows: list[_Row]) -> dict[tuple[str, str], Device]:
    by_serial = {}
    serials = [r.values.get("serial") for r in rows if r.values.get("serial")]
    for chunk in _chunks(serials, 500):
        for d in Device.objects.filter(serial__in=chunk).select_related("model"):
            by_serial[(d.model.name.casefold(), d.serial)] = d
    return by_serial


def _count_device(
    r: _Row, device: Device | None, people: _People | None, result: DeviceImportResult
) -> None:
    if device is None:
        result.created.append(r.label)
        return
    changes = _device_changes(r, device, people)
    if changes:
        result.changed.append(
            {"label": r.label, "changes": {k: [str(a), str(b)] for k, (a, b) in changes.items()}}
        )
    else:
        result.unchanged += 1


def _device_changes(r: _Row, device: Device, people: _People | None) -> dict[str, list]:
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
    return changes


def _new_models(rows: list[_Row], models: dict[str, DeviceModel]) -> list[str]:
    first_of_model: dict[str, _Row] = {}
    for r in rows:
        first_of_model.setdefault(r.model_name.casefold(), r)
    return sorted(
        f"{r.model_name} ({DeviceKind(r.model_fields['kind']).label})"
        for key, r in first_of_model.items()
        if key not in models
    )


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


# --------------------------------------------------------------------------- apply


def _apply(table: Table, rows: list[_Row], result: DeviceImportResult, *, by, filename: str):
    source = f"Import {filename}"[:64]
    now = timezone.now()
    models = _models_for(rows, by=by, source=source)
    # The devices the plan matched (ignoring case, as people type numbers), already
    # locked by the plan in this transaction: a row never creates a second device.
    existing = _devices_of(rows, lock=False)
    changed_by_label = {c["label"]: c["changes"] for c in result.changed}
    for r in rows:
        device = existing.get(r.inventory_number.casefold())
        if device is not None and r.label not in changed_by_label:
            continue
        if device is None:
            device = Device(inventory_number=r.inventory_number)
        device.model = models[r.model_name.casefold()]
        for name, value in r.values.items():
            if name != "status":
                setattr(device, name, value)
        _import_status_and_holder(
            device, r, by=by, source=source, now=now, changes=changed_by_label.get(r.label)
        )
    # A large inventory changes what the planner knows of these tables (core/bulk.py).
    analyze_if_large(Device, Assignment, rows=len(result.created) + len(result.changed))
    result.applied = True


def _models_for(rows: list[_Row], *, by, source: str) -> dict[str, DeviceModel]:
    """The device models the rows name (casefolded name -> model), creating the new ones."""
    models = {m.name.casefold(): m for m in DeviceModel.objects.all()}
    for r in rows:
        key = r.model_name.casefold()
        if key not in models:
            kind = r.model_fields["kind"]
            models[key] = DeviceModel.objects.create(
                name=r.model_name,
                kind=kind,
                manufacturer=r.model_fields["manufacturer"],
                model_number=r.model_fields["model_number"],
                is_mobile=kind in MOBILE_BY_DEFAULT,
            )
            audit_event(actor=by, action="angelegt", obj=models[key], source=source)
    return models


def _import_status_and_holder(
    device: Device,
    row: _Row,
    *,
    by,
    source: str,
    now: dt.datetime,
    changes: dict[str, list[str]] | None,
):
    """The one place where the inventory import writes a device's status and holder,
    and saves the device (new or known) with them: the open assignment of a previous
    holder is closed, one for the new holder opened. The status moves through the
    device workflow's "import" action (history row and audit event); a device whose
    status stays is saved with one audit event of its changes."""
    status, holder_id = row.values["status"], row.holder_id
    previous_holder = device.holder_id
    if previous_holder and previous_holder != holder_id:
        open_assignment = Assignment.objects.filter(device=device, returned_at__isnull=True).first()
        if open_assignment:
            open_assignment.returned_at = max(now, open_assignment.handed_over_at)
            open_assignment.returned_by = by if getattr(by, "pk", None) else None
            open_assignment.return_note = f"Rückgabe laut {source}"[:500]
            open_assignment.save(update_fields=["returned_at", "returned_by", "return_note"])
    device.holder_id = holder_id
    if device.pk is None:
        device.status = status
        device.save()
        DEVICE_WORKFLOW.start(device, action="import", by=by, source=source, audit_as="angelegt")
    elif device.status != status:
        fields = ["model", "holder", *(name for name in row.values if name != "status")]
        DEVICE_WORKFLOW.transition(
            device,
            status,
            action="import",
            by=by,
            fields=fields,
            source=source,
            changes=changes,
            audit_as="geändert",
        )
    else:
        device.save()
        audit_event(actor=by, action="geändert", obj=device, changes=changes, source=source)
    if holder_id and holder_id != previous_holder:
        # After a return recorded just now, the new hand-over cannot lie earlier.
        _open(device, holder_id, row, by=by, source=source, now=now, at_now=bool(previous_holder))


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


# --------------------------------------------------------------------------- the kind

DEVICES = ImportKind(
    key="devices",
    label=gettext_lazy("Geräte"),
    columns=DEVICE_COLUMNS,
    run=devices_import,
    may_upload=manages_equipment,
    page=ImportPage(
        namespace="equipment",
        title=gettext_lazy("Gerätebestand importieren"),
        nav_template="equipment/_nav.html",
        after_apply="equipment:device_list",
    ),
    help=gettext_lazy(
        "Übernehmen Sie einen vorhandenen Bestand, zum Beispiel den Asset-Export aus Snipe-IT "
        "oder eine Excel-Liste mit den Spalten Inventarnummer, Seriennummer, Modell, Art, "
        "Hersteller, Status, Kaufdatum, Garantie bis und Ausgegeben an. Sie sehen zuerst eine "
        "Vorschau; gespeichert wird erst, wenn Sie bestätigen."
    ),
    result_class=DeviceImportResult,
)

"""Two imports of the presence plan (core/imports.py), registered in apps.py:

- **rooms** from the facility management's room list (HR and IT);
- **absences** from the time-management system, `Personalnummer;Von;Bis` (HR).

The same shape as the HR import (organisation/importing.py): columns carry their
parsers, named rules check what one cell cannot, the whole file is checked first and
only a file without problems is applied, in one transaction, with the rows it
changes locked. Importing the same file twice changes nothing the second time.
Problems read `Zeile N, Spalte X: Grund`; odd but harmless rows are hints.
docs/workflows/presence.md describes both files.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rathausmobil.core.audit import audit_event, audit_events_bulk
from rathausmobil.core.dates import german_date
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
    parse_date,
    parse_decimal,
    parse_key,
    quoted,
    read_table,
    text_parser,
)
from rathausmobil.organisation.models import Employee, OrgUnit, Role
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.presence.models import Absence, AbsenceSource, Building, Room, Site, UnitRoom
from rathausmobil.presence.selectors import manages_places

CHUNK = 500
SMALL_INT_MAX = 32767
AREA_MAX = Decimal("99999.99")


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# =========================================================================== rooms


def _parse_count(value: Any) -> int | None:
    """A whole number of places, 0 or more (`6`, also `6,0` from a spreadsheet)."""
    number = parse_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value() or not 0 <= number <= SMALL_INT_MAX:
        raise CellError(
            _("%(value)s ist keine Anzahl: erwartet wird eine ganze Zahl ab 0.")
            % {"value": quoted(cell_text(value))}
        )
    return int(number)


def _parse_area(value: Any) -> Decimal | None:
    """Square metres, German comma or point, at most two decimals."""
    area = parse_decimal(value)
    if area is None:
        return None
    if not Decimal("0") <= area <= AREA_MAX:
        raise CellError(
            _("Die Fläche muss zwischen 0 und 99999 m² liegen (gefunden: %(area)s).")
            % {"area": display_value(area)}
        )
    if area.normalize().as_tuple().exponent < -2:
        raise CellError(
            _("Die Fläche mit höchstens zwei Nachkommastellen angeben (gefunden: %(area)s).")
            % {"area": display_value(area)}
        )
    return area


_UNIT_SEPARATORS = re.compile(r"[|,;\s]+")


def _parse_unit_codes(value: Any) -> tuple[str, ...]:
    """Unit codes separated by `|` (recommended: it never needs quotes), `,`, `;` or
    spaces; each code once, in the order given."""
    codes: list[str] = []
    for part in _UNIT_SEPARATORS.split(cell_text(value)):
        code = parse_key(part, what=_("Kennung einer Organisationseinheit"))
        if code and code not in codes:
            codes.append(code)
    return tuple(codes)


ROOM_COLUMNS = [
    Column(
        "site",
        "Standort",
        ("Standortkennung", "Liegenschaft", "Site", "Site code"),
        parse=key_parser(gettext_lazy("Standortkennung")),
    ),
    Column(
        "building",
        "Gebäude",
        ("Gebäudekennung", "Gebäude-Nr.", "Haus", "Building", "Building code"),
        required=True,
        parse=key_parser(gettext_lazy("Gebäudekennung")),
    ),
    Column(
        "building_name",
        "Gebäudename",
        ("Gebäudebezeichnung", "Building name"),
        parse=text_parser(200),
    ),
    Column(
        "code",
        "Raum",
        ("Raumnummer", "Raum-Nr.", "Raumkennung", "Room", "Room number", "Room ID"),
        required=True,
        parse=key_parser(gettext_lazy("Raumkennung")),
    ),
    Column(
        "name",
        "Bezeichnung",
        ("Raumbezeichnung", "Raumname", "Nutzung", "Name", "Room name"),
        parse=text_parser(200),
    ),
    Column(
        "desks",
        "Arbeitsplätze",
        ("Plätze", "Anzahl Arbeitsplätze", "AP", "Desks", "Seats", "Workplaces"),
        required=True,
        parse=_parse_count,
    ),
    Column(
        "area_m2",
        "Fläche m²",
        ("Fläche", "Fläche in m²", "Fläche (m²)", "m²", "qm", "Area", "Area m2", "Area sqm"),
        parse=_parse_area,
    ),
    Column(
        "pandemic",
        "Pandemiegrenze",
        ("Pandemie-Plätze", "Plätze Pandemie", "Pandemic limit", "Pandemic desks"),
        parse=_parse_count,
    ),
    Column(
        "units",
        "Einheiten",
        ("Organisationseinheiten", "Nutzende Einheiten", "OE", "Units"),
        parse=_parse_unit_codes,
    ),
]

ROOM_FIELD_LABELS = {
    "building_id": "Gebäude",
    "name": "Bezeichnung",
    "desks": "Arbeitsplätze",
    "area_m2": "Fläche m²",
    "pandemic_desks_override": "Pandemiegrenze",
}
_ROOM_COLUMN_OF = {
    "building_id": "building",
    "name": "name",
    "desks": "desks",
    "area_m2": "area_m2",
    "pandemic_desks_override": "pandemic",
}


@dataclass
class RoomImportResult(ImportResult):
    new_buildings: list[str] = field(default_factory=list)

    EXTRA_LISTS: ClassVar[dict[str, ExtraList]] = {
        "new_buildings": ExtraList(
            count=gettext_lazy("%(count)s neue Gebäude"), heading=gettext_lazy("Neue Gebäude")
        )
    }


@dataclass
class _Places:
    """What the room rules look at beyond one row."""

    sites: dict[str, Site]  # code -> the sites known
    buildings: dict[str, Building]  # code -> the buildings known
    units: dict[str, int]  # code -> pk of the units known
    inactive_rooms: set[str]  # codes (casefolded) of rooms out of use
    room_changes: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # code -> changes
    first_line: dict[str, int] = field(default_factory=dict)  # room code (casefolded) -> line
    # Buildings the file creates: code -> (name, site code, line of its first row).
    new_buildings: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    new_sites: set[str] = field(default_factory=set)


def room_given_once(row: CheckedRow, places: _Places) -> None:
    code = row["code"]
    if not code:
        return
    key = code.casefold()
    if key in places.first_line:
        row.problem(
            _("Der Raum „%(code)s“ steht schon in Zeile %(line)s.")
            % {"code": code, "line": places.first_line[key]},
            "code",
        )
    else:
        places.first_line[key] = row.line


def pandemic_limit_within_desks(row: CheckedRow, places: _Places) -> None:
    limit, desks = row["pandemic"], row["desks"]
    if limit is not None and desks is not None and limit > desks:
        row.problem(
            _("Die Pandemiegrenze (%(limit)s) liegt über den Arbeitsplätzen (%(desks)s).")
            % {"limit": limit, "desks": desks},
            "pandemic",
        )


def building_known_or_named(row: CheckedRow, places: _Places) -> None:
    """A building not yet known is created from its first row, which must name it; its
    site is the row's Standort, or the only site there is."""
    code, name = row["building"], row["building_name"]
    if not code:
        return
    known = places.buildings.get(code)
    if known is not None:
        if name and name != known.name:
            row.warning(
                _(
                    "Das Gebäude „%(code)s“ heißt bereits „%(known)s“; der Name wird beim "
                    "Raumimport nicht geändert."
                )
                % {"code": code, "known": known.name},
                "building_name",
            )
        return
    planned = places.new_buildings.get(code)
    if planned is not None:
        if name and name != planned[0]:
            row.problem(
                _(
                    "Das neue Gebäude „%(code)s“ heißt in Zeile %(line)s „%(first)s“, hier „%(name)s“."
                )
                % {"code": code, "line": planned[2], "first": planned[0], "name": name},
                "building_name",
            )
        return
    if not name:
        row.problem(
            _(
                "Das Gebäude „%(code)s“ ist nicht bekannt. Um es anzulegen, bitte in der Spalte "
                "Gebäudename seinen Namen angeben."
            )
            % {"code": code},
            "building" if not row.table.has("building_name") else "building_name",
        )
        return
    site = row["site"] or (next(iter(places.sites)) if len(places.sites) == 1 else "")
    if not site:
        row.problem(
            _(
                "Für das neue Gebäude „%(code)s“ bitte den Standort angeben (Spalte Standort): "
                "es gibt %(count)s Standorte."
            )
            % {"code": code, "count": len(places.sites)},
            "site" if row.table.has("site") else "building",
        )
        return
    if site not in places.sites and site not in places.new_sites:
        places.new_sites.add(site)
        row.warning(
            _("Der Standort „%(site)s“ ist neu und wird angelegt.") % {"site": site}, "site"
        )
    places.new_buildings[code] = (name, site, row.line)


def units_known(row: CheckedRow, places: _Places) -> None:
    unknown = [code for code in row["units"] or () if code not in places.units]
    if unknown:
        row.problem(
            _("Unbekannte Organisationseinheit(en): %(codes)s.")
            % {"codes": ", ".join(f"„{code}“" for code in unknown)},
            "units",
        )


def odd_but_harmless(row: CheckedRow, places: _Places) -> None:
    """Hints about rows that are allowed but probably not meant."""
    desks, area = row["desks"], row["area_m2"]
    if desks == 0:
        row.warning(_("Der Raum hat keine Arbeitsplätze und wird nie eingeplant."), "desks")
    elif desks and area is not None and area < 4 * desks:
        row.warning(
            _("Nur %(area)s m² für %(desks)s Arbeitsplätze: bitte prüfen.")
            % {"area": display_value(area), "desks": desks},
            "area_m2",
        )
    if row["pandemic"] == 0 and desks:
        row.warning(_("Pandemiegrenze 0: in Pandemiezeiten bleibt der Raum leer."), "pandemic")
    if row["code"] and row["code"].casefold() in places.inactive_rooms:
        row.warning(
            _(
                "Der Raum ist außer Nutzung gestellt und bleibt es; wieder in Nutzung nehmen "
                "auf der Seite des Raums."
            ),
            "code",
        )


ROOM_RULES = [
    room_given_once,
    pandemic_limit_within_desks,
    building_known_or_named,
    units_known,
    odd_but_harmless,
]


@dataclass
class _RoomRow:
    line: int
    code: str
    building: str
    values: dict[str, Any]  # room fields present in the file (building_id filled on apply)
    units: tuple[str, ...] | None  # None: the file has no Einheiten column

    @property
    def label(self) -> str:
        name = self.values.get("name") or ""
        return f"{self.code} {name}".strip()


def rooms_import(*, data: bytes, filename: str, by=None, dry_run: bool = False) -> RoomImportResult:
    """Validate the whole file; apply it only if it is free of problems and not a dry run."""
    try:
        table = read_table(data, filename, ROOM_COLUMNS)
    except TableError as exc:
        return RoomImportResult(problems=exc.problems)
    if dry_run:
        return _rooms_plan(table)[0]
    with transaction.atomic():
        result, rows, places = _rooms_plan(table, lock=True)
        if result.ok:
            _rooms_apply(rows, places, result, by=by, filename=filename)
    return result


def _rooms_plan(
    table: Table, lock: bool = False
) -> tuple[RoomImportResult, list[_RoomRow], _Places]:
    result = RoomImportResult()
    places = _Places(
        sites={site.code: site for site in Site.objects.all()},
        buildings={b.code: b for b in Building.objects.select_related("site")},
        units=dict(OrgUnit.objects.values_list("code", "pk")),
        inactive_rooms={
            code.casefold()
            for code in Room.objects.filter(is_active=False).values_list("code", flat=True)
        },
    )
    checked = check_rows(table, ROOM_COLUMNS, report=result, rules=ROOM_RULES, context=places)
    rows = [_room_row(row) for row in checked if row.ok]
    if result.problems:
        in_file_order(result.problems)
        return result, rows, places
    in_file_order(result.warnings)
    existing = _rooms_of(rows, lock=lock)
    current_units = _units_of_rooms(list(existing.values()))
    unit_codes = {pk: code for code, pk in places.units.items()}
    for r in rows:
        room = existing.get(r.code.casefold())
        if room is None:
            result.created.append(r.label)
            continue
        changes = _room_changes(r, room, places, current_units.get(room.pk, set()), unit_codes)
        if changes:
            result.changed.append({"label": r.label, "changes": changes})
            places.room_changes[r.code.casefold()] = changes
        else:
            result.unchanged += 1
    result.new_buildings = [
        f"{code} {name}" for code, (name, _site, _line) in places.new_buildings.items()
    ]
    return result, rows, places


def _room_row(row: CheckedRow) -> _RoomRow:
    table = row.table
    values: dict[str, Any] = {"desks": row["desks"]}
    if table.has("name"):
        values["name"] = row["name"] or ""
    if table.has("area_m2"):
        values["area_m2"] = row["area_m2"]
    if table.has("pandemic"):
        values["pandemic_desks_override"] = row["pandemic"]
    return _RoomRow(
        line=row.line,
        code=row["code"],
        building=row["building"],
        values=values,
        units=tuple(row["units"] or ()) if table.has("units") else None,
    )


def _rooms_of(rows: list[_RoomRow], *, lock: bool) -> dict[str, Room]:
    """The known rooms the file names (room codes match ignoring case)."""
    known = {code.casefold(): pk for pk, code in Room.objects.values_list("pk", "code")}
    wanted = [known[r.code.casefold()] for r in rows if r.code.casefold() in known]
    rooms = Room.objects.select_related("building")
    if lock:
        rooms = rooms.select_for_update(of=("self",))
    return {
        room.code.casefold(): room
        for chunk in _chunks(wanted)
        for room in rooms.filter(pk__in=chunk)
    }


def _units_of_rooms(rooms: list[Room]) -> dict[int, set[int]]:
    units: dict[int, set[int]] = {}
    for chunk in _chunks([room.pk for room in rooms]):
        for room_id, unit_id in UnitRoom.objects.filter(room_id__in=chunk).values_list(
            "room_id", "unit_id"
        ):
            units.setdefault(room_id, set()).add(unit_id)
    return units


def _room_changes(
    r: _RoomRow, room: Room, places: _Places, units: set[int], unit_codes: dict[int, str]
) -> dict[str, list[str]]:
    changes = {}
    if room.building.code != r.building:
        changes["Gebäude"] = [room.building.code, r.building]
    for name, new in r.values.items():
        old = getattr(room, name)
        if old != new:
            changes[ROOM_FIELD_LABELS[name]] = [display_value(old), display_value(new)]
    if r.units is not None and {places.units[code] for code in r.units} != units:
        old = ", ".join(sorted(unit_codes[pk] for pk in units)) or "–"
        changes["Einheiten"] = [old, ", ".join(sorted(r.units)) or "–"]
    return changes


def _rooms_apply(
    rows: list[_RoomRow], places: _Places, result: RoomImportResult, *, by, filename: str
) -> None:
    source = f"Import {filename}"[:64]
    events = []
    sites = dict(places.sites)
    for code in sorted(places.new_sites):
        sites[code] = Site.objects.create(code=code, name=code)
        events.append(
            audit_event(actor=by, action="angelegt", obj=sites[code], source=source, save=False)
        )
    buildings = dict(places.buildings)
    for code, (name, site, _line) in places.new_buildings.items():
        buildings[code] = Building.objects.create(code=code, name=name, site=sites[site])
        events.append(
            audit_event(actor=by, action="angelegt", obj=buildings[code], source=source, save=False)
        )
    existing = _rooms_of(rows, lock=False)
    created, updated = [], []
    for r in rows:
        room = existing.get(r.code.casefold())
        if room is None:
            room = Room(code=r.code, building=buildings[r.building], **r.values)
            created.append(room)
        elif r.code.casefold() in places.room_changes:
            room.building = buildings[r.building]
            for name, value in r.values.items():
                setattr(room, name, value)
            updated.append(room)
    Room.objects.bulk_create(created, batch_size=1000)
    Room.objects.bulk_update(
        updated,
        ["building", "name", "desks", "area_m2", "pandemic_desks_override"],
        batch_size=1000,
    )
    _apply_room_units(rows, places)
    events += [
        audit_event(actor=by, action="angelegt", obj=room, source=source, save=False)
        for room in created
    ]
    events += [
        audit_event(
            actor=by,
            action="geändert",
            obj=room,
            changes=places.room_changes[room.code.casefold()],
            source=source,
            save=False,
        )
        for room in updated
    ]
    audit_events_bulk(events)
    result.applied = True


def _apply_room_units(rows: list[_RoomRow], places: _Places) -> None:
    """The rooms whose Einheiten the file gives get exactly those units."""
    given = [r for r in rows if r.units is not None]
    if not given:
        return
    room_ids = dict((code.casefold(), pk) for pk, code in Room.objects.values_list("pk", "code"))
    wanted = {room_ids[r.code.casefold()]: {places.units[c] for c in r.units} for r in given}
    current = _units_of_rooms([Room(pk=pk) for pk in wanted])
    remove, add = [], []
    for room_id, units in wanted.items():
        have = current.get(room_id, set())
        remove += [(room_id, unit_id) for unit_id in have - units]
        add += [UnitRoom(room_id=room_id, unit_id=unit_id) for unit_id in units - have]
    for room_id, unit_id in remove:
        UnitRoom.objects.filter(room_id=room_id, unit_id=unit_id).delete()
    UnitRoom.objects.bulk_create(add, batch_size=2000)


# =========================================================================== absences


ABSENCE_COLUMNS = [
    Column(
        "personnel_number",
        "Personalnummer",
        ("Personal-Nr.", "Personalnr.", "PersNr", "Pers.-Nr.", "Personnel number", "Employee ID"),
        required=True,
        parse=key_parser(gettext_lazy("Personalnummer")),
    ),
    Column(
        "start",
        "Von",
        ("Beginn", "Ab", "Von Datum", "Datum von", "Abwesend von", "From", "Start", "Start date"),
        required=True,
        parse=parse_date,
    ),
    Column(
        "end",
        "Bis",
        ("Ende", "Bis Datum", "Datum bis", "Abwesend bis", "To", "Until", "End", "End date"),
        required=True,
        parse=parse_date,
    ),
]


@dataclass
class _Staff:
    """What the absence rules look at beyond one row: who the numbers name."""

    people: dict[str, tuple[int, bool, str]]  # personnel number -> (pk, active, label)


def person_known(row: CheckedRow, staff: _Staff) -> None:
    number = row["personnel_number"]
    if not number:
        return
    person = staff.people.get(number)
    if person is None:
        row.problem(
            _("Die Personalnummer „%(number)s“ ist nicht bekannt.") % {"number": number},
            "personnel_number",
        )
    elif not person[1]:
        row.warning(
            _("%(person)s ist ausgeschieden; die Zeile wird übersprungen.") % {"person": person[2]},
            "personnel_number",
        )


def end_not_before_start(row: CheckedRow, staff: _Staff) -> None:
    start, end = row["start"], row["end"]
    if start and end and end < start:
        row.problem(
            _("„Bis“ (%(end)s) liegt vor „Von“ (%(start)s).")
            % {"end": german_date(end), "start": german_date(start)},
            "end",
        )


ABSENCE_RULES = [person_known, end_not_before_start]


@dataclass
class _Span:
    """An absence while the import plans: one already stored (`pk`) or one the file adds."""

    start: dt.date
    end: dt.date
    pk: int | None = None
    stored: tuple[dt.date, dt.date] | None = None  # as stored before the import
    line: int | None = None  # the line of the file that adds it
    merged_away: bool = False

    def covers(self, start: dt.date, end: dt.date) -> bool:
        return self.start <= start and end <= self.end

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        return self.start <= end and start <= self.end


@dataclass
class _AbsencePlan:
    spans: dict[int, list[_Span]] = field(default_factory=dict)  # employee pk -> spans
    labels: dict[int, str] = field(default_factory=dict)  # employee pk -> label
    numbers: dict[int, str] = field(default_factory=dict)  # employee pk -> personnel number


def _period(start: dt.date, end: dt.date) -> str:
    return f"{german_date(start)}–{german_date(end)}"


def absences_import(*, data: bytes, filename: str, by=None, dry_run: bool = False) -> ImportResult:
    """Validate the whole file; apply it only if it is free of problems and not a dry run."""
    try:
        table = read_table(data, filename, ABSENCE_COLUMNS)
    except TableError as exc:
        return ImportResult(problems=exc.problems)
    if dry_run:
        return _absences_plan(table)[0]
    with transaction.atomic():
        result, plan = _absences_plan(table, lock=True)
        if result.ok:
            _absences_apply(plan, result, by=by, filename=filename)
    return result


def _absences_plan(table: Table, lock: bool = False) -> tuple[ImportResult, _AbsencePlan]:
    result = ImportResult()
    result.warnings += [
        Problem(
            _(
                "Die Spalte wird nicht übernommen: gespeichert wird nur, dass jemand abwesend "
                "ist, nie warum (Krankheit ist ein Gesundheitsdatum)."
            ),
            column=header,
        )
        for header in table.ignored_headers
    ]
    numbers = list({cell_text(row.values.get("personnel_number")) for row in table.rows})
    staff = _Staff(people=_people(numbers))
    checked = check_rows(
        table, ABSENCE_COLUMNS, report=result, rules=ABSENCE_RULES, context=staff, by_column=True
    )
    plan = _AbsencePlan()
    if result.problems:
        in_file_order(result.problems)
        return result, plan
    rows = sorted(
        (row for row in checked if staff.people[row["personnel_number"]][1]),
        key=lambda row: (row["start"], row.line),
    )
    for row in rows:
        pk, _active, label = staff.people[row["personnel_number"]]
        plan.labels[pk], plan.numbers[pk] = label, row["personnel_number"]
    _load_stored(plan, rows, lock=lock)
    for row in rows:
        _plan_row(row, staff, plan, result)
    _absence_outcome(plan, result)
    in_file_order(result.warnings)
    return result, plan


def _people(numbers: list[str]) -> dict[str, tuple[int, bool, str]]:
    people = {}
    for chunk in _chunks(numbers):
        for pk, number, active, last, first in Employee.objects.filter(
            personnel_number__in=chunk
        ).values_list("pk", "personnel_number", "is_active", "last_name", "first_name"):
            people[number] = (pk, active, f"{last}, {first} ({number})")
    return people


def _load_stored(plan: _AbsencePlan, rows: list[CheckedRow], *, lock: bool) -> None:
    """The stored absences of the people in the file that meet the file's period."""
    for pk in plan.labels:
        plan.spans[pk] = []
    if not rows:
        return
    first, last = min(row["start"] for row in rows), max(row["end"] for row in rows)
    stored = Absence.objects.filter(start__lte=last, end__gte=first).order_by("start", "pk")
    if lock:
        stored = stored.select_for_update()
    for chunk in _chunks(list(plan.labels)):
        for pk, employee_id, start, end in stored.filter(employee_id__in=chunk).values_list(
            "pk", "employee_id", "start", "end"
        ):
            plan.spans[employee_id].append(_Span(start, end, pk=pk, stored=(start, end)))


def _plan_row(row: CheckedRow, staff: _Staff, plan: _AbsencePlan, result: ImportResult) -> None:
    """One line of the file against what is stored (and what earlier lines add):
    nothing new, a new absence, or merged with the absences it overlaps."""
    employee_id = staff.people[row["personnel_number"]][0]
    start, end = row["start"], row["end"]
    spans = [span for span in plan.spans[employee_id] if not span.merged_away]
    if any(span.covers(start, end) for span in spans):
        result.unchanged += 1
        return
    overlapping = [span for span in spans if span.overlaps(start, end)]
    if not overlapping:
        plan.spans[employee_id].append(_Span(start, end, line=row.line))
        return
    target = next((span for span in overlapping if span.pk), overlapping[0])
    described = "; ".join(
        _("Zeile %(line)s") % {"line": span.line}
        if span.pk is None
        else _("eingetragen %(period)s") % {"period": _period(*span.stored)}
        for span in overlapping
    )
    target.start = min([start, *(span.start for span in overlapping)])
    target.end = max([end, *(span.end for span in overlapping)])
    for span in overlapping:
        if span is not target:
            span.merged_away = True
    row.warning(
        _(
            "Überschneidet sich mit einer anderen Abwesenheit (%(other)s); zusammengeführt zu "
            "%(period)s."
        )
        % {"other": described, "period": _period(target.start, target.end)},
        "start",
    )


def _absence_outcome(plan: _AbsencePlan, result: ImportResult) -> None:
    """Count what the plan changes: new absences, stored ones extended or merged."""
    for employee_id, spans in plan.spans.items():
        label = plan.labels[employee_id]
        for span in spans:
            if span.pk is None and not span.merged_away:
                result.created.append(f"{label}: {_period(span.start, span.end)}")
            elif span.pk is not None and span.merged_away:
                result.changed.append(
                    {
                        "label": label,
                        "changes": {"Zeitraum": [_period(*span.stored), "zusammengeführt"]},
                    }
                )
            elif span.pk is not None and (span.start, span.end) != span.stored:
                result.changed.append(
                    {
                        "label": label,
                        "changes": {
                            "Zeitraum": [_period(*span.stored), _period(span.start, span.end)]
                        },
                    }
                )


def _absences_apply(plan: _AbsencePlan, result: ImportResult, *, by, filename: str) -> None:
    source = f"Import {filename}"[:64]
    actor = by if getattr(by, "pk", None) else None
    numbers = plan.numbers
    new, changed, gone, events = [], [], [], []
    for employee_id, spans in plan.spans.items():
        for span in spans:
            if span.pk is None and not span.merged_away:
                new.append(
                    Absence(
                        employee_id=employee_id,
                        start=span.start,
                        end=span.end,
                        source=AbsenceSource.IMPORT,
                        created_by=actor,
                    )
                )
            elif span.pk is not None and span.merged_away:
                gone.append((employee_id, span))
            elif span.pk is not None and (span.start, span.end) != span.stored:
                changed.append((employee_id, span))
    Absence.objects.bulk_create(new, batch_size=2000)
    for _employee_id, span in changed:
        Absence.objects.filter(pk=span.pk).update(start=span.start, end=span.end)
    Absence.objects.filter(pk__in=[span.pk for _e, span in gone]).delete()
    for absence in new:
        events.append(
            audit_event(
                actor=by,
                action="Abwesenheit eingetragen",
                model=Absence,
                object_id=str(absence.pk or ""),
                label=_label(numbers[absence.employee_id], absence.start, absence.end),
                source=source,
                save=False,
            )
        )
    for employee_id, span in changed + gone:
        events.append(
            audit_event(
                actor=by,
                action="Abwesenheit zusammengeführt",
                model=Absence,
                object_id=str(span.pk),
                label=_label(numbers[employee_id], *span.stored),
                changes={
                    "Zeitraum": [
                        _period(*span.stored),
                        "zusammengeführt" if span.merged_away else _period(span.start, span.end),
                    ]
                },
                source=source,
                save=False,
            )
        )
    audit_events_bulk(events)
    result.applied = True


def _label(number: str, start: dt.date, end: dt.date) -> str:
    """What the audit trail keeps of an absence: who and when, never why."""
    return f"Abwesenheit {number} {_period(start, end)}"


# =========================================================================== the kinds


def may_import_rooms(user) -> bool:
    return manages_places(user)


def may_import_absences(user) -> bool:
    return scope_for(user).has(Role.HR)


PRESENCE_PAGE = ImportPage(
    namespace="presence",
    title=gettext_lazy("Räume und Abwesenheiten importieren"),
    intro=gettext_lazy(
        "Laden Sie die Raumliste der Gebäudeverwaltung oder die Abwesenheiten aus der "
        "Zeiterfassung hoch. Sie sehen zuerst eine Vorschau; gespeichert wird erst, wenn Sie "
        "bestätigen. Was in der Datei fehlt, bleibt, wie es ist."
    ),
    nav_template="presence/_nav.html",
)

ROOMS = ImportKind(
    key="rooms",
    label=gettext_lazy("Räume"),
    columns=ROOM_COLUMNS,
    run=rooms_import,
    may_upload=may_import_rooms,
    page=PRESENCE_PAGE,
    help=gettext_lazy(
        "Räume: je Zeile ein Raum mit Gebäude, Raumnummer und Arbeitsplätzen; Fläche, "
        "Pandemiegrenze und nutzende Einheiten (Kennungen, getrennt durch |) nach Wunsch."
    ),
    result_class=RoomImportResult,
)

ABSENCES = ImportKind(
    key="absences",
    label=gettext_lazy("Abwesenheiten"),
    columns=ABSENCE_COLUMNS,
    run=absences_import,
    may_upload=may_import_absences,
    page=PRESENCE_PAGE,
    help=gettext_lazy(
        "Abwesenheiten: Personalnummer;Von;Bis aus der Zeiterfassung. Gründe werden nicht "
        "übernommen, auch wenn die Datei sie enthält."
    ),
)

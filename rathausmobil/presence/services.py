"""Writes of the presence records: rooms and which unit uses them, coverage rules and
opening hours, qualifications, profiles, teams, absences and wishes.

Each service takes keyword arguments, checks who acts (a German `NotAllowed`
otherwise), writes in one transaction and leaves one audit entry per change
(core.audit). Who may do what is said once in selectors.py (`manages_places`,
`keeps_unit`, `keeps_employee`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rathausmobil.core.audit import audit_event
from rathausmobil.core.dates import german_date
from rathausmobil.core.errors import DomainError, NotAllowed
from rathausmobil.core.tabular import display_value
from rathausmobil.organisation.models import Employee, OrgUnit, Role
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.presence.models import (
    Absence,
    AbsenceSource,
    Building,
    Cohort,
    CoverageRule,
    EmployeeQualification,
    OpeningHours,
    PresenceProfile,
    Qualification,
    Room,
    Team,
    TeamDay,
    UnitRoom,
    Weekday,
    Wish,
    WishKind,
    settings_for,
)
from rathausmobil.presence.selectors import keeps_employee, keeps_unit, manages_places

User = AbstractBaseUser

CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,31}")
SMALL_INT_MAX = 32767


# --------------------------------------------------------------------------- who may act


def require_places(by: User | None) -> None:
    if not manages_places(by):
        raise NotAllowed(_("Standorte, Gebäude und Räume pflegen das Personalamt und die IT."))


def require_unit(by: User | None, unit: OrgUnit) -> None:
    if not keeps_unit(by, unit):
        raise NotAllowed(
            _("Die Regeln einer Einheit pflegen das Personalamt und die Leitung der Einheit.")
        )


def require_employee(by: User | None, employee: Employee) -> None:
    if not keeps_employee(by, employee):
        raise NotAllowed(
            _("Das pflegen das Personalamt und die Leitung der Einheit der/des Beschäftigten.")
        )


def _days(values: Iterable[int], what: str) -> list[int]:
    """A list of weekdays (0 = Monday … 6 = Sunday), sorted, each once."""
    days = set()
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 6:
            raise DomainError(
                _("%(what)s: %(value)s ist kein Wochentag (0 = Montag … 6 = Sonntag).")
                % {"what": what, "value": value},
                code="invalid",
            )
        days.add(value)
    return sorted(days)


def _day_names(days: Iterable[int]) -> str:
    return ", ".join(str(Weekday(day).label) for day in sorted(days)) or "–"


def _changes(old: Mapping[str, object], new: Mapping[str, object]) -> dict[str, list[str]]:
    return {
        label: [display_value(old[label]), display_value(new[label])]
        for label in new
        if old.get(label) != new[label]
    }


# --------------------------------------------------------------------------- rooms


def _room_fields(room: Room) -> dict[str, object]:
    return {
        "Gebäude": room.building.code if room.building_id else "",
        "Raum": room.code,
        "Bezeichnung": room.name,
        "Arbeitsplätze": room.desks,
        "Fläche m²": room.area_m2,
        "Pandemiegrenze": room.pandemic_desks_override,
    }


def _check_room(
    *, code: str, desks: int, area_m2: Decimal | None, pandemic_desks_override: int | None
) -> None:
    if not CODE.fullmatch(code):
        raise DomainError(
            _(
                "„%(code)s“ ist keine gültige Raumkennung: erlaubt sind Buchstaben, Ziffern und "
                ". _ / - (höchstens 32 Zeichen)."
            )
            % {"code": code},
            code="invalid",
        )
    if not 0 <= desks <= SMALL_INT_MAX:
        raise DomainError(_("Die Zahl der Arbeitsplätze muss 0 oder mehr sein."), code="invalid")
    if area_m2 is not None and area_m2 < 0:
        raise DomainError(_("Die Fläche kann nicht negativ sein."), code="invalid")
    if pandemic_desks_override is not None and not 0 <= pandemic_desks_override <= desks:
        raise DomainError(
            _(
                "Die Pandemiegrenze (%(limit)s) kann nicht über der Zahl der Arbeitsplätze "
                "(%(desks)s) liegen."
            )
            % {"limit": pandemic_desks_override, "desks": desks},
            code="invalid",
        )


def room_save(
    *,
    by: User,
    building: Building,
    code: str,
    desks: int,
    name: str = "",
    area_m2: Decimal | None = None,
    pandemic_desks_override: int | None = None,
    units: Iterable[OrgUnit] | None = None,
    room: Room | None = None,
) -> Room:
    """Create a room (`room=None`) or change one; `units`, if given, become the units
    whose people may use it."""
    require_places(by)
    code, name = code.strip(), " ".join(name.split())
    _check_room(
        code=code, desks=desks, area_m2=area_m2, pandemic_desks_override=pandemic_desks_override
    )
    with transaction.atomic():
        taken = Room.objects.filter(code__iexact=code)
        if room is not None:
            taken = taken.exclude(pk=room.pk)
        if taken.exists():
            raise DomainError(
                _("Den Raum „%(code)s“ gibt es schon.") % {"code": code}, code="duplicate"
            )
        if room is None:
            room = Room.objects.create(
                building=building,
                code=code,
                name=name,
                desks=desks,
                area_m2=area_m2,
                pandemic_desks_override=pandemic_desks_override,
            )
            audit_event(actor=by, action="angelegt", obj=room)
        else:
            room = Room.objects.select_for_update().select_related("building").get(pk=room.pk)
            before = _room_fields(room)
            room.building, room.code, room.name, room.desks = building, code, name, desks
            room.area_m2, room.pandemic_desks_override = area_m2, pandemic_desks_override
            changes = _changes(before, _room_fields(room))
            if changes:
                room.save()
                audit_event(actor=by, action="geändert", obj=room, changes=changes)
        if units is not None:
            _room_units_set(room, list(units), by=by)
    return room


def _room_units_set(room: Room, units: list[OrgUnit], *, by: User | None) -> None:
    current = dict(UnitRoom.objects.filter(room=room).values_list("unit_id", "unit__code"))
    wanted = {unit.pk: unit.code for unit in units}
    if set(current) == set(wanted):
        return
    UnitRoom.objects.filter(room=room).exclude(unit_id__in=wanted).delete()
    UnitRoom.objects.bulk_create(
        [UnitRoom(room=room, unit_id=pk) for pk in wanted if pk not in current]
    )
    audit_event(
        actor=by,
        action="Einheiten geändert",
        obj=room,
        changes={
            "Einheiten": [
                ", ".join(sorted(current.values())) or "–",
                ", ".join(sorted(wanted.values())) or "–",
            ]
        },
    )


def room_deactivate(*, room: Room, by: User) -> Room:
    """The room is no longer used (rebuilt, rented out): it keeps its history and
    disappears from new plans. Nothing happens to a room already out of use."""
    return _room_set_active(room, False, by=by)


def room_reactivate(*, room: Room, by: User) -> Room:
    return _room_set_active(room, True, by=by)


def _room_set_active(room: Room, active: bool, *, by: User) -> Room:
    require_places(by)
    with transaction.atomic():
        room = Room.objects.select_for_update().get(pk=room.pk)
        if room.is_active != active:
            room.is_active = active
            room.save(update_fields=["is_active"])
            audit_event(
                actor=by,
                action="wieder in Nutzung" if active else "außer Nutzung",
                obj=room,
                changes={"in Nutzung": ["nein", "ja"] if active else ["ja", "nein"]},
            )
    return room


def unit_rooms_set(*, unit: OrgUnit, rooms: Iterable[Room], by: User) -> list[Room]:
    """The rooms the unit's people may use become exactly `rooms`."""
    require_places(by)
    rooms = list(rooms)
    with transaction.atomic():
        current = dict(UnitRoom.objects.filter(unit=unit).values_list("room_id", "room__code"))
        wanted = {room.pk: room.code for room in rooms}
        if set(current) != set(wanted):
            UnitRoom.objects.filter(unit=unit).exclude(room_id__in=wanted).delete()
            UnitRoom.objects.bulk_create(
                [UnitRoom(unit=unit, room_id=pk) for pk in wanted if pk not in current]
            )
            audit_event(
                actor=by,
                action="Räume geändert",
                obj=unit,
                changes={
                    "Räume": [
                        ", ".join(sorted(current.values())) or "–",
                        ", ".join(sorted(wanted.values())) or "–",
                    ]
                },
            )
    return rooms


# --------------------------------------------------------------------------- coverage


def _rule_label(rule: CoverageRule) -> str:
    what = _("mindestens %(count)s vor Ort") % {"count": rule.min_people}
    if rule.qualification_id:
        what = _("mindestens %(count)s mit %(qualification)s") % {
            "count": rule.min_people,
            "qualification": rule.qualification.name,
        }
    return f"{rule.unit.code} {Weekday(rule.weekday).label}: {what}"


def coverage_rule_save(
    *,
    unit: OrgUnit,
    weekday: int,
    min_people: int,
    by: User,
    qualification: Qualification | None = None,
) -> CoverageRule:
    """At least `min_people` of the unit on site on `weekday` (with `qualification`: of
    those holding it). A rule for the same unit, day and qualification is changed."""
    require_unit(by, unit)
    weekday = _days([weekday], _("Wochentag"))[0]
    if isinstance(min_people, bool) or not 1 <= min_people <= SMALL_INT_MAX:
        raise DomainError(_("Mindestens eine Person muss verlangt sein."), code="invalid")
    with transaction.atomic():
        rule = (
            CoverageRule.objects.select_for_update()
            .filter(unit=unit, weekday=weekday, qualification=qualification)
            .order_by()
            .first()
        )
        if rule is None:
            rule = CoverageRule.objects.create(
                unit=unit, weekday=weekday, min_people=min_people, qualification=qualification
            )
            audit_event(actor=by, action="angelegt", obj=rule, label=_rule_label(rule))
        elif rule.min_people != min_people:
            old = rule.min_people
            rule.min_people = min_people
            rule.save(update_fields=["min_people"])
            audit_event(
                actor=by,
                action="geändert",
                obj=rule,
                label=_rule_label(rule),
                changes={"mindestens": [str(old), str(min_people)]},
            )
    return rule


def coverage_rule_delete(*, rule: CoverageRule, by: User) -> None:
    require_unit(by, rule.unit)
    with transaction.atomic():
        label, pk = _rule_label(rule), rule.pk
        deleted, _detail = CoverageRule.objects.filter(pk=pk).delete()
        if deleted:
            audit_event(
                actor=by, action="gelöscht", model=CoverageRule, object_id=str(pk), label=label
            )


def _hours_text(hours: Mapping[int, Sequence[tuple[dt.time, dt.time]]]) -> str:
    parts = []
    for day in sorted(hours):
        if hours[day]:
            spans = ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in sorted(hours[day]))
            parts.append(f"{Weekday(day).label} {spans}")
    return "; ".join(parts) or "–"


def opening_hours_set(
    *, unit: OrgUnit, hours: Mapping[int, Sequence[tuple[dt.time, dt.time]]], by: User
) -> list[OpeningHours]:
    """The unit's opening hours become `hours` (weekday -> intervals); a weekday not
    given is closed."""
    require_unit(by, unit)
    rows = []
    for weekday, spans in hours.items():
        day = _days([weekday], _("Wochentag"))[0]
        ordered = sorted(spans)
        for i, (opens, closes) in enumerate(ordered):
            if closes <= opens:
                raise DomainError(
                    _("%(day)s: %(opens)s bis %(closes)s – das Ende muss nach dem Beginn liegen.")
                    % {
                        "day": Weekday(day).label,
                        "opens": f"{opens:%H:%M}",
                        "closes": f"{closes:%H:%M}",
                    },
                    code="invalid",
                )
            if i and opens < ordered[i - 1][1]:
                raise DomainError(
                    _("%(day)s: die Öffnungszeiten überschneiden sich.")
                    % {"day": Weekday(day).label},
                    code="invalid",
                )
            rows.append(OpeningHours(unit=unit, weekday=day, opens=opens, closes=closes))
    with transaction.atomic():
        OrgUnit.objects.select_for_update().filter(pk=unit.pk).first()
        before: dict[int, list[tuple[dt.time, dt.time]]] = {}
        for row in OpeningHours.objects.filter(unit=unit):
            before.setdefault(row.weekday, []).append((row.opens, row.closes))
        after: dict[int, list[tuple[dt.time, dt.time]]] = {}
        for row in rows:
            after.setdefault(row.weekday, []).append((row.opens, row.closes))
        old_text, new_text = _hours_text(before), _hours_text(after)
        if old_text != new_text:
            OpeningHours.objects.filter(unit=unit).delete()
            OpeningHours.objects.bulk_create(rows)
            audit_event(
                actor=by,
                action="Öffnungszeiten geändert",
                obj=unit,
                changes={"Öffnungszeiten": [old_text, new_text]},
            )
    return list(OpeningHours.objects.filter(unit=unit).order_by("weekday", "opens"))


# --------------------------------------------------------------------------- qualifications


def qualification_grant(
    *, employee: Employee, qualification: Qualification, by: User
) -> EmployeeQualification:
    """The person holds the qualification (granting it twice changes nothing)."""
    require_employee(by, employee)
    with transaction.atomic():
        held, created = EmployeeQualification.objects.get_or_create(
            employee=employee, qualification=qualification
        )
        if created:
            audit_event(
                actor=by,
                action="Qualifikation erteilt",
                obj=employee,
                changes={"Qualifikation": ["–", qualification.name]},
            )
    return held


def qualification_revoke(*, employee: Employee, qualification: Qualification, by: User) -> None:
    require_employee(by, employee)
    with transaction.atomic():
        deleted, _detail = EmployeeQualification.objects.filter(
            employee=employee, qualification=qualification
        ).delete()
        if deleted:
            audit_event(
                actor=by,
                action="Qualifikation entzogen",
                obj=employee,
                changes={"Qualifikation": [qualification.name, "–"]},
            )


# --------------------------------------------------------------------------- profiles and teams


def _profile_fields(profile: PresenceProfile) -> dict[str, object]:
    return {
        "Arbeitstage": _day_names(profile.working_days),
        "feste Präsenztage": _day_names(profile.office_days),
        "Außendiensttage": _day_names(profile.field_days),
        "Kohorte": profile.cohort,
        "Team": profile.team.code if profile.team_id else "",
    }


def profile_save(
    *,
    employee: Employee,
    by: User,
    working_days: Iterable[int],
    office_days: Iterable[int] = (),
    field_days: Iterable[int] = (),
    cohort: str = "",
    team: Team | None = None,
) -> PresenceProfile:
    """A person's working days (part-time), fixed presence days, field days, cohort and
    team. Presence and field days are working days, and no day is both."""
    require_employee(by, employee)
    working = _days(working_days, _("Arbeitstage"))
    office = _days(office_days, _("feste Präsenztage"))
    field = _days(field_days, _("Außendiensttage"))
    if not working:
        raise DomainError(_("Mindestens ein Arbeitstag muss angegeben sein."), code="invalid")
    for days, what in ((office, _("Präsenztage")), (field, _("Außendiensttage"))):
        outside = [day for day in days if day not in working]
        if outside:
            raise DomainError(
                _("%(what)s müssen Arbeitstage sein (nicht: %(days)s).")
                % {"what": what, "days": _day_names(outside)},
                code="invalid",
            )
    if set(office) & set(field):
        raise DomainError(
            _("%(days)s ist zugleich Präsenz- und Außendiensttag.")
            % {"days": _day_names(set(office) & set(field))},
            code="invalid",
        )
    if cohort not in Cohort.values:
        raise DomainError(_("Die Kohorte ist A, B oder keine."), code="invalid")
    if team is not None and team.unit_id != employee.unit_id:
        raise DomainError(
            _("Das Team „%(team)s“ gehört nicht zur Einheit der/des Beschäftigten.")
            % {"team": team.code},
            code="invalid",
        )
    with transaction.atomic():
        profile = (
            PresenceProfile.objects.select_for_update(of=("self",))
            .select_related("team")
            .filter(employee=employee)
            .first()
        )
        created = profile is None
        if created:
            profile = PresenceProfile(employee=employee)
        before = _profile_fields(profile)
        profile.working_days, profile.office_days, profile.field_days = working, office, field
        profile.cohort, profile.team = cohort, team
        changes = _changes(before, _profile_fields(profile))
        if created or changes:
            profile.save()
            audit_event(
                actor=by,
                action="Anwesenheitsprofil geändert",
                obj=employee,
                changes=changes,
            )
    return profile


def team_save(*, unit: OrgUnit, code: str, name: str, by: User, team: Team | None = None) -> Team:
    """Create a team of the unit (`team=None`) or rename one."""
    require_unit(by, unit)
    code, name = code.strip(), " ".join(name.split())
    if not CODE.fullmatch(code):
        raise DomainError(
            _("„%(code)s“ ist keine gültige Teamkennung.") % {"code": code}, code="invalid"
        )
    if not name:
        raise DomainError(_("Bitte den Namen des Teams angeben."), code="invalid")
    with transaction.atomic():
        taken = Team.objects.filter(unit=unit, code__iexact=code)
        if team is not None:
            taken = taken.exclude(pk=team.pk)
        if taken.exists():
            raise DomainError(
                _("Das Team „%(code)s“ gibt es in dieser Einheit schon.") % {"code": code},
                code="duplicate",
            )
        if team is None:
            team = Team.objects.create(unit=unit, code=code, name=name)
            audit_event(actor=by, action="angelegt", obj=team)
        elif (team.code, team.name) != (code, name):
            changes = _changes(
                {"Kennung": team.code, "Name": team.name}, {"Kennung": code, "Name": name}
            )
            team.code, team.name = code, name
            team.save(update_fields=["code", "name"])
            audit_event(actor=by, action="geändert", obj=team, changes=changes)
    return team


def team_day_set(*, team: Team, weekdays: Iterable[int], by: User) -> list[int]:
    """The team's office days (a wish of the team, not a rule) become `weekdays`."""
    require_unit(by, team.unit)
    wanted = _days(weekdays, _("Teamtage"))
    with transaction.atomic():
        current = sorted(TeamDay.objects.filter(team=team).values_list("weekday", flat=True))
        if current != wanted:
            TeamDay.objects.filter(team=team).exclude(weekday__in=wanted).delete()
            TeamDay.objects.bulk_create(
                [TeamDay(team=team, weekday=day) for day in wanted if day not in current]
            )
            audit_event(
                actor=by,
                action="Teamtage geändert",
                obj=team,
                changes={"Teamtage": [_day_names(current), _day_names(wanted)]},
            )
    return wanted


# --------------------------------------------------------------------------- absences


def _absence_label(employee: Employee, start: dt.date, end: dt.date) -> str:
    """What the audit trail keeps of an absence: who and when, never why."""
    return f"Abwesenheit {employee.personnel_number} {german_date(start)}–{german_date(end)}"


def absence_sources_for(by: User | None, employee: Employee) -> list[str]:
    """How `by` may enter an absence of `employee` (empty: not at all)."""
    scope = scope_for(by)
    sources = []
    if scope.employee_id == employee.pk:
        sources.append(AbsenceSource.SELF)
    if scope.covers(employee.unit.path):
        sources.append(AbsenceSource.HEAD)
    if scope.has(Role.HR):
        sources += [AbsenceSource.HR, AbsenceSource.IMPORT]
    return sources


def absence_add(
    *,
    employee: Employee,
    start: dt.date,
    end: dt.date,
    by: User | None,
    source: str | None = None,
) -> Absence:
    """That the person is away from `start` to `end` (both included), entered by the
    person themself, a head of their unit or HR. No reason is taken: it is nobody's
    business here (and illness is health data)."""
    allowed = absence_sources_for(by, employee)
    if not allowed or (source is not None and source not in allowed):
        raise NotAllowed(
            _(
                "Abwesenheiten tragen die Person selbst, die Leitung ihrer Einheit oder das "
                "Personalamt ein."
            )
        )
    source = source or allowed[0]
    if end < start:
        raise DomainError(
            _("Das Ende (%(end)s) liegt vor dem Beginn (%(start)s).")
            % {"end": german_date(end), "start": german_date(start)},
            code="invalid",
        )
    with transaction.atomic():
        Employee.objects.select_for_update().filter(pk=employee.pk).first()  # one at a time
        clash = (
            Absence.objects.filter(employee=employee, start__lte=end, end__gte=start)
            .order_by("start")
            .first()
        )
        if clash is not None:
            raise DomainError(
                _("Vom %(start)s bis %(end)s ist bereits eine Abwesenheit eingetragen.")
                % {"start": german_date(clash.start), "end": german_date(clash.end)},
                code="overlap",
            )
        absence = Absence.objects.create(
            employee=employee,
            start=start,
            end=end,
            source=source,
            created_by=by if getattr(by, "pk", None) else None,
        )
        audit_event(
            actor=by,
            action="Abwesenheit eingetragen",
            obj=absence,
            label=_absence_label(employee, start, end),
        )
    return absence


def absence_delete(*, absence: Absence, by: User) -> None:
    """The person may delete what they entered themself; their heads and HR any of
    their absences."""
    employee = absence.employee
    scope = scope_for(by)
    own_entry = scope.employee_id == employee.pk and absence.source == AbsenceSource.SELF
    if not (own_entry or scope.has(Role.HR) or scope.covers(employee.unit.path)):
        raise NotAllowed(
            _("Diese Abwesenheit können nur die Leitung der Einheit und das Personalamt löschen.")
        )
    with transaction.atomic():
        label, pk = _absence_label(employee, absence.start, absence.end), absence.pk
        deleted, _detail = Absence.objects.filter(pk=pk).delete()
        if deleted:
            audit_event(
                actor=by,
                action="Abwesenheit gelöscht",
                model=Absence,
                object_id=str(pk),
                label=label,
            )


# --------------------------------------------------------------------------- wishes


def week_start_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def wish_set(
    *,
    employee: Employee,
    date: dt.date,
    kind: str | None,
    by: User,
    now: dt.datetime | None = None,
) -> Wish | None:
    """The person's own wish for a day (`home` or `office`; None takes it back), until
    the unit's deadline for that week (12:00, N days before its Monday)."""
    if scope_for(by).employee_id != employee.pk:
        raise NotAllowed(_("Wünsche für die Woche äußert nur die Person selbst."))
    if kind is not None and kind not in WishKind.values:
        raise DomainError(_("Gewünscht werden kann „zu Hause“ oder „im Büro“."), code="invalid")
    if date.weekday() > 4:
        raise DomainError(
            _("Geplant wird von Montag bis Freitag; für den %(date)s ist kein Wunsch möglich.")
            % {"date": german_date(date)},
            code="invalid",
        )
    monday = week_start_of(date)
    deadline = settings_for(employee.unit_id).wish_deadline(monday)
    if (now or timezone.now()) >= deadline:
        raise DomainError(
            _(
                "Wünsche für die Woche ab %(monday)s waren bis %(deadline)s möglich; die Frist "
                "ist abgelaufen."
            )
            % {
                "monday": german_date(monday),
                "deadline": f"{timezone.localtime(deadline):%d.%m.%Y %H:%M}",
            },
            code="deadline",
        )
    if Absence.objects.filter(employee=employee, start__lte=date, end__gte=date).exists():
        raise DomainError(
            _("Am %(date)s sind Sie als abwesend eingetragen; ein Wunsch ist dafür nicht nötig.")
            % {"date": german_date(date)},
            code="absent",
        )
    with transaction.atomic():
        wish = Wish.objects.select_for_update().filter(employee=employee, date=date).first()
        old = wish.kind if wish else None
        if old == kind:
            return wish
        if kind is None:
            wish.delete()
            wish = None
        elif wish is None:
            wish = Wish.objects.create(employee=employee, date=date, kind=kind)
        else:
            wish.kind = kind
            wish.save(update_fields=["kind", "updated_at"])
        labels = dict(WishKind.choices)
        audit_event(
            actor=by,
            action="Wunsch geändert",
            obj=employee,
            changes={
                f"Wunsch {german_date(date)}": [
                    str(labels[old]) if old else "–",
                    str(labels[kind]) if kind else "–",
                ]
            },
        )
    return wish

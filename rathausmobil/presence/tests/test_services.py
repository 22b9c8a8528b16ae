"""Every service checks who acts (a German NotAllowed otherwise), keeps its rules and
leaves an audit entry."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from rathausmobil.core.errors import DomainError, NotAllowed
from rathausmobil.core.models import AuditEvent
from rathausmobil.presence import services
from rathausmobil.presence.models import (
    Absence,
    AbsenceSource,
    CoverageRule,
    EmployeeQualification,
    OpeningHours,
    Room,
    Team,
    TeamDay,
    UnitPresenceSettings,
    UnitRoom,
    Wish,
)
from rathausmobil.presence.tests.conftest import person

MONDAY = dt.date(2027, 3, 8)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


# --------------------------------------------------------------------------- rooms


@pytest.mark.parametrize("who", ["hr", "it"])
def test_it_lets_hr_and_it_keep_rooms(request, who, town_hall, org):
    user = request.getfixturevalue(who)

    room = services.room_save(
        by=user,
        building=town_hall,
        code="RH-104",
        name=" Bürgerbüro  Schalter ",
        desks=6,
        area_m2=Decimal("45"),
        units=[org["A1"]],
    )

    assert (room.name, room.desks, room.pandemic_desks) == ("Bürgerbüro Schalter", 6, 4)
    assert list(UnitRoom.objects.values_list("unit__code", flat=True)) == ["A1"]
    assert AuditEvent.objects.filter(object_type="presence.room", action="angelegt").count() == 1


@pytest.mark.parametrize("who", ["supervisor", "employee", "leadership"])
def test_it_refuses_rooms_to_everybody_else(request, who, town_hall):
    with pytest.raises(NotAllowed, match="Personalamt und die IT"):
        services.room_save(
            by=request.getfixturevalue(who), building=town_hall, code="RH-1", desks=2
        )
    assert not Room.objects.exists()


def test_it_refuses_a_pandemic_limit_above_the_desks_and_a_code_twice(it, town_hall, make_room):
    make_room("RH-1")
    with pytest.raises(DomainError, match="nicht über der Zahl der Arbeitsplätze"):
        services.room_save(
            by=it, building=town_hall, code="RH-2", desks=2, pandemic_desks_override=3
        )
    with pytest.raises(DomainError, match="gibt es schon"):
        services.room_save(by=it, building=town_hall, code="rh-1", desks=2)


def test_it_records_what_changed_in_a_room(it, make_room):
    room = make_room("RH-1", desks=4)

    services.room_save(by=it, room=room, building=room.building, code="RH-1", desks=5, name="")

    event = AuditEvent.objects.get(object_type="presence.room", action="geändert")
    assert event.changes == {"Bezeichnung": ["Büro RH-1", "–"], "Arbeitsplätze": ["4", "5"]}


def test_it_takes_a_room_out_of_use_and_back(it, supervisor, make_room):
    room = make_room("RH-1")
    with pytest.raises(NotAllowed):
        services.room_deactivate(room=room, by=supervisor)

    services.room_deactivate(room=room, by=it)
    services.room_deactivate(room=room, by=it)  # again: nothing more happens
    assert Room.objects.get().is_active is False
    services.room_reactivate(room=room, by=it)
    assert Room.objects.get().is_active is True
    assert AuditEvent.objects.filter(object_type="presence.room").count() == 2


def test_it_sets_the_rooms_of_a_unit(it, supervisor, org, make_room):
    one, two = make_room("RH-1", units=[org["A1"]]), make_room("RH-2")
    with pytest.raises(NotAllowed):
        services.unit_rooms_set(unit=org["A1"], rooms=[two], by=supervisor)

    services.unit_rooms_set(unit=org["A1"], rooms=[two], by=it)

    assert list(UnitRoom.objects.values_list("room__code", flat=True)) == ["RH-2"]
    event = AuditEvent.objects.get(action="Räume geändert")
    assert event.changes == {"Räume": ["RH-1", "RH-2"]}
    assert one.pk  # the room itself stays


# --------------------------------------------------------------------------- coverage


@pytest.mark.parametrize("who", ["supervisor", "amt_head", "hr"])
def test_it_lets_hr_and_the_heads_keep_coverage_rules(request, who, org, ausweis):
    user = request.getfixturevalue(who)

    services.coverage_rule_save(unit=org["A1"], weekday=0, min_people=3, by=user)
    services.coverage_rule_save(
        unit=org["A1"], weekday=0, min_people=1, qualification=ausweis, by=user
    )
    services.coverage_rule_save(unit=org["A1"], weekday=0, min_people=4, by=user)  # changes it

    assert sorted(
        CoverageRule.objects.values_list("weekday", "min_people", "qualification__code")
    ) == [(0, 1, "ausweis"), (0, 4, None)]


@pytest.mark.parametrize("who", ["outsider", "it", "employee"])
def test_it_refuses_coverage_rules_to_others(request, who, org):
    user = request.getfixturevalue(who)
    with pytest.raises(NotAllowed, match="Leitung der Einheit"):
        services.coverage_rule_save(unit=org["A1"], weekday=0, min_people=3, by=user)
    rule = CoverageRule.objects.create(unit=org["A1"], weekday=1, min_people=2)
    with pytest.raises(NotAllowed):
        services.coverage_rule_delete(rule=rule, by=user)
    assert CoverageRule.objects.count() == 1


def test_it_refuses_a_rule_for_nobody(supervisor, org):
    with pytest.raises(DomainError, match="Mindestens eine Person"):
        services.coverage_rule_save(unit=org["A1"], weekday=0, min_people=0, by=supervisor)


def test_it_deletes_a_rule_with_an_entry_in_the_audit_trail(supervisor, org):
    rule = services.coverage_rule_save(unit=org["A1"], weekday=2, min_people=2, by=supervisor)

    services.coverage_rule_delete(rule=rule, by=supervisor)

    assert not CoverageRule.objects.exists()
    assert AuditEvent.objects.filter(object_type="presence.coveragerule", action="gelöscht").get()


def test_it_sets_the_opening_hours_of_a_week(supervisor, outsider, org):
    hours = {
        0: [(dt.time(14), dt.time(18)), (dt.time(8), dt.time(12))],
        3: [(dt.time(8), dt.time(18))],
    }
    with pytest.raises(NotAllowed):
        services.opening_hours_set(unit=org["A1"], hours=hours, by=outsider)

    services.opening_hours_set(unit=org["A1"], hours=hours, by=supervisor)
    services.opening_hours_set(unit=org["A1"], hours=hours, by=supervisor)  # the same again

    assert list(
        OpeningHours.objects.order_by("weekday", "opens").values_list("weekday", "opens")
    ) == [
        (0, dt.time(8)),
        (0, dt.time(14)),
        (3, dt.time(8)),
    ]
    assert AuditEvent.objects.get(action="Öffnungszeiten geändert").changes == {
        "Öffnungszeiten": ["–", "Montag 08:00–12:00, 14:00–18:00; Donnerstag 08:00–18:00"]
    }


def test_it_refuses_opening_hours_that_overlap_or_end_before_they_begin(supervisor, org):
    with pytest.raises(DomainError, match="überschneiden sich"):
        services.opening_hours_set(
            unit=org["A1"],
            hours={0: [(dt.time(8), dt.time(12)), (dt.time(11), dt.time(14))]},
            by=supervisor,
        )
    with pytest.raises(DomainError, match="Ende muss nach dem Beginn"):
        services.opening_hours_set(
            unit=org["A1"], hours={1: [(dt.time(12), dt.time(8))]}, by=supervisor
        )
    assert not OpeningHours.objects.exists()


# --------------------------------------------------------------------------- qualifications


@pytest.mark.parametrize("who", ["supervisor", "hr"])
def test_it_lets_hr_and_the_head_grant_and_revoke_qualifications(request, who, employee, ausweis):
    user = request.getfixturevalue(who)

    services.qualification_grant(employee=person(employee), qualification=ausweis, by=user)
    services.qualification_grant(employee=person(employee), qualification=ausweis, by=user)
    assert EmployeeQualification.objects.count() == 1
    services.qualification_revoke(employee=person(employee), qualification=ausweis, by=user)

    assert not EmployeeQualification.objects.exists()
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        "Qualifikation erteilt",
        "Qualifikation entzogen",
    ]


@pytest.mark.parametrize("who", ["outsider", "employee", "colleague", "it"])
def test_it_refuses_qualifications_to_others(request, who, employee, ausweis):
    user = request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        services.qualification_grant(employee=person(employee), qualification=ausweis, by=user)
    EmployeeQualification.objects.create(employee=person(employee), qualification=ausweis)
    with pytest.raises(NotAllowed):
        services.qualification_revoke(employee=person(employee), qualification=ausweis, by=user)


# --------------------------------------------------------------------------- profiles and teams


def test_it_saves_a_part_time_profile_with_its_team(supervisor, employee, org):
    team = services.team_save(unit=org["A1"], code="A1-1", name="Team Pässe", by=supervisor)

    profile = services.profile_save(
        employee=person(employee),
        by=supervisor,
        working_days=[3, 0, 1],
        office_days=[0],
        field_days=[3],
        cohort="B",
        team=team,
    )

    assert (profile.working_days, profile.office_days, profile.field_days) == ([0, 1, 3], [0], [3])
    assert (profile.cohort, profile.team) == ("B", team)


def test_it_refuses_profiles_to_others_and_days_that_do_not_fit(
    outsider, supervisor, employee, org
):
    with pytest.raises(NotAllowed):
        services.profile_save(employee=person(employee), by=outsider, working_days=[0])
    with pytest.raises(NotAllowed):
        services.profile_save(employee=person(employee), by=employee, working_days=[0])
    with pytest.raises(DomainError, match="müssen Arbeitstage sein"):
        services.profile_save(
            employee=person(employee), by=supervisor, working_days=[0, 1], office_days=[2]
        )
    with pytest.raises(DomainError, match="zugleich"):
        services.profile_save(
            employee=person(employee),
            by=supervisor,
            working_days=[0, 1],
            office_days=[1],
            field_days=[1],
        )
    with pytest.raises(DomainError, match="kein Wochentag"):
        services.profile_save(employee=person(employee), by=supervisor, working_days=[7])
    other_team = Team.objects.create(unit=org["B1"], code="B1-1", name="Team B")
    with pytest.raises(DomainError, match="gehört nicht zur Einheit"):
        services.profile_save(
            employee=person(employee), by=supervisor, working_days=[0], team=other_team
        )


def test_it_keeps_teams_and_their_days(supervisor, outsider, org):
    with pytest.raises(NotAllowed):
        services.team_save(unit=org["A1"], code="T1", name="Team", by=outsider)
    team = services.team_save(unit=org["A1"], code="T1", name="Team", by=supervisor)
    with pytest.raises(DomainError, match="gibt es in dieser Einheit schon"):
        services.team_save(unit=org["A1"], code="t1", name="Noch eins", by=supervisor)
    with pytest.raises(NotAllowed):
        services.team_day_set(team=team, weekdays=[1], by=outsider)

    services.team_day_set(team=team, weekdays=[3, 1], by=supervisor)
    services.team_day_set(team=team, weekdays=[1], by=supervisor)

    assert list(TeamDay.objects.values_list("weekday", flat=True)) == [1]
    assert AuditEvent.objects.filter(action="Teamtage geändert").count() == 2


# --------------------------------------------------------------------------- absences


@pytest.mark.parametrize(
    ("who", "source"),
    [
        ("employee", AbsenceSource.SELF),
        ("supervisor", AbsenceSource.HEAD),
        ("hr", AbsenceSource.HR),
    ],
)
def test_it_lets_the_person_their_head_and_hr_enter_an_absence(request, who, source, employee):
    user = request.getfixturevalue(who)

    absence = services.absence_add(
        employee=person(employee), start=MONDAY, end=MONDAY + dt.timedelta(days=2), by=user
    )

    assert (absence.source, absence.created_by) == (source, user)
    event = AuditEvent.objects.get(action="Abwesenheit eingetragen")
    assert (
        event.object_label
        == f"Abwesenheit {person(employee).personnel_number} 08.03.2027–10.03.2027"
    )


@pytest.mark.parametrize("who", ["colleague", "outsider", "it", "stranger"])
def test_it_refuses_absences_to_others(request, who, employee):
    with pytest.raises(NotAllowed, match="Personalamt ein"):
        services.absence_add(
            employee=person(employee), start=MONDAY, end=MONDAY, by=request.getfixturevalue(who)
        )
    assert not Absence.objects.exists()


def test_only_hr_may_enter_an_absence_as_imported(supervisor, hr, employee):
    with pytest.raises(NotAllowed):
        services.absence_add(
            employee=person(employee), start=MONDAY, end=MONDAY, by=supervisor, source="import"
        )
    absence = services.absence_add(
        employee=person(employee), start=MONDAY, end=MONDAY, by=hr, source="import"
    )
    assert absence.source == AbsenceSource.IMPORT


def test_it_refuses_an_absence_that_overlaps_or_ends_before_it_starts(employee):
    services.absence_add(
        employee=person(employee), start=MONDAY, end=MONDAY + dt.timedelta(4), by=employee
    )
    with pytest.raises(DomainError, match="Vom 08.03.2027 bis 12.03.2027 ist bereits"):
        services.absence_add(
            employee=person(employee),
            start=MONDAY + dt.timedelta(4),
            end=MONDAY + dt.timedelta(7),
            by=employee,
        )
    with pytest.raises(DomainError, match="vor dem Beginn"):
        services.absence_add(
            employee=person(employee), start=MONDAY + dt.timedelta(20), end=MONDAY, by=employee
        )
    assert Absence.objects.count() == 1


def test_the_person_deletes_only_what_they_entered_themself(employee, supervisor, outsider):
    own = services.absence_add(employee=person(employee), start=MONDAY, end=MONDAY, by=employee)
    heads = services.absence_add(
        employee=person(employee),
        start=MONDAY + dt.timedelta(7),
        end=MONDAY + dt.timedelta(7),
        by=supervisor,
    )
    with pytest.raises(NotAllowed):
        services.absence_delete(absence=heads, by=employee)
    with pytest.raises(NotAllowed):
        services.absence_delete(absence=own, by=outsider)

    services.absence_delete(absence=own, by=employee)
    services.absence_delete(absence=heads, by=supervisor)

    assert not Absence.objects.exists()
    assert AuditEvent.objects.filter(action="Abwesenheit gelöscht").count() == 2


# --------------------------------------------------------------------------- wishes


def test_the_person_wishes_until_the_deadline_of_the_week(employee, org):
    me = person(employee)
    before = at(MONDAY - dt.timedelta(days=5), 11)  # Wednesday 11:00, deadline 12:00

    wish = services.wish_set(employee=me, date=MONDAY, kind="home", by=employee, now=before)
    services.wish_set(employee=me, date=MONDAY, kind="office", by=employee, now=before)
    services.wish_set(
        employee=me, date=MONDAY + dt.timedelta(1), kind="home", by=employee, now=before
    )
    services.wish_set(
        employee=me, date=MONDAY + dt.timedelta(1), kind=None, by=employee, now=before
    )

    assert list(Wish.objects.values_list("date", "kind")) == [(MONDAY, "office")]
    assert wish.pk
    with pytest.raises(DomainError, match="Frist ist abgelaufen"):
        services.wish_set(
            employee=me, date=MONDAY, kind="home", by=employee, now=at(MONDAY - dt.timedelta(5), 12)
        )


def test_the_deadline_is_the_units_own(employee, org):
    UnitPresenceSettings.objects.create(unit=org["A1"], wish_deadline_days_before=1)
    services.wish_set(
        employee=person(employee),
        date=MONDAY,
        kind="home",
        by=employee,
        now=at(MONDAY - dt.timedelta(2), 17),
    )
    assert Wish.objects.count() == 1


@pytest.mark.parametrize("who", ["supervisor", "colleague", "hr"])
def test_only_the_person_wishes(request, who, employee):
    with pytest.raises(NotAllowed, match="nur die Person selbst"):
        services.wish_set(
            employee=person(employee),
            date=MONDAY,
            kind="home",
            by=request.getfixturevalue(who),
            now=at(MONDAY - dt.timedelta(20)),
        )


def test_no_wish_on_a_weekend_or_a_day_away(employee):
    me, early = person(employee), at(MONDAY - dt.timedelta(20))
    with pytest.raises(DomainError, match="Montag bis Freitag"):
        services.wish_set(
            employee=me, date=MONDAY - dt.timedelta(1), kind="home", by=employee, now=early
        )
    Absence.objects.create(employee=me, start=MONDAY, end=MONDAY)
    with pytest.raises(DomainError, match="als abwesend eingetragen"):
        services.wish_set(employee=me, date=MONDAY, kind="office", by=employee, now=early)
    assert not Wish.objects.exists()

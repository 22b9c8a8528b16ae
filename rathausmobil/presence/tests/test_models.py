"""The pandemic limit of a room: fixed, or one person per PRESENCE_M2_PER_PERSON m²,
never more than the desks."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from rathausmobil.presence.models import (
    Absence,
    CoverageRule,
    PresenceProfile,
    Room,
    UnitPresenceSettings,
    profile_for,
    settings_for,
)
from rathausmobil.presence.tests.conftest import person


def test_it_allows_one_person_per_ten_square_metres(make_room):
    assert make_room("R1", desks=6, area="45").pandemic_desks == 4  # floor(45 / 10)


def test_it_never_allows_more_than_the_desks(make_room):
    assert make_room("R1", desks=2, area="80").pandemic_desks == 2


def test_it_takes_the_desks_when_the_area_is_unknown(make_room):
    assert make_room("R1", desks=5).pandemic_desks == 5


def test_it_takes_a_fixed_limit_over_the_area(make_room):
    assert make_room("R1", desks=6, area="100", override=1).pandemic_desks == 1


def test_it_follows_the_setting(make_room, settings):
    settings.PRESENCE_M2_PER_PERSON = Decimal("7.5")
    assert make_room("R1", desks=8, area="30").pandemic_desks == 4


def test_it_refuses_a_fixed_limit_above_the_desks_in_the_database(make_room):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_room("R1", desks=2, override=3)
    assert not Room.objects.exists()


def test_it_keeps_one_rule_per_unit_day_and_qualification_also_without_one(org, ausweis):
    CoverageRule.objects.create(unit=org["A1"], weekday=0, min_people=2)
    CoverageRule.objects.create(unit=org["A1"], weekday=0, min_people=1, qualification=ausweis)
    with pytest.raises(IntegrityError), transaction.atomic():
        CoverageRule.objects.create(unit=org["A1"], weekday=0, min_people=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        CoverageRule.objects.create(unit=org["A1"], weekday=0, min_people=3, qualification=ausweis)


def test_an_absence_cannot_end_before_it_starts(employee):
    with pytest.raises(IntegrityError), transaction.atomic():
        Absence.objects.create(
            employee=person(employee), start=dt.date(2027, 3, 2), end=dt.date(2027, 3, 1)
        )


def test_an_absence_has_no_field_for_a_reason():
    names = {f.name for f in Absence._meta.get_fields()}
    assert not names & {"reason", "grund", "kind", "type", "note", "comment"}


def test_defaults_come_unsaved_for_units_and_people_without_a_row(org, employee):
    unit_settings = settings_for(org["A1"])
    assert (unit_settings.pk, unit_settings.wish_deadline_days_before) == (None, 5)
    assert unit_settings.plan_time_limit_seconds == 30
    profile = profile_for(person(employee))
    assert (profile.pk, profile.working_days, profile.office_days) == (None, [0, 1, 2, 3, 4], [])
    assert not UnitPresenceSettings.objects.exists() and not PresenceProfile.objects.exists()


def test_the_wish_deadline_is_noon_n_days_before_the_monday(org):
    deadline = UnitPresenceSettings(unit=org["A1"], wish_deadline_days_before=3).wish_deadline(
        dt.date(2027, 3, 8)
    )
    assert timezone.localtime(deadline).replace(tzinfo=None) == dt.datetime(2027, 3, 5, 12, 0)

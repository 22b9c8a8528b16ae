"""The pages: who may open them (403 outside one's role, 404 for a unit, room or
absence outside one's scope), that they do what they say, and that lists do not grow
in queries with their rows."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rathausmobil.core.models import ImportUpload
from rathausmobil.organisation.tests.factories import EmployeeFactory
from rathausmobil.presence.models import (
    Absence,
    CoverageRule,
    EmployeeQualification,
    OpeningHours,
    Room,
    UnitRoom,
)
from rathausmobil.presence.tests.conftest import person


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


# --------------------------------------------------------------------------- start and places


def test_the_start_page_lists_the_units_one_plans(signed_in, supervisor, outsider, org):
    page = signed_in(supervisor).get(reverse("presence:index"))

    assert page.status_code == 200
    assert reverse("presence:unit", args=[org["A1"].pk]) in page.content.decode()
    assert reverse("presence:unit", args=[org["B1"].pk]) not in page.content.decode()


@pytest.mark.parametrize("who", ["employee", "staff_council"])
def test_the_start_page_is_closed_to_those_who_plan_nothing(signed_in, request, who):
    assert signed_in(request.getfixturevalue(who)).get(reverse("presence:index")).status_code == 403


def test_the_nav_and_the_home_page_lead_heads_and_hr_there(signed_in, supervisor, hr):
    for user in (supervisor, hr):
        home = signed_in(user).get(reverse("home:index")).content.decode()
        assert reverse("presence:index") in home


def test_the_places_show_desks_and_the_pandemic_limit(signed_in, it, org, make_room):
    make_room("RH-104", desks=6, area="45", units=[org["A1"]])
    make_room("RH-105", desks=4, override=1)

    page = signed_in(it).get(reverse("presence:places"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "RH-104" in html and "RH-105" in html
    assert "10 Arbeitsplätze, in Pandemiezeiten 5" in html
    assert reverse("presence:room_new") in html


def test_heads_see_only_the_rooms_of_their_units(signed_in, supervisor, org, make_room):
    make_room("RH-104", units=[org["A1"]])
    make_room("SH-201", units=[org["B1"]])

    html = signed_in(supervisor).get(reverse("presence:places")).content.decode()

    assert "RH-104" in html and "SH-201" not in html
    assert reverse("presence:room_new") not in html


def test_the_places_page_is_closed_to_employees(signed_in, employee):
    assert signed_in(employee).get(reverse("presence:places")).status_code == 403


def test_the_places_page_does_not_grow_in_queries(
    signed_in, it, org, make_room, django_assert_max_num_queries
):
    client = signed_in(it)
    make_room("R-0", units=[org["A1"]])
    client.get(reverse("presence:places"))
    for i in range(1, 30):
        make_room(f"R-{i}", units=[org["A1"], org["B1"]])
    with django_assert_max_num_queries(12):
        assert client.get(reverse("presence:places")).status_code == 200


def test_it_creates_and_changes_a_room(signed_in, it, org, town_hall):
    client = signed_in(it)
    data = {
        "building": town_hall.pk,
        "code": "RH-104",
        "name": "Bürgerbüro",
        "desks": "6",
        "area_m2": "45,5",
        "pandemic_desks_override": "",
        "units": [org["A1"].pk],
    }

    response = client.post(reverse("presence:room_new"), data, follow=True)

    room = Room.objects.get()
    assert (room.desks, room.pandemic_desks, str(room.area_m2)) == (6, 4, "45.50")
    assert "in Pandemiezeiten 4" in response.content.decode()
    data.update(desks="2", pandemic_desks_override="3")
    page = client.post(reverse("presence:room_edit", args=[room.pk]), data)
    assert page.status_code == 200
    assert "nicht über der Zahl der Arbeitsplätze" in page.content.decode()
    client.post(reverse("presence:room_active", args=[room.pk]), {"active": "0"})
    assert Room.objects.get().is_active is False


def test_rooms_are_kept_by_hr_and_it_only(signed_in, supervisor, make_room, org):
    room = make_room("RH-1", units=[org["A1"]])
    client = signed_in(supervisor)
    assert client.get(reverse("presence:room_new")).status_code == 403
    assert client.get(reverse("presence:room_edit", args=[room.pk])).status_code == 403
    assert client.post(reverse("presence:room_active", args=[room.pk])).status_code == 403


# --------------------------------------------------------------------------- a unit's rules


def test_heads_keep_the_coverage_rules_with_opening_hours_beside(
    signed_in, supervisor, org, ausweis
):
    client = signed_in(supervisor)
    url = reverse("presence:unit", args=[org["A1"].pk])

    client.post(url, {"weekday": "0", "min_people": "4", "qualification": ""})
    client.post(url, {"weekday": "0", "min_people": "1", "qualification": ausweis.pk})
    client.post(
        reverse("presence:opening_hours", args=[org["A1"].pk]),
        {"day_0": "08:00–12:00, 14-18", "day_3": "8-18"},
    )
    page = client.get(url)

    html = page.content.decode()
    assert sorted(CoverageRule.objects.values_list("min_people", flat=True)) == [1, 4]
    assert OpeningHours.objects.count() == 3
    assert "08:00–12:00, 14:00–18:00" in html
    assert "1 mit „Ausweise ausgeben“" in html
    assert "keine Räume zugeordnet" in html


def test_a_wrong_opening_time_is_shown_at_its_field(signed_in, supervisor, org):
    page = signed_in(supervisor).post(
        reverse("presence:opening_hours", args=[org["A1"].pk]), {"day_1": "morgens"}
    )
    assert page.status_code == 200
    assert "„morgens“ ist keine Uhrzeit von–bis" in page.content.decode()
    assert not OpeningHours.objects.exists()


@pytest.mark.parametrize("name", ["unit", "qualifications", "absences", "opening_hours"])
def test_another_units_pages_answer_404(signed_in, outsider, org, name):
    client = signed_in(outsider)
    url = reverse(f"presence:{name}", args=[org["A1"].pk])
    assert client.get(url).status_code in (404, 405)
    assert client.post(url, {"weekday": "0", "min_people": "9"}).status_code == 404
    assert not CoverageRule.objects.exists()


def test_an_outsider_cannot_delete_a_rule_or_an_absence_by_guessing(
    signed_in, outsider, employee, org
):
    rule = CoverageRule.objects.create(unit=org["A1"], weekday=0, min_people=2)
    absence = Absence.objects.create(
        employee=person(employee), start=dt.date(2027, 3, 1), end=dt.date(2027, 3, 2)
    )
    client = signed_in(outsider)

    assert client.post(reverse("presence:coverage_rule_delete", args=[rule.pk])).status_code == 404
    assert client.post(reverse("presence:absence_delete", args=[absence.pk])).status_code == 404
    assert CoverageRule.objects.exists() and Absence.objects.exists()


def test_the_head_of_the_unit_above_and_hr_reach_the_unit(signed_in, amt_head, hr, org):
    for user in (amt_head, hr):
        assert signed_in(user).get(reverse("presence:unit", args=[org["A1"].pk])).status_code == 200


def test_the_rooms_of_a_unit_are_set_by_hr_and_it_only(signed_in, supervisor, hr, org, make_room):
    room = make_room("RH-1")
    url = reverse("presence:unit_rooms", args=[org["A1"].pk])

    assert signed_in(supervisor).post(url, {"rooms": [room.pk]}).status_code == 403
    signed_in(hr).post(url, {"rooms": [room.pk]})

    assert list(UnitRoom.objects.values_list("unit__code", "room__code")) == [("A1", "RH-1")]


# --------------------------------------------------------------------------- qualifications


def test_the_head_ticks_qualifications_of_the_units_people(
    signed_in, supervisor, employee, colleague, stranger, org, ausweis
):
    client = signed_in(supervisor)
    url = reverse("presence:qualifications", args=[org["A1"].pk])
    page = client.get(url).content.decode()
    assert person(employee).personnel_number in page
    assert person(stranger).personnel_number not in page

    mine, theirs = person(employee), person(stranger)
    client.post(url, {"held": [f"{mine.pk}:{ausweis.pk}", f"{theirs.pk}:{ausweis.pk}"]})

    assert list(EmployeeQualification.objects.values_list("employee", flat=True)) == [mine.pk]
    client.post(url, {})
    assert not EmployeeQualification.objects.exists()


# --------------------------------------------------------------------------- absences


def test_the_head_enters_an_absence_and_sees_dates_only(signed_in, supervisor, employee, org):
    client = signed_in(supervisor)
    url = reverse("presence:absences", args=[org["A1"].pk])
    start = timezone.localdate() + dt.timedelta(days=7)

    response = client.post(
        url,
        {"employee": person(employee).pk, "start": start.isoformat(), "end": start.isoformat()},
        follow=True,
    )

    html = response.content.decode()
    assert Absence.objects.get().source == "head"
    assert start.strftime("%d.%m.%Y") in html
    assert "Grund" not in html


def test_an_absence_form_with_a_mistake_says_what_is_wrong(signed_in, supervisor, employee, org):
    page = signed_in(supervisor).post(
        reverse("presence:absences", args=[org["A1"].pk]),
        {"employee": person(employee).pk, "start": "2027-03-05", "end": "2027-03-01"},
    )
    assert page.status_code == 200
    assert "Das Ende liegt vor dem Beginn." in page.content.decode()
    assert not Absence.objects.exists()


def test_the_absence_list_does_not_grow_in_queries(
    signed_in, supervisor, org, django_assert_max_num_queries
):
    client = signed_in(supervisor)
    url = reverse("presence:absences", args=[org["A1"].pk])
    start = timezone.localdate()
    for _ in range(25):
        Absence.objects.create(employee=EmployeeFactory(unit=org["A1"]), start=start, end=start)
    client.get(url)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


# --------------------------------------------------------------------------- imports


def test_it_imports_rooms_and_hr_also_absences_on_one_page(signed_in, it, hr):
    it_page = signed_in(it).get(reverse("presence:import_upload")).content.decode()
    assert "Räume" in it_page and 'value="absences"' not in it_page
    hr_page = signed_in(hr).get(reverse("presence:import_upload")).content.decode()
    assert 'value="rooms"' in hr_page and 'value="absences"' in hr_page


def test_heads_may_not_import(signed_in, supervisor):
    assert signed_in(supervisor).get(reverse("presence:import_upload")).status_code == 403


def test_hr_uploads_absences_sees_the_reason_column_dropped_and_applies(
    signed_in, hr, org, read_file
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    EmployeeFactory(personnel_number="100001", unit=org["A1"])
    EmployeeFactory(personnel_number="100002", unit=org["A1"])
    client = signed_in(hr)

    response = client.post(
        reverse("presence:import_upload"),
        {"kind": "absences", "file": SimpleUploadedFile("zeit.csv", read_file("absences.csv"))},
        follow=True,
    )

    assert "nie warum" in response.content.decode()
    upload = ImportUpload.objects.get()
    client.post(reverse("presence:import_apply", args=[upload.pk]))
    assert Absence.objects.count() == 2

"""„Personen und Teams“: heads and HR keep the presence profiles of a unit's people and
the unit's teams with their team days; outsiders' guessed ids answer 404; the list
does not grow in queries with the people."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rathausmobil.core.models import AuditEvent
from rathausmobil.organisation.tests.factories import EmployeeFactory
from rathausmobil.presence.models import PresenceProfile, Team, TeamDay
from rathausmobil.presence.tests.conftest import person


def profiles_url(unit):
    return reverse("presence:profiles", args=[unit.pk])


def edit_url(unit, employee):
    return reverse("presence:profile_edit", args=[unit.pk, employee.pk])


def make_team(unit, code="T1", name="Kasse", days=()):
    team = Team.objects.create(unit=unit, code=code, name=name)
    TeamDay.objects.bulk_create([TeamDay(team=team, weekday=day) for day in days])
    return team


@pytest.mark.parametrize("who", ["supervisor", "amt_head", "hr"])
def test_heads_and_hr_see_the_units_people_with_their_profiles(client, request, who, employee, org):
    me = person(employee)
    team = make_team(org["A1"], days=[1])
    PresenceProfile.objects.create(
        employee=me, working_days=[0, 1, 2], office_days=[1], field_days=[2], cohort="A", team=team
    )
    client.force_login(request.getfixturevalue(who))

    page = client.get(profiles_url(org["A1"]))

    html = page.content.decode()
    assert page.status_code == 200
    assert f'id="person-{me.pk}"' in html
    assert "Mo, Di, Mi" in html and "Gruppe A" in html
    assert edit_url(org["A1"], me) in html
    assert "Feste Präsenztage plant der Planer immer im Büro" in html
    assert "Teamtage sind ein Wunsch des Teams, keine Regel" in html
    assert "Gilt nur im Pandemiemodus" in html
    assert "Dienstag" in html  # the team's day


def test_the_units_tabs_lead_there(client, supervisor, org):
    client.force_login(supervisor)

    html = client.get(reverse("presence:unit", args=[org["A1"].pk])).content.decode()

    assert profiles_url(org["A1"]) in html
    assert "Personen und Teams" in html


def test_outsiders_guessed_units_employees_and_teams_answer_404(
    client, outsider, employee, stranger, org
):
    me = person(employee)
    team = make_team(org["A1"])
    client.force_login(outsider)

    assert client.get(profiles_url(org["A1"])).status_code == 404
    assert client.get(edit_url(org["A1"], me)).status_code == 404
    assert client.post(edit_url(org["A1"], me), {"working_days": ["0"]}).status_code == 404
    assert (
        client.post(
            reverse("presence:team_new", args=[org["A1"].pk]),
            {"team-code": "X", "team-name": "X"},
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("presence:team_edit", args=[org["A1"].pk, team.pk])).status_code == 404
    )
    # nor through their own unit: a person or team of another unit is not theirs
    assert client.get(edit_url(org["B1"], me)).status_code == 404
    assert (
        client.get(reverse("presence:team_edit", args=[org["B1"].pk, team.pk])).status_code == 404
    )
    assert not PresenceProfile.objects.exists()
    assert Team.objects.count() == 1


@pytest.mark.parametrize("who", ["employee", "stranger"])
def test_employees_do_not_keep_profiles(client, request, who, employee, org):
    client.force_login(request.getfixturevalue(who))

    assert client.get(profiles_url(org["A1"])).status_code == 404
    assert client.get(edit_url(org["A1"], person(employee))).status_code == 404


def test_the_head_saves_a_profile_and_comes_back_to_the_list(client, supervisor, employee, org):
    me = person(employee)
    team = make_team(org["A1"])
    client.force_login(supervisor)
    form = client.get(edit_url(org["A1"], me)).content.decode()
    # weekdays are checkboxes in a fieldset with a legend, each with its label
    assert "<legend" in form and "Feste Präsenztage" in form
    assert 'for="id_office_days_1"' in form and 'id="id_office_days_1"' in form
    assert 'for="id_team"' in form

    response = client.post(
        edit_url(org["A1"], me),
        {
            "working_days": ["0", "1", "2", "3"],
            "office_days": ["1"],
            "field_days": ["3"],
            "cohort": "B",
            "team": str(team.pk),
        },
    )

    assert response.status_code == 302
    assert response["Location"] == profiles_url(org["A1"]) + f"#person-{me.pk}"
    profile = PresenceProfile.objects.get(employee=me)
    assert (profile.working_days, profile.office_days, profile.field_days) == (
        [0, 1, 2, 3],
        [1],
        [3],
    )
    assert (profile.cohort, profile.team) == ("B", team)
    assert AuditEvent.objects.filter(action="Anwesenheitsprofil geändert").exists()
    page = client.get(response["Location"]).content.decode()
    assert "ist gespeichert" in page and "ab dem nächsten Plan" in page


def test_a_refused_profile_is_shown_again_with_the_reason(client, hr, employee, org):
    me = person(employee)
    client.force_login(hr)

    response = client.post(
        edit_url(org["A1"], me),
        {"working_days": ["0", "1"], "office_days": ["1"], "field_days": ["1"]},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "zugleich Präsenz- und Außendiensttag" in html
    assert 'role="alert"' in html
    assert not PresenceProfile.objects.exists()

    response = client.post(edit_url(org["A1"], me), {"working_days": ["0"], "office_days": ["2"]})
    assert "müssen Arbeitstage sein" in response.content.decode()

    response = client.post(edit_url(org["A1"], me), {"working_days": []})
    assert response.status_code == 200
    assert not PresenceProfile.objects.exists()


def test_a_team_of_another_unit_cannot_be_chosen(client, hr, employee, org):
    other = make_team(org["B1"], code="B-T")
    client.force_login(hr)

    response = client.post(
        edit_url(org["A1"], person(employee)), {"working_days": ["0"], "team": str(other.pk)}
    )

    assert response.status_code == 200
    assert not PresenceProfile.objects.exists()


def test_weekend_working_days_saved_elsewhere_are_kept(client, supervisor, employee, org):
    me = person(employee)
    PresenceProfile.objects.create(employee=me, working_days=[0, 5])
    client.force_login(supervisor)
    assert "Samstag" in client.get(edit_url(org["A1"], me)).content.decode()

    client.post(edit_url(org["A1"], me), {"working_days": ["0", "1"]})

    assert PresenceProfile.objects.get(employee=me).working_days == [0, 1, 5]


def test_the_head_creates_renames_and_sets_the_days_of_a_team(client, supervisor, org):
    client.force_login(supervisor)

    response = client.post(
        reverse("presence:team_new", args=[org["A1"].pk]),
        {"team-code": "Kasse", "team-name": "Kassenteam", "team-days": ["1", "3"]},
    )

    team = Team.objects.get(unit=org["A1"])
    assert response.status_code == 302
    assert response["Location"] == profiles_url(org["A1"]) + f"#team-{team.pk}"
    assert sorted(team.days.values_list("weekday", flat=True)) == [1, 3]
    html = client.get(profiles_url(org["A1"])).content.decode()
    assert "Kassenteam" in html and "Dienstag, Donnerstag" in html

    edit = reverse("presence:team_edit", args=[org["A1"].pk, team.pk])
    assert "Teamtage sind ein Wunsch des Teams, keine Regel" in client.get(edit).content.decode()
    response = client.post(edit, {"code": "Kasse", "name": "Kasse und Ausweise", "days": ["4"]})

    assert response.status_code == 302
    team.refresh_from_db()
    assert team.name == "Kasse und Ausweise"
    assert list(team.days.values_list("weekday", flat=True)) == [4]
    assert AuditEvent.objects.filter(action="Teamtage geändert").count() == 2


def test_a_duplicate_team_is_refused_on_the_page(client, hr, org):
    make_team(org["A1"], code="Kasse")
    client.force_login(hr)

    response = client.post(
        reverse("presence:team_new", args=[org["A1"].pk]),
        {"team-code": "kasse", "team-name": "Noch eine Kasse", "team-days": ["0"]},
    )

    assert response.status_code == 200
    assert "gibt es in dieser Einheit schon" in response.content.decode()
    assert Team.objects.count() == 1
    assert not TeamDay.objects.exists()


def test_the_list_does_not_grow_in_queries_with_the_people(
    client, supervisor, org, django_assert_max_num_queries
):
    teams = [make_team(org["A1"], code=f"T{i}", days=[i]) for i in range(3)]

    def add_people(n):
        for i in range(n):
            mate = EmployeeFactory(unit=org["A1"])
            if i % 2:
                PresenceProfile.objects.create(
                    employee=mate, working_days=[0, 1, 2], office_days=[0], team=teams[i % 3]
                )

    add_people(5)
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as few:
        assert client.get(profiles_url(org["A1"])).status_code == 200

    add_people(25)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(profiles_url(org["A1"])).content.decode()
    assert html.count('id="person-') == 31  # 30 and the head

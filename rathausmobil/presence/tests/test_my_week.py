"""„Meine Woche“: my published days (never a draft), my room, who of my own unit is in
the office, my wishes up to the deadline, swap requests and the calendar link; a
fixed number of queries however large the unit."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rathausmobil.core.models import AuditEvent
from rathausmobil.organisation.tests.factories import EmployeeFactory, UserFactory
from rathausmobil.presence.models import (
    Absence,
    CalendarFeed,
    PlanCell,
    PlanStatus,
    SwapRequest,
    SwapStatus,
    UnitPresenceSettings,
    WeekPlan,
    Wish,
)
from rathausmobil.presence.planning import monday_of
from rathausmobil.presence.tests.conftest import person

URL = "/anwesenheit/meine-woche/"


def this_monday() -> dt.date:
    return monday_of(timezone.localdate())


def next_monday() -> dt.date:
    return this_monday() + dt.timedelta(days=7)


def publish_week(unit, monday, days, *, published=True):
    """A week plan of `unit` with `days` {employee: [kind or (kind, room)] Monday on},
    published (the cells' published_* set) or a draft nobody was told about."""
    plan = WeekPlan.objects.create(
        unit=unit,
        week_start=monday,
        status=PlanStatus.PUBLISHED if published else PlanStatus.DRAFT,
        published_at=timezone.now() if published else None,
    )
    for employee, kinds in days.items():
        for offset, value in enumerate(kinds):
            kind, room = value if isinstance(value, tuple) else (value, None)
            PlanCell.objects.create(
                plan=plan,
                employee=employee,
                date=monday + dt.timedelta(days=offset),
                kind=kind,
                room=room,
                published_kind=kind if published else "",
                published_room=room if published else None,
            )
    return plan


@pytest.fixture
def deadline(org):
    """Set the A1 wish deadline: 0 days before Monday keeps next week open (until next
    Monday, 12:00), 60 days closes both weeks."""

    def set_days(days: int):
        UnitPresenceSettings.objects.update_or_create(
            unit=org["A1"], defaults={"wish_deadline_days_before": days}
        )

    return set_days


def test_someone_without_an_employee_record_gets_a_friendly_page(client, org):
    client.force_login(UserFactory(username="extern"))

    page = client.get(URL)

    assert page.status_code == 200
    assert "keinen Anwesenheitsplan" in page.content.decode()


def test_the_page_needs_a_login(client):
    assert client.get(URL).status_code == 302


def test_it_shows_my_published_days_with_the_room_and_not_a_draft(client, employee, org, make_room):
    me = person(employee)
    rh104, rh105 = make_room("RH-104", units=[org["A1"]]), make_room("RH-105", units=[org["A1"]])
    publish_week(
        org["A1"],
        this_monday(),
        {me: [("office", rh104), "home", "field", "absent", ("office", rh104)]},
    )
    publish_week(org["A1"], next_monday(), {me: [("office", rh105)] * 5}, published=False)
    client.force_login(employee)

    html = client.get(URL).content.decode()

    assert "RH-104, Rathaus" in html
    for label in ("Büro", "zu Hause", "Außendienst", "abwesend"):
        assert f"<strong>{label}</strong>" in html
    assert "RH-105" not in html  # the draft is nobody's day yet
    assert html.count("noch nicht veröffentlicht") >= 5
    assert "Der Plan für diese Woche ist noch nicht veröffentlicht" in html


def test_a_reopened_week_keeps_what_i_was_told(client, employee, org, make_room):
    me = person(employee)
    rh104 = make_room("RH-104", units=[org["A1"]])
    plan = publish_week(org["A1"], next_monday(), {me: [("office", rh104)] * 5})
    plan.status = PlanStatus.DRAFT
    plan.save()
    PlanCell.objects.filter(plan=plan).update(kind="home", room=None)  # the head's new draft
    client.force_login(employee)

    html = client.get(URL).content.decode()

    assert "RH-104, Rathaus" in html
    # swaps wait until it is published again
    assert reverse("presence:my_swap", args=[plan.cells.first().pk]) not in html
    assert "Die Leitung überarbeitet den Plan" in html


def test_it_names_who_of_my_own_unit_is_in_the_office_and_nobody_else(
    client, employee, colleague, stranger, org, make_room
):
    rh104 = make_room("RH-104", units=[org["A1"], org["B1"]])
    me, mate, other = person(employee), person(colleague), person(stranger)
    drafted = EmployeeFactory(unit=org["A1"], last_name="Entwurfsperson")
    publish_week(
        org["A1"],
        this_monday(),
        {me: ["home"] * 5, mate: [("office", rh104)] + ["home"] * 4},
    )
    publish_week(org["A1"], next_monday(), {drafted: [("office", rh104)] * 5}, published=False)
    publish_week(org["B1"], this_monday(), {other: [("office", rh104)] * 5})
    client.force_login(employee)

    html = client.get(URL).content.decode()

    assert mate.last_name in html
    assert other.last_name not in html
    assert "Entwurfsperson" not in html


def test_i_enter_and_take_back_wishes_before_the_deadline(client, employee, deadline):
    deadline(0)
    me = person(employee)
    monday, tuesday = next_monday(), next_monday() + dt.timedelta(days=1)
    client.force_login(employee)

    page = client.get(URL).content.decode()
    assert f'name="wish-{monday:%Y-%m-%d}"' in page
    assert "Ihre Wünsche fließen in den nächsten Plan ein" in page
    assert f"{monday:%d.%m.%Y}" in page

    response = client.post(
        reverse("presence:my_wishes"),
        {f"wish-{monday:%Y-%m-%d}": "home", f"wish-{tuesday:%Y-%m-%d}": "office"},
        follow=True,
    )
    assert dict(Wish.objects.filter(employee=me).values_list("date", "kind")) == {
        monday: "home",
        tuesday: "office",
    }
    assert "2 Wunsch/Wünsche gespeichert" in response.content.decode()
    assert f'id="wish-{monday:%Y-%m-%d}-home" value="home" checked' in response.content.decode()

    client.post(reverse("presence:my_wishes"), {f"wish-{monday:%Y-%m-%d}": ""})
    assert list(Wish.objects.filter(employee=me).values_list("date", flat=True)) == [tuesday]


def test_after_the_deadline_wishes_are_read_only_with_the_reason(client, employee, deadline):
    deadline(60)
    me = person(employee)
    monday = next_monday()
    Wish.objects.create(employee=me, date=monday, kind="office")
    client.force_login(employee)

    page = client.get(URL).content.decode()

    assert f'name="wish-{monday:%Y-%m-%d}"' not in page
    assert "Frist für Wünsche zu dieser Woche ist am" in page
    assert "im Büro" in page

    response = client.post(
        reverse("presence:my_wishes"), {f"wish-{monday:%Y-%m-%d}": "home"}, follow=True
    )
    assert "die Frist ist abgelaufen" in response.content.decode()
    assert Wish.objects.get(employee=me, date=monday).kind == "office"


def test_an_absent_day_needs_no_wish(client, employee, deadline):
    deadline(0)
    monday = next_monday()
    Absence.objects.create(employee=person(employee), start=monday, end=monday)
    client.force_login(employee)

    page = client.get(URL).content.decode()

    assert f'name="wish-{monday:%Y-%m-%d}"' not in page
    assert f'name="wish-{monday + dt.timedelta(days=1):%Y-%m-%d}"' in page


def test_i_ask_to_swap_a_published_day_and_see_it_waiting(
    client, employee, supervisor, org, make_room, mailoutbox
):
    me = person(employee)
    rh104 = make_room("RH-104", units=[org["A1"]])
    plan = publish_week(org["A1"], next_monday(), {me: [("office", rh104)] + ["home"] * 4})
    cell = plan.cells.get(date=next_monday())
    client.force_login(employee)
    assert "Tausch beantragen" in client.get(URL).content.decode()

    response = client.post(
        reverse("presence:my_swap", args=[cell.pk]),
        {"wanted": "home", "reason": "Handwerker kommt"},
        follow=True,
    )

    swap = SwapRequest.objects.get(cell=cell)
    assert (swap.wanted, swap.status, swap.reason) == (
        "home",
        SwapStatus.REQUESTED,
        "Handwerker kommt",
    )
    html = response.content.decode()
    assert "ist beantragt" in html
    assert "wartet auf Entscheidung" in html

    again = client.post(
        reverse("presence:my_swap", args=[cell.pk]), {"wanted": "home"}, follow=True
    )
    assert "schon ein Tauschwunsch" in again.content.decode()
    assert SwapRequest.objects.filter(cell=cell).count() == 1


def test_nobody_swaps_someone_elses_day(client, employee, colleague, org, make_room):
    rh104 = make_room("RH-104", units=[org["A1"]])
    plan = publish_week(org["A1"], next_monday(), {person(colleague): [("office", rh104)] * 5})
    client.force_login(employee)

    response = client.post(
        reverse("presence:my_swap", args=[plan.cells.first().pk]), {"wanted": "home"}
    )

    assert response.status_code == 404
    assert not SwapRequest.objects.exists()


def test_i_set_up_the_calendar_feed_and_renew_its_link(client, employee):
    me = person(employee)
    client.force_login(employee)
    assert "Kalender-Abo einrichten" in client.get(URL).content.decode()

    page = client.post(reverse("presence:my_feed"), follow=True).content.decode()
    feed = CalendarFeed.objects.get(employee=me)
    assert len(feed.token) >= 40
    assert f"/anwesenheit/kalender/{feed.token}.ics" in page
    assert f"webcal://testserver/anwesenheit/kalender/{feed.token}.ics" in page
    assert "Link erneuern" in page

    client.post(reverse("presence:my_feed"))  # a second click keeps the link
    assert CalendarFeed.objects.get(employee=me).token == feed.token

    page = client.post(reverse("presence:my_feed_renew"), follow=True).content.decode()
    renewed = CalendarFeed.objects.get(employee=me)
    assert renewed.token != feed.token
    assert feed.token not in page and renewed.token in page
    event = AuditEvent.objects.get(action="Kalender-Abo-Link erneuert")
    assert event.object_id == str(me.pk)
    assert feed.token not in str(event.changes) + event.reason


def test_the_navigation_and_the_start_page_lead_employees_there(client, employee, org):
    client.force_login(employee)
    assert URL in client.get(reverse("home:index")).content.decode()

    client.force_login(UserFactory(username="extern"))
    assert URL not in client.get(reverse("home:index")).content.decode()


def test_the_page_does_not_grow_in_queries_with_the_unit(
    client, employee, org, make_room, deadline, django_assert_max_num_queries
):
    deadline(0)
    me = person(employee)
    rh104 = make_room("RH-104", desks=50, units=[org["A1"]])
    this_week = publish_week(org["A1"], this_monday(), {me: [("office", rh104)] * 5})
    next_week = publish_week(org["A1"], next_monday(), {me: ["home"] * 5})

    def add_colleagues(n):
        for _ in range(n):
            mate = EmployeeFactory(unit=org["A1"])
            for plan in (this_week, next_week):
                for day in plan.days:
                    PlanCell.objects.create(
                        plan=plan,
                        employee=mate,
                        date=day,
                        kind="office",
                        room=rh104,
                        published_kind="office",
                        published_room=rh104,
                    )

    add_colleagues(5)
    client.force_login(employee)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200

    add_colleagues(25)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(URL).content.decode()
    assert html.count("Erika Muster") >= 30


# --------------------------------------------------------------------------- own absences


def test_i_enter_my_own_absence_with_dates_only(client, employee, deadline):
    deadline(0)
    me = person(employee)
    start, end = next_monday(), next_monday() + dt.timedelta(days=1)
    client.force_login(employee)
    page = client.get(URL).content.decode()
    assert "Nur dass Sie abwesend sind, nie warum." in page
    assert 'for="id_start"' in page and 'for="id_end"' in page

    response = client.post(
        reverse("presence:my_absences"),
        {"start": f"{start:%Y-%m-%d}", "end": f"{end:%Y-%m-%d}", "reason": "krank"},
    )

    assert response.status_code == 302
    assert response["Location"] == URL + "#abwesenheiten"
    absence = Absence.objects.get(employee=me)
    assert (absence.start, absence.end, absence.source) == (start, end, "self")
    html = client.get(URL).content.decode()
    assert "ist eingetragen" in html
    assert "krank" not in html
    assert reverse("presence:my_absence_delete", args=[absence.pk]) in html
    assert f'name="wish-{start:%Y-%m-%d}"' not in html  # an absent day needs no wish


def test_a_refused_absence_is_shown_again_with_the_reason(client, employee):
    me = person(employee)
    monday = next_monday()
    Absence.objects.create(employee=me, start=monday, end=monday + dt.timedelta(days=2))
    client.force_login(employee)

    backwards = client.post(
        reverse("presence:my_absences"),
        {"start": f"{monday + dt.timedelta(days=1):%Y-%m-%d}", "end": f"{monday:%Y-%m-%d}"},
    )
    assert backwards.status_code == 200
    assert "Das Ende liegt vor dem Beginn" in backwards.content.decode()

    missing = client.post(reverse("presence:my_absences"), {"start": f"{monday:%Y-%m-%d}"})
    assert missing.status_code == 200
    assert 'id="id_end_errors"' in missing.content.decode()

    clash = client.post(
        reverse("presence:my_absences"),
        {"start": f"{monday:%Y-%m-%d}", "end": f"{monday:%Y-%m-%d}"},
    )
    assert clash.status_code == 200
    assert "bereits eine Abwesenheit eingetragen" in clash.content.decode()
    assert Absence.objects.filter(employee=me).count() == 1


def test_i_delete_only_what_i_entered_myself(client, employee, supervisor):
    me = person(employee)
    monday = next_monday()
    mine = Absence.objects.create(employee=me, start=monday, end=monday, source="self")
    heads = Absence.objects.create(
        employee=me,
        start=monday + dt.timedelta(days=3),
        end=monday + dt.timedelta(days=4),
        source="head",
    )
    past = Absence.objects.create(
        employee=me, start=monday - dt.timedelta(days=60), end=monday - dt.timedelta(days=59)
    )
    client.force_login(employee)
    html = client.get(URL).content.decode()
    assert reverse("presence:my_absence_delete", args=[mine.pk]) in html
    assert reverse("presence:my_absence_delete", args=[heads.pk]) not in html
    assert "von der Leitung eingetragen" in html
    assert f"{past.start:%d.%m.%Y}" not in html  # only from today on

    refused = client.post(reverse("presence:my_absence_delete", args=[heads.pk]), follow=True)
    assert "nur die Leitung der Einheit und das Personalamt" in refused.content.decode()
    assert Absence.objects.filter(pk=heads.pk).exists()

    done = client.post(reverse("presence:my_absence_delete", args=[mine.pk]), follow=True)
    assert "ist gelöscht" in done.content.decode()
    assert not Absence.objects.filter(pk=mine.pk).exists()


def test_nobody_deletes_someone_elses_absence_here(client, employee, colleague):
    theirs = Absence.objects.create(
        employee=person(colleague), start=next_monday(), end=next_monday()
    )
    client.force_login(employee)

    response = client.post(reverse("presence:my_absence_delete", args=[theirs.pk]))

    assert response.status_code == 404
    assert Absence.objects.filter(pk=theirs.pk).exists()


def test_someone_without_an_employee_record_enters_no_absence(client, org):
    client.force_login(UserFactory(username="extern"))

    response = client.post(
        reverse("presence:my_absences"), {"start": "2030-01-07", "end": "2030-01-07"}
    )

    assert response.status_code == 404
    assert not Absence.objects.exists()

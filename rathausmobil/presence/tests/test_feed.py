"""The private calendar feed, parsed back with icalendar: published office, home and
field days only (no absences, no drafts), stable UIDs, no login, and a renewed link
that leaves the old one dead."""

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from rathausmobil.organisation.tests.factories import UserFactory
from rathausmobil.presence.feeds import calendar_feed_ensure, calendar_feed_renew
from rathausmobil.presence.models import CalendarFeed
from rathausmobil.presence.tests.conftest import person
from rathausmobil.presence.tests.test_my_week import next_monday, publish_week, this_monday


def fetch(client, feed: CalendarFeed):
    return client.get(reverse("presence:calendar_feed", args=[feed.token]))


def events(response) -> dict[dt.date, dict]:
    calendar = Calendar.from_ical(response.content)
    return {
        event.decoded("dtstart"): {
            "summary": str(event.get("summary")),
            "location": str(event.get("location", "")),
            "uid": str(event.get("uid")),
            "dtend": event.decoded("dtend"),
            "dtstamp": event.get("dtstamp"),
        }
        for event in calendar.walk("VEVENT")
    }


@pytest.fixture
def feed(employee):
    return calendar_feed_ensure(employee=person(employee), by=employee)


@pytest.fixture
def rooms(org, make_room):
    return {"RH-104": make_room("RH-104", units=[org["A1"]])}


def test_it_answers_without_a_login_and_parses_back(client, employee, org, feed, rooms):
    me = person(employee)
    publish_week(
        org["A1"],
        this_monday(),
        {me: [("office", rooms["RH-104"]), "home", "field", "home", ("office", rooms["RH-104"])]},
    )

    response = fetch(client, feed)  # nobody logged in: the token is the key

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert str(calendar.get("method")) == "PUBLISH"
    assert str(calendar.get("version")) == "2.0"
    assert str(calendar.get("x-published-ttl")) == "PT4H"  # Outlook's refresh interval
    assert me.last_name in str(calendar.get("x-wr-calname"))
    days = events(response)
    monday = this_monday()
    assert sorted(days) == [monday + dt.timedelta(days=i) for i in range(5)]
    assert [days[d]["summary"] for d in sorted(days)] == [
        "Büro RH-104",
        "Homeoffice",
        "Außendienst",
        "Homeoffice",
        "Büro RH-104",
    ]
    assert "RH-104" in days[monday]["location"]
    assert "Rathaus" in days[monday]["location"]
    assert "Marktplatz 1" in days[monday]["location"]
    assert days[monday + dt.timedelta(days=1)]["location"] == ""
    assert days[monday]["dtend"] == monday + dt.timedelta(days=1)  # all day
    assert all(type(day) is dt.date for day in days)  # VALUE=DATE, not a moment
    assert all(day["dtstamp"] is not None for day in days.values())
    assert len({day["uid"] for day in days.values()}) == 5

    again = events(fetch(client, feed))
    assert {d: e["uid"] for d, e in again.items()} == {d: e["uid"] for d, e in days.items()}


def test_absences_never_appear(client, employee, org, feed, rooms):
    me = person(employee)
    publish_week(org["A1"], this_monday(), {me: ["absent", "absent", "home", "absent", "absent"]})

    response = fetch(client, feed)

    assert list(events(response)) == [this_monday() + dt.timedelta(days=2)]
    assert b"abwesend" not in response.content.lower()


def test_a_draft_does_not_appear(client, employee, org, feed, rooms):
    me = person(employee)
    publish_week(org["A1"], this_monday(), {me: ["home"] * 5})
    publish_week(org["A1"], next_monday(), {me: [("office", rooms["RH-104"])] * 5}, published=False)

    days = events(fetch(client, feed))

    assert all(day < next_monday() for day in days)
    assert len(days) == 5


def test_it_covers_four_weeks_back_to_eight_ahead(client, employee, org, feed):
    me = person(employee)
    for weeks in (-5, -4, 8, 9):
        publish_week(org["A1"], this_monday() + dt.timedelta(weeks=weeks), {me: ["home"]})

    days = events(fetch(client, feed))

    assert sorted(days) == [
        this_monday() + dt.timedelta(weeks=-4),
        this_monday() + dt.timedelta(weeks=8),
    ]


def test_a_renewed_token_kills_the_old_link(client, employee, org, feed):
    publish_week(org["A1"], this_monday(), {person(employee): ["home"] * 5})
    old = feed.token

    renewed = calendar_feed_renew(employee=person(employee), by=employee)

    assert client.get(reverse("presence:calendar_feed", args=[old])).status_code == 404
    assert fetch(client, renewed).status_code == 200
    assert len(events(fetch(client, renewed))) == 5


def test_an_unknown_token_answers_404(client, feed):
    assert client.get("/anwesenheit/kalender/nichtgeraten.ics").status_code == 404
    assert client.get(f"/anwesenheit/kalender/{feed.token[:-1]}.ics").status_code == 404


def test_someone_who_left_has_no_feed_any_more(client, employee, feed):
    me = person(employee)
    me.is_active = False
    me.save()

    assert fetch(client, feed).status_code == 404


def test_only_the_feed_is_open_other_pages_still_ask_for_a_login(client, feed):
    assert client.get(reverse("presence:my_week")).status_code == 302
    assert client.post(reverse("presence:my_feed_renew")).status_code == 302
    assert client.get(reverse("presence:index")).status_code == 302


def test_each_person_sees_only_their_own_days(client, employee, colleague, org, feed):
    publish_week(
        org["A1"], this_monday(), {person(employee): ["home"] * 2, person(colleague): ["field"] * 5}
    )

    days = events(fetch(client, feed))

    assert [day["summary"] for day in days.values()] == ["Homeoffice", "Homeoffice"]


def test_a_user_without_an_employee_record_cannot_set_up_a_feed(client, org):
    client.force_login(UserFactory(username="extern"))

    assert client.post(reverse("presence:my_feed")).status_code == 404
    assert not CalendarFeed.objects.exists()

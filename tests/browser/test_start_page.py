"""Meine Aufgaben as a new employee meets it: agree and pledge straight from the start
page, without the menu; the page passes axe on a desktop and on a phone."""

import pytest

from rathausmobil.agreements import services
from rathausmobil.agreements.models import Agreement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def checklist(dpo):
    return services.checklist_publish(
        by=dpo,
        items=[
            {"key": "locked", "text": "Unterlagen schließe ich weg.", "mandatory": True},
            {
                "key": "screen",
                "text": "Ich sperre den Bildschirm bei jeder Abwesenheit.",
                "mandatory": True,
            },
            {"key": "filter", "text": "Ich nutze einen Blickschutzfilter.", "mandatory": False},
        ],
    )


@pytest.fixture
def approved(employee, supervisor, checklist):
    """The employee's request for two home days, approved by the head: an agreement that
    waits for her consent and her pledge."""
    import datetime as dt

    from rathausmobil.agreements.models import PatternType, WorkKind

    request = services.request_create(
        by=employee,
        values={
            "kind": WorkKind.ALTERNATING,
            "pattern_type": PatternType.WEEKDAYS,
            "weekdays": [0, 2],
            "working_days_per_week": 5,
            "share_percent": None,
            "start_date": dt.date.today() + dt.timedelta(days=14),
            "end_date": None,
        },
        text="Bitte zwei Tage.",
    )
    services.request_submit(request=request, by=employee)
    return services.request_approve(request=request, by=supervisor)


def test_it_lets_the_employee_agree_and_pledge_from_meine_aufgaben(
    live_server, login, page, employee, approved, axe_check
):
    page.set_viewport_size({"width": 1280, "height": 900})
    login(employee)  # lands on the start page
    page.get_by_role("heading", name="Meine Aufgaben", level=1).wait_for()
    axe_check(page)

    page.get_by_role("link", name="Zustimmen", exact=True).click()
    page.get_by_role("button", name="Vereinbarung zustimmen").click()
    page.get_by_text("Sie haben zugestimmt").wait_for()

    page.goto(f"{live_server.url}/")
    assert page.get_by_role("link", name="Zustimmen", exact=True).count() == 0
    page.get_by_role("link", name="Erklärung abgeben", exact=True).click()
    page.get_by_label("Unterlagen schließe ich weg.").check()
    page.get_by_label("Ich sperre den Bildschirm bei jeder Abwesenheit.").check()
    page.get_by_role("button", name="Erklärung abgeben").click()
    page.get_by_text("Ihre Datenschutzerklärung ist gültig").wait_for()

    page.goto(f"{live_server.url}/")
    page.get_by_text("Im Moment wartet nichts auf Sie.").wait_for()
    assert page.get_by_role("link", name="Erklärung abgeben", exact=True).count() == 0
    agreement = Agreement.objects.get(pk=approved.pk)
    assert agreement.accepted_at is not None


def test_it_fits_a_phone_and_passes_axe(live_server, login, page, employee, approved, axe_check):
    page.set_viewport_size({"width": 390, "height": 844})
    login(employee)
    page.get_by_role("link", name="Zustimmen", exact=True).wait_for()
    axe_check(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"Die Startseite ist {width} px breit."

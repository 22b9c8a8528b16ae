"""The whole home-office flow as people walk it: request, decision, pledge, consent."""

import datetime as dt

import pytest

from rathausmobil.agreements import jobs, services
from rathausmobil.agreements.models import Agreement, AgreementStatus

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


def test_it_walks_request_decision_pledge_and_consent(
    browser, live_server, sign_in, employee, supervisor, checklist, axe_check
):
    start = dt.date.today() + dt.timedelta(days=14)

    # The employee asks for two home days.
    page = sign_in(employee)
    page.locator("summary", has_text="Mobiles Arbeiten").click()
    page.get_by_role("link", name="Mein mobiles Arbeiten", exact=True).click()
    axe_check(page)
    page.get_by_role("link", name="Mobiles Arbeiten beantragen").click()
    axe_check(page)
    page.get_by_label("Alternierende mobile Arbeit").check()
    page.get_by_label("Montag").check()
    page.get_by_label("Mittwoch").check()
    page.get_by_label("Beginn").fill(start.isoformat())
    page.get_by_role("button", name="Antrag einreichen").click()
    page.get_by_text("Ihr Antrag ist eingereicht").wait_for()
    axe_check(page)

    # The supervisor tries to refuse without a reason, sees why not, then approves.
    boss = sign_in(supervisor)
    boss.locator("summary", has_text="Mobiles Arbeiten").click()
    boss.get_by_role("link", name="Eingang", exact=True).click()
    axe_check(boss)
    boss.get_by_role("link", name="Employee, Erika").click()
    boss.locator("summary", has_text="Ablehnen").click()
    boss.get_by_role("button", name="Antrag ablehnen").click()
    error = boss.get_by_role("alert").filter(has_text="mindestens einen Grund (R1 bis R8)")
    error.wait_for()
    assert "schriftlich begründet" in error.inner_text()
    axe_check(boss)
    boss.locator("summary", has_text="Genehmigen").click()
    boss.get_by_role("button", name="Antrag genehmigen").click()
    boss.get_by_text("Der Antrag ist genehmigt").wait_for()

    # The employee is led from her page: agree, then pledge; the agreement is agreed
    # and begins on its start date, when the daily job makes it active.
    page.goto(f"{live_server.url}/mobil/")
    page.get_by_text("Ihre Vereinbarung wartet auf Sie").wait_for()
    assert page.get_by_role("link", name="Mobiles Arbeiten beantragen").count() == 0
    axe_check(page)
    page.get_by_role("button", name="Vereinbarung zustimmen").click()
    page.get_by_text("Sie haben zugestimmt").wait_for()
    page.get_by_role("link", name="Datenschutzerklärung abgeben").first.click()
    axe_check(page)
    page.get_by_label("Unterlagen schließe ich weg.").check()
    page.get_by_label("Ich sperre den Bildschirm bei jeder Abwesenheit.").check()
    page.get_by_role("button", name="Erklärung abgeben").click()
    page.get_by_text("Ihre Datenschutzerklärung ist gültig").wait_for()
    page.goto(f"{live_server.url}/mobil/")
    begins = f"vereinbart, beginnt am {start:%d.%m.%Y}"
    page.get_by_text("Ihre Vereinbarung ist vereinbart").wait_for()
    assert begins in page.content()
    axe_check(page)

    agreement = Agreement.objects.get(employee__user=employee)
    assert agreement.status == AgreementStatus.AGREED
    assert jobs.activate_due_agreements(start) == 1
    page.goto(f"{live_server.url}/mobil/vereinbarungen/{agreement.pk}/")
    assert page.locator("#agreement-status").inner_text().strip() == "aktiv"
    axe_check(page)

    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    assert agreement.weekdays == [0, 2]
    assert [h.action for h in agreement.history.all()] == ["create", "accept", "agree", "activate"]

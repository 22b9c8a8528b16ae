"""A wrong address and a failure of the server, as a person sees them: German pages in
the application's look that pass axe-core and lead back, on a desktop and a phone."""

import pytest
from django.template import loader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def no_wider_than_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_it_leads_from_a_wrong_link_back_and_home(login, live_server, employee, axe_check):
    page = login(employee)
    # A link on the start page that leads nowhere (an old bookmark, a typo in a mail).
    page.evaluate(
        """() => { const a = document.createElement("a"); a.href = "/mobil/gibt-es-nicht/";
        a.textContent = "kaputter Link"; document.querySelector("main").append(a); }"""
    )
    page.get_by_role("link", name="kaputter Link").click()

    page.get_by_role("heading", name="Seite nicht gefunden").wait_for()
    assert page.locator("html").get_attribute("lang") == "de"
    axe_check(page)
    page.set_viewport_size(PHONE)
    assert no_wider_than_the_screen(page)
    axe_check(page)

    page.get_by_role("link", name="Zurück zur vorigen Seite").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/gibt-es-nicht/")
    page.get_by_role("main").get_by_role("link", name="Zur Startseite").click()
    page.wait_for_url(f"{live_server.url}/")


def test_it_shows_the_500_page_in_the_applications_look(live_server, page, axe_check):
    page.goto(f"{live_server.url}/login/")  # the server's origin, so /static/ resolves
    page.set_content(loader.get_template("500.html").render())

    page.get_by_role("heading", name="Ein Fehler ist aufgetreten").wait_for()
    background = page.locator("nav.rm-brand").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(26, 61, 109)"  # the stylesheet loaded: the brand colour
    axe_check(page)
    page.set_viewport_size(PHONE)
    assert no_wider_than_the_screen(page)
    axe_check(page)

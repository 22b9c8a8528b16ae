"""A list page's filter replaces its results, the one way (`#results` swapped whole):
filtering twice leaves one result list, not a list inside a list."""

import pytest
from playwright.sync_api import expect

from rathausmobil.organisation.models import Employee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_replaces_the_results_when_hr_filters_twice(login, live_server, hr, employee, axe_check):
    page = login(hr)
    page.goto(f"{live_server.url}/organisation/beschaeftigte/")
    for status in ("false", "true"):
        with page.expect_response(lambda r: "beschaeftigte" in r.url and r.status == 200):
            page.select_option("#id_is_active", status)
        # Waits by locators: a string predicate would need eval, which our CSP refuses.
        expect(page.locator("#results")).to_have_count(1)
        assert page.evaluate("document.querySelectorAll('#results').length") == 1
        assert page.evaluate("document.querySelectorAll('#results #results').length") == 0
    record = Employee.objects.get(user=employee)
    assert record.personnel_number in page.locator("#results").inner_text()
    axe_check(page)


def test_it_suggests_units_while_hr_types_and_filters_by_the_code_chosen(
    login, live_server, hr, employee, stranger, axe_check
):
    """The unit filter is a text field whose <datalist> fills as one types (at most 20
    units, never all of them in the page); the code chosen filters the list."""
    page = login(hr)
    page.goto(f"{live_server.url}/organisation/beschaeftigte/")
    assert page.locator("#id_unit-vorschlaege option").count() == 0
    unit = page.get_by_label("Organisationseinheit (mit allen darunter)")
    with page.expect_response(lambda r: "einheiten/suche" in r.url and r.status == 200):
        unit.press_sequentially("Abteilung B1")
    options = page.locator("#id_unit-vorschlaege option")
    expect(options).to_have_count(1)
    expect(options).to_have_attribute("value", "B1")
    assert page.url.endswith("/organisation/beschaeftigte/")  # suggestions keep the address
    with page.expect_response(lambda r: "beschaeftigte/?" in r.url and r.status == 200):
        unit.fill("B1")
        unit.press("Enter")
    expect(page.locator("#results")).not_to_contain_text("Employee")
    results = page.locator("#results").inner_text()
    assert "Stranger" in results and "Employee" not in results
    assert "unit=B1" in page.url
    axe_check(page)

"""A list page's filter replaces its results, the one way (`#results` swapped whole):
filtering twice leaves one result list, not a list inside a list."""

import pytest

from rathausmobil.organisation.models import Employee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_replaces_the_results_when_hr_filters_twice(login, live_server, hr, employee, axe_check):
    page = login(hr)
    page.goto(f"{live_server.url}/organisation/beschaeftigte/")
    for status in ("false", "true"):
        with page.expect_response(lambda r: "beschaeftigte" in r.url and r.status == 200):
            page.select_option("#id_is_active", status)
        page.wait_for_function("document.querySelectorAll('#results').length >= 1")
        assert page.evaluate("document.querySelectorAll('#results').length") == 1
        assert page.evaluate("document.querySelectorAll('#results #results').length") == 0
    record = Employee.objects.get(user=employee)
    assert record.personnel_number in page.locator("#results").inner_text()
    axe_check(page)

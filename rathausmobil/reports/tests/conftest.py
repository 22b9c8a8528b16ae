"""A small town for the reports: eight refusals (six for R4 in A1, two for R8 in B1, a
group under 5), an agreement in force, a Dezernat whose name is a spreadsheet formula.
Built through the services, as a person would."""

import pytest

from rathausmobil.agreements import services as agreements
from rathausmobil.agreements.tests.conftest import (  # noqa: F401 (fixtures)
    TODAY,
    checklist,
    make_agreement,
    make_person,
    make_request,
    sign,
)
from rathausmobil.organisation.models import UnitKind
from rathausmobil.organisation.tests.factories import EmployeeFactory, OrgUnitFactory

EVIL = '=HYPERLINK("http://evil.example","klick")'
R8_TEXT = "Leistungsbedenken sind dokumentiert; Gespräch vom März."


@pytest.fixture
def city(org, employee, supervisor, outsider, make_request, make_person, make_agreement):  # noqa: F811
    evil = OrgUnitFactory(code="X", name=EVIL, kind=UnitKind.DEZERNAT)
    for _ in range(3):
        EmployeeFactory(unit=evil)
    make_agreement("active")
    for n in range(6):
        make_request("rejected", user=make_person(f"a1_{n}"))
    for n in range(2):
        request = make_request("submitted", user=make_person(f"b1_{n}", "B1"), decider=outsider)
        agreements.request_reject(
            request=request, by=outsider, reason_codes=["R8"], justification=R8_TEXT, today=TODAY
        )
    return {**org, "X": evil}

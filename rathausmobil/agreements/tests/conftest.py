"""Fixtures of the agreements app: a published checklist, pledges, and records in
every status, built through the services as a person would build them.

Every helper passes `today` explicitly, so no test depends on the clock. The
people come from the root conftest: `employee` (A1), `supervisor` (head of A1),
`amt_head` (head of A) and so on.
"""

import datetime as dt

import pytest

from rathausmobil.agreements import services
from rathausmobil.agreements.models import (
    ChecklistVersion,
    PatternType,
    Pledge,
    WorkKind,
)
from rathausmobil.organisation.tests.factories import EmployeeFactory, UserFactory

# The "today" the tests pass to services and jobs.
TODAY = dt.date(2021, 3, 1)
START = TODAY + dt.timedelta(days=14)
JUSTIFICATION = "Die Akten liegen nur in Papier vor und dürfen das Haus nicht verlassen."
QUOTA_REASON = "Schwerbehinderung, ärztlich bescheinigt; Wegezeit unzumutbar."
REVOKE_REASON = "Mindestbesetzung im Bürgerbüro ist seit der Umstrukturierung nicht gesichert."

CHECKLIST_ITEMS = [
    {"key": "lock", "text": "Unterlagen und Datenträger verschlossen", "mandatory": True},
    {"key": "screen", "text": "Bildschirm bei jeder Abwesenheit gesperrt", "mandatory": True},
    {"key": "vpn", "text": "Netz nur über das VPN", "mandatory": True},
    {"key": "filter", "text": "Blickschutzfilter", "mandatory": False},
]


def pattern(**overrides):
    """Values of a request or offer: alternating, Monday and Wednesday at home."""
    values = {
        "kind": WorkKind.ALTERNATING,
        "pattern_type": PatternType.WEEKDAYS,
        "weekdays": [0, 2],
        "working_days_per_week": 5,
        "share_percent": None,
        "start_date": START,
        "end_date": None,
    }
    values.update(overrides)
    return values


def all_yes(version: ChecklistVersion) -> dict[str, bool]:
    return {item["key"]: True for item in version.items}


@pytest.fixture
def checklist(db) -> ChecklistVersion:
    """Version 1 of the data-protection checklist, published."""
    return ChecklistVersion.objects.create(number=1, items=CHECKLIST_ITEMS, note="Erste Fassung")


@pytest.fixture
def publish(dpo):
    """Publish a new checklist version (as the data-protection officer)."""

    def do_publish(items=None, note="Neue Fassung") -> ChecklistVersion:
        return services.checklist_publish(by=dpo, items=items or CHECKLIST_ITEMS, note=note)

    return do_publish


@pytest.fixture
def sign(checklist):
    """Sign the current checklist; `valid=False` leaves a mandatory item unconfirmed."""

    def do_sign(user, *, valid: bool = True) -> Pledge:
        version = ChecklistVersion.objects.order_by("-number").first()
        answers = all_yes(version)
        if not valid:
            answers[sorted(version.mandatory_keys)[0]] = False
        return services.pledge_sign(by=user, answers=answers, today=TODAY)

    return do_sign


@pytest.fixture
def make_request(employee, supervisor):
    """A request of `user` (default: employee), carried to `status` through the services.
    A rejected request is refused for R4 with a review date 30 days on."""

    def make(status="draft", *, user=None, decider=None, values=None, text="Bitte zwei Tage."):
        user = user or employee
        decider = decider or supervisor
        request = services.request_create(
            by=user, values=values or pattern(), text=text, today=TODAY
        )
        if status == "draft":
            return request
        if status == "withdrawn_draft":
            return services.request_withdraw(request=request, by=user)
        request = services.request_submit(request=request, by=user, today=TODAY)
        if status == "submitted":
            return request
        if status == "approved":
            services.request_approve(request=request, by=decider, today=TODAY)
        elif status == "rejected":
            services.request_reject(
                request=request,
                by=decider,
                reason_codes=["R4"],
                justification=JUSTIFICATION,
                review_date=TODAY + dt.timedelta(days=30),
                today=TODAY,
            )
        elif status == "withdrawn":
            services.request_withdraw(request=request, by=user)
        else:
            raise ValueError(status)
        request.refresh_from_db()
        return request

    return make


@pytest.fixture
def make_agreement(make_request, employee, supervisor, sign):
    """An agreement of `user` (default: employee) from an approved request, carried to
    `status`: pending (neither accepted nor pledged), agreed (accepted and pledged on
    TODAY, starting on START), active (the same, and START has come: the daily job's
    activation), ending (the employee gave notice), ended (revoked at once), declined."""

    def make(status="active", *, user=None, values=None, decider=None):
        user = user or employee
        decider = decider or supervisor
        request = make_request("submitted", user=user, values=values, decider=decider)
        agreement = services.request_approve(request=request, by=decider, today=TODAY)
        if status == "pending":
            return agreement
        if status == "declined":
            return services.agreement_decline(agreement=agreement, by=user)
        sign(user)
        agreement = services.agreement_accept(agreement=agreement, by=user, today=TODAY)
        if status == "agreed":
            return agreement
        services.agreement_try_activate(agreement=agreement, today=agreement.start_date)
        agreement.refresh_from_db()
        if status == "active":
            return agreement
        if status == "ending":
            return services.agreement_return(agreement=agreement, by=user, today=TODAY)
        if status == "ended":
            return services.agreement_revoke(
                agreement=agreement, by=decider, reason=REVOKE_REASON, at_once=True, today=TODAY
            )
        raise ValueError(status)

    return make


@pytest.fixture
def make_person(org):
    """Another member of staff with a user account, in A1 unless told otherwise."""

    def make(username: str, unit: str = "A1"):
        user = UserFactory(username=username)
        EmployeeFactory(unit=org[unit], user=user, last_name=username.capitalize())
        return user

    return make


@pytest.fixture
def make_offer(employee, supervisor):
    def make(*, user=None, by=None, values=None, text="Angebot für Ihre Stelle."):
        from rathausmobil.organisation.models import Employee

        person = Employee.objects.get(user=user or employee)
        return services.offer_create(
            employee=person, by=by or supervisor, values=values or pattern(), text=text, today=TODAY
        )

    return make

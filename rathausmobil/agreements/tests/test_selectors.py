"""Who sees which requests, offers and agreements; the inbox; the figures."""

import datetime as dt

import pytest

from rathausmobil.agreements import selectors, services
from rathausmobil.agreements.models import Offer, PandemicPeriod, ReasonCode, WorkKind
from rathausmobil.agreements.selectors import (
    agreements_visible_to,
    employees_missing_pledge,
    has_valid_pledge,
    inbox_for,
    kpis,
    offers_visible_to,
    pandemic_gaps,
    requests_visible_to,
)
from rathausmobil.agreements.tests.conftest import JUSTIFICATION, START, TODAY, pattern
from rathausmobil.eligibility.services import assessment_create
from rathausmobil.organisation.models import Employee


def owners(queryset) -> set[str]:
    return {obj.employee.user.username for obj in queryset}


@pytest.fixture
def cases(
    make_request,
    make_agreement,
    make_offer,
    employee,
    colleague,
    supervisor,
    amt_head,
    outsider,
    stranger,
):
    """A request, an offer and an agreement for people in A1, A and B1.

    employee (A1): submitted request, offer, active agreement
    colleague (A1): refused request
    supervisor (head of A1): submitted request, decided by A
    stranger (B1): submitted request, offer, active agreement (decided by outsider)
    """
    make_agreement("active")
    make_request("submitted")
    make_request("rejected", user=colleague)
    make_request("submitted", user=supervisor, decider=amt_head)
    make_agreement("active", user=stranger, decider=outsider)
    make_request("submitted", user=stranger, decider=outsider)
    make_offer()
    make_offer(user=stranger, by=outsider)


VISIBLE = {
    # who: (requests of, offers to, agreements of)
    "employee": ({"employee"}, {"employee"}, {"employee"}),
    "colleague": ({"colleague"}, set(), set()),
    "supervisor": ({"employee", "colleague", "supervisor"}, {"employee"}, {"employee"}),
    "amt_head": ({"employee", "colleague", "supervisor"}, {"employee"}, {"employee"}),
    "outsider": ({"stranger"}, {"stranger"}, {"stranger"}),
    "stranger": ({"stranger"}, {"stranger"}, {"stranger"}),
    "hr": (
        {"employee", "colleague", "supervisor", "stranger"},
        {"employee", "stranger"},
        {"employee", "stranger"},
    ),
    "staff_council": ({"colleague"}, set(), set()),
    "it": (set(), set(), set()),
    "dpo": (set(), set(), set()),
    "leadership": (set(), set(), set()),
}


@pytest.mark.parametrize("who", VISIBLE)
def test_it_shows_each_role_its_own_cases_only(request, cases, who):
    user = request.getfixturevalue(who)
    requests, offers, agreements = VISIBLE[who]
    assert owners(requests_visible_to(user)) == requests
    assert owners(offers_visible_to(user)) == offers
    assert owners(agreements_visible_to(user)) == agreements


def test_it_shows_the_employee_every_own_request_but_nobody_elses(cases, employee):
    visible = requests_visible_to(employee)
    assert visible.count() == 2  # the approved one behind the agreement, the submitted one
    assert {r.status for r in visible} == {"approved", "submitted"}


def test_it_shows_the_staff_council_refusals_even_after_the_review_return(
    make_request, staff_council, colleague
):
    refused = make_request("rejected", user=colleague)
    services.request_review_return(request=refused, today=refused.review_date)
    make_request("approved")
    assert list(requests_visible_to(staff_council)) == [refused]


def test_it_shows_a_head_the_requests_escalated_to_them(make_request, amt_head, supervisor):
    request = make_request("submitted")
    services.request_escalate(request=request, today=request.due_date + dt.timedelta(1))
    assert list(requests_visible_to(amt_head)) == [request]
    assert list(requests_visible_to(supervisor)) == [request]  # still their unit's case


def test_it_shows_nothing_to_an_anonymous_user(cases):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert not requests_visible_to(anonymous).exists()
    assert not offers_visible_to(anonymous).exists()
    assert not agreements_visible_to(anonymous).exists()


# --------------------------------------------------------------------------- inbox


def test_it_puts_submitted_requests_in_the_deciders_inbox(
    cases, supervisor, amt_head, outsider, hr, employee
):
    assert owners(inbox_for(supervisor, today=TODAY)) == {"employee"}
    assert owners(inbox_for(amt_head, today=TODAY)) == {"supervisor"}
    assert owners(inbox_for(outsider, today=TODAY)) == {"stranger"}
    assert not inbox_for(hr, today=TODAY).exists()
    assert not inbox_for(employee, today=TODAY).exists()


def test_it_orders_the_inbox_by_due_date(employee, colleague, supervisor):
    def submit(user, on):
        draft = services.request_create(by=user, values=pattern(), today=on)
        return services.request_submit(request=draft, by=user, today=on)

    later = submit(colleague, TODAY)
    sooner = submit(employee, TODAY - dt.timedelta(3))
    assert list(inbox_for(supervisor, today=TODAY)) == [sooner, later]


# --------------------------------------------------------------------------- pledges


def test_it_counts_only_a_valid_pledge_on_the_current_version(
    make_agreement, employee, colleague, sign, publish
):
    me = Employee.objects.get(user=employee)
    make_agreement("pending")
    assert not has_valid_pledge(me.pk)
    assert list(employees_missing_pledge()) == [me]

    sign(employee, valid=False)
    assert not has_valid_pledge(me.pk)
    sign(employee)
    assert has_valid_pledge(me.pk)
    assert not employees_missing_pledge().exists()

    publish()
    assert not has_valid_pledge(me.pk)
    assert list(employees_missing_pledge()) == [me]

    sign(colleague)  # a pledge without any agreement is not missing anything
    assert list(employees_missing_pledge()) == [me]


def test_it_does_not_miss_a_pledge_of_someone_without_an_open_agreement(
    make_agreement, employee, colleague, publish
):
    make_agreement("ended")
    make_agreement("declined", user=colleague)
    publish()
    assert not employees_missing_pledge().exists()


# --------------------------------------------------------------------------- figures


def test_it_computes_the_figures_from_the_records(
    make_request,
    make_agreement,
    make_person,
    employee,
    colleague,
    supervisor,
    amt_head,
    outsider,
    stranger,
    publish,
    hr,
):
    empty = kpis(today=TODAY)
    assert empty["requests_open"] == 0
    assert empty["refusal_rate"] == 0.0
    assert set(empty["agreements_active_by_kind"].values()) == {0}

    make_agreement("active")  # employee: alternating
    make_agreement("ending", user=make_person("ending"))  # still running until its date
    tele = make_agreement(
        "active", user=make_person("tele"), values=pattern(kind=WorkKind.TELEWORK)
    )
    assert tele.status == "pending"  # the workstation is missing
    services.agreement_set_workstation(
        agreement=tele,
        by=supervisor,
        home_address="Gartenweg 1, 63065 Offenbach",
        equipment_list="Notebook, Monitor",
        risk_assessment_date=TODAY,
        today=TODAY,
    )
    assert services.agreement_try_activate(agreement=tele, today=START)  # its start date
    make_agreement("pending", user=colleague, values=pattern(kind=WorkKind.OCCASIONAL))
    make_agreement("ended", user=make_person("gone"))
    make_agreement("declined", user=make_person("nope"))
    for name, codes in (("first", ["R4", "R5"]), ("second", ["R1"])):
        request = make_request("submitted", user=make_person(name))
        services.request_reject(
            request=request,
            by=supervisor,
            reason_codes=codes,
            justification=JUSTIFICATION,
            review_date=TODAY + dt.timedelta(30),
            today=TODAY,
        )
    make_request("submitted", user=supervisor, decider=amt_head)  # due 29.03.2021
    make_request("withdrawn", user=make_person("changed"))
    make_request("draft", user=make_person("drafting"))
    later = services.request_create(by=stranger, values=pattern(), today=TODAY)
    services.request_submit(request=later, by=stranger, today=TODAY + dt.timedelta(10))

    figures = kpis(today=dt.date(2021, 3, 30))
    assert figures["agreements_active_by_kind"] == {
        WorkKind.ALTERNATING: 2,
        WorkKind.OCCASIONAL: 0,
        WorkKind.TELEWORK: 1,
        WorkKind.PANDEMIC: 0,
    }
    assert figures["requests_open"] == 2
    assert figures["requests_overdue"] == 1
    assert kpis(today=dt.date(2021, 3, 29))["requests_overdue"] == 0
    # Published (kpis --json): counts of 1 to 4 are suppressed; HR sees them exact.
    assert figures["refusals_by_reason"] == {code: 0 for code in ReasonCode.values} | {
        "R1": "< 5",
        "R4": "< 5",
        "R5": "< 5",
    }
    assert kpis(today=dt.date(2021, 3, 30), viewer=hr)["refusals_by_reason"] == {
        code: 0 for code in ReasonCode.values
    } | {"R1": 1, "R4": 1, "R5": 1}
    assert kpis(today=dt.date(2021, 3, 30), viewer=supervisor)["refusals_by_reason"]["R1"] == "< 5"
    # decided: six approved (one per agreement), two refused
    assert figures["refusal_rate"] == 0.25
    assert figures["pledges_missing"] == 1  # the colleague's pending agreement

    publish()
    # everyone with a pending, active or ending agreement
    assert kpis(today=dt.date(2021, 3, 30))["pledges_missing"] == 4


# --------------------------------------------------------------------------- pandemic mode


@pytest.fixture
def period(hr) -> PandemicPeriod:
    return services.pandemic_period_set(
        by=hr,
        start_date=dt.date(2021, 1, 27),
        end_date=dt.date(2021, 6, 30),
        legal_basis="Corona-ArbSchV",
    )


@pytest.fixture
def eligible(employee, colleague, stranger, supervisor, outsider):
    """The positions of employee and colleague (A1) and stranger (B1), all eligible."""
    positions = {}
    for user, assessor in ((employee, supervisor), (colleague, supervisor), (stranger, outsider)):
        position = Employee.objects.get(user=user).position
        assessment_create(position=position, by=assessor, shares={}, reasons="", today=TODAY)
        positions[user.username] = position
    return positions


def test_it_lists_eligible_positions_without_an_offer(
    eligible, period, hr, supervisor, outsider, make_offer, make_agreement, colleague
):
    assert set(pandemic_gaps(hr, period)) == set(eligible.values())
    assert set(pandemic_gaps(supervisor, period)) == {eligible["employee"], eligible["colleague"]}
    assert set(pandemic_gaps(outsider, period)) == {eligible["stranger"]}

    make_offer()
    make_agreement("pending", user=colleague)
    assert set(pandemic_gaps(hr, period)) == {eligible["stranger"]}


def test_it_counts_a_declined_offer_as_offered(eligible, period, hr, make_offer, employee):
    """The duty is to offer; the employee may say no (recorded, never enforced)."""
    offer = make_offer()
    services.offer_decline(offer=offer, by=employee, note="Lieber im Büro.")
    assert eligible["employee"] not in pandemic_gaps(hr, period)

    # an offer declined before the duty began does not fulfil it
    Offer.objects.filter(pk=offer.pk).update(created_at=dt.datetime(2020, 6, 1, 12, tzinfo=dt.UTC))
    assert eligible["employee"] in pandemic_gaps(hr, period)


def test_it_leaves_out_positions_that_cannot_move(eligible, period, hr, supervisor, colleague):
    position = Employee.objects.get(user=colleague).position
    assessment_create(
        position=position,
        by=supervisor,
        shares={"E1": 100},
        reasons="Schalterdienst im Bürgerbüro mit Publikumsverkehr.",
        today=TODAY,
    )
    assert position not in pandemic_gaps(hr, period)


def test_it_separates_documented_gaps(eligible, period, hr, supervisor):
    services.pandemic_gap_document(
        period=period,
        position=eligible["employee"],
        by=supervisor,
        reason="Mindestbesetzung der Leitstelle rund um die Uhr vor Ort.",
    )
    gaps = {p: p.documented for p in pandemic_gaps(hr, period)}
    assert gaps[eligible["employee"]] is True
    assert gaps[eligible["colleague"]] is False
    assert eligible["employee"] not in pandemic_gaps(hr, period, only_undocumented=True)


def test_it_finds_the_period_in_force(period):
    assert selectors.active_pandemic_period(dt.date(2021, 1, 26)) is None
    assert selectors.active_pandemic_period(dt.date(2021, 1, 27)) == period
    assert selectors.active_pandemic_period(dt.date(2021, 6, 30)) == period
    assert selectors.active_pandemic_period(dt.date(2021, 7, 1)) is None

"""Access follows the agreement's start date: an agreement agreed for a later start
is not active and has no active access before its day; its access is granted the
policy's lead days before the start (the daily job), the agreement becomes active on
the start date, and a second run the same day changes nothing. IT granting earlier
by hand is refused with the date; a grant without agreement is unaffected."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from rathausmobil.access import services
from rathausmobil.access.models import AccessGrant, AccessKind, AccessPolicy
from rathausmobil.access.models import GrantStatus as G
from rathausmobil.access.tests.conftest import person
from rathausmobil.agreements import services as agreements
from rathausmobil.agreements.models import Agreement
from rathausmobil.agreements.models import AgreementStatus as A
from rathausmobil.agreements.prerequisites import prerequisites_of
from rathausmobil.agreements.tests.conftest import TODAY, pattern
from rathausmobil.core.errors import DomainError
from rathausmobil.core.models import StatusChange

START = TODAY + dt.timedelta(days=30)  # 31.03.2021


def run_jobs(day: dt.date) -> str:
    out = io.StringIO()
    call_command("run_due_jobs", "--date", day.isoformat(), stdout=out)
    return out.getvalue()


def state(agreement: Agreement) -> tuple[str, list[str]]:
    agreement.refresh_from_db()
    grants = AccessGrant.objects.filter(employee_id=agreement.employee_id).order_by("pk")
    return agreement.status, [g.status for g in grants]


@pytest.mark.parametrize("lead_days", [0, 3])
def test_it_grants_access_lead_days_before_and_activates_on_the_start_date(
    lead_days, make_agreement, employee, gateway, hand_over
):
    AccessPolicy.objects.update_or_create(pk=1, defaults={"lead_days": lead_days})
    hand_over(employee)
    agreement = make_agreement("agreed", values=pattern(start_date=START))

    assert state(agreement) == (A.AGREED, [G.REQUESTED])
    waiting = {p.key: p.met for p in prerequisites_of(agreement)}
    assert waiting == {"accepted": True, "pledge": True, "access": False, "device": True}

    access_day = START - dt.timedelta(days=lead_days)
    run_jobs(access_day - dt.timedelta(days=1))
    assert state(agreement) == (A.AGREED, [G.REQUESTED])  # the day before: nothing yet

    run_jobs(access_day)
    expected = A.ACTIVE if lead_days == 0 else A.AGREED
    assert state(agreement) == (expected, [G.ACTIVE])
    grant = AccessGrant.objects.get()
    granted = grant.history.last()
    assert (granted.to_status, granted.by, granted.reason) == (
        G.ACTIVE,
        None,
        services.AUTO_GRANTED,
    )

    run_jobs(START)
    assert state(agreement) == (A.ACTIVE, [G.ACTIVE])
    became = agreement.history.get(action="activate")
    assert (became.from_status, became.to_status, became.by) == (A.AGREED, A.ACTIVE, None)
    assert str(became.action_label) == "aktiv geworden"

    rows = StatusChange.objects.count()
    run_jobs(START)  # a second run the same day
    assert StatusChange.objects.count() == rows
    assert state(agreement) == (A.ACTIVE, [G.ACTIVE])


def test_it_refuses_it_to_grant_before_the_access_day_but_not_a_grant_without_agreement(
    make_agreement, employee, colleague, gateway, hand_over, set_policy, it
):
    set_policy(auto_grant=False)
    hand_over(employee)
    agreement = make_agreement("agreed", values=pattern(start_date=START))
    grant = AccessGrant.objects.get(agreement=agreement)

    with pytest.raises(DomainError) as info:
        services.grant_activate(grant=grant, by=it, today=TODAY)
    assert info.value.status_code == 409
    assert info.value.message == (
        "Dieser Zugang gehört zu einer Vereinbarung, die am 31.03.2021 beginnt. Er wird "
        "frühestens am 28.03.2021 erteilt (3 Tage vor Beginn, siehe Zugangsregeln)."
    )
    assert state(agreement) == (A.AGREED, [G.REQUESTED])

    services.grant_activate(grant=grant, by=it, today=START - dt.timedelta(days=3))
    assert state(agreement) == (A.AGREED, [G.ACTIVE])  # set up, not begun
    run_jobs(START)
    assert state(agreement) == (A.ACTIVE, [G.ACTIVE])

    on_call = services.grant_request(
        employee=person(colleague), kind=AccessKind.VPN, by=it, reason="Rufbereitschaft"
    )
    assert services.grant_activate(grant=on_call, by=it, today=TODAY).status == G.ACTIVE


def test_it_lets_a_renewal_take_over_the_access_of_the_agreement_it_renews(
    make_agreement, employee, supervisor, gateway, hand_over
):
    hand_over(employee)
    current = make_agreement("active")
    grant = AccessGrant.objects.get()
    renewal = agreements.agreement_renew(agreement=current, by=supervisor, today=TODAY)
    agreements.agreement_accept(agreement=renewal, by=employee, today=TODAY)
    assert state(renewal) == (A.AGREED, [G.ACTIVE])  # the access of the current one

    run_jobs(renewal.start_date)

    assert state(renewal) == (A.ACTIVE, [G.ACTIVE])
    current.refresh_from_db()
    grant.refresh_from_db()
    assert current.status == A.ENDED
    assert (grant.status, grant.agreement_id) == (G.ACTIVE, renewal.pk)  # never cut off


def test_it_never_shows_access_active_before_it_is(
    client, employee, supervisor, gateway, hand_over, checklist, it
):
    today = timezone.localdate()
    start = today + dt.timedelta(days=20)
    hand_over(employee)
    agreements.pledge_sign(
        by=employee, answers={item["key"]: True for item in checklist.items}, today=today
    )
    request = agreements.request_create(
        by=employee, values=pattern(start_date=start), text="", today=today
    )
    agreements.request_submit(request=request, by=employee, today=today)
    agreement = agreements.request_approve(request=request, by=supervisor, today=today)
    agreements.agreement_accept(agreement=agreement, by=employee, today=today)
    assert state(agreement) == (A.AGREED, [G.REQUESTED])

    client.force_login(employee)
    body = client.get(reverse("access:mine")).content.decode()
    day = (start - dt.timedelta(days=3)).strftime("%d.%m.%Y")
    assert f"Wird ab dem {day} eingerichtet." in body
    assert f"vereinbart, beginnt am {start:%d.%m.%Y}" in body
    assert ">aktiv<" not in body

    client.force_login(it)
    queue = client.get(reverse("access:queue")).content.decode()
    assert f"erteilbar ab {day}" in queue
    assert reverse("access:grant_action", args=[AccessGrant.objects.get().pk, "erteilen"]) not in (
        queue
    )

"""Access at service level: the transitions, the hooks into the agreement workflow
and the HR import, the device rule, the daily job, capacity and figures."""

import datetime as dt
import threading
import time
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction

from rathausmobil.access import jobs, selectors, services
from rathausmobil.access.models import (
    AccessGrant,
    AccessKind,
    DeviceRule,
    GrantStatus,
    TerminalServerFarm,
    VpnGateway,
)
from rathausmobil.access.tests.conftest import person
from rathausmobil.access.workflow import GRANT_WORKFLOW
from rathausmobil.agreements import services as agreements
from rathausmobil.agreements.models import Agreement, AgreementStatus
from rathausmobil.agreements.prerequisites import prerequisites_of
from rathausmobil.agreements.tests.conftest import START, TODAY
from rathausmobil.core.audit import history_of
from rathausmobil.core.errors import DomainError
from rathausmobil.core.models import AuditEvent, StatusChange
from rathausmobil.core.workflow import Workflow
from rathausmobil.organisation.importing import employees_import
from rathausmobil.organisation.models import Employee

G = GrantStatus


def footprint():
    return StatusChange.objects.count(), AuditEvent.objects.count()


def prereqs(agreement) -> dict[str, bool]:
    agreement.refresh_from_db()
    return {p.key: p.met for p in prerequisites_of(agreement)}


@pytest.fixture
def grant_in(employee, gateway, it):
    """A VPN grant of the employee (without agreement) carried to `status`."""

    def make(status: str) -> AccessGrant:
        grant = services.grant_request(
            employee=person(employee), kind=AccessKind.VPN, by=it, reason="Rufbereitschaft"
        )
        if status == G.ACTIVE:
            services.grant_activate(grant=grant, by=it)
        elif status == G.REVOKED:
            services.grant_revoke(grant=grant, by=it, reason="Nicht mehr nötig")
        grant.refresh_from_db()
        return grant

    return make


# --------------------------------------------------------------------------- transitions


def test_it_requests_grants_and_revokes_with_history_and_audit(employee, gateway, it):
    grant = services.grant_request(
        employee=person(employee), kind=AccessKind.VPN, by=it, reason="Rufbereitschaft"
    )
    assert (grant.status, grant.gateway, grant.farm) == (G.REQUESTED, gateway, None)

    services.grant_activate(grant=grant, by=it)
    services.grant_revoke(grant=grant, by=it, reason="Rufbereitschaft endet")

    grant.refresh_from_db()
    assert grant.status == G.REVOKED
    assert grant.granted_at and grant.revoked_at
    history = [(h.from_status, h.to_status, h.by, h.reason) for h in grant.history.all()]
    assert history == [
        ("", G.REQUESTED, it, "Rufbereitschaft"),
        (G.REQUESTED, G.ACTIVE, it, ""),
        (G.ACTIVE, G.REVOKED, it, "Rufbereitschaft endet"),
    ]
    assert [e.action for e in history_of(grant).order_by("pk")] == [
        "Zugang beantragt",
        "Zugang erteilt",
        "Zugang entzogen",
    ]


def test_it_revokes_a_requested_grant(grant_in, it):
    grant = grant_in(G.REQUESTED)

    services.grant_revoke(grant=grant, by=it, reason="Doch nicht nötig")

    grant.refresh_from_db()
    assert grant.status == G.REVOKED and grant.granted_at is None


@pytest.mark.parametrize(
    "status,action",
    [
        (G.ACTIVE, "activate"),  # double click on "Erteilen"
        (G.REVOKED, "activate"),
        (G.REVOKED, "revoke"),  # double click on "Entziehen"
    ],
)
def test_it_refuses_every_illegal_transition_and_changes_nothing(grant_in, it, status, action):
    grant = grant_in(status)
    before = footprint()

    with pytest.raises(services.IllegalTransition) as error:
        if action == "activate":
            services.grant_activate(grant=grant, by=it)
        else:
            services.grant_revoke(grant=grant, by=it, reason="Zweiter Klick")

    assert error.value.status_code == 409
    assert error.value.code == "illegal_transition"
    assert "kann nicht" in error.value.message
    assert footprint() == before
    assert AccessGrant.objects.get(pk=grant.pk).status == status


def test_it_knows_exactly_three_moves():
    moves = {move for moves in GRANT_WORKFLOW.transitions.values() for move in moves}
    assert {(src, dst) for src, dst in moves if src != dst} == {
        ("", G.REQUESTED),
        (G.REQUESTED, G.ACTIVE),
        (G.REQUESTED, G.REVOKED),
        (G.ACTIVE, G.REVOKED),
    }


def test_it_answers_a_second_request_with_409_and_changes_nothing(grant_in, employee, it):
    grant_in(G.ACTIVE)
    before = footprint()

    with pytest.raises(services.IllegalTransition):
        services.grant_request(
            employee=person(employee), kind=AccessKind.VPN, by=it, reason="Rufbereitschaft"
        )

    assert footprint() == before
    assert AccessGrant.objects.count() == 1


def test_it_allows_a_new_request_after_a_revocation(grant_in, employee, it):
    grant_in(G.REVOKED)

    services.grant_request(
        employee=person(employee), kind=AccessKind.VPN, by=it, reason="Rufbereitschaft"
    )

    assert AccessGrant.objects.filter(status=G.REQUESTED).count() == 1


def test_it_has_the_database_refuse_two_open_grants(employee, gateway, farm, application):
    employee_ = person(employee)
    AccessGrant.objects.create(employee=employee_, kind=AccessKind.VPN, gateway=gateway)
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessGrant.objects.create(
            employee=employee_, kind=AccessKind.VPN, gateway=gateway, status=G.ACTIVE
        )
    # Terminal server: one per application, and one without.
    AccessGrant.objects.create(
        employee=employee_, kind=AccessKind.TERMINAL_SERVER, farm=farm, application=application
    )
    AccessGrant.objects.create(employee=employee_, kind=AccessKind.TERMINAL_SERVER, farm=farm)
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessGrant.objects.create(employee=employee_, kind=AccessKind.TERMINAL_SERVER, farm=farm)


@pytest.mark.parametrize("who", ["employee", "supervisor", "hr", "dpo"])
def test_it_lets_only_it_grant_and_revoke(request, grant_in, who):
    grant = grant_in(G.REQUESTED)
    user = request.getfixturevalue(who)

    for call in (
        lambda: services.grant_activate(grant=grant, by=user),
        lambda: services.grant_revoke(grant=grant, by=user, reason="Ich darf das nicht"),
        lambda: services.grant_request(
            employee=grant.employee, kind=AccessKind.TERMINAL_SERVER, by=user, reason="Test"
        ),
    ):
        with pytest.raises(services.NotAllowed) as error:
            call()
        assert error.value.status_code == 403
    assert AccessGrant.objects.get(pk=grant.pk).status == G.REQUESTED


def test_it_routes_vpn_to_the_default_gateway_and_terminal_server_to_the_farm(
    employee, gateway, application, it
):
    VpnGateway.objects.create(name="Aaa Ausweich", product="openvpn", capacity=5)
    employee_ = person(employee)

    vpn = services.grant_request(employee=employee_, kind=AccessKind.VPN, by=it, reason="Test")
    ts = services.grant_request(
        employee=employee_,
        kind=AccessKind.TERMINAL_SERVER,
        application=application,
        by=it,
        reason="Test",
    )

    assert vpn.gateway == gateway  # the default, although another sorts first
    assert (ts.farm, ts.gateway) == (application.farm, None)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"kind": "vpn"}, "Anlass"),
        ({"kind": "vpn", "reason": "   "}, "Anlass"),
        ({"kind": "fax", "reason": "Test"}, "Unbekannte Art"),
    ],
)
def test_it_explains_what_a_request_lacks(employee, gateway, it, kwargs, message):
    with pytest.raises(DomainError) as error:
        services.grant_request(employee=person(employee), by=it, **kwargs)
    assert message in error.value.message
    assert not AccessGrant.objects.exists()


def test_it_needs_a_gateway_for_vpn(employee, it):
    with pytest.raises(DomainError, match="kein VPN-Gateway"):
        services.grant_request(employee=person(employee), kind="vpn", by=it, reason="Test")


def test_it_grants_nobody_who_has_left(grant_in, employee, it):
    grant = grant_in(G.REQUESTED)
    Employee.objects.filter(pk=grant.employee_id).update(is_active=False)

    with pytest.raises(DomainError, match="nicht mehr beschäftigt"):
        services.grant_activate(grant=grant, by=it)
    with pytest.raises(DomainError, match="nicht mehr beschäftigt"):
        services.grant_request(
            employee=Employee.objects.get(pk=grant.employee_id),
            kind=AccessKind.TERMINAL_SERVER,
            by=it,
            reason="Test",
        )


def test_it_refuses_an_agreement_of_someone_else(make_agreement, colleague, gateway, it):
    agreement = make_agreement("pending")
    with pytest.raises(DomainError, match="anderen Person"):
        services.grant_request(
            employee=person(colleague), kind=AccessKind.VPN, by=it, agreement=agreement
        )


def _race(work, arguments):
    """Run `work(argument)` in one thread per argument, started together; returns
    what each returned or raised."""
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite's in-memory test database uses shared-cache table locks, which fail at once "
            "instead of waiting; the race is meaningful only with PostgreSQL's row locks."
        )
    barrier = threading.Barrier(len(arguments))
    results = []

    def run(argument):
        try:
            barrier.wait(timeout=10)
            results.append(work(argument))
        except Exception as exc:  # the test inspects it
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(a,)) for a in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_it_grants_once_when_two_it_desks_click_at_the_same_time(org, gateway, it):
    from rathausmobil.organisation.models import Role, RoleAssignment
    from rathausmobil.organisation.tests.factories import EmployeeFactory, UserFactory

    second = UserFactory(username="it2")
    RoleAssignment.objects.create(user=second, role=Role.IT)
    grant = services.grant_request(
        employee=EmployeeFactory(unit=org["A1"]), kind="vpn", by=it, reason="Rufbereitschaft"
    )
    check = Workflow.check

    def slow_check(*args, **kwargs):
        time.sleep(0.3)  # hold the row lock, so that the other desk surely waits
        return check(*args, **kwargs)

    with mock.patch.object(Workflow, "check", slow_check):
        results = _race(lambda user: services.grant_activate(grant=grant, by=user), [it, second])

    granted = [r for r in results if isinstance(r, AccessGrant)]
    refused = [r for r in results if isinstance(r, services.IllegalTransition)]
    assert (len(granted), len(refused)) == (1, 1), results
    assert grant.history.filter(to_status=G.ACTIVE).count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_requests_once_when_two_requests_race(org, gateway, it):
    from rathausmobil.organisation.tests.factories import EmployeeFactory

    employee = EmployeeFactory(unit=org["A1"])

    results = _race(
        lambda reason: services.grant_request(employee=employee, kind="vpn", by=it, reason=reason),
        ["Rufbereitschaft", "IT-Administration"],
    )

    assert sorted(type(r).__name__ for r in results) == ["AccessGrant", "IllegalTransition"]
    assert AccessGrant.objects.filter(employee=employee).count() == 1
    grant = AccessGrant.objects.get(employee=employee)
    assert StatusChange.objects.filter(object_id=grant.pk).count() == grant.history.count() == 1


# --------------------------------------------------------------------------- access follows the agreement


def test_it_leaves_agreements_alone_while_no_gateway_is_registered(make_agreement, employee):
    agreement = make_agreement("active")

    assert agreement.status == AgreementStatus.ACTIVE
    assert set(prereqs(agreement)) == {"accepted", "pledge"}
    assert not AccessGrant.objects.exists()


def test_it_keeps_the_agreement_waiting_until_it_grants_access(
    make_agreement, employee, gateway, set_policy, hand_over, it
):
    set_policy(auto_grant=False)
    hand_over(employee)

    agreement = make_agreement("active")  # tried on its start date

    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.AGREED  # access is missing
    assert prereqs(agreement) == {"accepted": True, "pledge": True, "access": False, "device": True}
    grant = AccessGrant.objects.get()
    assert (grant.kind, grant.status, grant.agreement) == (AccessKind.VPN, G.REQUESTED, agreement)
    assert grant.history.get().reason == f"Vereinbarung {agreement.pk}"

    services.grant_activate(grant=grant, by=it, today=START)

    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    assert agreement.history.last().action == "activate"


def test_it_grants_at_once_by_policy_and_the_agreement_starts(
    make_agreement, employee, gateway, hand_over
):
    hand_over(employee, "desktop")  # ANY_OFFICIAL_DEVICE: a workplace computer taken home

    agreement = make_agreement("active")

    assert agreement.status == AgreementStatus.ACTIVE
    grant = AccessGrant.objects.get()
    assert grant.status == G.ACTIVE
    assert [(h.to_status, h.by, h.reason) for h in grant.history.all()] == [
        (G.REQUESTED, None, f"Vereinbarung {agreement.pk}"),
        (G.ACTIVE, None, services.AUTO_GRANTED),
    ]


@pytest.mark.parametrize(
    "rule,devices,vpn_status,device_met",
    [
        (DeviceRule.MOBILE_DEVICE, ["notebook"], G.ACTIVE, True),
        (DeviceRule.MOBILE_DEVICE, ["desktop"], G.REQUESTED, False),
        (DeviceRule.MOBILE_DEVICE, [], G.REQUESTED, False),
        (DeviceRule.ANY_OFFICIAL_DEVICE, ["tablet"], G.ACTIVE, True),
        (DeviceRule.ANY_OFFICIAL_DEVICE, ["desktop"], G.ACTIVE, True),
        (DeviceRule.ANY_OFFICIAL_DEVICE, ["headset", "monitor"], G.REQUESTED, False),
        (DeviceRule.ANY_OFFICIAL_DEVICE, [], G.REQUESTED, False),
        (DeviceRule.TERMINAL_SERVER_ALLOWED, ["desktop"], G.ACTIVE, None),
    ],
)
def test_it_applies_the_device_rule(
    make_agreement,
    employee,
    gateway,
    farm,
    set_policy,
    hand_over,
    rule,
    devices,
    vpn_status,
    device_met,
):
    set_policy(device_rule=rule)
    for kind in devices:
        hand_over(employee, kind)

    agreement = make_agreement("active")

    grant = AccessGrant.objects.get(kind=AccessKind.VPN)
    assert grant.status == vpn_status
    met = prereqs(agreement)
    assert met.get("device") == device_met
    expected = AgreementStatus.ACTIVE if vpn_status == G.ACTIVE else AgreementStatus.PENDING
    assert agreement.status == expected


def test_it_gives_terminal_server_access_without_a_device_where_the_rule_allows(
    make_agreement, employee, gateway, farm, set_policy
):
    set_policy(device_rule=DeviceRule.TERMINAL_SERVER_ALLOWED)

    agreement = make_agreement("active")

    grant = AccessGrant.objects.get()
    assert (grant.kind, grant.farm, grant.application, grant.status) == (
        AccessKind.TERMINAL_SERVER,
        farm,
        None,
        G.ACTIVE,
    )
    assert prereqs(agreement) == {"accepted": True, "pledge": True, "access": True}
    assert agreement.status == AgreementStatus.ACTIVE


def test_it_grants_the_vpn_when_the_device_arrives_later(
    make_agreement, employee, gateway, hand_over, django_capture_on_commit_callbacks
):
    agreement = make_agreement("active")
    assert agreement.status == AgreementStatus.PENDING
    assert AccessGrant.objects.get().status == G.REQUESTED

    # The hand-over's after-commit hook tries the waiting agreement again.
    with django_capture_on_commit_callbacks(execute=True):
        hand_over(employee)

    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    assert AccessGrant.objects.get().status == G.ACTIVE
    assert AccessGrant.objects.count() == 1  # asked twice, requested once


def test_it_adds_the_specialist_applications_of_the_unit(
    make_agreement, make_person, employee, gateway, application, hand_over
):
    hand_over(employee)
    make_agreement("active")

    kinds = sorted(
        AccessGrant.objects.values_list("kind", "application__name", "farm__name", "status")
    )
    assert kinds == [
        (AccessKind.TERMINAL_SERVER, "Finanzwesen SAP", "TS-Farm Fachverfahren", G.ACTIVE),
        (AccessKind.VPN, None, None, G.ACTIVE),
    ]


def test_it_gives_no_specialist_application_to_another_unit(
    make_agreement, stranger, outsider, gateway, application, hand_over
):
    hand_over(stranger)
    make_agreement("active", user=stranger, decider=outsider)

    assert list(AccessGrant.objects.values_list("kind", flat=True)) == [AccessKind.VPN]


def test_it_keeps_a_grant_without_agreement_that_already_serves(
    make_agreement, employee, gateway, it, hand_over
):
    hand_over(employee)
    on_call = services.grant_request(
        employee=person(employee), kind=AccessKind.VPN, by=it, reason="Rufbereitschaft"
    )
    services.grant_activate(grant=on_call, by=it)

    agreement = make_agreement("active")

    assert agreement.status == AgreementStatus.ACTIVE
    assert list(AccessGrant.objects.all()) == [on_call]
    on_call.refresh_from_db()
    assert on_call.agreement is None


# --------------------------------------------------------------------------- ending


def test_it_revokes_the_grants_when_the_agreement_ends(
    make_agreement, employee, gateway, farm, it, hand_over
):
    hand_over(employee)
    on_call = services.grant_request(
        employee=person(employee), kind=AccessKind.TERMINAL_SERVER, by=it, reason="Rufbereitschaft"
    )
    services.grant_activate(grant=on_call, by=it)

    agreement = make_agreement("ended")  # revoked at once for good cause

    assert agreement.status == AgreementStatus.ENDED
    vpn = AccessGrant.objects.get(kind=AccessKind.VPN)
    assert vpn.status == G.REVOKED
    change = vpn.history.last()
    assert change.reason == f"Vereinbarung {agreement.pk} beendet"
    assert change.by is None
    on_call.refresh_from_db()
    assert on_call.status == G.ACTIVE  # given for another reason: stays


def test_it_moves_the_grants_to_the_next_agreement(make_agreement, employee, gateway, hand_over):
    hand_over(employee)
    first = make_agreement("active")
    grant = AccessGrant.objects.get()
    second = make_agreement("active")  # replaces the first from its start
    first.refresh_from_db()
    assert first.status == AgreementStatus.ENDED
    assert second.status == AgreementStatus.ACTIVE

    grant.refresh_from_db()
    assert (grant.status, grant.agreement) == (G.ACTIVE, second)
    assert AccessGrant.objects.count() == 1
    moved = grant.history.last()
    assert (moved.from_status, moved.to_status) == (G.ACTIVE, G.ACTIVE)
    assert f"weiter mit Vereinbarung {second.pk}" in moved.reason


def test_it_revokes_when_a_pending_agreement_expires(make_agreement, employee, gateway, set_policy):
    set_policy(auto_grant=False)
    agreement = make_agreement("active")
    assert AccessGrant.objects.get().status == G.REQUESTED
    Agreement.objects.filter(pk=agreement.pk).update(end_date=START)

    agreements.agreement_end_due(agreement=agreement, today=START + dt.timedelta(days=1))

    assert AccessGrant.objects.get().status == G.REVOKED


# --------------------------------------------------------------------------- leavers and the daily job


HEADER = (
    "Personalnummer;Nachname;Vorname;E-Mail;Organisationseinheit;Stellennummer;"
    "Stellenbezeichnung;Wochenstunden;Eintritt;Austritt"
)


def test_it_revokes_a_leavers_access_at_once_after_the_import(
    make_agreement, employee, gateway, farm, hand_over, django_capture_on_commit_callbacks
):
    hand_over(employee)
    make_agreement("active")
    leaver = person(employee)
    services.grant_request(
        employee=leaver, kind=AccessKind.TERMINAL_SERVER, by=None, reason="IT-Administration"
    )
    line = f"{leaver.personnel_number};{leaver.last_name};{leaver.first_name};{leaver.email};A1;;;39;01.01.2015;31.01.2021"
    data = f"{HEADER}\r\n{line}\r\n".encode("cp1252")

    with django_capture_on_commit_callbacks(execute=True):
        result = employees_import(data=data, filename="austritt.csv", today=TODAY)

    assert result.ok and result.deactivated
    grants = AccessGrant.objects.filter(employee=leaver)
    assert sorted(grants.values_list("status", flat=True)) == [G.REVOKED, G.REVOKED]
    for grant in grants:
        last = grant.history.last()
        assert (last.reason, last.by) == ("Ausgeschieden aus dem Dienst", None)
        assert history_of(grant).filter(source="Personalimport").exists()


def test_it_revokes_by_the_daily_job_once(
    make_agreement, employee, colleague, gateway, it, hand_over
):
    hand_over(employee)
    make_agreement("active")
    on_call = services.grant_request(
        employee=person(colleague), kind=AccessKind.VPN, by=it, reason="Rufbereitschaft"
    )
    services.grant_activate(grant=on_call, by=it)
    # Left without the import's hook (set by hand): the job finds it the same day.
    Employee.objects.filter(user=employee).update(is_active=False)

    assert jobs.settle_grants_without_basis(TODAY) == 1
    after = footprint()
    assert jobs.settle_grants_without_basis(TODAY) == 0

    assert footprint() == after
    assert AccessGrant.objects.get(employee__user=employee).status == G.REVOKED
    on_call.refresh_from_db()
    assert on_call.status == G.ACTIVE


def test_it_revokes_by_the_job_what_an_ended_agreement_left_open(
    make_agreement, employee, gateway, hand_over
):
    hand_over(employee)
    agreement = make_agreement("active")
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.ENDED)

    assert jobs.settle_grants_without_basis(TODAY) == 1

    assert AccessGrant.objects.get().status == G.REVOKED


def test_it_revokes_by_the_job_a_request_whose_agreement_was_declined(
    make_agreement, employee, gateway
):
    agreement = make_agreement("active")  # no device: the grant stays requested
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.DECLINED)

    assert jobs.settle_grants_without_basis(TODAY) == 1
    assert AccessGrant.objects.get().status == G.REVOKED


def test_it_moves_by_the_job_to_an_agreement_still_running(
    make_agreement, employee, gateway, hand_over
):
    hand_over(employee)
    first = make_agreement("active")
    second = make_agreement("agreed")
    Agreement.objects.filter(pk=second.pk).update(status=AgreementStatus.ACTIVE)
    Agreement.objects.filter(pk=first.pk).update(status=AgreementStatus.ENDED)

    assert jobs.settle_grants_without_basis(TODAY) == 1

    grant = AccessGrant.objects.get()
    assert (grant.status, grant.agreement_id) == (G.ACTIVE, second.pk)


def test_it_runs_the_job_from_run_due_jobs_module_list():
    assert [
        ("Zugänge ohne Grundlage entzogen oder übertragen", jobs.settle_grants_without_basis),
        ("Zugänge vor Beginn der Vereinbarung erteilt", jobs.grant_access_before_start),
    ] == jobs.JOBS


# --------------------------------------------------------------------------- capacity and figures


def test_it_warns_about_capacity_but_never_blocks(org, gateway, it):
    from rathausmobil.organisation.tests.factories import EmployeeFactory

    people = [EmployeeFactory(unit=org["A1"]) for _ in range(4)]
    for employee in people[:3]:
        grant = services.grant_request(employee=employee, kind="vpn", by=it, reason="Test")
        services.grant_activate(grant=grant, by=it)
    row = selectors.capacity()[0]
    assert (row.capacity, row.active, row.planned, row.warning) == (3, 3, 3, False)

    fourth = services.grant_request(employee=people[3], kind="vpn", by=it, reason="Test")
    assert selectors.capacity()[0].warning  # planned 4 of 3
    services.grant_activate(grant=fourth, by=it)  # no block

    row = selectors.capacity_row_of(fourth)
    assert (row.active, row.requested, row.over, row.warning) == (4, 0, True, True)


def test_it_plans_consented_agreements_still_without_access(make_agreement, employee):
    agreement = make_agreement("pending")
    agreements.agreement_accept(agreement=agreement, by=employee, today=TODAY)  # pledge missing
    VpnGateway.objects.create(name="GW", product="wireguard", capacity=1, is_default=True)

    row = selectors.capacity()[0]

    assert (row.active, row.requested, row.waiting, row.planned) == (0, 0, 1, 1)
    assert not row.warning


def test_it_counts_the_figures(org, gateway, farm, application, it):
    from rathausmobil.organisation.tests.factories import EmployeeFactory

    TerminalServerFarm.objects.create(name="TS-Farm 2", session_capacity=30)
    a, b, c, d = (EmployeeFactory(unit=org["A1"]) for _ in range(4))
    for employee, kind, app, end in (
        (a, "vpn", None, "active"),
        (a, "terminal_server", application, "active"),
        (b, "vpn", None, "active"),
        (c, "vpn", None, "requested"),
        (d, "vpn", None, "active"),
    ):
        grant = services.grant_request(
            employee=employee, kind=kind, application=app, by=it, reason="Test"
        )
        if end == "active":
            services.grant_activate(grant=grant, by=it)
    Employee.objects.filter(pk=d.pk).update(is_active=False)  # left; job not yet run

    assert selectors.kpis() == {
        "staff_with_vpn_access": 2,
        "vpn_capacity": 3,
        "terminal_server_grants": 1,
        "terminal_server_capacity": 32,
    }
    rows = selectors.export_rows()
    assert [(r["personnel_number"], r["kind"], r["application"]) for r in rows] == sorted(
        [
            (a.personnel_number, "terminal_server", "Finanzwesen SAP"),
            (a.personnel_number, "vpn", ""),
            (b.personnel_number, "vpn", ""),
        ]
    )
    assert rows[0]["email"] and rows[0]["since"] and rows[0]["target"]


# --------------------------------------------------------------------------- policy


def test_it_lets_it_and_hr_change_the_policy_with_audit(it, hr, employee):
    policy = services.policy_update(by=hr, auto_grant=False, device_rule=DeviceRule.MOBILE_DEVICE)

    assert (policy.auto_grant, policy.device_rule, policy.updated_by) == (
        False,
        DeviceRule.MOBILE_DEVICE,
        hr,
    )
    event = history_of(policy).get()
    assert event.action == "Zugangsregeln geändert"
    assert event.changes["automatisch erteilen"] == ["ja", "nein"]
    services.policy_update(by=it, auto_grant=False, device_rule=DeviceRule.MOBILE_DEVICE)
    assert history_of(policy).count() == 1  # nothing changed, nothing written
    with pytest.raises(services.NotAllowed):
        services.policy_update(by=employee, auto_grant=True, device_rule=DeviceRule.MOBILE_DEVICE)

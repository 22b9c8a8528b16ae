"""The demo's devices and grants come through the front door: each carries the history
and audit rows that the same hand-over or grant made on the pages has.

Halver, because it runs the same demo code as Offenbach in a few seconds.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from rathausmobil.access.models import AccessGrant, AccessKind, GrantStatus
from rathausmobil.core.audit import history_of
from rathausmobil.equipment.models import (
    MOBILE_WORKPLACE_KINDS,
    STATIONARY_WORKPLACE_KINDS,
    Assignment,
    Device,
    DeviceKind,
    DeviceStatus,
)
from rathausmobil.organisation.models import Employee


def trail(record, holder=None) -> tuple[list, list]:
    """What a record's history says, without names and moments: its audit events
    (action, who, which fields changed, source) and its status rows (from, to, who),
    the record's holder written as "holder"."""

    def who(user):
        if user is None:
            return None
        return "holder" if holder is not None and user.pk == holder.user_id else user.username

    events = [
        (e.action, who(e.actor), sorted(e.changes), e.source)
        for e in reversed(list(history_of(record)))
    ]
    rows = getattr(record, "history", None)  # a model without status history has none
    statuses = [(h.from_status, h.to_status, who(h.by)) for h in rows.all()] if rows else []
    return events, statuses


@pytest.fixture
def halver(db):
    call_command("seed_demo", "--scenario", "halver", "--quiet")
    it = Client()
    it.force_login(get_user_model().objects.get(username="it"))
    return it


def test_it_hands_over_the_demo_devices_as_the_hand_over_page_does(halver):
    it = halver
    # A demo hand-over that replaced a desktop PC, acknowledged, the desktop retired.
    demo = (
        Assignment.objects.filter(
            returned_at__isnull=True,
            acknowledged_at__isnull=False,
            device__model__kind=DeviceKind.NOTEBOOK,
        )
        .select_related("device", "employee")
        .filter(
            employee__device_assignments__device__status=DeviceStatus.RETIRED,
            employee__device_assignments__return_confirmed_at__isnull=False,
        )
        .order_by("handed_over_at")
        .first()
    )
    demo_desktop = Assignment.objects.get(
        employee=demo.employee, device__model__kind__in=STATIONARY_WORKPLACE_KINDS
    )

    # The same on the pages: IT hands the notebook left in stock to someone at a desktop
    # PC, the person acknowledges and confirms the return, IT retires the desktop.
    notebook = Device.objects.filter(
        status=DeviceStatus.IN_STOCK, model__kind=DeviceKind.NOTEBOOK
    ).first()
    person = (
        Employee.objects.filter(
            is_active=True,
            user__isnull=False,
            devices_held__model__kind__in=STATIONARY_WORKPLACE_KINDS,
        )
        .exclude(devices_held__model__kind__in=MOBILE_WORKPLACE_KINDS)
        .first()
    )
    desktop = Assignment.objects.get(employee=person, returned_at__isnull=True)
    response = it.post(
        reverse("equipment:handover"),
        {"device": notebook.pk, "employee": person.pk, "return_stationary": "on"},
    )
    assert response.status_code == 302
    own = Client()
    own.force_login(person.user)
    mine = Assignment.objects.get(device=notebook, returned_at__isnull=True)
    own.post(reverse("equipment:assignment_acknowledge", args=[mine.pk]))
    own.post(reverse("equipment:assignment_confirm_return", args=[desktop.pk]))
    it.post(
        reverse("equipment:device_status", args=[desktop.device_id]),
        {"action": "retire", "note": "Ersetzt"},
    )

    assert trail(notebook, person) == trail(demo.device, demo.employee)
    assert trail(desktop.device, person) == trail(demo_desktop.device, demo.employee)
    events, _statuses = trail(demo.device, demo.employee)
    assert [e[0] for e in events] == ["angelegt", "ausgegeben", "Empfang bestätigt"]
    mine.refresh_from_db()
    for ui, made in ((mine, demo), (Assignment.objects.get(pk=desktop.pk), demo_desktop)):
        assert (ui.handed_over_by, ui.returned_by, ui.source) == (
            made.handed_over_by,
            made.returned_by,
            made.source,
        )
        assert (ui.acknowledged_at is None, ui.return_confirmed_at is None) == (
            made.acknowledged_at is None,
            made.return_confirmed_at is None,
        )
    # Every device in use went through a hand-over, with its audit row.
    handed = Assignment.objects.filter(returned_at__isnull=True, source="")
    assert handed.count() > 30
    for assignment in handed.select_related("device"):
        assert "ausgegeben" in [e.action for e in history_of(assignment.device)]


def test_it_grants_the_demo_access_as_the_grant_pages_do(halver):
    it = halver
    reason_grant = (
        AccessGrant.objects.filter(
            kind=AccessKind.VPN, status=GrantStatus.ACTIVE, agreement__isnull=True
        )
        .select_related("employee")
        .first()
    )
    agreement_grant = AccessGrant.objects.filter(
        kind=AccessKind.VPN,
        status=GrantStatus.ACTIVE,
        agreement__isnull=False,
        history__reason__startswith="Vereinbarung",
        history__by__username="it",  # requested by IT, not by the consent
    ).first()

    # The same on "Zugang anlegen": someone without VPN, the same reason, granted at once.
    with_vpn = AccessGrant.objects.filter(kind=AccessKind.VPN).values("employee_id")
    person = (
        Employee.objects.filter(is_active=True, agreements__isnull=True)
        .exclude(pk__in=with_vpn)
        .first()
    )
    response = it.post(
        reverse("access:grant_new"),
        {
            "personnel_number": person.personnel_number,
            "kind": AccessKind.VPN,
            "reason": reason_grant.reason,
            "activate": "on",
        },
    )
    assert response.status_code == 302
    made = AccessGrant.objects.get(employee=person, kind=AccessKind.VPN)

    assert made.status == GrantStatus.ACTIVE
    assert trail(reason_grant) == trail(made)
    assert [h.reason for h in reason_grant.history.all()] == [h.reason for h in made.history.all()]
    # A grant IT gave for an agreement has the same rows; only the reason names the agreement.
    assert trail(agreement_grant) == trail(made)
    assert agreement_grant.history.first().reason == f"Vereinbarung {agreement_grant.agreement_id}"
    # Every grant has its request, every active one its grant, in history and audit trail.
    for grant in AccessGrant.objects.all():
        events, statuses = trail(grant)
        assert statuses[0][:2] == ("", GrantStatus.REQUESTED)
        assert events[0][0] == "Zugang beantragt"
        if grant.status == GrantStatus.ACTIVE:
            assert ("Zugang erteilt" in [e[0] for e in events]) and (
                (GrantStatus.REQUESTED, GrantStatus.ACTIVE) in [s[:2] for s in statuses]
            )

"""One person with a record in every app that holds personal data, for the tests of
the access request (Art. 15). Built the same way for a second person, whose records
must never appear in the first one's export."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from rathausmobil.access.models import AccessGrant, ProvisioningEvent, VpnGateway, WireGuardPeer
from rathausmobil.agreements.models import (
    Agreement,
    ChecklistVersion,
    Offer,
    Pledge,
    PledgeRenewalRequest,
    WorkRequest,
)
from rathausmobil.core.audit import audit_event
from rathausmobil.core.models import SeenMarker, StatusChange
from rathausmobil.equipment.models import Assignment, Device, DeviceModel
from rathausmobil.organisation.models import OrgUnit, Role, RoleAssignment, UnitKind
from rathausmobil.presence.models import (
    Absence,
    CalendarFeed,
    EmployeeQualification,
    PlanCell,
    PresenceProfile,
    Qualification,
    SwapRequest,
    WeekPlan,
    Wish,
)
from rathausmobil.reports.models import ReportSubscription
from rathausmobil.usage.models import VpnAccount, VpnAlias, VpnSession

MONDAY = dt.date(2026, 11, 30)


def shared():
    """What people share: a checklist, a device model, a gateway, a qualification."""
    return {
        "version": ChecklistVersion.objects.get_or_create(number=1, defaults={"items": []})[0],
        "device_model": DeviceModel.objects.get_or_create(name="Notebook X", kind="notebook")[0],
        "gateway": VpnGateway.objects.get_or_create(
            name="gw1", defaults={"product": "wireguard", "capacity": 100}
        )[0],
        "qualification": Qualification.objects.get_or_create(code="PA", name="Ausweise")[0],
    }


def records_of(employee, *, decider, tag: str) -> dict[str, list[int]]:
    """A record of every kind for `employee` (whose user account exists); `decider` is
    another person's account who decides and hands out. Returns {section key: [ids]}."""
    common = shared()
    user = employee.user
    made: dict[str, list] = {}

    def keep(key, obj):
        made.setdefault(key, []).append(obj.pk)
        return obj

    keep("employee", employee)
    keep("account", user)
    keep("roles", RoleAssignment.objects.create(user=user, role=Role.IT))
    keep(
        "headed_units",
        OrgUnit.objects.create(
            code=f"SG-{tag}", name=f"Sachgebiet {tag}", kind=UnitKind.SACHGEBIET, head=employee
        ),
    )
    request = keep(
        "requests",
        WorkRequest.objects.create(
            employee=employee,
            kind="alternating",
            start_date=MONDAY,
            decided_by=decider,
            justification=f"Begründung {tag}",
        ),
    )
    offer = keep(
        "offers", Offer.objects.create(employee=employee, kind="occasional", start_date=MONDAY)
    )
    keep(
        "agreements",
        Agreement.objects.create(
            employee=employee, kind="alternating", start_date=MONDAY, offer=offer
        ),
    )
    keep(
        "pledges",
        Pledge.objects.create(
            employee=employee, version=common["version"], answers={}, is_valid=True
        ),
    )
    keep(
        "pledge_requests",
        PledgeRenewalRequest.objects.create(employee=employee, version=common["version"]),
    )
    device = keep(
        "devices",
        Device.objects.create(
            inventory_number=f"INV-{tag}",
            model=common["device_model"],
            holder=employee,
            status="assigned",
        ),
    )
    keep(
        "report_subscriptions",
        ReportSubscription.objects.create(user=user, report="lagebericht"),
    )
    keep(
        "assignments",
        Assignment.objects.create(
            device=device, employee=employee, handed_over_at=timezone.now(), handed_over_by=decider
        ),
    )
    grant = keep(
        "access_grants",
        AccessGrant.objects.create(employee=employee, kind="vpn", gateway=common["gateway"]),
    )
    keep(
        "wireguard_peers",
        WireGuardPeer.objects.create(
            grant=grant,
            public_key=f"PUB{tag}".ljust(44, "x"),
            address=f"10.0.0.{10 + ord(tag[0])}",
            private_key_encrypted=f"SECRET-{tag}",
        ),
    )
    keep(
        "provisioning",
        ProvisioningEvent.objects.create(grant=grant, target="wireguard", action="add", ok=True),
    )
    account = keep("vpn_accounts", VpnAccount.objects.create(name=f"vpn-{tag}", employee=employee))
    keep("vpn_aliases", VpnAlias.objects.create(name=f"alias-{tag}", employee=employee))
    keep(
        "vpn_sessions",
        VpnSession.objects.create(
            identity=uuid.uuid4(),
            gateway=common["gateway"],
            account=account,
            employee=employee,
            started=int(timezone.now().timestamp()) - 3600,
            ended=int(timezone.now().timestamp()),
        ),
    )
    keep("presence_profile", PresenceProfile.objects.create(employee=employee))
    keep(
        "qualifications",
        EmployeeQualification.objects.create(
            employee=employee, qualification=common["qualification"]
        ),
    )
    keep(
        "absences",
        Absence.objects.create(employee=employee, start=MONDAY, end=MONDAY, created_by=decider),
    )
    keep("wishes", Wish.objects.create(employee=employee, date=MONDAY, kind="home"))
    plan = WeekPlan.objects.get_or_create(unit=employee.unit, week_start=MONDAY)[0]
    cell = keep(
        "plan_cells",
        PlanCell.objects.create(plan=plan, employee=employee, date=MONDAY, kind="home"),
    )
    keep("swap_requests", SwapRequest.objects.create(cell=cell, wanted="office", requested_by=user))
    keep("calendar_feed", CalendarFeed.objects.create(employee=employee, token=f"TOKEN-{tag}"))
    keep("seen", SeenMarker.objects.create(user=user, key=f"seen.{tag}", seen_at=timezone.now()))
    keep(
        "status_history",
        StatusChange.objects.create(
            content_type=ContentType.objects.get_for_model(WorkRequest),
            object_id=request.pk,
            action="submit",
            to_status="submitted",
            by=decider,
            reason=f"Verlauf {tag}",
        ),
    )
    keep(
        "audit_events",
        audit_event(actor=decider, action=f"geändert {tag}", obj=request, reason=f"Grund {tag}"),
    )
    return made

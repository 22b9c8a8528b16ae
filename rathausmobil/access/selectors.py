"""Reads of access, scoped by who asks, and the figures IT and the mayor need.

- IT and HR see every grant (IT hands access out; HR keeps the whole picture).
- Supervisors see the grants of the staff of their units and the units below,
  read-only.
- Employees see their own grants.
- Anyone else sees none: a guessed id answers 404.

Nobody reads the reasons of a home-office decision here: a grant shows the kind,
status and dates of the agreement it came with, never its texts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from rathausmobil.access.models import (
    OPEN_GRANT,
    AccessGrant,
    AccessKind,
    AccessPolicy,
    DeviceRule,
    GrantStatus,
    SpecialistApplication,
    TerminalServerFarm,
    VpnGateway,
)
from rathausmobil.core.figures import NotRebuilt, rebuilt_since
from rathausmobil.core.workflow import with_status_on
from rathausmobil.organisation.models import OrgUnit, Role, in_subtree
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.organisation.selectors import records_began, staff_in

# --------------------------------------------------------------------------- who sees what


def sees_all_grants(user) -> bool:
    return scope_for(user).has(Role.IT, Role.HR)


def can_manage_grants(user) -> bool:
    """IT grants and revokes access (and the superuser, who may do anything)."""
    return scope_for(user).has(Role.IT)


def can_change_policy(user) -> bool:
    return scope_for(user).has(Role.IT, Role.HR)


def grants_visible_to(user) -> QuerySet[AccessGrant]:
    scope = scope_for(user)
    base = AccessGrant.objects.select_related(
        "employee__unit", "gateway", "farm", "application", "agreement"
    )
    if scope.user_id is None:
        return base.none()
    if scope.has(Role.IT, Role.HR):
        return base.all()
    query = scope.unit_filter(prefix="employee__unit__")
    if scope.employee_id:
        query |= Q(employee_id=scope.employee_id)
    return base.filter(query)


def requested_grants(user) -> QuerySet[AccessGrant]:
    """The queue "zu erteilen": requested grants, oldest first."""
    return grants_visible_to(user).filter(status=GrantStatus.REQUESTED).order_by("requested_at")


def due_grants(user, today: dt.date | None = None) -> QuerySet[AccessGrant]:
    """Requested grants IT may grant today: without an agreement, or for one that has
    begun or whose access day (start less the policy's lead days) has come."""
    from rathausmobil.agreements.models import AgreementStatus

    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=AccessPolicy.current().lead_days)
    return requested_grants(user).filter(
        Q(agreement__isnull=True)
        | ~Q(agreement__status__in=[AgreementStatus.PENDING, AgreementStatus.AGREED])
        | Q(agreement__start_date__lte=horizon)
    )


# --------------------------------------------------------------------------- the access day


def access_day(agreement, policy: AccessPolicy | None = None) -> dt.date:
    """The day from which an agreement's access is granted: its start date less the
    policy's lead days (for setting up the device)."""
    policy = policy or AccessPolicy.current()
    return agreement.start_date - dt.timedelta(days=policy.lead_days)


def grantable_from(grant: AccessGrant, policy: AccessPolicy | None = None) -> dt.date | None:
    """The access day of the grant's agreement while that agreement has not begun
    (pending or agreed); None when nothing holds the grant back."""
    from rathausmobil.agreements.models import AgreementStatus

    agreement = grant.agreement
    if agreement is None or agreement.status not in (
        AgreementStatus.PENDING,
        AgreementStatus.AGREED,
    ):
        return None
    return access_day(agreement, policy)


def with_grantable_from(grants, policy: AccessPolicy | None = None) -> list[AccessGrant]:
    """The grants, each with `grantable_from` set (for the queue and Mein Zugang)."""
    policy = policy or AccessPolicy.current()
    grants = list(grants)
    for grant in grants:
        grant.grantable_from = grantable_from(grant, policy)
    return grants


def open_grant(employee_id: int, kind: str, application_id: int | None = None):
    return (
        AccessGrant.objects.filter(
            employee_id=employee_id,
            kind=kind,
            application_id=application_id,
            status__in=OPEN_GRANT,
        )
        .order_by("pk")
        .first()
    )


# --------------------------------------------------------------------------- infrastructure


def access_managed() -> bool:
    """Access is managed in the product once IT has registered a VPN gateway.
    Before that, agreements need no access (and no device by the access policy)."""
    return VpnGateway.objects.exists()


def default_gateway() -> VpnGateway | None:
    """The gateway marked as default, otherwise the first by name."""
    return VpnGateway.objects.order_by("-is_default", "name").first()


def default_farm() -> TerminalServerFarm | None:
    """The farm for terminal-server access without a specialist application (no
    official device): the one with the most sessions."""
    return TerminalServerFarm.objects.order_by("-session_capacity", "name").first()


def _ancestor_paths(path: str) -> list[str]:
    """'/3/17/42/' -> ['/3/', '/3/17/', '/3/17/42/']"""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def applications_for_unit(unit) -> list[SpecialistApplication]:
    """Specialist applications used by this unit or a unit above it."""
    return list(
        SpecialistApplication.objects.filter(units__path__in=_ancestor_paths(unit.path))
        .select_related("farm")
        .distinct()
        .order_by("name")
    )


# --------------------------------------------------------------------------- devices

# Kinds of device that cannot open a connection on their own.
NOT_A_WORKSTATION = frozenset({"headset", "monitor", "docking"})


def _holds_mobile_device(employee_id: int) -> bool:
    """Does the person hold an official mobile device? Asks equipment; False while
    the equipment capability is not installed."""
    try:
        from rathausmobil.equipment.selectors import holds_mobile_device
    except ImportError:
        return False
    return bool(holds_mobile_device(employee_id))


def _devices_of(employee_id: int) -> list:
    try:
        from rathausmobil.equipment.selectors import devices_of
    except ImportError:
        return []
    return list(devices_of(employee_id))


def holds_any_device(employee_id: int) -> bool:
    """An official mobile device, or any other assigned device that can connect
    (a workplace computer taken home); headsets, monitors and docks do not count."""
    if _holds_mobile_device(employee_id):
        return True
    return any(_kind_of(device) not in NOT_A_WORKSTATION for device in _devices_of(employee_id))


def _kind_of(device) -> str | None:
    kind = getattr(device, "kind", None)
    if kind is None and getattr(device, "model", None) is not None:
        kind = getattr(device.model, "kind", None)
    return kind


def vpn_device_rule_met(employee_id: int, policy: AccessPolicy | None = None) -> bool:
    """May this person use the VPN under the device rule?"""
    policy = policy or AccessPolicy.current()
    if policy.device_rule == DeviceRule.MOBILE_DEVICE:
        return _holds_mobile_device(employee_id)
    return holds_any_device(employee_id)


def employees_waiting_for_device(today: dt.date | None = None):
    """Connected to equipment's `device_recipients_wanted`: active people whose consented
    agreement waits and who do not hold the device the policy's device rule asks for
    (the same people `prerequisite_device` reports as not met), or None when the rule
    asks for no device. A queryset, so equipment counts and lists it in one query each."""
    from rathausmobil.agreements.models import Agreement, AgreementStatus
    from rathausmobil.equipment.models import MOBILE_WORKPLACE_KINDS, Device, DeviceStatus
    from rathausmobil.organisation.models import Employee

    if not access_managed():
        return None
    policy = AccessPolicy.current()
    if policy.device_rule == DeviceRule.TERMINAL_SERVER_ALLOWED:
        return None
    consented = Agreement.objects.filter(
        employee=OuterRef("pk"),
        status__in=[AgreementStatus.PENDING, AgreementStatus.AGREED],
        accepted_at__isnull=False,
    )
    held = Device.objects.filter(holder=OuterRef("pk"), status=DeviceStatus.ASSIGNED)
    if policy.device_rule == DeviceRule.MOBILE_DEVICE:
        held = held.filter(model__kind__in=MOBILE_WORKPLACE_KINDS)
    else:
        held = held.exclude(model__kind__in=NOT_A_WORKSTATION)
    return Employee.objects.filter(is_active=True).filter(Exists(consented)).exclude(Exists(held))


def device_label(employee_id: int) -> str:
    """What IT needs to know about the person's devices on a grant page."""
    if _holds_mobile_device(employee_id):
        return "dienstliches Mobilgerät"
    if holds_any_device(employee_id):
        return "dienstliches Gerät (kein Mobilgerät)"
    return "kein dienstliches Gerät erfasst"


# --------------------------------------------------------------------------- prerequisites


def prerequisite_access(agreement):
    """Registered with agreements: the person has the access mobile work needs. Met
    only around the start (`at_start`): it holds back `active`, never `agreed`."""
    from rathausmobil.agreements.prerequisites import Prerequisite

    if not access_managed():
        return None
    policy = AccessPolicy.current()
    kinds = [AccessKind.VPN]
    if policy.device_rule == DeviceRule.TERMINAL_SERVER_ALLOWED:
        kinds.append(AccessKind.TERMINAL_SERVER)
    grants = AccessGrant.objects.filter(
        employee_id=agreement.employee_id, kind__in=kinds, status__in=OPEN_GRANT
    )
    met = grants.filter(status=GrantStatus.ACTIVE).exists()
    day = access_day(agreement, policy)
    if met:
        detail = ""
    elif not agreement.accepted_at:
        detail = _("Der Zugang wird beantragt, sobald Sie der Vereinbarung zugestimmt haben.")
    elif day > timezone.localdate():
        detail = _(
            "Der Zugang wird ab dem %(date)s eingerichtet, %(days)s Tage vor Beginn; "
            "bis dahin ist nichts zu tun."
        ) % {"date": day.strftime("%d.%m.%Y"), "days": policy.lead_days}
    else:
        detail = _("Der Zugang ist beantragt; die IT erteilt ihn.")
    return Prerequisite(
        "access", _("Zugang (VPN bzw. Terminalserver) erteilt"), met, detail, at_start=True
    )


def prerequisite_device(agreement):
    """Registered with agreements: an official device by the policy's device rule."""
    from rathausmobil.agreements.prerequisites import Prerequisite

    if not access_managed():
        return None
    policy = AccessPolicy.current()
    if policy.device_rule == DeviceRule.TERMINAL_SERVER_ALLOWED:
        return None
    if policy.device_rule == DeviceRule.MOBILE_DEVICE:
        met = _holds_mobile_device(agreement.employee_id)
        detail = "" if met else _("Die IT übergibt Ihnen ein dienstliches Mobilgerät.")
    else:
        met = holds_any_device(agreement.employee_id)
        detail = "" if met else _("Die IT übergibt Ihnen ein dienstliches Gerät.")
    return Prerequisite("device", _("Dienstliches Gerät übergeben"), met, detail)


# --------------------------------------------------------------------------- capacity


@dataclass(frozen=True)
class CapacityRow:
    kind: str  # AccessKind
    pk: int
    name: str
    capacity: int
    active: int
    requested: int
    waiting: int = 0  # consented agreements without any access yet (default gateway)
    is_default: bool = False

    @property
    def kind_label(self) -> str:
        return "VPN-Gateway" if self.kind == AccessKind.VPN else "Terminalserver-Farm"

    @property
    def planned(self) -> int:
        return self.active + self.requested + self.waiting

    @property
    def free(self) -> int:
        return self.capacity - self.active

    @property
    def warning(self) -> bool:
        """Planned use exceeds capacity: a warning, never a block."""
        return self.planned > self.capacity

    @property
    def over(self) -> bool:
        return self.active > self.capacity

    @property
    def active_percent(self) -> int:
        return round(100 * self.active / self.capacity) if self.capacity else 0

    @property
    def planned_percent(self) -> int:
        return round(100 * self.planned / self.capacity) if self.capacity else 0


def waiting_for_access() -> int:
    """People whose consented agreement waits and who have no open VPN grant (nor a
    terminal-server grant without application, its stand-in) yet."""
    from rathausmobil.agreements.models import Agreement, AgreementStatus
    from rathausmobil.organisation.models import Employee

    consented = Agreement.objects.filter(
        employee=OuterRef("pk"),
        status__in=[AgreementStatus.PENDING, AgreementStatus.AGREED],
        accepted_at__isnull=False,
    )
    has_access = AccessGrant.objects.filter(
        Q(kind=AccessKind.VPN) | Q(application__isnull=True),
        employee=OuterRef("pk"),
        status__in=OPEN_GRANT,
    )
    return (
        Employee.objects.filter(is_active=True)
        .filter(Exists(consented))
        .exclude(Exists(has_access))
        .count()
    )


def capacity() -> list[CapacityRow]:
    """Per gateway and farm: capacity, active and requested grants, and what is
    planned (active + requested + consented agreements still without access, the
    latter counted on the default gateway). Four queries."""
    active = Count("grants", filter=Q(grants__status=GrantStatus.ACTIVE))
    requested = Count("grants", filter=Q(grants__status=GrantStatus.REQUESTED))
    gateways = list(
        VpnGateway.objects.annotate(n_active=active, n_requested=requested).order_by(
            "-is_default", "name"
        )
    )
    farms = list(
        TerminalServerFarm.objects.annotate(n_active=active, n_requested=requested).order_by(
            "-session_capacity", "name"
        )
    )
    waiting = waiting_for_access() if gateways else 0
    rows = [
        CapacityRow(
            kind=AccessKind.VPN,
            pk=g.pk,
            name=g.name,
            capacity=g.capacity,
            active=g.n_active,
            requested=g.n_requested,
            waiting=waiting if i == 0 else 0,
            is_default=i == 0,
        )
        for i, g in enumerate(gateways)
    ]
    rows += [
        CapacityRow(
            kind=AccessKind.TERMINAL_SERVER,
            pk=f.pk,
            name=f.name,
            capacity=f.session_capacity,
            active=f.n_active,
            requested=f.n_requested,
            is_default=i == 0,
        )
        for i, f in enumerate(farms)
    ]
    return rows


def capacity_warnings() -> list[CapacityRow]:
    return [row for row in capacity() if row.warning]


def capacity_row_of(grant: AccessGrant) -> CapacityRow | None:
    target = (
        (AccessKind.VPN, grant.gateway_id)
        if grant.kind == AccessKind.VPN
        else (AccessKind.TERMINAL_SERVER, grant.farm_id)
    )
    return next((row for row in capacity() if (row.kind, row.pk) == target), None)


# --------------------------------------------------------------------------- figures and export


def kpis(
    *, viewer=None, on: dt.date | None = None, unit: OrgUnit | None = None
) -> dict[str, int | NotRebuilt | None]:
    """Figures for the dashboard (`reports.kpis.PROVIDERS`); totals of the whole
    administration, the same for every viewer. `on`: as of that day (default today),
    each grant with the status its history gives it then. Capacities keep no history:
    none for a past day. `unit`: the grants of its staff; capacities are the whole
    administration's (None)."""
    today = timezone.localdate()
    day = on or today
    if day < today and (missing := rebuilt_since(day, records_began())):
        return dict.fromkeys(ACCESS_FIGURES, missing)
    active = with_status_on(AccessGrant.objects.all(), day).filter(status_on=GrantStatus.ACTIVE)
    staff_with_vpn = (
        active.filter(kind=AccessKind.VPN, employee__in=staff_in(unit).employed_on(day))
        .values("employee_id")
        .distinct()
        .count()
    )
    past = day < today
    if unit is not None:
        active = active.filter(in_subtree(unit.path, "employee__unit"))
    return {
        "staff_with_vpn_access": staff_with_vpn,
        "vpn_capacity": None
        if unit
        else NotRebuilt()
        if past
        else VpnGateway.objects.aggregate(n=Coalesce(Sum("capacity"), 0))["n"],
        "terminal_server_grants": active.filter(kind=AccessKind.TERMINAL_SERVER).count(),
        "terminal_server_capacity": None
        if unit
        else NotRebuilt()
        if past
        else TerminalServerFarm.objects.aggregate(n=Coalesce(Sum("session_capacity"), 0))["n"],
    }


ACCESS_FIGURES = (
    "staff_with_vpn_access",
    "vpn_capacity",
    "terminal_server_grants",
    "terminal_server_capacity",
)


def export_rows() -> list[dict[str, Any]]:
    """Who should have which access: every active grant of active staff, ordered by
    personnel number. Keys: personnel_number, last_name, first_name, email, kind,
    kind_label, target, application, since (date)."""
    from django.utils import timezone

    rows = []
    grants = (
        AccessGrant.objects.filter(status=GrantStatus.ACTIVE, employee__is_active=True)
        .select_related("employee", "gateway", "farm", "application")
        .order_by("employee__personnel_number", "kind", "application__name", "pk")
    )
    for grant in grants:
        since: dt.datetime | None = grant.granted_at
        rows.append(
            {
                "personnel_number": grant.employee.personnel_number,
                "last_name": grant.employee.last_name,
                "first_name": grant.employee.first_name,
                "email": grant.employee.email,
                "kind": grant.kind,
                "kind_label": str(grant.get_kind_display()),
                "target": (grant.gateway or grant.farm).name
                if (grant.gateway or grant.farm)
                else "",
                "application": grant.application.name if grant.application else "",
                "since": timezone.localdate(since) if since else None,
            }
        )
    return rows

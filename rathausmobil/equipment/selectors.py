"""Reads of the equipment capability, scoped by who asks, and the figures others use.

Who sees what:
- IT (and superusers) see and manage everything.
- HR sees everything, read-only.
- Supervisors see the devices their units' staff (and those below) hold, and
  those people's hand-over records, read-only.
- An employee sees the devices they hold and their own hand-over records.
- Rollout figures are aggregates: everyone who sees aggregates (HR, IT, staff
  council, data-protection officer, leadership) sees them.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from rathausmobil.core.dates import day_end
from rathausmobil.core.figures import rebuilt_since
from rathausmobil.core.models import StatusChange
from rathausmobil.equipment import rollout
from rathausmobil.equipment.models import (
    MOBILE_WORKPLACE_KINDS,
    OPEN_RECEIPT_PROBLEMS,
    STATIONARY_WORKPLACE_KINDS,
    Assignment,
    Delivery,
    Device,
    DeviceStatus,
    OrderLine,
    OrderStatus,
    PurchaseOrder,
    RolloutCampaign,
)
from rathausmobil.organisation.models import Employee, OrgUnit, Role, in_subtree
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.organisation.selectors import records_began

LEAVER_DAYS = 30

# --------------------------------------------------------------------------- roles


def manages_equipment(user) -> bool:
    return scope_for(user).has(Role.IT)


def views_inventory(user) -> bool:
    """IT and HR see the whole inventory, the orders and who holds what."""
    return scope_for(user).has(Role.IT, Role.HR)


def sees_device_list(user) -> bool:
    scope = scope_for(user)
    return scope.has(Role.IT, Role.HR) or scope.is_supervisor


def sees_rollout(user) -> bool:
    return scope_for(user).sees_aggregates


# --------------------------------------------------------------------------- scoped reads


def devices_visible_to(user) -> QuerySet[Device]:
    scope = scope_for(user)
    base = Device.objects.select_related("model", "holder__unit")
    if scope.user_id is None:
        return base.none()
    if scope.has(Role.IT, Role.HR):
        return base
    query = scope.unit_filter(prefix="holder__unit__")
    if scope.employee_id:
        query |= Q(holder_id=scope.employee_id)
    return base.filter(query)


def assignments_visible_to(user) -> QuerySet[Assignment]:
    scope = scope_for(user)
    base = Assignment.objects.select_related(
        "device__model", "employee__unit", "handed_over_by", "returned_by"
    )
    if scope.user_id is None:
        return base.none()
    if scope.has(Role.IT, Role.HR):
        return base
    query = scope.unit_filter(prefix="employee__unit__")
    if scope.employee_id:
        query |= Q(employee_id=scope.employee_id)
    return base.filter(query)


def orders_visible_to(user) -> QuerySet[PurchaseOrder]:
    if not views_inventory(user):
        return PurchaseOrder.objects.none()
    return PurchaseOrder.objects.all()


def orders_with_figures(orders: QuerySet[PurchaseOrder]) -> QuerySet[PurchaseOrder]:
    return orders.annotate(
        ordered_total=Sum("lines__quantity"),
        delivered_total=Sum("lines__delivered"),
        cancelled_total=Sum("lines__cancelled"),
    ).annotate(outstanding_total=F("ordered_total") - F("delivered_total") - F("cancelled_total"))


def device_find(text: str) -> Device | None:
    """A device by inventory number (as scanned or typed), else by a unique serial."""
    text = (text or "").strip()
    if not text:
        return None
    base = Device.objects.select_related("model", "holder__unit")
    device = base.filter(inventory_number__iexact=text).first()
    if device is None:
        matches = list(base.filter(serial__iexact=text)[:2])
        device = matches[0] if len(matches) == 1 else None
    return device


def employee_candidates(text: str, limit: int = 20) -> list[Employee]:
    """Active staff by exact personnel number, else by name (every word must match)."""
    text = (text or "").strip()
    if not text:
        return []
    active = Employee.objects.filter(is_active=True).select_related("unit")
    exact = list(active.filter(personnel_number=text))
    if exact:
        return exact
    query = Q()
    for term in text.replace(",", " ").split():
        query &= Q(last_name__icontains=term) | Q(first_name__icontains=term)
    return list(active.filter(query).order_by("last_name", "first_name")[:limit])


def open_assignment_of(device: Device) -> Assignment | None:
    return (
        Assignment.objects.filter(device=device, returned_at__isnull=True)
        .select_related("employee__unit", "handed_over_by")
        .first()
    )


def open_assignments_of(employee_id: int) -> QuerySet[Assignment]:
    """What a person holds now, each with the date since when (its open hand-over)."""
    return (
        Assignment.objects.filter(employee_id=employee_id, returned_at__isnull=True)
        .select_related("device__model")
        .order_by("device__inventory_number")
    )


def stationary_held_by(employee_id: int) -> QuerySet[Device]:
    return Device.objects.filter(
        holder_id=employee_id, model__kind__in=STATIONARY_WORKPLACE_KINDS
    ).select_related("model")


# --------------------------------------------------------------------------- for other apps


def holds_mobile_device(employee_id: int) -> bool:
    """Does the person hold a mobile workplace device (notebook or tablet)?"""
    return Device.objects.filter(
        holder_id=employee_id,
        status=DeviceStatus.ASSIGNED,
        model__kind__in=MOBILE_WORKPLACE_KINDS,
    ).exists()


def devices_of(employee_id: int) -> QuerySet[Device]:
    """The devices a person holds now."""
    return Device.objects.filter(holder_id=employee_id).select_related("model")


def leaver_return_list(*, today: dt.date | None = None, days: int = LEAVER_DAYS):
    """Open hand-overs of people who have left or leave within `days`, earliest exit first."""
    today = today or timezone.localdate()
    return (
        Assignment.objects.filter(returned_at__isnull=True)
        .filter(
            Q(employee__is_active=False)
            | Q(employee__exit_date__lte=today + dt.timedelta(days=days))
        )
        .select_related("device__model", "employee__unit")
        .order_by(
            F("employee__exit_date").asc(nulls_first=True),
            "employee__last_name",
            "employee__first_name",
            "device__inventory_number",
        )
    )


def my_assignments(employee_id: int | None) -> dict[str, list[Assignment]]:
    """The person's own hand-overs: held now, returned but not yet confirmed, and past."""
    if not employee_id:
        return {"current": [], "to_confirm": [], "past": []}
    rows = list(
        Assignment.objects.filter(employee_id=employee_id).select_related(
            "device__model", "handed_over_by"
        )
    )
    return {
        "current": [a for a in rows if a.returned_at is None],
        "to_confirm": [a for a in rows if a.returned_at and not a.return_confirmed_at],
        "past": [a for a in rows if a.returned_at and a.return_confirmed_at],
    }


def receipt_problems_visible_to(user) -> QuerySet[Assignment]:
    """Employees' open answers "nicht erhalten" / "falsches Gerät", oldest first: IT clears
    them, HR reads them; nobody else."""
    if not views_inventory(user):
        return Assignment.objects.none()
    return (
        Assignment.objects.filter(problem__in=OPEN_RECEIPT_PROBLEMS)
        .select_related("device__model", "employee__unit", "handed_over_by")
        .order_by("problem_reported_at", "pk")
    )


def holders_on(day: dt.date | None = None, *, mobile_only: bool = True) -> QuerySet[Assignment]:
    """Who held which device at the end of `day` (default: now). BSI: mobile devices."""
    rows = Assignment.objects.select_related("device__model", "employee__unit")
    if day is None:
        rows = rows.filter(returned_at__isnull=True)
    else:
        end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
        rows = rows.filter(handed_over_at__lt=end).filter(
            Q(returned_at__isnull=True) | Q(returned_at__gte=end)
        )
    if mobile_only:
        rows = rows.filter(device__model__is_mobile=True)
    return rows.order_by("employee__last_name", "employee__first_name", "device__inventory_number")


# --------------------------------------------------------------------------- figures


def devices_on_order(on: dt.date | None = None) -> int:
    """Devices ordered and not yet delivered: the open orders' quantity − delivered −
    cancelled. The one source of "bestellt": the stock page, the orders page, the rollout
    page and the dashboard (`kpis`) all show this number. `on`: as of the end of that
    day, from the order dates, the delivery dates and when the rest was cancelled."""
    if on is None or on >= timezone.localdate():
        figures = OrderLine.objects.filter(
            order__status__in=(OrderStatus.OPEN, OrderStatus.PARTIAL)
        ).aggregate(
            quantity=Sum("quantity"), delivered=Sum("delivered"), cancelled=Sum("cancelled")
        )
        return (
            (figures["quantity"] or 0) - (figures["delivered"] or 0) - (figures["cancelled"] or 0)
        )
    orders = PurchaseOrder.objects.filter(ordered_on__lte=on)
    lines = OrderLine.objects.filter(order__in=orders.values("pk"))
    quantity = lines.aggregate(n=Sum("quantity"))["n"] or 0
    delivered = (
        Delivery.objects.filter(line__in=lines, delivered_on__lte=on).aggregate(n=Sum("quantity"))[
            "n"
        ]
        or 0
    )
    # The rest of an order is cancelled at once ("cancel"): counted from that moment on.
    cancelled = (
        OrderLine.objects.filter(
            order__in=orders.filter(
                Exists(
                    StatusChange.objects.filter(
                        content_type=ContentType.objects.get_for_model(PurchaseOrder),
                        object_id=OuterRef("pk"),
                        action="cancel",
                        at__lt=day_end(on),
                    )
                )
            ).values("pk")
        ).aggregate(n=Sum("cancelled"))["n"]
        or 0
    )
    return quantity - delivered - cancelled


def campaign_on(day: dt.date) -> RolloutCampaign | None:
    """The campaign in force at the end of `day` (the latest one set up by then)."""
    return (
        RolloutCampaign.objects.filter(created_at__lt=day_end(day))
        .order_by("-created_at", "-id")
        .first()
    )


def current_campaign() -> RolloutCampaign | None:
    return RolloutCampaign.objects.order_by("-created_at", "-id").first()


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def rollout_projection(
    today: dt.date | None = None,
    campaign: RolloutCampaign | None = None,
    *,
    past: bool = False,
    unit: OrgUnit | None = None,
) -> rollout.Projection:
    """The rollout figures for the given campaign (default: the current one) on `today`;
    `past`: as of the end of that day (the devices in use from the hand-overs and returns
    recorded by then, not from the devices' status now). `unit`: the devices its staff
    hold and the hand-overs to them (the deliveries stay the administration's)."""
    today = today or timezone.localdate()
    campaign = campaign or current_campaign()
    since = today - dt.timedelta(days=rollout.PACE_WEEKS * 7 - 1)
    handovers = Assignment.objects.filter(
        _people(unit, "employee__unit"),
        device__model__kind__in=MOBILE_WORKPLACE_KINDS,
        handed_over_at__gte=_day_start(since),
        handed_over_at__lt=_day_start(today + dt.timedelta(days=1)),
    ).count()
    delivered = (
        Delivery.objects.filter(
            line__model__kind__in=MOBILE_WORKPLACE_KINDS,
            delivered_on__gte=since,
            delivered_on__lte=today,
        ).aggregate(n=Sum("quantity"))["n"]
        or 0
    )
    return rollout.project(
        today=today,
        target_date=campaign.target_date if campaign else None,
        mobile_in_use=_in_use_on(today if past else None, MOBILE_WORKPLACE_KINDS, unit),
        stationary_in_use=_in_use_on(today if past else None, STATIONARY_WORKPLACE_KINDS, unit),
        handovers=handovers,
        deliveries=delivered,
    )


def _people(unit: OrgUnit | None, field: str) -> Q:
    return Q() if unit is None else in_subtree(unit.path, field)


def _in_use_on(day: dt.date | None, kinds, unit: OrgUnit | None = None) -> int:
    """Devices of `kinds` held by someone at the end of `day`: now (None) the devices
    marked assigned; a past day the hand-overs made by then and not yet returned."""
    if day is None or day >= timezone.localdate():
        return Device.objects.filter(
            _people(unit, "holder__unit"), status=DeviceStatus.ASSIGNED, model__kind__in=kinds
        ).count()
    end = day_end(day)
    return (
        Assignment.objects.filter(
            _people(unit, "employee__unit"), device__model__kind__in=kinds, handed_over_at__lt=end
        )
        .filter(Q(returned_at__isnull=True) | Q(returned_at__gte=end))
        .count()
    )


def rollout_history(today: dt.date | None = None) -> list[rollout.Point]:
    """Weekly workplace devices in use over the chart's half year.

    Three aggregate queries (in use at the window's start, hand-overs and returns
    per day inside it), so the cost does not grow with the number of devices.
    """
    today = today or timezone.localdate()
    days = rollout.chart_days(today)
    start = _day_start(days[0])
    workplace = Assignment.objects.filter(
        device__model__kind__in=(*MOBILE_WORKPLACE_KINDS, *STATIONARY_WORKPLACE_KINDS)
    ).annotate(
        mobile=Case(
            When(device__model__kind__in=MOBILE_WORKPLACE_KINDS, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    events: list[tuple[dt.date, bool, int]] = []
    in_use_at_start = (
        workplace.filter(handed_over_at__lt=start)
        .filter(Q(returned_at__isnull=True) | Q(returned_at__gte=start))
        .values("mobile")
        .annotate(n=Count("pk"))
    )
    events += [(days[0] - dt.timedelta(days=1), row["mobile"], row["n"]) for row in in_use_at_start]
    handed = (
        workplace.filter(handed_over_at__gte=start)
        .annotate(day=TruncDate("handed_over_at"))
        .values("mobile", "day")
        .annotate(n=Count("pk"))
    )
    events += [(row["day"], row["mobile"], row["n"]) for row in handed]
    returned = (
        workplace.filter(returned_at__gte=start)
        .annotate(day=TruncDate("returned_at"))
        .values("mobile", "day")
        .annotate(n=Count("pk"))
    )
    events += [(row["day"], row["mobile"], -row["n"]) for row in returned]
    return rollout.series_from_counts(events, days)


def kpis(
    today: dt.date | None = None,
    *,
    viewer=None,
    on: dt.date | None = None,
    unit: OrgUnit | None = None,
) -> dict:
    """Figures for the dashboard: devices and the rollout, the same for every viewer.
    `on`: as of that day (default today); `unit`: the devices its staff hold (orders are
    the administration's: None)."""
    now = timezone.localdate()
    # `today` moves the clock (the devices held now, the pace up to that day); `on` looks
    # back (the hand-overs, deliveries and cancellations recorded by then).
    past = on is not None and on < now
    day = on or today or now
    if past and (missing := rebuilt_since(day, records_began())):
        return dict.fromkeys(EQUIPMENT_FIGURES, missing)
    campaign = campaign_on(day) if past else current_campaign()
    figures = rollout_projection(day, campaign, past=past, unit=unit)
    return {
        "devices_mobile_in_use": figures.mobile_in_use,
        "devices_on_order": None if unit else devices_on_order(day if past else None),
        "rollout_target_date": campaign.target_date.isoformat() if campaign else None,
        "rollout_progress_share": figures.progress_share,
        "rollout_projected_date": (
            figures.projected_date.isoformat() if figures.projected_date else None
        ),
    }


EQUIPMENT_FIGURES = (
    "devices_mobile_in_use",
    "devices_on_order",
    "rollout_target_date",
    "rollout_progress_share",
    "rollout_projected_date",
)

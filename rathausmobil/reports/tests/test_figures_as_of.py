"""Every figure as of a past day (the Stichtag): computed later from the records and
their history, it equals the figure computed on that day.

The clock is moved (`timezone.now`, which `localdate()` and every `auto_now_add` read):
a small administration is built on day 1 through the services, its figures are taken;
then a month passes in which everything that can change does, and the figures asked for
day 1 are the ones taken then."""

import datetime as dt
import io
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from rathausmobil.access import services as access
from rathausmobil.access.models import AccessKind, VpnGateway
from rathausmobil.agreements import services as agreements
from rathausmobil.agreements.tests.conftest import (  # noqa: F401 (fixtures)
    REVOKE_REASON,
    checklist,
    make_agreement,
    make_person,
    make_request,
    sign,
)
from rathausmobil.core.figures import NotRebuilt
from rathausmobil.equipment import services as equipment
from rathausmobil.equipment.models import Device, DeviceKind, DeviceModel, DeviceStatus
from rathausmobil.organisation.models import Employee
from rathausmobil.organisation.tests.factories import EmployeeFactory
from rathausmobil.reports.kpis import compute_kpis
from rathausmobil.usage.importing import import_lines

DAY_1 = dt.date(2021, 3, 24)  # a Wednesday, after the agreements fixture's start date
DAY_2 = DAY_1 + dt.timedelta(days=33)
# Figures whose records keep no history: asked for a past day, they say so.
NO_HISTORY = {"org_units_total", "vpn_capacity", "terminal_server_capacity"}


@pytest.fixture
def clock(monkeypatch):
    """The clock at noon of a day; `clock.move(day)` lets time pass."""

    class Clock:
        def move(self, day: dt.date) -> None:
            self.now = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))

    c = Clock()
    c.move(DAY_1)
    monkeypatch.setattr(timezone, "now", lambda: c.now)
    return c


def _sessions(gateway, first: dt.date, last: dt.date, users: int) -> None:
    """`users` people connected 8 to 16 o'clock on every working day from first to last."""
    lines, day = [], first
    while day <= last:
        if day.weekday() < 5:
            lines += [f"u{n};{day}T08:00:00;{day}T16:00:00\n" for n in range(users)]
        day += dt.timedelta(days=1)
    result = import_lines(
        io.StringIO("".join(lines)), name=f"{first}.csv", fmt="csv", gateway=gateway
    )
    assert not result.problems, result.problems


def test_a_figure_as_of_a_past_day_equals_the_figure_of_that_day(
    clock,
    settings,
    org,
    employee,
    colleague,
    supervisor,
    it,
    make_agreement,  # noqa: F811
    make_request,  # noqa: F811
    make_person,  # noqa: F811
):
    settings.MIN_GROUP_SIZE = 1  # a small town: every figure a number, nothing "< 5"

    # Day 1: an agreement in force, a request waiting, one refused, a grant, a device
    # handed over, an order placed, three weeks of VPN use.
    agreement = make_agreement("active")
    assert agreement.status == "active"
    # The gateway after the agreement: from now on access is managed here.
    gateway = VpnGateway.objects.create(name="GW", product="other", capacity=50, is_default=True)
    waiting = make_request("submitted", user=colleague)
    make_request("rejected", user=make_person("frau_b"))
    person = Employee.objects.get(user=colleague)
    grant = access.grant_request(
        employee=person, kind=AccessKind.VPN, by=it, reason="Rufbereitschaft der IT"
    )
    access.grant_activate(grant=grant, by=it)
    notebook = DeviceModel.objects.create(name="T14", manufacturer="L", kind=DeviceKind.NOTEBOOK)
    device = Device.objects.create(
        inventory_number="K-1", serial="S1", model=notebook, status=DeviceStatus.IN_STOCK
    )
    assignment = equipment.assignment_hand_over(device=device, employee=person, by=it)
    order = equipment.order_create(
        by=it, supplier="Lieferant", ordered_on=DAY_1, lines=[(notebook, 10)]
    )
    _sessions(gateway, DAY_1 - dt.timedelta(days=21), DAY_1 - dt.timedelta(days=1), users=3)
    on_day_1 = compute_kpis()

    # A month later everything has moved on.
    clock.move(DAY_2)
    agreements.agreement_revoke(
        agreement=agreement, by=supervisor, reason=REVOKE_REASON, at_once=True
    )
    agreements.request_approve(request=waiting, by=supervisor)
    access.grant_revoke(grant=grant, by=it, reason="Rufbereitschaft beendet, Zugang entzogen.")
    equipment.assignment_return(assignment=assignment, by=it)
    line = order.lines.get()
    equipment.order_deliver(
        order=order, by=it, line=line, serials=["N1", "N2", "N3", "N4"], delivered_on=DAY_2
    )
    equipment.order_cancel_rest(order=order, by=it, reason="Modell nicht mehr lieferbar.")
    Employee.objects.filter(user=employee).update(exit_date=DAY_2 - dt.timedelta(days=1))
    EmployeeFactory(unit=org["A1"], entry_date=DAY_2)
    # A late log for days before day 1 changes day 1's figures, as it should; the days
    # after day 1 do not.
    _sessions(gateway, DAY_1, DAY_2 - dt.timedelta(days=1), users=9)
    on_day_2 = compute_kpis()

    moved = [key for key in on_day_1 if on_day_1[key] != on_day_2[key]]
    assert set(moved) >= {
        "staff_total",
        "agreements_active_by_kind",
        "requests_open",
        "refusal_rate",
        "staff_with_vpn_access",
        "devices_mobile_in_use",
        "devices_on_order",
        "vpn_concurrent_avg_workdays",
        "vpn_concurrent_peak",
    }, "the month changed too little for the test to show anything"

    rebuilt = compute_kpis(on=DAY_1)
    for key in NO_HISTORY:
        assert isinstance(rebuilt.pop(key), NotRebuilt)
        on_day_1.pop(key)
    assert rebuilt == on_day_1


def test_a_day_before_the_records_began_has_no_figures(clock, org, employee):
    clock.move(DAY_1 + dt.timedelta(days=10))
    figures = compute_kpis(on=DAY_1 - dt.timedelta(days=1))
    # The staff came with the first import on day 1: nothing is guessed for the day before.
    assert figures["staff_total"] == NotRebuilt(DAY_1)
    assert str(figures["staff_total"]) == "nicht rekonstruierbar: Daten erst ab 24.03.2021"
    guessed = {
        key: value
        for key, value in figures.items()
        if not isinstance(value, NotRebuilt) and value not in (None, {})
    }
    assert guessed == {}
    # No VPN log at all: no VPN figure (as today), not a guessed 0.
    assert figures["vpn_concurrent_peak"] is None
    assert compute_kpis(on=DAY_1)["staff_total"] > 0


def test_the_command_gives_the_figures_of_a_day(clock, org, employee):
    clock.move(DAY_1 + dt.timedelta(days=10))
    out = StringIO()
    call_command("kpis", "--json", "--date", DAY_1.isoformat(), stdout=out)
    figures = json.loads(out.getvalue())
    assert figures["staff_total"] == compute_kpis(on=DAY_1)["staff_total"]
    assert figures["vpn_capacity"] == "nicht rekonstruierbar: dafür gibt es keine Daten"

    with pytest.raises(CommandError, match="in der Zukunft"):
        call_command("kpis", "--date", (DAY_1 + dt.timedelta(days=11)).isoformat())
    with pytest.raises(CommandError, match="kein Datum"):
        call_command("kpis", "--date", "20.01.2021")


def test_a_unit_s_figures_count_its_people_and_those_below_and_nobody_else(
    clock,
    settings,
    org,
    employee,
    colleague,
    stranger,
    supervisor,
    it,
    make_agreement,  # noqa: F811
    make_request,  # noqa: F811
):
    settings.MIN_GROUP_SIZE = 1
    make_agreement("active")  # employee, A1
    make_request("submitted", user=colleague)  # A1
    notebook = DeviceModel.objects.create(name="T14", manufacturer="L", kind=DeviceKind.NOTEBOOK)
    for n, user in enumerate((employee, stranger)):  # A1 and B1
        device = Device.objects.create(
            inventory_number=f"K-{n}", serial=f"S{n}", model=notebook, status=DeviceStatus.IN_STOCK
        )
        equipment.assignment_hand_over(
            device=device, employee=Employee.objects.get(user=user), by=it
        )

    whole = compute_kpis()
    amt_a = compute_kpis(unit=org["A"])  # A and A1 below it
    amt_b = compute_kpis(unit=org["B"])
    assert whole["staff_total"] == amt_a["staff_total"] + amt_b["staff_total"] + 0  # D has nobody
    assert amt_a["staff_total"] == Employee.objects.filter(unit__code__in=["A", "A1"]).count()
    assert sum(amt_a["agreements_active_by_kind"].values()) == 1
    assert sum(amt_b["agreements_active_by_kind"].values()) == 0
    assert (amt_a["requests_open"], amt_b["requests_open"]) == (1, 0)
    assert (amt_a["devices_mobile_in_use"], amt_b["devices_mobile_in_use"]) == (1, 1)
    assert whole["devices_mobile_in_use"] == 2
    # What belongs to no unit is not split: the orders and the capacities.
    assert amt_a["devices_on_order"] is None and amt_a["vpn_capacity"] is None
    # The same as of a past day.
    clock.move(DAY_1 + dt.timedelta(days=3))
    rebuilt = compute_kpis(unit=org["A"], on=DAY_1)
    assert rebuilt.pop("org_units_total") == NotRebuilt()
    amt_a.pop("org_units_total")
    assert rebuilt == amt_a


def test_weeks_without_any_vpn_log_have_no_vpn_figure_rather_than_a_zero(clock, settings, org):
    settings.MIN_GROUP_SIZE = 1
    gateway = VpnGateway.objects.create(name="GW", product="other", capacity=50, is_default=True)
    _sessions(gateway, DAY_1 - dt.timedelta(days=14), DAY_1 - dt.timedelta(days=1), users=3)
    clock.move(DAY_2 + dt.timedelta(days=60))
    _sessions(gateway, DAY_2 + dt.timedelta(days=30), DAY_2 + dt.timedelta(days=59), users=4)
    assert compute_kpis(on=DAY_1)["vpn_concurrent_peak"] == 3
    between = compute_kpis(on=DAY_2)  # its 28 days lie between the two logs
    assert between["vpn_concurrent_peak"] == NotRebuilt()
    assert between["vpn_concurrent_avg_workdays"] == NotRebuilt()

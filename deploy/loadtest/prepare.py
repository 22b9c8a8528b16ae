"""What the load needs, read from (and written into) the seeded database: API tokens for
employees, their heads and IT; pairs of an in-stock device and a person who may receive
one; the unit and week the demo head plans. Prints one JSON object (run.py calls it with
the run's DATABASE_URL)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from rathausmobil.agreements.models import RequestStatus, WorkRequest  # noqa: E402
from rathausmobil.agreements.notifications import deciders_of  # noqa: E402
from rathausmobil.agreements.services.shared import responsible_unit  # noqa: E402
from rathausmobil.demo.management.commands.seed_demo import DEMO_PASSWORD  # noqa: E402
from rathausmobil.equipment.models import Device, DeviceStatus  # noqa: E402
from rathausmobil.organisation.models import Employee  # noqa: E402
from rathausmobil.presence.models import WeekPlan  # noqa: E402
from rathausmobil.presence.selectors import plannable_units  # noqa: E402

HEAD = "vorgesetzte"  # the demo head who presses "Plan berechnen"
HR = "personalamt"
IT = "it"


def token(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key


def main(employees: int, devices: int) -> dict:
    User = get_user_model()
    today = timezone.localdate()
    busy = set(
        WorkRequest.objects.filter(status=RequestStatus.SUBMITTED).values_list(
            "employee_id", flat=True
        )
    )
    chosen, heads = [], {}
    candidates = (
        Employee.objects.filter(is_active=True, user__isnull=False, user__is_active=True)
        .exclude(pk__in=busy)
        .exclude(user__username__in=[HEAD, HR, IT])
        .select_related("user", "unit")
        .order_by("personnel_number")
    )
    for employee in candidates:
        if employee.has_left(today):
            continue
        unit = responsible_unit(employee)
        deciders = [u for u in deciders_of(unit) if u.is_active and u.pk != employee.user_id]
        if not deciders:
            continue
        chosen.append(employee)
        for user in deciders:  # a head decides only for the units they lead
            heads.setdefault(user, set()).add(unit.code)
        if len(chosen) == employees:
            break
    taken = {e.pk for e in chosen}
    receivers = [
        e
        for e in Employee.objects.filter(is_active=True)
        .exclude(pk__in=taken)
        .order_by("-personnel_number")[: devices * 2]
        if not e.has_left(today)
    ]
    stock = Device.objects.filter(status=DeviceStatus.IN_STOCK).order_by("inventory_number")
    pairs = [
        [device.inventory_number, employee.personnel_number]
        for device, employee in zip(stock[:devices], receivers, strict=False)
    ]
    head = User.objects.get(username=HEAD)
    # Next week: the demo has a draft plan for it (docs/demo.md), rooms and rules.
    monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7)
    plan = (
        WeekPlan.objects.filter(unit__in=plannable_units(head), week_start=monday)
        .order_by("unit__path")
        .first()
    )
    unit = plan.unit if plan else plannable_units(head).order_by("path").first()
    return {
        "employees": [token(e.user) for e in chosen],
        "heads": [{"token": token(user), "units": sorted(units)} for user, units in heads.items()],
        "it": token(User.objects.get(username=IT)),
        "hr": HR,
        "planner": HEAD,
        "password": DEMO_PASSWORD,
        "devices": pairs,
        "plan": {"unit": unit.pk, "week": f"{monday:%G-W%V}"},
        "first_request": (
            WorkRequest.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        )
        + 1,
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]))))

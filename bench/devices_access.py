"""Benchmark: devices and access at the size of a large city.

50,000 employees, one notebook or desktop each (plus 10,000 in stock), 45,000
active VPN grants. Prints per-request time and query count of IT's pages and the
time of the figures (`kpis`), on SQLite or PostgreSQL (DATABASE_URL).

    .venv/bin/python bench/devices_access.py [--employees 50000] [--repeat 10]
"""

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()

    from employee_list import throwaway_database

    with throwaway_database("bench_devices.sqlite3") as connection:
        run(args, connection)


def run(args, connection):
    from django.test import Client
    from django.utils import timezone
    from employee_list import QueryCounter, employees_file, org_units_file, timed

    from rathausmobil.access.models import AccessGrant, GrantStatus, VpnGateway
    from rathausmobil.equipment.models import Assignment, Device, DeviceModel, DeviceStatus
    from rathausmobil.organisation.importing import employees_import, org_units_import
    from rathausmobil.organisation.models import Employee, Role, RoleAssignment
    from rathausmobil.organisation.tests.factories import UserFactory
    from rathausmobil.reports.kpis import compute_kpis

    rng = random.Random(4)
    units, codes = org_units_file(max(100, args.employees // 40))
    assert org_units_import(data=units, filename="units.csv").ok
    assert employees_import(data=employees_file(args.employees, codes), filename="e.csv").ok
    it = UserFactory(username="bench-it")
    RoleAssignment.objects.create(user=it, role=Role.IT)

    start = time.perf_counter()
    notebook = DeviceModel.objects.create(name="Notebook 14", kind="notebook", is_mobile=True)
    desktop = DeviceModel.objects.create(name="Desktop PC", kind="desktop", is_mobile=False)
    employee_ids = list(Employee.objects.values_list("pk", flat=True))
    now = timezone.now()
    devices = []
    for i, employee_id in enumerate(employee_ids):
        mobile = rng.random() < 0.4
        devices.append(
            Device(
                inventory_number=f"INV-{i:06d}",
                serial=f"SN{i:08d}",
                model=notebook if mobile else desktop,
                status=DeviceStatus.ASSIGNED,
                holder_id=employee_id,
                purchase_date=dt.date(2021, 1, 1),
            )
        )
    for i in range(10_000):
        devices.append(
            Device(
                inventory_number=f"STK-{i:06d}",
                serial=f"SK{i:08d}",
                model=notebook,
                status=DeviceStatus.IN_STOCK,
            )
        )
    Device.objects.bulk_create(devices, batch_size=5000)
    held = Device.objects.filter(holder__isnull=False).values_list("pk", "holder_id")
    Assignment.objects.bulk_create(
        [
            Assignment(
                device_id=d,
                employee_id=e,
                handed_over_at=now - dt.timedelta(days=rng.randint(1, 600)),
                handed_over_by=it,
                acknowledged_at=now,
            )
            for d, e in held
        ],
        batch_size=5000,
    )
    gateway = VpnGateway.objects.create(
        name="GW", product="wireguard", capacity=60_000, is_default=True
    )
    AccessGrant.objects.bulk_create(
        [
            AccessGrant(
                employee_id=e,
                kind="vpn",
                gateway=gateway,
                status=GrantStatus.ACTIVE,
                granted_at=now,
                reason="Benchmark",
            )
            for e in employee_ids[: int(len(employee_ids) * 0.9)]
        ],
        batch_size=5000,
    )
    print(
        f"engine: {connection.vendor}; employees: {len(employee_ids):,}; devices: {len(devices):,}; "
        f"VPN grants: {AccessGrant.objects.count():,} (set up in {time.perf_counter() - start:.1f} s)"
    )

    start = time.perf_counter()
    figures = compute_kpis()
    print(
        f"kpis (all figures): {time.perf_counter() - start:.2f} s; staff_with_vpn_access={figures['staff_with_vpn_access']:,}, "
        f"devices_mobile_in_use={figures['devices_mobile_in_use']:,}"
    )

    client = Client()
    client.force_login(it)
    for label, url in [
        ("devices, first page", "/geraete/"),
        ("devices, search by inventory number", "/geraete/?q=INV-012345"),
        ("who holds what", "/geraete/wer-hat-was/"),
        ("returns (leavers)", "/geraete/ruecknahme/"),
        ("rollout", "/geraete/rollout/"),
        ("access overview", "/zugang/"),
        ("access capacity", "/zugang/kapazitaet/"),
        ("dashboard", "/kennzahlen/"),
    ]:
        queries = QueryCounter()
        with connection.execute_wrapper(queries):
            status = client.get(url).status_code
        assert status in (200, 403), (url, status)
        median, worst = timed(lambda url=url: client.get(url), args.repeat)
        print(
            f"{label}: median {median:.0f} ms, max {worst:.0f} ms, {queries.count} queries"
            + ("" if status == 200 else f" (status {status})")
        )


if __name__ == "__main__":
    main()

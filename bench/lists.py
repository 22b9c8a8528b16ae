"""Benchmark: the long lists (employees, devices, grants) on their first page and on
page 500, for HR (the whole administration) and for the head of a Dezernat.

Builds 50,000 employees through the HR import (org tree of bench/employee_list.py, first
names varied), a device for three in four of them plus 10,000 in stock, and a VPN grant
for nine in ten (some requested, some revoked, a few terminal-server grants), then runs
VACUUM ANALYZE as after a large import. For each list and person it prints the median
and worst time of GET over --repeat requests, the queries of one and the mean time spent
in the database: the first page, page 500 (the page that starts at row 24,950, reached
by the cursor `core.pagination.cursor_at` builds for it, as following "Weiter" 499 times
would; a list shorter than that: its last page), searches by name and by personnel
number and, for HR, the list filtered to one Dezernat by the unit picker's code. (The
database time is the time inside `execute`; SQLite produces rows while they are fetched,
so there it shows less than the database did.)

Runs against a throw-away test database of the configured engine:
    .venv/bin/python bench/lists.py                                      # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_lists .venv/bin/python bench/lists.py
Options: --employees N (default 50000), --repeat N (default 20), --explain (PostgreSQL:
EXPLAIN ANALYZE of each request's queries that took 2 ms or more)
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

PAGE = 50
FIRST_NAMES = [
    "Anna",
    "Bernd",
    "Clara",
    "Dieter",
    "Emine",
    "Felix",
    "Gisela",
    "Hans-Peter",
    "Ines",
    "Jürgen",
    "Karin",
    "Lukas",
    "Maria",
    "Norbert",
    "Olga",
    "Peter",
    "Sophie",
    "Yusuf",
]
ROW_OF_PAGE_500 = 499 * PAGE  # 24,950


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()

    from employee_list import throwaway_database

    with throwaway_database("bench_lists.sqlite3") as connection:
        people = build(args, connection)
        measure(args, connection, people)


def build(args, connection) -> dict:
    from django.db.models import F
    from django.utils import timezone
    from employee_list import employees_file, org_units_file

    from rathausmobil.access.models import (
        AccessGrant,
        GrantStatus,
        TerminalServerFarm,
        VpnGateway,
    )
    from rathausmobil.equipment.models import Device, DeviceModel, DeviceStatus
    from rathausmobil.organisation.importing import employees_import, org_units_import
    from rathausmobil.organisation.models import Employee, OrgUnit, Role, RoleAssignment
    from rathausmobil.organisation.tests.factories import UserFactory

    rng = random.Random(15)
    start = time.perf_counter()
    units, codes = org_units_file(max(100, args.employees // 40))
    assert org_units_import(data=units, filename="units.csv").ok
    assert employees_import(data=employees_file(args.employees, codes), filename="e.csv").ok

    hr = UserFactory(username="bench-hr")
    RoleAssignment.objects.create(user=hr, role=Role.HR)
    head_user = UserFactory(username="bench-head")
    dezernat = OrgUnit.objects.get(code="D1")
    head = Employee.objects.filter(unit__path__startswith=dezernat.path).first()
    head.user = head_user
    head.save(update_fields=["user"])
    dezernat.head = head
    dezernat.save(update_fields=["head"])

    notebook = DeviceModel.objects.create(name="Notebook 14", kind="notebook", is_mobile=True)
    desktop = DeviceModel.objects.create(name="Desktop PC", kind="desktop", is_mobile=False)
    employee_ids = list(Employee.objects.order_by("pk").values_list("pk", flat=True))
    devices = [
        Device(
            inventory_number=f"INV-{i:06d}",
            serial=f"SN{i:08d}",
            model=notebook if rng.random() < 0.4 else desktop,
            status=DeviceStatus.ASSIGNED,
            holder_id=employee_id,
            purchase_date=dt.date(2021, 1, 1),
        )
        for i, employee_id in enumerate(employee_ids)
        if rng.random() < 0.75
    ]
    devices += [
        Device(
            inventory_number=f"STK-{i:06d}",
            serial=f"SK{i:08d}",
            model=notebook,
            status=DeviceStatus.IN_STOCK,
        )
        for i in range(10_000)
    ]
    Device.objects.bulk_create(devices, batch_size=5000)

    gateway = VpnGateway.objects.create(
        name="GW", product="wireguard", capacity=60_000, is_default=True
    )
    farm = TerminalServerFarm.objects.create(name="TS", session_capacity=5_000)
    now = timezone.now()
    grants = []
    for employee_id in employee_ids:
        if rng.random() < 0.9:
            status = rng.choices(
                [GrantStatus.ACTIVE, GrantStatus.REQUESTED, GrantStatus.REVOKED], [90, 5, 5]
            )[0]
            grants.append(
                AccessGrant(
                    employee_id=employee_id,
                    kind="vpn",
                    gateway=gateway,
                    status=status,
                    granted_at=now if status != GrantStatus.REQUESTED else None,
                    revoked_at=now if status == GrantStatus.REVOKED else None,
                    reason="Benchmark",
                )
            )
        if rng.random() < 0.05:
            grants.append(
                AccessGrant(
                    employee_id=employee_id,
                    kind="terminal_server",
                    farm=farm,
                    status=GrantStatus.ACTIVE,
                    granted_at=now,
                    reason="Benchmark",
                )
            )
    AccessGrant.objects.bulk_create(grants, batch_size=5000)
    # The HR file of bench/employee_list.py calls everyone "Vorname"; real first names differ
    # (and a first name shared by all makes PostgreSQL's planner shun the name indexes).
    for i, name in enumerate(FIRST_NAMES):
        Employee.objects.annotate(slot=F("pk") % len(FIRST_NAMES)).filter(slot=i).update(
            first_name=name
        )
    with connection.cursor() as cursor:
        # as after a large import (docs/architecture.md, Speed): statistics, and the GIN
        # indexes' pending entries merged; autovacuum may not have run yet
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    below = Employee.objects.filter(unit__path__startswith=dezernat.path).count()
    print(
        f"engine: {connection.vendor}; employees: {len(employee_ids):,} ({below:,} in D1); "
        f"org units: {len(codes) + 7:,}; devices: {len(devices):,}; grants: {len(grants):,} "
        f"(set up in {time.perf_counter() - start:.1f} s)"
    )
    return {"HR": hr, "head of D1": head_user}


def measure(args, connection, people: dict) -> None:
    from django.test import Client
    from employee_list import QueryCounter, timed

    from rathausmobil.access.selectors import grants_visible_to
    from rathausmobil.access.views import GRANT_ORDER
    from rathausmobil.core.pagination import cursor_at
    from rathausmobil.equipment.selectors import devices_visible_to
    from rathausmobil.equipment.views import DEVICE_ORDER
    from rathausmobil.organisation.selectors import employees_visible_to
    from rathausmobil.organisation.views import EMPLOYEE_ORDER

    lists = [
        ("employees", "/organisation/beschaeftigte/", employees_visible_to, EMPLOYEE_ORDER),
        ("devices", "/geraete/", devices_visible_to, DEVICE_ORDER),
        ("grants", "/zugang/", grants_visible_to, GRANT_ORDER),
    ]
    searches = {
        "employees": ["q=Name0042", "q=Sophie", "q=212345"],
        "devices": ["q=INV-012345"],
        "grants": ["q=Name0042", "q=212345"],
    }
    unit_params = {"employees": "unit=D3", "grants": "einheit=D3"}
    print(
        f"{'list':<10} {'who':<11} {'page':<18} {'median':>9} {'max':>8} {'queries':>8} "
        f"{'of it SQL':>10}"
    )
    for name, url, visible_to, ordering in lists:
        for who, user in people.items():
            rows = visible_to(user)
            total = rows.count()
            position = min(ROW_OF_PAGE_500, (total - 1) // PAGE * PAGE)
            cursor = cursor_at(rows, ordering, position)
            cases = [("first page", url), (f"page {position // PAGE + 1}", f"{url}?nach={cursor}")]
            cases += [(f"search {q[2:]}", f"{url}?{q}") for q in searches[name]]
            if who == "HR" and name in unit_params:
                cases.append(("unit D3", f"{url}?{unit_params[name]}"))
            client = Client()
            client.force_login(user)
            for label, address in cases:
                queries = QueryCounter()
                with connection.execute_wrapper(queries):
                    response = client.get(address)
                assert response.status_code == 200, (address, response.status_code)
                median, worst = timed(lambda a=address, c=client: c.get(a), args.repeat)
                sql = SqlTime()
                with connection.execute_wrapper(sql):
                    sql_median, _ = timed(lambda a=address, c=client: c.get(a), args.repeat)
                print(
                    f"{name:<10} {who:<11} {label:<18} {median:>6.1f} ms {worst:>5.0f} ms "
                    f"{queries.count:>8} {sql.seconds / args.repeat * 1000:>7.1f} ms"
                )
                if args.explain and connection.vendor == "postgresql":
                    explain(connection, client, address)


class SqlTime:
    """Seconds spent in the database (the machine is shared: this moves less than the
    request's wall time when others run)."""

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start


def explain(connection, client, address: str) -> None:
    """EXPLAIN ANALYZE of the request's queries that took 2 ms or more."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(address)
    for query in captured.captured_queries:
        if float(query["time"]) < 0.002 or not query["sql"].lstrip().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + query["sql"])
            plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
        print(f"  -- {address} ({float(query['time']) * 1000:.1f} ms)\n  {query['sql']}\n{plan}")


if __name__ == "__main__":
    main()

"""Benchmark: the organisation at the size of a large city (50,000 employees).

Prints: HR import speed (rows per second: the first import, the idempotent second
one, and a re-import in which every tenth row changed, its unit, weekly hours or
name), the upload preview (dry run) of the whole file before the first import and
before the re-import, and for the employee list page (HR, whole administration; a head of a large
department): time per request and number of queries.

Runs against a throw-away test database of the configured engine:
    .venv/bin/python bench/employee_list.py                      # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/employee_list.py
Options: --employees N (default 50000), --repeat N (default 20)
"""

import argparse
import contextlib
import csv
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "1")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    with throwaway_database("bench.sqlite3") as connection:
        run(args, connection)


OUT = ROOT / "bench" / "out"


@contextlib.contextmanager
def throwaway_database(sqlite_name: str):
    """Django set up for a benchmark, with a fresh test database of the configured engine
    (SQLite: bench/out/<sqlite_name>), dropped afterwards. Yields the connection."""
    import django
    from django.conf import settings

    OUT.mkdir(exist_ok=True)
    django.setup()
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db["TEST"]["NAME"] = str(OUT / sqlite_name)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["*"]

    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield connection
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def org_units_file(units: int) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";")
    w.writerow(["Kennung", "Bezeichnung", "Übergeordnet", "Leitung"])
    for d in range(1, 8):
        w.writerow([f"D{d}", f"Dezernat {d}", "", ""])
    codes = []
    for a in range(units):
        parent = f"D{a % 7 + 1}" if a < 70 else codes[a % 70]
        code = f"E{a:04d}"
        w.writerow([code, f"Einheit {a}", parent, ""])
        codes.append(code)
    return out.getvalue().encode("utf-8"), codes


def employees_file(n: int, codes: list[str], *, changed_every: int = 0) -> bytes:
    """The HR file; with `changed_every` every that many rows differ from the first
    file in turn by their unit, weekly hours or last name."""
    rng = random.Random(50_000)
    out = io.StringIO()
    w = csv.writer(out, delimiter=";")
    from rathausmobil.organisation.importing import EMPLOYEE_COLUMNS

    w.writerow([column.label for column in EMPLOYEE_COLUMNS])
    for i in range(n):
        row = [
            f"{200000 + i}",
            f"Name{rng.randint(0, 5000):04d}",
            "Vorname",
            f"p{i}@stadt.example",
            codes[i % len(codes)],
            f"S{i:06d}",
            "Sachbearbeitung",
            rng.choice(["39", "19,5", "30"]),
            "01.02.2010",
            "",
        ]
        if changed_every and i % changed_every == 0:
            change = (i // changed_every) % 3
            if change == 0:
                row[4] = codes[(i + 1) % len(codes)]
            elif change == 1:
                row[7] = "20"
            else:
                row[1] += "-Neu"
        w.writerow(row)
    return out.getvalue().encode("utf-8")


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def timed(fn, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000, max(samples) * 1000


def preview_time(data: bytes, user) -> str:
    """The upload preview HR waits for (checked, not applied, kept). A file this large
    goes to the background worker (IMPORT_BACKGROUND_BYTES): the request only keeps it
    and queues the check; the worker's check is timed here as `db_worker` would run it."""
    from rathausmobil.core.imports import (
        import_upload_check,
        import_upload_discard,
        import_upload_preview,
    )

    start = time.perf_counter()
    upload, result = import_upload_preview(
        kind="employees", filename="employees.csv", data=data, by=user
    )
    request = time.perf_counter() - start
    assert upload is not None, result.problems[:3]
    start = time.perf_counter()
    if upload.status == "checking":
        assert import_upload_check(upload.pk) == "preview"
    check = time.perf_counter() - start
    import_upload_discard(upload_id=upload.pk, by=user)
    return (
        f"{request + check:.2f} s (the request {request:.2f} s, the worker's check {check:.2f} s)"
    )


def run(args, connection):
    from django.test import Client

    from rathausmobil.organisation.importing import employees_import, org_units_import
    from rathausmobil.organisation.models import Employee, OrgUnit, Role, RoleAssignment
    from rathausmobil.organisation.tests.factories import UserFactory

    engine = connection.vendor
    units_data, codes = org_units_file(max(100, args.employees // 40))
    data = employees_file(args.employees, codes)
    changed_data = employees_file(args.employees, codes, changed_every=10)
    print(f"engine: {engine}; employees: {args.employees:,}; org units: {len(codes) + 7:,}")

    start = time.perf_counter()
    assert org_units_import(data=units_data, filename="units.csv").ok
    print(f"import org units: {time.perf_counter() - start:.2f} s")

    hr = UserFactory(username="bench-hr")
    RoleAssignment.objects.create(user=hr, role=Role.HR)
    print(f"upload preview, all new: {preview_time(data, hr)}")

    start = time.perf_counter()
    result = employees_import(data=data, filename="employees.csv")
    elapsed = time.perf_counter() - start
    assert result.ok, result.problems[:3]
    print(f"import employees (all new): {elapsed:.2f} s = {args.employees / elapsed:,.0f} rows/s")

    start = time.perf_counter()
    result = employees_import(data=data, filename="employees.csv")
    elapsed = time.perf_counter() - start
    assert result.counts()["unchanged"] == args.employees
    print(
        f"import employees (same file again, no change): {elapsed:.2f} s = {args.employees / elapsed:,.0f} rows/s"
    )

    print(f"upload preview, every tenth row changed: {preview_time(changed_data, hr)}")
    start = time.perf_counter()
    result = employees_import(data=changed_data, filename="employees-changed.csv")
    elapsed = time.perf_counter() - start
    counts = result.counts()
    assert counts["changed"] == args.employees // 10 + (args.employees % 10 > 0), counts
    print(
        f"import employees (every tenth row changed, {counts['changed']:,} rows): "
        f"{elapsed:.2f} s = {args.employees / elapsed:,.0f} rows/s"
    )
    head_user = UserFactory(username="bench-head")
    big = OrgUnit.objects.get(code="D1")
    head = Employee.objects.filter(unit__path__startswith=big.path).first()
    head.user = head_user
    head.save(update_fields=["user"])
    big.head = head
    big.save(update_fields=["head"])
    below = Employee.objects.filter(unit__path__startswith=big.path).count()

    # Page 500 of the seek pager: the cursor its "weiter" link carries after 499 steps.
    from rathausmobil.core.pagination import DEFAULT_SIZE, cursor_at
    from rathausmobil.organisation.selectors import employees_visible_to
    from rathausmobil.organisation.views import EMPLOYEE_ORDER

    page_500 = cursor_at(employees_visible_to(hr), EMPLOYEE_ORDER, 499 * DEFAULT_SIZE)
    for label, user, query in [
        ("HR, first page", hr, ""),
        ("HR, page 500", hr, f"?nach={quote(page_500)}"),
        ("HR, search by name", hr, "?q=Name0042"),
        ("HR, one Dezernat", hr, "?unit=D3"),
        (f"head of D1 ({below:,} below), first page", head_user, ""),
    ]:
        client = Client()
        client.force_login(user)
        url = f"/organisation/beschaeftigte/{query}"
        queries = QueryCounter()
        with connection.execute_wrapper(queries):
            assert client.get(url).status_code == 200
        median, worst = timed(lambda client=client, url=url: client.get(url), args.repeat)
        print(
            f"employee list, {label}: median {median:.0f} ms, max {worst:.0f} ms, {queries.count} queries"
        )


if __name__ == "__main__":
    main()

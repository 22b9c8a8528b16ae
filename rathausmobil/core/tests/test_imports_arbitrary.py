"""Every import kind, fed arbitrary bytes, near-valid CSV and XLSX files with odd cells,
answers with problems (the file refused) or a preview, never with an exception
(docs/import.md, "Tested with arbitrary input").

The files go through ``import_upload_preview``, the service behind every upload page, so
reading (CSV and XLSX), each kind's row checks and its dry run are all exercised.
"""

import csv
import datetime as dt
import functools
import io
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context, event
from openpyxl.utils.exceptions import IllegalCharacterError

from rathausmobil.core.errors import DomainError
from rathausmobil.core.imports import import_kinds, import_upload_preview
from rathausmobil.core.tabular import Problem
from rathausmobil.core.tests import mutations
from rathausmobil.organisation.models import Role, RoleAssignment
from rathausmobil.organisation.tests.factories import UserFactory

APPS = Path(__file__).resolve().parents[2]

SAMPLES = {
    "employees": [
        "organisation/tests/files/employees_cp1252.csv",
        "organisation/tests/files/employees_utf8_bom_comma.csv",
        "organisation/tests/files/employees.xlsx",
    ],
    "org_units": [
        "organisation/tests/files/org_units.csv",
        "organisation/tests/files/org_units_english.csv",
    ],
    "devices": [
        "equipment/tests/files/snipeit_assets.csv",
        "equipment/tests/files/devices_de_cp1252.csv",
    ],
    "rooms": ["presence/tests/files/rooms.csv"],
    "absences": ["presence/tests/files/absences.csv"],
}

# Function-scoped fixtures (the database, the user) are shared by the examples of a test:
# every example is a dry run or a preview in the test's transaction.
ROBUST = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
KINDS = sorted(SAMPLES)


def test_every_import_kind_has_samples():
    assert {kind.key for kind in import_kinds} == set(SAMPLES)


@pytest.fixture
def uploader(org):
    """Someone who may upload every kind (HR and IT)."""
    user = UserFactory(username="uploader")
    for role in (Role.HR, Role.IT):
        RoleAssignment.objects.create(user=user, role=role)
    return user


def preview(kind: str, data: bytes, by, filename: str = "datei.csv"):
    """Upload ``data`` as the upload page does: problems or a preview, nothing else."""
    try:
        upload, result = import_upload_preview(kind=kind, filename=filename, data=data, by=by)
    except DomainError:
        _outcome("refused")
        return None  # a clear refusal with a German message
    assert all(isinstance(p, Problem) and str(p) for p in result.problems + result.warnings)
    assert (upload is None) == bool(result.problems)
    _outcome("problems" if result.problems else "preview")
    return result


def _outcome(name: str) -> None:
    """Counted by ``pytest --hypothesis-show-statistics``: how many files got this far."""
    if currently_in_test_context():
        event(name)


def sample(path: str) -> bytes:
    return (APPS / path).read_bytes()


# --- CSV ------------------------------------------------------------------------------------


@ROBUST
@given(kind=st.sampled_from(KINDS), data=st.binary(max_size=1500))
def test_arbitrary_bytes_are_refused_with_problems(uploader, kind, data):
    preview(kind, data, uploader)


@ROBUST
@given(kind=st.sampled_from(KINDS), data=st.data())
def test_near_valid_csv_gives_problems_or_a_preview(uploader, kind, data):
    path = data.draw(st.sampled_from([p for p in SAMPLES[kind] if p.endswith(".csv")]))
    preview(kind, data.draw(mutations.near_valid(sample(path))), uploader)


# --- XLSX -----------------------------------------------------------------------------------

ODD_CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 12, 31)),
    st.times(),
    st.text(max_size=40).filter(lambda t: not t.startswith("=")),
    st.sampled_from(["=1/0", "=A1", "=SUMME(A1:A2)", "#NV", "0001-01-01", "31.02.2021"]),
    st.sampled_from(mutations.HUGE + mutations.DATES + mutations.TIMES),
)


def _rows_of(path: str) -> list[list]:
    data = sample(path)
    if path.endswith(".xlsx"):
        sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    text = data.decode("utf-8-sig") if b"\xc3" in data else data.decode("cp1252")
    delimiter = ";" if text.count(";") > text.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _workbook(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@ROBUST
@given(kind=st.sampled_from(KINDS), data=st.data())
def test_xlsx_with_odd_cells_gives_problems_or_a_preview(uploader, kind, data):
    rows = _rows_of(data.draw(st.sampled_from(SAMPLES[kind])))
    for _ in range(data.draw(st.integers(1, 6))):
        r = data.draw(st.integers(0, len(rows) - 1))
        if not rows[r]:
            continue
        c = data.draw(st.integers(0, len(rows[r]) - 1))
        rows[r][c] = data.draw(ODD_CELLS)
    try:
        book = _workbook(rows)
    except (ValueError, TypeError, IllegalCharacterError):
        return  # a value openpyxl itself cannot write is no file an uploader can have
    preview(kind, book, uploader, "datei.xlsx")


@functools.cache
def _sample_book(kind: str) -> bytes:
    """The kind's first sample as a workbook, once (a workbook saved again differs in its
    time stamps, and the examples must draw from the same bytes)."""
    return _workbook(_rows_of(SAMPLES[kind][0]))


@settings(ROBUST, max_examples=15)
@given(kind=st.sampled_from(KINDS), data=st.data())
def test_a_damaged_xlsx_is_refused_with_problems(uploader, kind, data):
    book = _sample_book(kind)
    how = data.draw(st.sampled_from(["truncate", "flip", "insert"]))
    pos = data.draw(st.integers(4, len(book) - 1))
    if how == "truncate":
        book = book[:pos]
    elif how == "flip":
        book = book[:pos] + bytes([book[pos] ^ 0xFF]) + book[pos + 1 :]
    else:
        book = book[:pos] + data.draw(st.binary(min_size=1, max_size=16)) + book[pos:]
    preview(kind, book, uploader, "datei.xlsx")


def test_the_samples_are_read_as_they_are(uploader):
    # The base of the mutations is a file the import reads: problems, if any, are of rows
    # (units the test database does not have), never the file refused as unreadable.
    for kind, paths in SAMPLES.items():
        for path in paths:
            result = preview(kind, sample(path), uploader, Path(path).name)
            assert result is not None
            assert all(p.line for p in result.problems), (path, [str(p) for p in result.problems])

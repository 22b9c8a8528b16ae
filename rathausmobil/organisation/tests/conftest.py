"""Fixtures for the HR import tests: the files under `files/` and a loaded org tree."""

from pathlib import Path

import pytest

from rathausmobil.organisation.importing import org_units_import
from rathausmobil.organisation.models import OrgUnit

FILES = Path(__file__).parent / "files"


@pytest.fixture(autouse=True)
def _import_fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def read_file():
    """The bytes of a test file, as an upload or the command would read them."""

    def read(name: str) -> bytes:
        return (FILES / name).read_bytes()

    return read


@pytest.fixture
def file_path():
    def path(name: str) -> str:
        return str(FILES / name)

    return path


@pytest.fixture
def units(db):
    """The org tree of `org_units.csv`: III > 32 > 32.1, III > 33 > 33.2, II > 20."""
    result = org_units_import(data=(FILES / "org_units.csv").read_bytes(), filename="org_units.csv")
    assert result.ok, result.problems
    return {unit.code: unit for unit in OrgUnit.objects.all()}

"""The backup and restore drill (`make backup-drill`, deploy/backup/drill.py) on the
PostgreSQL of the test run: pg_dump, pg_restore into a fresh database, the same figures,
audit log and rows. It needs PostgreSQL's tools, so it runs in the PostgreSQL pass."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
DRILL = BASE_DIR / "deploy" / "backup" / "drill.py"


def _drill_module():
    spec = importlib.util.spec_from_file_location("drill", DRILL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_it_names_what_was_lost_or_changed():
    drill = _drill_module()
    before = {"kpis": {"staff_total": 12, "devices": 3}, "audit": [1, 2, 3], "rows": {"a": 1}}
    same = {"kpis": {"staff_total": 12, "devices": 3}, "audit": [1, 2, 3], "rows": {"a": 1}}
    assert drill.differences(before, same) == []
    lost = {"kpis": {"staff_total": 12, "devices": 2}, "audit": [1, 2], "rows": {"a": 0}}
    assert drill.differences(before, lost) == [
        "kpis: devices",
        "audit: 3 vorher, 2 nachher",
        "rows: a",
    ]


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the drill runs on PostgreSQL (the PostgreSQL pass of make test)",
)
def test_a_dump_restored_into_a_fresh_database_gives_the_same_figures_and_log():
    if not shutil.which("pg_dump"):
        pytest.fail("pg_dump fehlt (Debian: postgresql-client).")
    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    done = subprocess.run(  # noqa: S603
        [sys.executable, str(DRILL), "--server", server, "--prefix", "rm_drill_test"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5. wiederhergestellt: dieselben Kennzahlen" in done.stdout

"""The uploads of the HR import (organisation.ImportBatch) and of the inventory import
(equipment.DeviceImport) move into core.ImportUpload: every row, with its bytes,
status, summary, uploader and times, and back again on the way down."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

UPLOADED = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 30))
APPLIED = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 45))


def _node(graph, app: str, suffix: str) -> tuple[str, str]:
    return next(node for node in graph.nodes if node[0] == app and node[1].endswith(suffix))


def _before(graph) -> list[tuple[str, str]]:
    """The migrations just before the move, in the three apps it touches."""
    targets = []
    for app, suffix in (
        ("core", "_import_upload"),
        ("organisation", "_imports_in_core"),
        ("equipment", "_imports_in_core"),
    ):
        node = _node(graph, app, suffix)
        targets.append(next(p for p in graph.node_map[node].parents if p.key[0] == app).key)
    return targets


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_it_moves_every_upload_into_core_and_back():
    graph = MigrationExecutor(connection).loader.graph
    latest = graph.leaf_nodes()
    before = _before(graph)
    try:
        old = _migrate(before)
        user = old.get_model("auth", "User").objects.create(username="hr")
        batches = old.get_model("organisation", "ImportBatch").objects
        devices = old.get_model("equipment", "DeviceImport").objects
        waiting = batches.create(
            kind="employees",
            filename="personal.csv",
            content=b"Personalnummer;Nachname\r\n",
            sha256="a" * 64,
            summary={"counts": {"created": 2}},
            uploaded_by=user,
        )
        batches.create(
            kind="org_units",
            filename="einheiten.csv",
            content=b"",
            sha256="b" * 64,
            status="applied",
            applied_at=APPLIED,
            uploaded_by=user,
        )
        devices.create(
            filename="bestand.xlsx",
            content=b"",
            sha256="c" * 64,
            status="discarded",
            uploaded_by=user,
        )
        batches.filter(pk=waiting.pk).update(created_at=UPLOADED)

        new = _migrate(latest)
        uploads = new.get_model("core", "ImportUpload").objects.order_by("filename")
        assert [(u.filename, u.kind, u.status) for u in uploads] == [
            ("bestand.xlsx", "devices", "discarded"),
            ("einheiten.csv", "org_units", "applied"),
            ("personal.csv", "employees", "preview"),
        ]
        moved = uploads.get(filename="personal.csv")
        assert bytes(moved.content) == b"Personalnummer;Nachname\r\n"  # still to confirm
        assert (moved.sha256, moved.summary, moved.created_at) == (
            "a" * 64,
            {"counts": {"created": 2}},
            UPLOADED,
        )
        assert uploads.get(filename="einheiten.csv").applied_at == APPLIED
        assert {u.uploaded_by_id for u in uploads} == {user.pk}

        back = _migrate(before)
        home = back.get_model("organisation", "ImportBatch").objects
        assert sorted(home.values_list("kind", flat=True)) == ["employees", "org_units"]
        assert bytes(home.get(kind="employees").content) == b"Personalnummer;Nachname\r\n"
        assert back.get_model("equipment", "DeviceImport").objects.get().status == "discarded"
    finally:
        _migrate(latest)

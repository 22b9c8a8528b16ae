"""access/0002_history_in_core moves a grant's history (GrantChange) into
core.StatusChange, naming each step by its move (GrantChange had no action)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from rathausmobil.access.models import AccessGrant

BEFORE = [("access", "0001_initial")]


def _migrate_to_latest():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_it_moves_the_grant_history_and_names_each_step(employee, it):
    start = timezone.make_aware(dt.datetime(2024, 5, 2, 8, 0))
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        Gateway = old.get_model("access", "VpnGateway")
        Grant = old.get_model("access", "AccessGrant")
        GrantChange = old.get_model("access", "GrantChange")
        gateway = Gateway.objects.create(name="VPN", product="wireguard", capacity=10)
        grant = Grant.objects.create(
            employee_id=employee.employee.pk, kind="vpn", gateway=gateway, status="revoked"
        )
        steps = [
            ("", "requested", it.pk, "Rufbereitschaft"),
            ("requested", "active", it.pk, ""),
            ("active", "active", None, "Vereinbarung 1 beendet; weiter mit Vereinbarung 2"),
            ("active", "revoked", None, "Ausgeschieden aus dem Dienst"),
        ]
        for day, (src, dst, by, reason) in enumerate(steps):
            change = GrantChange.objects.create(
                grant=grant, from_status=src, to_status=dst, by_id=by, reason=reason
            )
            GrantChange.objects.filter(pk=change.pk).update(at=start + dt.timedelta(days=day))
    finally:
        _migrate_to_latest()

    history = AccessGrant.objects.get(pk=grant.pk).history.all()
    assert [(h.action, h.from_status, h.to_status, h.by_id, h.reason) for h in history] == [
        ("request", "", "requested", it.pk, "Rufbereitschaft"),
        ("activate", "requested", "active", it.pk, ""),
        ("move", "active", "active", None, "Vereinbarung 1 beendet; weiter mit Vereinbarung 2"),
        ("revoke", "active", "revoked", None, "Ausgeschieden aus dem Dienst"),
    ]
    assert [h.at for h in history] == [start + dt.timedelta(days=d) for d in range(4)]

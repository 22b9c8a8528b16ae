"""Migration 0004: the history moves from `agreements.StatusChange` into
`core.StatusChange`, every row as it was (including its time), and back."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from rathausmobil.agreements import services
from rathausmobil.agreements.models import Agreement, Offer, WorkRequest
from rathausmobil.agreements.tests.conftest import TODAY
from rathausmobil.core.models import StatusChange

BEFORE = [("agreements", "0003_retention")]
OLD_TABLE = "agreements_statuschange"


def _migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor


def _old_rows(apps) -> list[tuple]:
    Old = apps.get_model("agreements", "StatusChange")
    return list(
        Old.objects.order_by("id").values_list(
            "request_id",
            "offer_id",
            "agreement_id",
            "action",
            "from_status",
            "to_status",
            "by_id",
            "at",
            "reason",
        )
    )


def _history(obj) -> list[tuple]:
    return list(
        obj.history.order_by("id").values_list(
            "action", "from_status", "to_status", "by_id", "at", "reason"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_it_moves_every_history_row_into_core_and_back(
    make_request, make_offer, employee, supervisor
):
    rejected = make_request("rejected")
    offer = make_offer()
    agreement = services.offer_accept(offer=offer, by=employee, today=TODAY)
    subjects = [rejected, offer, agreement]
    before = {obj: _history(obj) for obj in subjects}
    assert sum(len(rows) for rows in before.values()) == 7

    try:
        # Back to 0003: the rows go into the old table, none stays in core.
        executor = _migrate(BEFORE)
        assert OLD_TABLE in connection.introspection.table_names()
        assert not StatusChange.objects.filter(content_type__app_label="agreements").exists()
        apps = executor.loader.project_state(BEFORE).apps
        moved_back = _old_rows(apps)
        assert [row[3:] for row in moved_back] == [row for obj in subjects for row in before[obj]]
        assert {row[:3] for row in moved_back} == {
            (rejected.pk, None, None),
            (None, offer.pk, None),
            (None, None, agreement.pk),
        }

        # A database of before: rows of their own time, one written by the old code only.
        Old = apps.get_model("agreements", "StatusChange")
        long_ago = dt.datetime(2019, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
        for n, row in enumerate(Old.objects.order_by("id")):
            Old.objects.filter(pk=row.pk).update(at=long_ago + dt.timedelta(minutes=n))
        Old.objects.create(
            request_id=rejected.pk,
            action="escalate",
            from_status="submitted",
            to_status="submitted",
            by_id=None,
            reason="Frist 29.03.2021 überschritten; weiter an A Amt A",
        )
        Old.objects.filter(action="escalate").update(at=long_ago + dt.timedelta(days=1))
        expected = {
            WorkRequest: [r[3:] for r in _old_rows(apps) if r[0] == rejected.pk],
            Offer: [r[3:] for r in _old_rows(apps) if r[1] == offer.pk],
            Agreement: [r[3:] for r in _old_rows(apps) if r[2] == agreement.pk],
        }
    finally:
        _migrate()

    # Forward again: every row in core, as it was, and the old table gone.
    assert OLD_TABLE not in connection.introspection.table_names()
    for obj in subjects:
        assert _history(obj) == expected[type(obj)]
    assert _history(rejected)[-1][0] == "escalate"
    assert _history(offer)[0][4] == dt.datetime(2019, 5, 6, 7, 11, 9, tzinfo=dt.UTC)
    assert StatusChange.objects.filter(content_type__app_label="agreements").count() == 8

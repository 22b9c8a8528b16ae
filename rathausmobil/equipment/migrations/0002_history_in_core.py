"""The history of purchase orders moves from `OrderEvent` into the one history of
every status, `core.StatusChange` (content type `equipment.purchaseorder`); the
note becomes the reason, the time stays as it was."""

from contextlib import contextmanager

from django.db import migrations

BATCH = 2000


@contextmanager
def keeping_time(model):
    """Let `at` (auto_now_add) take the time copied from the old row."""
    field = model._meta.get_field("at")
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = True


def _order_type(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label="equipment", model="purchaseorder")[0]


def events_to_status_changes(apps, schema_editor):
    OrderEvent = apps.get_model("equipment", "OrderEvent")
    StatusChange = apps.get_model("core", "StatusChange")
    if not OrderEvent.objects.exists():
        return
    order_type = _order_type(apps)
    rows = (
        StatusChange(
            content_type=order_type,
            object_id=event.order_id,
            action=event.action,
            from_status=event.from_status,
            to_status=event.to_status,
            by_id=event.by_id,
            at=event.at,
            reason=event.note,
        )
        for event in OrderEvent.objects.order_by("at", "id").iterator(chunk_size=BATCH)
    )
    with keeping_time(StatusChange):
        StatusChange.objects.bulk_create(rows, batch_size=BATCH)


def status_changes_to_events(apps, schema_editor):
    OrderEvent = apps.get_model("equipment", "OrderEvent")
    StatusChange = apps.get_model("core", "StatusChange")
    changes = StatusChange.objects.filter(content_type=_order_type(apps))
    rows = (
        OrderEvent(
            order_id=change.object_id,
            action=change.action,
            from_status=change.from_status,
            to_status=change.to_status,
            by_id=change.by_id,
            at=change.at,
            note=change.reason,
        )
        for change in changes.order_by("at", "id").iterator(chunk_size=BATCH)
    )
    with keeping_time(OrderEvent):
        OrderEvent.objects.bulk_create(rows, batch_size=BATCH)
    changes.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0003_statuschange"),
        ("equipment", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(events_to_status_changes, status_changes_to_events),
        migrations.DeleteModel(name="OrderEvent"),
    ]

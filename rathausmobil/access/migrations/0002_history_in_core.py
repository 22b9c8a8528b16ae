"""The history of grants moves from `GrantChange` into the one history of every
status, `core.StatusChange` (content type `access.accessgrant`), the time kept.

`GrantChange` had no action; it follows from the move: created (from nothing) is
"request", to active "activate", to revoked "revoke", the same status "move" (the
grant went on with another agreement)."""

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


def action_of(from_status: str, to_status: str) -> str:
    if from_status == to_status:
        return "move"
    if not from_status:
        return "request"
    return {"active": "activate", "revoked": "revoke"}.get(to_status, "move")


def _grant_type(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label="access", model="accessgrant")[0]


def changes_to_status_changes(apps, schema_editor):
    GrantChange = apps.get_model("access", "GrantChange")
    StatusChange = apps.get_model("core", "StatusChange")
    if not GrantChange.objects.exists():
        return
    grant_type = _grant_type(apps)
    rows = (
        StatusChange(
            content_type=grant_type,
            object_id=change.grant_id,
            action=action_of(change.from_status, change.to_status),
            from_status=change.from_status,
            to_status=change.to_status,
            by_id=change.by_id,
            at=change.at,
            reason=change.reason,
        )
        for change in GrantChange.objects.order_by("at", "id").iterator(chunk_size=BATCH)
    )
    with keeping_time(StatusChange):
        StatusChange.objects.bulk_create(rows, batch_size=BATCH)


def status_changes_to_changes(apps, schema_editor):
    GrantChange = apps.get_model("access", "GrantChange")
    StatusChange = apps.get_model("core", "StatusChange")
    changes = StatusChange.objects.filter(content_type=_grant_type(apps))
    rows = (
        GrantChange(
            grant_id=change.object_id,
            from_status=change.from_status,
            to_status=change.to_status,
            by_id=change.by_id,
            at=change.at,
            reason=change.reason[:300],
        )
        for change in changes.order_by("at", "id").iterator(chunk_size=BATCH)
    )
    with keeping_time(GrantChange):
        GrantChange.objects.bulk_create(rows, batch_size=BATCH)
    changes.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0003_statuschange"),
    ]

    operations = [
        migrations.RunPython(changes_to_status_changes, status_changes_to_changes),
        migrations.DeleteModel(name="GrantChange"),
    ]

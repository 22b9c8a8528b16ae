"""The history of requests, offers and agreements moves into `core.StatusChange`
(one history for every record with a status, by content type and id).

Every row is copied as it is (action, from, to, by, at, reason) in one
INSERT ... SELECT, so that `at` keeps its value (the ORM would stamp
`auto_now_add`) and the copy takes one statement however many rows there are.
Backwards, the rows of the three models go back into the old table.
"""

from django.db import migrations

SUBJECTS = (("request", "workrequest"), ("offer", "offer"), ("agreement", "agreement"))
COLUMNS = ("action", "from_status", "to_status", "by_id", "at", "reason")


def _content_type_ids(apps) -> dict[str, int]:
    ContentType = apps.get_model("contenttypes", "ContentType")
    return {
        subject: ContentType.objects.get_or_create(app_label="agreements", model=model)[0].pk
        for subject, model in SUBJECTS
    }


def _tables(apps, schema_editor) -> tuple[str, str]:
    old = apps.get_model("agreements", "StatusChange")._meta.db_table
    new = apps.get_model("core", "StatusChange")._meta.db_table
    return schema_editor.quote_name(old), schema_editor.quote_name(new)


def copy_into_core(apps, schema_editor):
    Old = apps.get_model("agreements", "StatusChange")
    if not Old.objects.exists():
        return
    content_types = _content_type_ids(apps)
    old, new = _tables(apps, schema_editor)
    q = schema_editor.quote_name
    columns = ", ".join(q(c) for c in COLUMNS)
    schema_editor.execute(
        f"INSERT INTO {new} ({q('content_type_id')}, {q('object_id')}, {columns}) "
        f"SELECT CASE WHEN {q('request_id')} IS NOT NULL THEN %s "
        f"WHEN {q('offer_id')} IS NOT NULL THEN %s ELSE %s END, "
        f"COALESCE({q('request_id')}, {q('offer_id')}, {q('agreement_id')}), {columns} "
        f"FROM {old} ORDER BY {q('id')}",
        [content_types["request"], content_types["offer"], content_types["agreement"]],
    )


def copy_back(apps, schema_editor):
    New = apps.get_model("core", "StatusChange")
    content_types = _content_type_ids(apps)
    rows = New.objects.filter(content_type_id__in=content_types.values())
    if not rows.exists():
        return
    old, new = _tables(apps, schema_editor)
    q = schema_editor.quote_name
    columns = ", ".join(q(c) for c in COLUMNS)
    subject_columns = ", ".join(
        f"CASE WHEN {q('content_type_id')} = %s THEN {q('object_id')} END"
        for subject, _model in SUBJECTS
    )
    schema_editor.execute(
        f"INSERT INTO {old} ({q('request_id')}, {q('offer_id')}, {q('agreement_id')}, {columns}) "
        f"SELECT {subject_columns}, {columns} FROM {new} "
        f"WHERE {q('content_type_id')} IN (%s, %s, %s) ORDER BY {q('id')}",
        [content_types[subject] for subject, _model in SUBJECTS] * 2,
    )
    rows.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0003_retention"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0003_statuschange"),
    ]

    operations = [
        migrations.RunPython(copy_into_core, copy_back),
        migrations.DeleteModel(name="StatusChange"),
    ]

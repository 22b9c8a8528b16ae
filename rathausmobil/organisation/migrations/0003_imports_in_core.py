"""The HR upload batches move to core, where one model (ImportUpload) now keeps
the uploads of every kind: each ImportBatch row becomes an ImportUpload of the same
kind (`org_units`, `employees`) with its bytes, checksum, status, summary, uploader
and times; then ImportBatch goes. Reversible: the way back moves them home again."""

from django.conf import settings
from django.db import migrations

KINDS = ("org_units", "employees")
FIELDS = ("kind", "filename", "sha256", "status", "summary", "uploaded_by_id", "applied_at")


def _copy(source, target):
    for row in source.order_by("pk").iterator():
        copy = target.create(content=bytes(row.content), **{f: getattr(row, f) for f in FIELDS})
        # created_at is set on insert (auto_now_add); keep the original time.
        target.filter(pk=copy.pk).update(created_at=row.created_at)


def move_to_core(apps, schema_editor):
    ImportBatch = apps.get_model("organisation", "ImportBatch")
    ImportUpload = apps.get_model("core", "ImportUpload")
    _copy(ImportBatch.objects.all(), ImportUpload.objects)


def move_back(apps, schema_editor):
    ImportBatch = apps.get_model("organisation", "ImportBatch")
    ImportUpload = apps.get_model("core", "ImportUpload")
    uploads = ImportUpload.objects.filter(kind__in=KINDS)
    _copy(uploads, ImportBatch.objects)
    uploads.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_import_upload"),
        ("organisation", "0002_roleassignment_from_core"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(move_to_core, move_back),
        migrations.DeleteModel(name="ImportBatch"),
    ]

"""The inventory uploads move to core, where one model (ImportUpload) now keeps the
uploads of every kind: each DeviceImport row becomes an ImportUpload of kind
`devices` with its bytes, checksum, status, summary, uploader and times; then
DeviceImport goes. Reversible: the way back moves them home again."""

from django.conf import settings
from django.db import migrations

KIND = "devices"
FIELDS = ("filename", "sha256", "status", "summary", "uploaded_by_id", "applied_at")


def _copy(source, target, **fixed):
    for row in source.order_by("pk").iterator():
        copy = target.create(
            content=bytes(row.content), **fixed, **{f: getattr(row, f) for f in FIELDS}
        )
        # created_at is set on insert (auto_now_add); keep the original time.
        target.filter(pk=copy.pk).update(created_at=row.created_at)


def move_to_core(apps, schema_editor):
    DeviceImport = apps.get_model("equipment", "DeviceImport")
    ImportUpload = apps.get_model("core", "ImportUpload")
    _copy(DeviceImport.objects.all(), ImportUpload.objects, kind=KIND)


def move_back(apps, schema_editor):
    DeviceImport = apps.get_model("equipment", "DeviceImport")
    ImportUpload = apps.get_model("core", "ImportUpload")
    uploads = ImportUpload.objects.filter(kind=KIND)
    _copy(uploads, DeviceImport.objects)
    uploads.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_import_upload"),
        ("equipment", "0002_history_in_core"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(move_to_core, move_back),
        migrations.DeleteModel(name="DeviceImport"),
    ]

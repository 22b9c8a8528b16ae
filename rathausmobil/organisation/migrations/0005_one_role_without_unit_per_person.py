"""One person holds a role without a unit (HR, IT, ...) once: a unique index treats NULLs
as distinct, so the unique constraint over (user, role, unit) let a double click store it
twice. Duplicates already stored are dropped first (the oldest row stays)."""

from django.conf import settings
from django.db import migrations, models


def drop_duplicates(apps, schema_editor):
    RoleAssignment = apps.get_model("organisation", "RoleAssignment")
    seen = set()
    duplicates = []
    rows = RoleAssignment.objects.filter(unit__isnull=True).order_by("pk")
    for pk, user_id, role in rows.values_list("pk", "user_id", "role"):
        if (user_id, role) in seen:
            duplicates.append(pk)
        seen.add((user_id, role))
    RoleAssignment.objects.filter(pk__in=duplicates).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("organisation", "0004_employee_list_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(drop_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="roleassignment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("unit__isnull", True)),
                fields=("user", "role"),
                name="unique_role_without_unit",
            ),
        ),
    ]

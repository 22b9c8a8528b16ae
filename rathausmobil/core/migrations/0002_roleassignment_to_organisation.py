"""RoleAssignment now lives in the organisation app (its migration 0002 takes over
the table); core only forgets it, nothing happens in the database."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("organisation", "0002_roleassignment_from_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="RoleAssignment")],
            database_operations=[],
        ),
    ]

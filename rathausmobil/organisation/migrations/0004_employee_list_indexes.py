"""Indexes of the employee list at city scale (issue 15).

- `employee_name_idx` takes the id as its third column: the list's order is last name,
  first name, id (`organisation.views.EMPLOYEE_ORDER`), and a keyset page walks the
  index from where the page starts.
- `employee_pnr_upper_idx`: the search by personnel number compares UPPER(...) (`iexact`).
- PostgreSQL only: trigram (pg_trgm) GIN indexes on UPPER(last_name), UPPER(first_name)
  and UPPER(email), the expressions `icontains`/`istartswith` compare, so a search by part
  of a name reads the index instead of every row. SQLite has no such index and skips them.
"""

import django.db.models.functions.text
from django.db import migrations, models

TRIGRAM_COLUMNS = ("last_name", "first_name", "email")


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in TRIGRAM_COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS employee_{column}_trgm ON organisation_employee "
            f"USING gin (UPPER({column}) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in TRIGRAM_COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS employee_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("organisation", "0003_imports_in_core"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="employee",
            name="employee_name_idx",
        ),
        migrations.AddIndex(
            model_name="employee",
            index=models.Index(fields=["last_name", "first_name", "id"], name="employee_name_idx"),
        ),
        migrations.AddIndex(
            model_name="employee",
            index=models.Index(
                django.db.models.functions.text.Upper("personnel_number"),
                name="employee_pnr_upper_idx",
            ),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]

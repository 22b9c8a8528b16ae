"""Roles move from core to the organisation, where scoping lives: the model moves in
Django's state, then its table is renamed; no row is copied or lost."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="organisation", model="roleassignment").exists():
        ContentType.objects.filter(app_label="core", model="roleassignment").update(
            app_label="organisation"
        )


def move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="core", model="roleassignment").exists():
        ContentType.objects.filter(app_label="organisation", model="roleassignment").update(
            app_label="core"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        ("organisation", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RoleAssignment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "role",
                            models.CharField(
                                choices=[
                                    ("supervisor", "Vorgesetzte / Amtsleitung"),
                                    ("hr", "Personalamt"),
                                    ("it", "IT"),
                                    ("staff_council", "Personalrat"),
                                    ("dpo", "Datenschutzbeauftragte"),
                                    ("leadership", "Verwaltungsspitze"),
                                ],
                                max_length=32,
                                verbose_name="Rolle",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="angelegt")),
                        (
                            "unit",
                            models.ForeignKey(
                                blank=True,
                                help_text="Nur für Vorgesetzte: die Einheit (mit allen darunter), die sie vertreten.",
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="organisation.orgunit",
                                verbose_name="Organisationseinheit",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="role_assignments",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="Benutzer",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "Rollenzuweisung",
                        "verbose_name_plural": "Rollenzuweisungen",
                        "db_table": "core_roleassignment",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "role", "unit"), name="unique_role_assignment"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("role", "supervisor"), _negated=True),
                                    ("unit__isnull", False),
                                    _connector="OR",
                                ),
                                name="supervisor_role_needs_unit",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="roleassignment", table=None),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]

"""The organisation in Django's admin, which only superusers open (core/admin_site.py).
Their changes are audited (`AuditedAdmin`). Roles and heads of units are not changed here:
they are given on the page "Rollen und Leitungen" (or, heads, by the HR import), where the
rules of docs/roles.md hold for everyone."""

from django.contrib import admin

from rathausmobil.core.admin import AuditedAdmin, ReadOnlyAdmin
from rathausmobil.organisation.models import (
    Employee,
    OrgUnit,
    Position,
    RoleAssignment,
)


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "parent", "head"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    # the head: on the page "Rollen und Leitungen" (organisation:unit_head) or by the import
    readonly_fields = ["head", "head_personnel_number", "path", "depth"]

    def save_model(self, request, obj, form, change):
        from rathausmobil.organisation.services import org_units_rebuild_paths

        super().save_model(request, obj, form, change)
        org_units_rebuild_paths()


@admin.register(Position)
class PositionAdmin(AuditedAdmin):
    list_display = ["number", "title", "unit"]
    search_fields = ["number", "title"]
    raw_id_fields = ["unit"]


@admin.register(Employee)
class EmployeeAdmin(AuditedAdmin):
    list_display = [
        "personnel_number",
        "last_name",
        "first_name",
        "unit",
        "weekly_hours",
        "is_active",
    ]
    list_filter = ["is_active"]
    search_fields = ["personnel_number", "last_name", "first_name", "email"]
    raw_id_fields = ["unit", "position", "user"]
    list_select_related = ["unit"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    """Shown, not changed: roles are given and taken on the page "Rollen und Leitungen"
    (organisation:role_list), the one writer, which checks who may give which role and
    writes the audit event."""

    list_display = ["user", "role", "unit", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__last_name"]
    raw_id_fields = ["user", "unit"]

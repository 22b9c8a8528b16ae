from django.contrib import admin

from rathausmobil.organisation.models import (
    Employee,
    OrgUnit,
    Position,
    RoleAssignment,
)


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "head"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent", "head"]
    readonly_fields = ["path", "depth"]

    def save_model(self, request, obj, form, change):
        from rathausmobil.organisation.services import org_units_rebuild_paths

        super().save_model(request, obj, form, change)
        org_units_rebuild_paths()


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "unit"]
    search_fields = ["number", "title"]
    raw_id_fields = ["unit"]


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
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
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__last_name"]
    raw_id_fields = ["user", "unit"]

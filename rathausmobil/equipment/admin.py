"""Read-only admin: statuses, hand-overs and orders change only through the services
(pages and API), so that each change has its history."""

from django.contrib import admin

from rathausmobil.core.admin import AuditedAdmin, ReadOnlyAdmin, StatusChangeInline
from rathausmobil.equipment.models import (
    Assignment,
    Device,
    DeviceModel,
    OrderLine,
    PurchaseOrder,
    RolloutCampaign,
)


@admin.register(DeviceModel)
class DeviceModelAdmin(AuditedAdmin):
    list_display = ["name", "manufacturer", "kind", "is_mobile"]
    list_filter = ["kind", "is_mobile"]
    search_fields = ["name", "manufacturer", "model_number"]


@admin.register(Device)
class DeviceAdmin(ReadOnlyAdmin):
    list_display = ["inventory_number", "model", "serial", "status", "holder"]
    list_filter = ["status", "model__kind"]
    search_fields = ["inventory_number", "serial"]
    list_select_related = ["model", "holder"]
    inlines = [StatusChangeInline]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["device", "employee", "handed_over_at", "acknowledged_at", "returned_at"]
    list_select_related = ["device__model", "employee"]
    search_fields = ["device__inventory_number", "employee__personnel_number"]


class LineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = ["model", "quantity", "delivered", "cancelled", "warranty_months"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "supplier", "ordered_on", "status"]
    list_filter = ["status"]
    inlines = [LineInline, StatusChangeInline]


@admin.register(RolloutCampaign)
class RolloutCampaignAdmin(ReadOnlyAdmin):
    list_display = ["name", "start_date", "target_date"]

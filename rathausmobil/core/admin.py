from django.contrib import admin

from rathausmobil.core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail is read-only, in the admin as everywhere."""

    list_display = ["created_at", "action", "object_type", "object_label", "actor", "source"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_label", "object_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline

from rathausmobil.core.models import AuditEvent, ImportUpload, JobRun, StatusChange


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that change only through their services (workflow, imports, audit): the
    admin shows them and changes nothing, so that every change has its history."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit trail is read-only, in the admin as everywhere."""

    list_display = ["created_at", "action", "object_type", "object_label", "actor", "source"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_label", "object_id"]


class StatusChangeInline(GenericTabularInline):
    """A record's status history, read-only, for the admin of any model with a workflow."""

    model = StatusChange
    extra = 0
    fields = ["at", "action", "from_status", "to_status", "by", "reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ImportUpload)
class ImportUploadAdmin(admin.ModelAdmin):
    """Uploads are read-only here: they change only through the import pages."""

    list_display = ["filename", "kind", "status", "uploaded_by", "created_at", "applied_at"]
    list_filter = ["kind", "status"]
    exclude = ["content"]
    readonly_fields = [
        "kind",
        "filename",
        "sha256",
        "status",
        "summary",
        "uploaded_by",
        "applied_at",
    ]


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    """How the daily jobs went, day by day (written by core/jobs.py only)."""

    list_display = ["day", "status", "trigger", "attempts", "started_at", "finished_at"]
    list_filter = ["status"]

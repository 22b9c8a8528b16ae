from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.contenttypes.admin import GenericTabularInline

from rathausmobil.core.audit import audit_event
from rathausmobil.core.models import AuditEvent, ImportUpload, JobRun, StatusChange

#: the audit events' source for changes made in the admin
ADMIN_SOURCE = "Django-Admin"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that change only through their services (workflow, imports, audit): the
    admin shows them and changes nothing, so that every change has its history."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple) or hasattr(value, "model"):  # a list, a queryset
        return ", ".join(str(item) for item in value)
    return str(value)


class AuditedAdmin(admin.ModelAdmin):
    """What a superuser adds, changes or deletes in the admin is an audit event (source
    "Django-Admin"), so that the data-protection officer reads it in the audit log like
    every change made through the pages. A field whose name contains one of
    `audit_hidden` (a password) is named as changed, its value never written."""

    audit_hidden: tuple[str, ...] = ("password",)

    def save_model(self, request, obj, form, change):
        before = type(obj)._default_manager.filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        changes = {}
        for name in form.changed_data:
            label = str(getattr(form.fields.get(name), "label", None) or name)
            if any(hidden in name for hidden in self.audit_hidden):
                changes[label] = ["…", "…"]
            elif (
                name in form.cleaned_data
                and hasattr(form.fields[name], "queryset")
                and (isinstance(form.initial.get(name), list))
            ):  # many-to-many: initial holds the objects
                changes[label] = [_shown(form.initial.get(name)), _shown(form.cleaned_data[name])]
            else:
                old = getattr(before, name, None) if before is not None else None
                changes[label] = [_shown(old), _shown(getattr(obj, name, None))]
        audit_event(
            actor=request.user,
            action="Im Admin geändert" if change else "Im Admin angelegt",
            obj=obj,
            changes=changes,
            source=ADMIN_SOURCE,
        )

    def delete_model(self, request, obj):
        audit_event(actor=request.user, action="Im Admin gelöscht", obj=obj, source=ADMIN_SOURCE)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_event(
                actor=request.user,
                action="Im Admin gelöscht",
                model=type(obj),
                object_id=str(obj.pk),
                label=str(obj),
                source=ADMIN_SOURCE,
            )
        super().delete_queryset(request, queryset)


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(AuditedAdmin, UserAdmin):
    """Accounts, and who is a superuser (who alone opens this admin), are given here: each
    change is in the audit log. The roles in the application are given on the page
    "Rollen und Leitungen"."""


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
class ImportUploadAdmin(ReadOnlyAdmin):
    """Uploads are read-only here: they change only through the import pages and the
    worker, each step in their history."""

    list_display = ["filename", "kind", "status", "uploaded_by", "created_at", "applied_at"]
    list_filter = ["kind", "status"]
    exclude = ["content"]


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    """How the daily jobs went, day by day (written by core/jobs.py only)."""

    list_display = ["day", "status", "trigger", "attempts", "started_at", "finished_at"]
    list_filter = ["status"]

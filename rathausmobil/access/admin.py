"""Admin: the system administration (superusers) registers gateways, farms and
specialist applications here, each change an audit event (`AuditedAdmin`). Grants,
their history, peers and provisioning events are read-only: they change only through
the services, so that every change has its history row. The WireGuard private key never
shows here."""

from django.contrib import admin

from rathausmobil.access.models import (
    AccessGrant,
    AccessPolicy,
    ProvisioningEvent,
    SpecialistApplication,
    TerminalServerFarm,
    VpnGateway,
    WireGuardPeer,
)
from rathausmobil.core.admin import AuditedAdmin, ReadOnlyAdmin, StatusChangeInline


@admin.register(VpnGateway)
class VpnGatewayAdmin(AuditedAdmin):
    list_display = ["name", "product", "capacity", "is_default"]


@admin.register(TerminalServerFarm)
class TerminalServerFarmAdmin(AuditedAdmin):
    list_display = ["name", "session_capacity"]


@admin.register(SpecialistApplication)
class SpecialistApplicationAdmin(AuditedAdmin):
    list_display = ["name", "farm"]
    list_select_related = ["farm"]
    filter_horizontal = ["units"]


@admin.register(AccessPolicy)
class AccessPolicyAdmin(ReadOnlyAdmin):
    """Changed on the page "Zugangsregeln" (with an audit entry)."""

    list_display = ["__str__", "auto_grant", "device_rule", "updated_at", "updated_by"]


@admin.register(AccessGrant)
class AccessGrantAdmin(ReadOnlyAdmin):
    list_display = ["pk", "employee", "kind", "application", "status", "requested_at", "granted_at"]
    list_filter = ["status", "kind", "gateway", "farm"]
    search_fields = ["employee__last_name", "employee__personnel_number"]
    list_select_related = ["employee", "application"]
    inlines = [StatusChangeInline]


@admin.register(WireGuardPeer)
class WireGuardPeerAdmin(ReadOnlyAdmin):
    list_display = ["grant", "address", "public_key", "created_at", "released_at"]
    fields = ["grant", "address", "public_key", "created_at", "private_key_shown_at", "released_at"]
    search_fields = ["public_key", "address"]


@admin.register(ProvisioningEvent)
class ProvisioningEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "grant", "target", "action", "ok"]
    list_filter = ["target", "action", "ok"]

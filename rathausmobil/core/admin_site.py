"""Django's admin is the system administration's tool: only superusers open it.

The admin writes beside the services: no rules of the domain, and on its own no audit
event. So everyone else works through the application's pages, where the services check
who may do what and write the audit trail (roles and heads of units: the page "Rollen und
Leitungen"). A staff account that is not a superuser is sent to the admin's sign-in, which
says that the account may not open it. What a superuser changes in the admin is audited
(`core.admin.AuditedAdmin`). docs/roles.md, issue 14.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class SuperuserAdminSite(admin.AdminSite):
    site_header = "Rathaus Mobil – Verwaltung"
    site_title = "Rathaus Mobil"

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)


class SuperuserAdminConfig(AdminConfig):
    """`django.contrib.admin` with `SuperuserAdminSite` as `admin.site` (INSTALLED_APPS)."""

    default_site = "rathausmobil.core.admin_site.SuperuserAdminSite"

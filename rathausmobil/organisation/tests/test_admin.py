"""Django's admin opens only to superusers (core/admin_site.py): HR staff accounts can no
longer give roles or heads there. A superuser's changes are audit events; roles and heads
are read-only in the admin (the page "Rollen und Leitungen" gives them)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from rathausmobil.core.models import AuditEvent
from rathausmobil.organisation.models import Role, RoleAssignment
from rathausmobil.organisation.tests.factories import UserFactory


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def hr_staff(hr):
    """HR as the demo made it before: a staff account with every organisation permission."""
    hr.is_staff = True
    hr.save()
    hr.user_permissions.set(Permission.objects.filter(content_type__app_label="organisation"))
    return hr


def test_it_sends_a_staff_account_that_is_no_superuser_to_the_admin_sign_in(
    client, hr_staff, employee
):
    client.force_login(hr_staff)
    for url in (
        reverse("admin:index"),
        reverse("admin:organisation_roleassignment_changelist"),
        reverse("admin:organisation_roleassignment_add"),
        reverse("admin:organisation_orgunit_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url
    client.post(
        reverse("admin:organisation_roleassignment_add"),
        {"user": hr_staff.pk, "role": Role.IT},
    )
    client.post(
        reverse("admin:auth_user_change", args=[hr_staff.pk]),
        {"username": "hr", "is_superuser": "on", "is_staff": "on", "is_active": "on"},
    )
    hr_staff.refresh_from_db()
    assert not hr_staff.is_superuser
    assert not RoleAssignment.objects.filter(user=hr_staff, role=Role.IT).exists()


def test_it_shows_a_superuser_the_roles_but_gives_none_there(client, admin, hr):
    client.force_login(admin)
    assert client.get(reverse("admin:organisation_roleassignment_changelist")).status_code == 200
    assert client.get(reverse("admin:organisation_roleassignment_add")).status_code == 403
    assignment = hr.role_assignments.get()
    delete = reverse("admin:organisation_roleassignment_delete", args=[assignment.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_it_keeps_the_head_read_only_and_audits_a_superusers_change(client, admin, org, employee):
    client.force_login(admin)
    unit = org["B"]
    url = reverse("admin:organisation_orgunit_change", args=[unit.pk])
    response = client.post(
        url,
        {
            "code": "B",
            "name": "Amt für Bürgerdienste",
            "kind": "amt",
            "parent": org["D"].pk,
            "head": employee.employee.pk,
        },
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "Amt für Bürgerdienste"
    assert unit.head is None
    event = AuditEvent.objects.get(action="Im Admin geändert")
    assert event.actor == admin
    assert event.source == "Django-Admin"
    assert event.object_type == "organisation.orgunit"
    assert event.changes == {"Bezeichnung": ["Amt B", "Amt für Bürgerdienste"]}


def test_it_audits_a_superuser_made_in_the_admin_without_the_password(client, admin, hr):
    client.force_login(admin)
    response = client.post(
        reverse("admin:auth_user_change", args=[hr.pk]),
        {
            "username": "hr",
            "first_name": "Hr",
            "last_name": "Test",
            "email": hr.email,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "01.01.2026",
            "date_joined_1": "08:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="Im Admin geändert", object_type="auth.user")
    assert event.changes["Administrator-Status"] == ["False", "True"]
    assert "pbkdf2" not in str(event.changes) and "md5" not in str(event.changes)


def test_it_audits_a_deletion_in_the_admin(client, admin, org):
    client.force_login(admin)
    unit = org["B1"]
    url = reverse("admin:organisation_orgunit_delete", args=[unit.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    event = AuditEvent.objects.get(action="Im Admin gelöscht")
    assert (event.object_type, event.object_id) == ("organisation.orgunit", str(unit.pk))


def test_every_model_in_the_admin_is_read_only_or_audited():
    """A model a superuser may change in the admin writes an audit event for each change
    (`AuditedAdmin`); everything else is read-only there (`ReadOnlyAdmin`). A new admin
    class of neither kind fails here."""
    from django.contrib import admin as django_admin

    from rathausmobil.core.admin import AuditedAdmin, ReadOnlyAdmin

    registry = django_admin.site._registry
    neither = [
        f"{model._meta.label}: {type(model_admin).__name__}"
        for model, model_admin in registry.items()
        if model.__module__.startswith("rathausmobil.") or model._meta.label == "auth.User"
        if not isinstance(model_admin, AuditedAdmin | ReadOnlyAdmin)
    ]
    assert neither == []
    # a lock is lifted on the audited page "Anmeldesperren", never by deleting it here
    assert not [model for model in registry if model._meta.app_label == "axes"]


def test_a_superusers_change_of_a_gateway_is_audited(client, admin):
    from rathausmobil.access.models import VpnGateway

    client.force_login(admin)
    gateway = VpnGateway.objects.create(name="gw-test", product="wireguard", capacity=100)
    url = reverse("admin:access_vpngateway_change", args=[gateway.pk])

    response = client.post(url, {"name": "gw-test", "product": "wireguard", "capacity": 250})

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="Im Admin geändert", object_type="access.vpngateway")
    assert event.actor == admin and event.source == "Django-Admin"
    assert event.changes == {"Kapazität (Lizenzen bzw. gleichzeitige Sitzungen)": ["100", "250"]}

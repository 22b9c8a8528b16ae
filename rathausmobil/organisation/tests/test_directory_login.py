"""The login through the directory (organisation/directory.py, django-auth-ldap) against a
real OpenLDAP (access/tests/slapd.py): through the login page, as a person signs in, so
that axes sees every attempt. Roles follow the groups (nested ones too) through the role
services, with audit events; the employee record is linked; disabled accounts, wrong
passwords and local accounts behave as docs/security.md says."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse
from ldap3 import MODIFY_DELETE

from rathausmobil.access.tests import slapd
from rathausmobil.access.tests.slapd import (
    HR_GROUP,
    IT_ADMINS_GROUP,
    IT_GROUP,
    LOGIN_PASSWORD,
    login_dn,
)
from rathausmobil.core.models import AuditEvent
from rathausmobil.organisation.directory import role_groups
from rathausmobil.organisation.models import Role, RoleAssignment
from rathausmobil.organisation.services import DIRECTORY_SOURCE, role_grant
from rathausmobil.organisation.tests.factories import EmployeeFactory, UserFactory

# The OpenLDAP fixtures of access/tests/slapd.py, used by name.
slapd_server = slapd.slapd_server
directory_login = slapd.directory_login

User = get_user_model()

pytestmark = pytest.mark.django_db


def login(client, username, password, *, address="203.0.113.7"):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        HTTP_X_FORWARDED_FOR=address,  # the test client is 127.0.0.1, a trusted proxy
    )


def signed_in_as(client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id).username if user_id else None


def roles_of(username: str) -> set[str]:
    return set(
        RoleAssignment.objects.filter(user__username=username).values_list("role", flat=True)
    )


def directory_events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(source=DIRECTORY_SOURCE, action=action).order_by("pk"))


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin", is_superuser=True, is_staff=True)


def test_it_signs_in_with_the_directory_password_and_creates_the_account(client, directory_login):
    employee = EmployeeFactory(personnel_number="200001")  # e-mail 200001@stadt.example

    response = login(client, "anna", LOGIN_PASSWORD)

    assert response.status_code == 302
    assert signed_in_as(client) == "anna"
    user = User.objects.get(username="anna")
    assert (user.first_name, user.last_name, user.email) == ("Anna", "Amt", "200001@stadt.example")
    assert not user.has_usable_password()  # the password stays in the directory
    assert roles_of("anna") == {Role.HR}
    employee.refresh_from_db()
    assert employee.user == user
    (event,) = directory_events("Rolle vergeben")
    assert event.actor is None
    assert event.changes == {"Rolle": ["", "Personalamt"]}
    assert HR_GROUP.lower() in event.reason.lower()


def test_a_role_comes_from_a_group_inside_the_mapped_group(client, directory_login):
    assert login(client, "ben", LOGIN_PASSWORD).status_code == 302
    assert roles_of("ben") == {Role.IT}  # ben is in IT-Admins, which is a member of IT


def test_an_unmapped_group_gives_no_role(client, directory_login):
    login(client, "carla", LOGIN_PASSWORD)
    # Verwaltungsspitze is mapped, Personalrat (carla is a member too) is not.
    assert roles_of("carla") == {Role.LEADERSHIP}


def test_a_person_taken_out_of_a_group_loses_the_role_at_the_next_login(client, directory_login):
    login(client, "ben", LOGIN_PASSWORD)
    assert roles_of("ben") == {Role.IT}
    client.post(reverse("logout"))
    conn = directory_login.connect()
    try:  # IT-Admins leaves IT (which keeps erik as a member)
        conn.modify(IT_GROUP, {"member": [(MODIFY_DELETE, [IT_ADMINS_GROUP])]})
    finally:
        conn.unbind()

    assert login(client, "ben", LOGIN_PASSWORD).status_code == 302

    assert roles_of("ben") == set()
    (event,) = directory_events("Rolle entzogen")
    assert event.actor is None
    assert event.object_label == "Ben Bit (ben)"
    assert event.changes == {"Rolle": ["IT", ""]}
    assert "nicht Mitglied von" in event.reason


def test_a_second_login_with_the_same_groups_changes_nothing(client, directory_login):
    login(client, "anna", LOGIN_PASSWORD)
    client.post(reverse("logout"))
    login(client, "anna", LOGIN_PASSWORD)
    assert roles_of("anna") == {Role.HR}
    assert len(directory_events("Rolle vergeben")) == 1
    assert directory_events("Rolle entzogen") == []


def test_the_directory_overrides_grants_of_mapped_roles_and_leaves_the_others(
    client, directory_login, superuser
):
    login(client, "dora", LOGIN_PASSWORD)  # in no group
    client.post(reverse("logout"))
    dora = User.objects.get(username="dora")
    role_grant(user=dora, role=Role.IT, by=superuser, reason="Antrag 1")  # mapped
    role_grant(user=dora, role=Role.DPO, by=superuser, reason="Bestellung 2")  # not mapped

    login(client, "dora", LOGIN_PASSWORD)

    assert roles_of("dora") == {Role.DPO}
    (event,) = directory_events("Rolle entzogen")
    assert event.changes == {"Rolle": ["IT", ""]}


def test_a_disabled_directory_account_is_refused_and_counted(client, directory_login):
    # The server itself would accept erik's password (no ppolicy overlay): the filter refuses.
    conn = directory_login.connect()
    try:
        assert conn.rebind(login_dn("erik"), LOGIN_PASSWORD)
    finally:
        conn.unbind()

    response = login(client, "erik", LOGIN_PASSWORD)

    assert response.status_code == 200
    assert "Benutzername oder Passwort ist falsch" in response.content.decode()
    assert signed_in_as(client) is None
    assert not User.objects.filter(username="erik").exists()
    assert AccessAttempt.objects.get(username="erik").failures_since_start == 1


def test_an_account_enabled_again_in_the_directory_signs_in(client, directory_login):
    conn = directory_login.connect()
    try:
        conn.modify(login_dn("erik"), {"pwdAccountLockedTime": [(MODIFY_DELETE, [])]})
    finally:
        conn.unbind()
    assert login(client, "erik", LOGIN_PASSWORD).status_code == 302
    assert roles_of("erik") == {Role.IT}  # a direct member of IT


def test_a_wrong_password_is_refused_and_axes_locks_after_the_limit(
    client, directory_login, settings
):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        response = login(client, "anna", "falsch")
        assert response.status_code == 200
        assert signed_in_as(client) is None
    assert AccessAttempt.objects.get(username="anna").failures_since_start == (
        settings.LOGIN_FAILURE_LIMIT - 1
    )

    assert login(client, "anna", "falsch").status_code == 429  # the failure at the limit
    response = login(client, "anna", LOGIN_PASSWORD)  # then even the right password

    assert response.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldungen." in response.content.decode()
    assert signed_in_as(client) is None
    assert not User.objects.filter(username="anna").exists()


def test_a_local_account_still_signs_in_while_the_directory_is_on(client, directory_login):
    UserFactory(username="notfall", password="Lokales-Passwort-1")
    assert login(client, "notfall", "Lokales-Passwort-1").status_code == 302
    assert signed_in_as(client) == "notfall"


def test_the_directory_never_signs_into_a_local_account_of_the_same_name(client, directory_login):
    local = UserFactory(username="anna", password="Lokales-Passwort-1", is_superuser=True)

    assert login(client, "anna", LOGIN_PASSWORD).status_code == 200
    assert signed_in_as(client) is None
    assert roles_of("anna") == set()
    # The local password still works: that account stays the local one.
    assert login(client, "anna", "Lokales-Passwort-1").status_code == 302
    local.refresh_from_db()
    assert local.has_usable_password() and local.first_name == ""


def test_an_account_locked_in_the_application_stays_locked(client, directory_login):
    login(client, "anna", LOGIN_PASSWORD)
    client.post(reverse("logout"))
    User.objects.filter(username="anna").update(is_active=False)  # as the HR import does

    assert login(client, "anna", LOGIN_PASSWORD).status_code == 200
    assert signed_in_as(client) is None
    assert not User.objects.get(username="anna").is_active


def test_an_employee_record_linked_to_another_account_is_not_moved(client, directory_login):
    other = UserFactory(username="anna.alt")
    employee = EmployeeFactory(personnel_number="200001", user=other)

    assert login(client, "anna", LOGIN_PASSWORD).status_code == 302

    employee.refresh_from_db()
    assert employee.user == other


def test_the_employee_record_is_linked_by_personnel_number_when_configured(
    client, directory_login, settings
):
    settings.AUTH_LDAP_EMPLOYEE_ATTRIBUTE = "employeeNumber"
    settings.AUTH_LDAP_EMPLOYEE_FIELD = "personnel_number"
    employee = EmployeeFactory(personnel_number="200004", email="anders@stadt.example")

    login(client, "dora", LOGIN_PASSWORD)

    employee.refresh_from_db()
    assert employee.user.username == "dora"


def test_the_login_page_says_which_password_to_use(client, directory_login, settings):
    page = client.get(reverse("login")).content.decode()
    assert "Benutzername und Passwort wie an Ihrem Arbeitsplatz" in page
    settings.AUTH_LDAP_SERVER_URI = ""
    page = client.get(reverse("login")).content.decode()
    assert "Benutzername und Passwort wie an Ihrem Arbeitsplatz" not in page
    assert "Melden Sie sich mit Ihrem Benutzernamen und Passwort an." in page


def test_with_the_directory_off_only_local_accounts_sign_in(client, directory_login, settings):
    settings.AUTH_LDAP_SERVER_URI = ""
    UserFactory(username="notfall", password="Lokales-Passwort-1")

    assert login(client, "anna", LOGIN_PASSWORD).status_code == 200
    assert not User.objects.filter(username="anna").exists()
    assert AccessAttempt.objects.get(username="anna").failures_since_start == 1
    assert login(client, "notfall", "Lokales-Passwort-1").status_code == 302


def test_a_directory_that_does_not_answer_refuses_the_login(client, directory_login, settings):
    settings.AUTH_LDAP_SERVER_URI = "ldap://127.0.0.1:9"  # nothing listens there
    assert login(client, "anna", LOGIN_PASSWORD).status_code == 200
    assert signed_in_as(client) is None


def test_the_role_mapping_is_read_from_the_setting():
    mapping = role_groups("hr=CN=Personalamt, OU=Gruppen,DC=stadt,DC=example; it=cn=IT,dc=x;")
    assert mapping == {
        "hr": {"cn=personalamt,ou=gruppen,dc=stadt,dc=example"},
        "it": {"cn=it,dc=x"},
    }
    for wrong in ("supervisor=cn=x,dc=y", "chef=cn=x,dc=y", "hr", "hr=kein dn"):
        with pytest.raises(ImproperlyConfigured):
            role_groups(wrong)


def test_a_wrong_setting_is_named_at_start_up(settings):
    settings.AUTH_LDAP_SERVER_URI = "ldaps://dc01.stadt.example"
    settings.AUTH_LDAP_USER_BASE = "ou=people,dc=stadt,dc=example"
    settings.AUTH_LDAP_ROLE_GROUPS = "supervisor=cn=x,dc=y"
    with pytest.raises(SystemCheckError, match="AUTH_LDAP_ROLE_GROUPS"):
        call_command("check")
    settings.AUTH_LDAP_ROLE_GROUPS = ""
    call_command("check")

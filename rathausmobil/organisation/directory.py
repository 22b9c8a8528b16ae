"""Login through the directory (Active Directory or OpenLDAP), with django-auth-ldap.

`DirectoryBackend` sits between axes (first: a locked login is refused before any password
is checked) and Django's ModelBackend (local accounts: small towns, the emergency admin).
With AUTH_LDAP_SERVER_URI empty it does nothing. Otherwise, at each login it

1. finds the person with the service account (AUTH_LDAP_USER_BASE and _USER_FILTER, and
   AUTH_LDAP_USER_ACTIVE_FILTER, so a disabled account is not found at all), checks the
   password by binding as that entry, and creates or updates the Django account (names and
   e-mail from the directory, no local password);
2. synchronises the roles that AUTH_LDAP_ROLE_GROUPS maps to groups, nested groups included,
   through `role_grant` / `role_revoke` with `by=DIRECTORY`: each change is an audit event
   with the source "Verzeichnis (LDAP)". The directory decides those roles, also against a
   grant made in the application; roles it does not map are left alone;
3. links the account to its employee record by AUTH_LDAP_EMPLOYEE_ATTRIBUTE (only an active
   record not linked to another account, and only when exactly one matches).

It never signs into a local account (one with a usable password, or a superuser): otherwise
whoever holds a directory account named like the emergency admin would become the admin.
docs/security.md "Login through the directory".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import ldap
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django_auth_ldap.backend import LDAPBackend
from django_auth_ldap.config import (
    LDAPSearch,
    LDAPSettings,
    NestedActiveDirectoryGroupType,
    NestedGroupOfNamesType,
)

from rathausmobil.core.errors import DomainError
from rathausmobil.organisation.models import Employee, Role, RoleAssignment
from rathausmobil.organisation.services import (
    DIRECTORY,
    DIRECTORY_SOURCE,
    role_grant,
    role_revoke,
)

logger = logging.getLogger(__name__)

#: roles a directory group may give; a deputy ("supervisor") needs a unit, which no group names
MAPPABLE_ROLES = [role.value for role in Role if role != Role.SUPERVISOR]
#: AUTH_LDAP_GROUP_TYPE: the kinds of groups, each with nested groups resolved
GROUP_TYPES = {
    "active_directory": (NestedActiveDirectoryGroupType, "(objectClass=group)"),
    "openldap": (NestedGroupOfNamesType, "(objectClass=groupOfNames)"),
}
#: AUTH_LDAP_EMPLOYEE_FIELD: the fields of the employee record an account may be linked by
EMPLOYEE_FIELDS = {"email": "email__iexact", "personnel_number": "personnel_number"}


def directory_login_on() -> bool:
    """Whether people sign in with their directory account (the login page says so)."""
    return bool(settings.AUTH_LDAP_SERVER_URI)


def normalise_dn(dn: str) -> str:
    """A DN as compared here: RDNs re-joined without spaces, lower case."""
    try:
        return ldap.dn.dn2str(ldap.dn.str2dn(dn.strip())).lower()
    except ldap.DECODING_ERROR:
        raise ImproperlyConfigured(f"Kein gültiger DN: {dn!r}") from None


def role_mapping(value: str, *, setting: str, normalise=str.strip) -> dict[str, set[str]]:
    """A mapping of roles to groups as the settings write it ("hr=A;it=B;hr=C") as
    {role: {normalised group names}}. The directory's (AUTH_LDAP_ROLE_GROUPS, group DNs) and
    the single sign-on's (OIDC_ROLE_VALUES, values of the roles claim, organisation/oidc.py)."""
    mapping: dict[str, set[str]] = {}
    for part in value.split(";"):
        if not part.strip():
            continue
        role, sep, group = part.partition("=")
        role = role.strip()
        if not sep or not group.strip():
            raise ImproperlyConfigured(f"{setting}: „{part.strip()}“ ist nicht Rolle=Gruppe.")
        if role not in MAPPABLE_ROLES:
            raise ImproperlyConfigured(
                f"{setting}: „{role}“ ist keine Rolle, die eine Gruppe geben kann "
                f"({', '.join(MAPPABLE_ROLES)})."
            )
        mapping.setdefault(role, set()).add(normalise(group))
    return mapping


def role_groups(value: str | None = None) -> dict[str, set[str]]:
    """AUTH_LDAP_ROLE_GROUPS ("hr=cn=Personalamt,ou=groups,…;it=…") as {role: {group DNs}}."""
    value = settings.AUTH_LDAP_ROLE_GROUPS if value is None else value
    return role_mapping(value, setting="AUTH_LDAP_ROLE_GROUPS", normalise=normalise_dn)


def ldap_settings() -> LDAPSettings:
    """django-auth-ldap's settings, built from ours (config/settings.py) when someone signs
    in, so that a changed setting (a test's) counts at the next login."""
    ours = LDAPSettings("AUTH_LDAP_", {})
    user_filter = settings.AUTH_LDAP_USER_FILTER
    if settings.AUTH_LDAP_USER_ACTIVE_FILTER:
        user_filter = f"(&{user_filter}{settings.AUTH_LDAP_USER_ACTIVE_FILTER})"
    ours.USER_SEARCH = LDAPSearch(settings.AUTH_LDAP_USER_BASE, ldap.SCOPE_SUBTREE, user_filter)
    try:
        group_type, group_filter = GROUP_TYPES[settings.AUTH_LDAP_GROUP_TYPE]
    except KeyError:
        raise ImproperlyConfigured(
            f"AUTH_LDAP_GROUP_TYPE: {settings.AUTH_LDAP_GROUP_TYPE!r}, erwartet "
            f"{' oder '.join(GROUP_TYPES)}."
        ) from None
    ours.GROUP_TYPE = group_type()
    ours.GROUP_SEARCH = LDAPSearch(
        settings.AUTH_LDAP_GROUP_BASE or settings.AUTH_LDAP_USER_BASE,
        ldap.SCOPE_SUBTREE,
        group_filter,
    )
    ours.USER_ATTR_MAP = {"first_name": "givenName", "last_name": "sn", "email": "mail"}
    ours.ALWAYS_UPDATE_USER = True
    options = {
        # AD answers searches at the domain's root with referrals that cannot be followed
        # with our bind; a dead directory must not hang the login page.
        ldap.OPT_REFERRALS: 0,
        ldap.OPT_NETWORK_TIMEOUT: 5,
        ldap.OPT_TIMEOUT: 10,
        ldap.OPT_X_TLS_REQUIRE_CERT: ldap.OPT_X_TLS_DEMAND,
    }
    if settings.AUTH_LDAP_CA_FILE:
        options[ldap.OPT_X_TLS_CACERTFILE] = settings.AUTH_LDAP_CA_FILE
    options[ldap.OPT_X_TLS_NEWCTX] = 0  # last: applies the TLS options above
    ours.CONNECTION_OPTIONS = options
    return ours


class DirectoryBackend(LDAPBackend):
    """django-auth-ldap's backend, configured by our settings, syncing roles and the
    employee link at each login."""

    @property
    def settings(self):
        if self._settings is None:
            self._settings = ldap_settings()
        return self._settings

    @settings.setter
    def settings(self, value):
        self._settings = value

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not directory_login_on():
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    # Rights come from the roles (scoping.py), never from directory groups as Django
    # permissions: no directory query when a page asks `has_perm`.
    def get_all_permissions(self, user, obj=None):
        return set()

    def get_group_permissions(self, user, obj=None):
        return set()

    def get_or_build_user(self, username, ldap_user):
        user, built = super().get_or_build_user(username, ldap_user)
        if not built and (user.has_usable_password() or user.is_superuser):
            raise ldap_user.AuthenticationFailed("a local account of that name exists")
        if not built and not user.is_active:
            # Locked in the application (the HR import locks the accounts of people who
            # have left): the directory does not open it again.
            raise ldap_user.AuthenticationFailed("the account is locked in the application")
        return user, built

    def authenticate_ldap_user(self, ldap_user, password):
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is None:
            return None
        try:
            groups = {normalise_dn(dn) for dn in ldap_user.group_dns}
        except ldap.LDAPError as error:
            # Without the groups the roles could not be synchronised; a role the directory
            # took away would stay. Refused, like a directory that does not answer.
            logger.error("Verzeichnis: Gruppen von %s nicht lesbar: %s", ldap_user.dn, error)
            return None
        directory_login_sync(user=user, groups=groups, attributes=ldap_user.attrs or {})
        return user


@dataclass(frozen=True)
class SyncResult:
    granted: list[str]
    revoked: list[str]
    linked: Employee | None


def directory_login_sync(*, user, groups: set[str], attributes: dict) -> SyncResult:
    """After a directory login: the mapped roles as the groups say (`groups`: the normalised
    DNs of every group the person is in, nested ones included), then the employee link."""
    granted, revoked = roles_sync(
        user=user,
        mapping=role_groups(),
        groups=groups,
        via="das Verzeichnis",
        source=DIRECTORY_SOURCE,
    )
    return SyncResult(granted=granted, revoked=revoked, linked=employee_link(user, attributes))


def roles_sync(
    *, user, mapping: dict[str, set[str]], groups: set[str], via: str, source: str
) -> tuple[list[str], list[str]]:
    """The roles of `mapping` ({role: {groups}}) as the person's `groups` say, through
    `role_grant` / `role_revoke` with `by=DIRECTORY`: an audit event for each change, with
    `source` and a reason "Anmeldung über {via}: (nicht) Mitglied von …". Roles not in
    `mapping` are left alone. Used by every login whose groups decide roles: the directory
    (here) and the single sign-on (organisation/oidc.py). Returns (granted, revoked)."""
    wanted = {role for role, names in mapping.items() if names & groups}
    held = {
        assignment.role: assignment
        for assignment in RoleAssignment.objects.filter(
            user=user, role__in=list(mapping), unit__isnull=True
        )
    }
    granted, revoked = [], []
    for role in sorted(wanted - held.keys()):
        names = sorted(mapping[role] & groups)
        try:
            role_grant(
                user=user,
                role=role,
                by=DIRECTORY,
                reason=f"Anmeldung über {via}: Mitglied von {'; '.join(names)}",
                source=source,
            )
        except DomainError as error:  # the same login twice at once: the other one gave it
            logger.info("%s: %s", source, error)
        else:
            granted.append(role)
    for role in sorted(held.keys() - wanted):
        names = sorted(mapping[role])
        try:
            role_revoke(
                assignment=held[role],
                by=DIRECTORY,
                reason=f"Anmeldung über {via}: nicht Mitglied von {'; '.join(names)}",
                source=source,
            )
        except DomainError as error:
            logger.info("%s: %s", source, error)
        else:
            revoked.append(role)
    return granted, revoked


def employee_field_lookup() -> str:
    lookup = EMPLOYEE_FIELDS.get(settings.AUTH_LDAP_EMPLOYEE_FIELD)
    if lookup is None:
        raise ImproperlyConfigured(
            f"AUTH_LDAP_EMPLOYEE_FIELD: {settings.AUTH_LDAP_EMPLOYEE_FIELD!r}, erwartet "
            f"{' oder '.join(EMPLOYEE_FIELDS)}."
        )
    return lookup


def employee_link(user, attributes: dict) -> Employee | None:
    """Link `user` to the one active employee record whose AUTH_LDAP_EMPLOYEE_FIELD equals
    the directory's AUTH_LDAP_EMPLOYEE_ATTRIBUTE (employee_link_by)."""
    lookup = employee_field_lookup()
    values = {key.lower(): value for key, value in attributes.items()}.get(
        settings.AUTH_LDAP_EMPLOYEE_ATTRIBUTE.lower()
    ) or [""]
    return employee_link_by(user, lookup=lookup, value=str(values[0]))


def employee_link_by(user, *, lookup: str, value: str) -> Employee | None:
    """Link `user` to the one active employee record matching `lookup`=`value` (the
    directory's and the single sign-on's login). Never moves a link: an account already
    linked stays as it is, a record linked to another account is left alone, and two
    matching records are a finding for HR, never a guess. Returns the record linked now."""
    value = value.strip()
    if not value or Employee.objects.filter(user=user).exists():
        return None
    with transaction.atomic():
        matches = list(
            Employee.objects.select_for_update().filter(is_active=True, **{lookup: value})[:2]
        )
        if len(matches) != 1:
            if matches:
                logger.warning("Anmeldung: %s passt zu mehreren Beschäftigten", value)
            return None
        employee = matches[0]
        if employee.user_id is not None:
            logger.warning(
                "Anmeldung: %s ist schon mit einem anderen Benutzerkonto verknüpft", employee
            )
            return None
        employee.user = user
        employee.save(update_fields=["user", "updated_at"])
    return employee


def check_settings(app_configs=None, **kwargs) -> list:
    """System check (`manage.py check`, every start): a wrong directory setting is named
    at start-up, not by a failing login."""
    from django.core.checks import Error

    if not settings.AUTH_LDAP_SERVER_URI:
        return []
    errors = []
    for probe in (role_groups, ldap_settings, employee_field_lookup):
        try:
            probe()
        except ImproperlyConfigured as error:
            errors.append(Error(str(error), id="organisation.E001"))
    if not settings.AUTH_LDAP_USER_BASE:
        errors.append(Error("AUTH_LDAP_USER_BASE fehlt.", id="organisation.E001"))
    return errors

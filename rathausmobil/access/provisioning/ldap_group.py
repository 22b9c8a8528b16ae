"""Directory groups over LDAP (ldap3): OpenLDAP `groupOfNames` and Active Directory.

Both keep the members of a group as DNs in the attribute `member`. Two differences
matter here:

- An OpenLDAP `groupOfNames` must have at least one member; removing the last one
  fails with `objectClassViolation`. The adapter then keeps a *placeholder* member
  (`LDAP_GROUP_PLACEHOLDER_DN`, by default the group's own DN) in the same modify
  operation. The placeholder is never reported as a person.
- Active Directory returns large groups (more than 1500 members) in ranges
  (`member;range=0-1499`); `members()` reads all ranges.

Adding a member who is already in the group and removing one who is not are not
errors (both servers' "already there" / "not there" answers count as success).
"""

from __future__ import annotations

import contextlib
import os
import re
import ssl
from urllib.parse import urlsplit

from django.conf import settings
from ldap3 import BASE, MODIFY_ADD, MODIFY_DELETE, SUBTREE, Connection, Server, Tls
from ldap3.core import exceptions as ldap_errors
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import parse_dn

# Active Directory: "ERROR_MEMBER_NOT_IN_GROUP" comes as unwillingToPerform.
_AD_NOT_A_MEMBER = "00000561"
_RANGE = re.compile(r"^member;range=(\d+)-(\d+|\*)$", re.IGNORECASE)


class DirectoryError(Exception):
    """The directory could not do what was asked; the message is German."""


def normalise_dn(dn: str) -> str:
    """A DN in one spelling for comparison: lower case, no spaces around separators."""
    try:
        parts = parse_dn(dn, escape=False, strip=True)
    except (ldap_errors.LDAPInvalidDnError, IndexError, ValueError):
        return dn.strip().lower()
    return ",".join(f"{attr.strip()}={value.strip()}" for attr, value, _sep in parts).lower()


class DirectoryGroups:
    """Membership of people in directory groups. One connection per instance; use it
    as a context manager (`with DirectoryGroups.from_settings() as directory:`)."""

    def __init__(
        self,
        *,
        url: str,
        bind_dn: str,
        password: str,
        user_base: str,
        user_filter: str = "(mail={email})",
        placeholder_dn: str = "",
        ca_file: str = "",
        timeout: int = 5,
    ):
        self.url = url
        self.bind_dn = bind_dn
        self.password = password
        self.user_base = user_base
        self.user_filter = user_filter
        self.placeholder_dn = placeholder_dn
        self.ca_file = ca_file
        self.timeout = timeout
        self._connection: Connection | None = None

    @classmethod
    def from_settings(cls) -> DirectoryGroups:
        if not settings.LDAP_URL:
            raise DirectoryError("Kein Verzeichnis eingerichtet (LDAP_URL ist leer).")
        return cls(
            url=settings.LDAP_URL,
            bind_dn=settings.LDAP_BIND_DN,
            password=settings.LDAP_BIND_PASSWORD,
            user_base=settings.LDAP_USER_BASE,
            user_filter=settings.LDAP_USER_FILTER,
            placeholder_dn=_optional_setting("LDAP_GROUP_PLACEHOLDER_DN"),
            ca_file=_optional_setting("LDAP_CA_FILE"),
        )

    # ------------------------------------------------------------------ connection

    def connection(self) -> Connection:
        if self._connection is None:
            # ldap3 does not check certificates unless told to; ldaps:// must.
            try:
                tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=self.ca_file or None)
                server = Server(_server_url(self.url), connect_timeout=self.timeout, tls=tls)
                self._connection = Connection(
                    server,
                    user=self.bind_dn or None,
                    password=self.password or None,
                    auto_bind=True,
                    raise_exceptions=True,
                    receive_timeout=self.timeout,
                    auto_referrals=False,  # AD answers searches at the domain root with referrals
                )
            except ldap_errors.LDAPException as exc:
                raise DirectoryError(
                    f"Anmeldung am Verzeichnis {self.url} fehlgeschlagen: {exc}"
                ) from exc
        return self._connection

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(ldap_errors.LDAPException):  # server already gone
                connection.unbind()

    def __enter__(self) -> DirectoryGroups:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # ------------------------------------------------------------------ people

    def find_user_dn(self, email: str) -> str | None:
        """The DN of the person with this e-mail address, None if there is none.
        More than one entry is an error: the wrong person must never get access."""
        if not email:
            return None
        search_filter = self.user_filter.replace("{email}", escape_filter_chars(email.strip()))
        conn = self.connection()
        try:
            conn.search(
                self.user_base,
                search_filter,
                search_scope=SUBTREE,
                attributes=[],
                size_limit=2,  # two are enough to see ambiguity
            )
        except ldap_errors.LDAPException as exc:
            raise DirectoryError(
                f"Suche nach {email} im Verzeichnis fehlgeschlagen: {exc}"
            ) from exc
        entries = [item for item in conn.response if item.get("type") == "searchResEntry"]
        if len(entries) > 1:
            raise DirectoryError(
                f"Mehrere Verzeichniseinträge für {email}; bitte im Verzeichnis bereinigen."
            )
        return entries[0]["dn"] if entries else None

    def email_of(self, dn: str) -> str:
        """The `mail` of an entry, for naming an unexpected member in a report."""
        conn = self.connection()
        try:
            conn.search(dn, "(objectClass=*)", search_scope=BASE, attributes=["mail"])
        except ldap_errors.LDAPException:
            return ""
        for item in conn.response:
            if item.get("type") == "searchResEntry":
                value = item["attributes"].get("mail") or ""
                return (value[0] if isinstance(value, list) and value else value) or ""
        return ""

    # ------------------------------------------------------------------ groups

    def _placeholders(self, group_dn: str) -> set[str]:
        found = {normalise_dn(group_dn)}
        if self.placeholder_dn:
            found.add(normalise_dn(self.placeholder_dn))
        return found

    def is_placeholder(self, group_dn: str, dn: str) -> bool:
        return normalise_dn(dn) in self._placeholders(group_dn)

    def members(self, group_dn: str) -> set[str]:
        """The people in the group: normalised DNs, without the placeholder."""
        conn = self.connection()
        found: list[str] = []
        attribute = "member"
        while True:
            try:
                conn.search(group_dn, "(objectClass=*)", search_scope=BASE, attributes=[attribute])
            except ldap_errors.LDAPNoSuchObjectResult as exc:
                raise DirectoryError(
                    f"Die Gruppe {group_dn} gibt es im Verzeichnis nicht."
                ) from exc
            except ldap_errors.LDAPException as exc:
                raise DirectoryError(f"Gruppe {group_dn} nicht lesbar: {exc}") from exc
            entries = [item for item in conn.response if item.get("type") == "searchResEntry"]
            if not entries:
                raise DirectoryError(f"Die Gruppe {group_dn} gibt es im Verzeichnis nicht.")
            next_attribute = _collect_members(entries[0]["raw_attributes"], found)
            if next_attribute is None:
                break
            attribute = next_attribute
        placeholders = self._placeholders(group_dn)
        return {dn for dn in map(normalise_dn, found) if dn not in placeholders}

    def add_member(self, group_dn: str, user_dn: str) -> bool:
        """Adds the person; True if the group changed, False if already a member."""
        conn = self.connection()
        try:
            conn.modify(group_dn, {"member": [(MODIFY_ADD, [user_dn])]})
        except (
            ldap_errors.LDAPAttributeOrValueExistsResult,
            ldap_errors.LDAPEntryAlreadyExistsResult,
        ):
            return False  # OpenLDAP: 20; Active Directory: 68 (ERROR_MEMBER_IN_GROUP)
        except ldap_errors.LDAPException as exc:
            raise DirectoryError(f"{user_dn} nicht zu {group_dn} hinzugefügt: {exc}") from exc
        return True

    def remove_member(self, group_dn: str, user_dn: str) -> bool:
        """Removes the person; True if the group changed, False if not a member."""
        if self.is_placeholder(group_dn, user_dn):
            return False
        conn = self.connection()
        try:
            conn.modify(group_dn, {"member": [(MODIFY_DELETE, [user_dn])]})
        except ldap_errors.LDAPNoSuchAttributeResult:
            return False  # OpenLDAP: not a member
        except ldap_errors.LDAPUnwillingToPerformResult as exc:
            if _AD_NOT_A_MEMBER in str(conn.result.get("message", "")):
                return False  # Active Directory: not a member
            raise DirectoryError(f"{user_dn} nicht aus {group_dn} entfernt: {exc}") from exc
        except ldap_errors.LDAPObjectClassViolationResult:
            return self._remove_last_member(group_dn, user_dn)
        except ldap_errors.LDAPException as exc:
            raise DirectoryError(f"{user_dn} nicht aus {group_dn} entfernt: {exc}") from exc
        return True

    def _remove_last_member(self, group_dn: str, user_dn: str) -> bool:
        # groupOfNames needs a member: put the placeholder in and the person out in
        # one modify request, which the server applies as a whole.
        placeholder = self.placeholder_dn or group_dn
        try:
            self.connection().modify(
                group_dn,
                {"member": [(MODIFY_ADD, [placeholder]), (MODIFY_DELETE, [user_dn])]},
            )
        except ldap_errors.LDAPException as exc:
            raise DirectoryError(
                f"{user_dn} nicht aus {group_dn} entfernt (letztes Mitglied, Platzhalter "
                f"{placeholder}): {exc}"
            ) from exc
        return True


def _optional_setting(name: str) -> str:
    """Settings that config/settings.py may not list yet: setting, else environment."""
    return getattr(settings, name, "") or os.environ.get(name, "")


def _server_url(url: str) -> str:
    """`ldap://host:port` as ldap3 wants it: an LDAP URL may end in `/` or a DN."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else url.strip()


def _collect_members(raw_attributes: dict, found: list[str]) -> str | None:
    """Appends the member DNs of one search answer; returns the attribute to ask for
    next when Active Directory sent only a range, else None."""
    for name, values in raw_attributes.items():
        if name.lower() == "member":
            found.extend(_text(value) for value in values)
            return None
        match = _RANGE.match(name)
        if match:
            found.extend(_text(value) for value in values)
            if match.group(2) == "*":
                return None
            return f"member;range={int(match.group(2)) + 1}-*"
    return None


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)

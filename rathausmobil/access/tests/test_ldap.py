"""The directory adapter against a real OpenLDAP (tests/slapd.py), and the entry
points that put people into and out of the groups."""

import pytest
from django.utils import timezone
from ldap3 import MODIFY_REPLACE

from rathausmobil.access import provisioning
from rathausmobil.access.models import (
    AccessGrant,
    AccessKind,
    GrantStatus,
    ProvisioningEvent,
    SpecialistApplication,
    TerminalServerFarm,
)
from rathausmobil.access.provisioning.ldap_group import (
    DirectoryError,
    DirectoryGroups,
    _collect_members,
)
from rathausmobil.access.tests import slapd
from rathausmobil.access.tests.slapd import (
    PEOPLE,
    PLACEHOLDER,
    TS_GROUP,
    VPN_GROUP,
    user_dn,
)
from rathausmobil.organisation.tests.factories import EmployeeFactory

# The OpenLDAP fixtures of tests/slapd.py, used by name.
slapd_server = slapd.slapd_server
directory = slapd.directory

ERIKA = user_dn("100001").lower()
MAX = user_dn("100002").lower()


@pytest.fixture
def groups(directory):
    with DirectoryGroups.from_settings() as adapter:
        yield adapter


def grant_for(employee, kind=AccessKind.VPN, application=None, status=GrantStatus.ACTIVE):
    return AccessGrant.objects.create(
        employee=employee,
        kind=kind,
        farm=application.farm if application else None,
        application=application,
        status=status,
        granted_at=timezone.now(),
    )


def revoke(grant):
    AccessGrant.objects.filter(pk=grant.pk).update(
        status=GrantStatus.REVOKED, revoked_at=timezone.now()
    )
    provisioning.grant_revoked(grant.pk)


# --------------------------------------------------------------------------- adapter


def test_it_adds_and_removes_members_idempotently(groups, directory):
    assert groups.members(VPN_GROUP) == set()

    assert groups.add_member(VPN_GROUP, user_dn("100001")) is True
    assert groups.add_member(VPN_GROUP, user_dn("100001")) is False
    assert groups.add_member(VPN_GROUP, user_dn("100002")) is True
    assert groups.members(VPN_GROUP) == {ERIKA, MAX}

    assert groups.remove_member(VPN_GROUP, user_dn("100001")) is True
    assert groups.remove_member(VPN_GROUP, user_dn("100001")) is False
    assert groups.members(VPN_GROUP) == {MAX}
    assert directory.members(VPN_GROUP) == {MAX, VPN_GROUP.lower()}


@pytest.mark.parametrize(
    ("configured", "expected"),
    [("", VPN_GROUP.lower()), (PLACEHOLDER, PLACEHOLDER.lower())],
    ids=["group's own DN", "configured placeholder"],
)
def test_it_keeps_a_placeholder_when_the_last_person_leaves(
    groups, directory, settings, configured, expected
):
    settings.LDAP_GROUP_PLACEHOLDER_DN = configured
    conn = directory.connect()
    conn.modify(VPN_GROUP, {"member": [(MODIFY_REPLACE, [user_dn("100001")])]})  # no placeholder
    conn.unbind()

    with DirectoryGroups.from_settings() as adapter:
        assert adapter.remove_member(VPN_GROUP, user_dn("100001")) is True
        assert adapter.members(VPN_GROUP) == set()

    assert directory.members(VPN_GROUP) == {expected}


def test_it_never_removes_the_placeholder(groups, directory):
    assert groups.remove_member(TS_GROUP, PLACEHOLDER) is False
    assert directory.members(TS_GROUP) == {PLACEHOLDER.lower()}


def test_it_finds_a_person_by_email_and_escapes_the_filter(groups):
    assert groups.find_user_dn("100001@stadt.example") == user_dn("100001")
    assert groups.find_user_dn("  100001@STADT.example ") == user_dn("100001")
    # Unescaped, `*` would match all four people.
    assert groups.find_user_dn("*@stadt.example") is None
    assert groups.find_user_dn("x)(uid=*") is None
    assert groups.find_user_dn("") is None


def test_it_refuses_an_email_that_two_entries_share(groups, directory):
    twin = f"uid=twin,{PEOPLE}"
    conn = directory.connect()
    conn.add(twin, ["inetOrgPerson"], {"cn": "Twin", "sn": "Twin", "mail": "100002@stadt.example"})
    try:
        with pytest.raises(DirectoryError, match="Mehrere Verzeichniseinträge"):
            groups.find_user_dn("100002@stadt.example")
    finally:
        conn.delete(twin)
        conn.unbind()


def test_it_says_when_the_bind_fails(directory, settings):
    settings.LDAP_BIND_PASSWORD = "wrong"
    with (
        DirectoryGroups.from_settings() as adapter,
        pytest.raises(DirectoryError, match="Anmeldung am Verzeichnis"),
    ):
        adapter.members(VPN_GROUP)


def test_it_says_when_the_group_does_not_exist(groups):
    with pytest.raises(DirectoryError, match="gibt es im Verzeichnis nicht"):
        groups.members(f"cn=Gibt-es-nicht,{PEOPLE}")


def test_it_reads_active_directory_member_ranges():
    class RangedConnection:
        """Answers like Active Directory for a group of 3 with a range size of 2."""

        def __init__(self):
            self.asked = []

        def search(self, base, search_filter, search_scope, attributes):
            self.asked.append(attributes[0])
            if attributes == ["member"]:
                raw = {"member;range=0-1": [b"CN=A,OU=U,DC=x", b"CN=B,OU=U,DC=x"]}
            else:
                raw = {"member;range=2-*": [b"CN=C,OU=U,DC=x"]}
            self.response = [{"type": "searchResEntry", "dn": base, "raw_attributes": raw}]

    adapter = DirectoryGroups(url="ldap://ad", bind_dn="", password="", user_base="")
    adapter._connection = RangedConnection()

    assert adapter.members("CN=VPN,OU=G,DC=x") == {
        "cn=a,ou=u,dc=x",
        "cn=b,ou=u,dc=x",
        "cn=c,ou=u,dc=x",
    }
    assert adapter._connection.asked == ["member", "member;range=2-*"]
    assert _collect_members({"member": []}, []) is None


# --------------------------------------------------------------------------- entry points


@pytest.mark.django_db
def test_it_puts_a_person_with_an_active_vpn_grant_into_the_group(directory):
    grant = grant_for(EmployeeFactory(personnel_number="100001"))

    provisioning.grant_activated(grant.pk)

    assert ERIKA in directory.members(VPN_GROUP)
    event = ProvisioningEvent.objects.get(grant=grant, target="ldap")
    assert event.ok and event.action == "add"
    assert "aufgenommen" in event.detail

    revoke(grant)
    assert ERIKA not in directory.members(VPN_GROUP)
    assert ProvisioningEvent.objects.get(grant=grant, target="ldap", action="remove").ok


@pytest.mark.django_db
def test_it_keeps_terminal_server_membership_while_another_grant_is_active(directory):
    farm = TerminalServerFarm.objects.create(name="TS-Farm 1", session_capacity=50)
    tax = SpecialistApplication.objects.create(name="Steuer", farm=farm)
    building = SpecialistApplication.objects.create(name="Bauakte", farm=farm)
    person = EmployeeFactory(personnel_number="100002")
    first = grant_for(person, AccessKind.TERMINAL_SERVER, tax)
    second = grant_for(person, AccessKind.TERMINAL_SERVER, building)
    provisioning.grant_activated(first.pk)
    provisioning.grant_activated(second.pk)
    assert directory.members(TS_GROUP) == {MAX, PLACEHOLDER.lower()}
    assert directory.members(VPN_GROUP) == {VPN_GROUP.lower()}

    revoke(first)
    assert MAX in directory.members(TS_GROUP)
    kept = ProvisioningEvent.objects.get(grant=first, target="ldap", action="remove")
    assert kept.ok and kept.detail == (
        f"Bleibt Mitglied von {TS_GROUP}: weiterer aktiver Zugang Nr. {second.pk}."
    )

    revoke(second)
    assert directory.members(TS_GROUP) == {PLACEHOLDER.lower()}


@pytest.mark.django_db
def test_it_records_a_person_missing_in_the_directory_and_does_not_raise(directory):
    grant = grant_for(EmployeeFactory(personnel_number="999999"))

    provisioning.grant_activated(grant.pk)

    event = ProvisioningEvent.objects.get(grant=grant)
    assert not event.ok
    assert event.detail == (
        "Kein Verzeichniseintrag mit der E-Mail-Adresse 999999@stadt.example "
        "(Personalnummer 999999)."
    )


@pytest.mark.django_db
def test_it_records_an_unreachable_directory_and_does_not_raise(directory, settings):
    settings.LDAP_URL = "ldap://127.0.0.1:9/"
    grant = grant_for(EmployeeFactory(personnel_number="100001"))

    provisioning.grant_activated(grant.pk)

    event = ProvisioningEvent.objects.get(grant=grant)
    assert not event.ok and "Anmeldung am Verzeichnis ldap://127.0.0.1:9/" in event.detail


@pytest.mark.django_db
def test_it_leaves_the_directory_alone_without_ldap_url(directory, settings):
    settings.LDAP_URL = ""
    grant = grant_for(EmployeeFactory(personnel_number="100001"))
    provisioning.grant_activated(grant.pk)
    assert directory.members(VPN_GROUP) == {VPN_GROUP.lower()}
    assert not ProvisioningEvent.objects.exists()

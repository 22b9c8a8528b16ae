"""Reconciliation against the real OpenLDAP and a `wg show dump`, and the CSV export."""

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from rathausmobil.access import provisioning
from rathausmobil.access.models import (
    AccessGrant,
    AccessKind,
    GrantStatus,
    ProvisioningEvent,
    SpecialistApplication,
    TerminalServerFarm,
    VpnGateway,
    WireGuardPeer,
)
from rathausmobil.access.provisioning import wireguard
from rathausmobil.access.provisioning.reconcile import MISMATCH, MISSING, UNEXPECTED, reconcile
from rathausmobil.access.tests import slapd
from rathausmobil.access.tests.slapd import (
    ROOT_DN,
    ROOT_PASSWORD,
    VPN_GROUP,
    user_dn,
)
from rathausmobil.organisation.tests.factories import EmployeeFactory

# The OpenLDAP fixtures of tests/slapd.py, used by name.
slapd_server = slapd.slapd_server
directory = slapd.directory

HAND = user_dn("100003")


def vpn_grant(employee, status=GrantStatus.ACTIVE, **fields) -> AccessGrant:
    fields.setdefault("granted_at", timezone.now())
    return AccessGrant.objects.create(
        employee=employee, kind=AccessKind.VPN, status=status, **fields
    )


def add_by_hand(server, dn: str) -> None:
    """What an administrator does in the directory, with the OpenLDAP tools."""
    ldif = f"dn: {VPN_GROUP}\nchangetype: modify\nadd: member\nmember: {dn}\n"
    tool = shutil.which("ldapmodify")
    if tool is None:
        message = "ldapmodify fehlt (apt-get install ldap-utils) / ldapmodify is missing."
        if os.environ.get("RM_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    subprocess.run(  # noqa: S603 - fixed arguments
        [tool, "-x", "-H", server.url, "-D", ROOT_DN, "-w", ROOT_PASSWORD],
        input=ldif,
        text=True,
        capture_output=True,
        check=True,
    )


def run_command(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("reconcile_access", *args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def no_wireguard(settings):
    settings.WIREGUARD_ENABLED = False
    settings.WIREGUARD_PEERS_FILE = ""


# --------------------------------------------------------------------------- directory


@pytest.mark.django_db
def test_it_finds_a_member_added_by_hand_and_fix_removes_it(directory, no_wireguard):
    EmployeeFactory(personnel_number="100003", last_name="Hand", first_name="Hans")  # no grant
    add_by_hand(directory, HAND)

    findings = reconcile(fix=False)

    assert [(f.kind, f.subject.lower()) for f in findings.items] == [(UNEXPECTED, HAND.lower())]
    assert findings.items[0].person == "100003 Hand, Hans"
    assert findings.exit_code == 1
    assert HAND.lower() in directory.members(VPN_GROUP)

    code, report = run_command("--fix")

    assert code == 0
    assert HAND.lower() not in directory.members(VPN_GROUP)
    assert "Mitglieder und Peers ohne aktiven Zugang: 1" in report
    assert "100003 Hand, Hans – kein aktiver Zugang – behoben" in report
    event = ProvisioningEvent.objects.get(target="ldap", action="remove")
    assert event.ok and event.grant is None and "aus" in event.detail
    assert run_command()[0] == 0


@pytest.mark.django_db
def test_it_reports_and_fixes_a_grant_without_membership(directory, no_wireguard):
    grant = vpn_grant(EmployeeFactory(personnel_number="100001"))

    code, report = run_command()

    assert code == 1
    assert f"{user_dn('100001')} – 100001 " in report
    assert f"Zugang Nr. {grant.pk} – nicht Mitglied – offen" in report
    assert report.index("Mitglieder und Peers ohne aktiven Zugang") < report.index(
        "im System fehlen"
    )

    code, _report = run_command("--fix")
    assert code == 0
    assert user_dn("100001").lower() in directory.members(VPN_GROUP)
    assert ProvisioningEvent.objects.get(grant=grant, target="ldap", action="add").ok


@pytest.mark.django_db
def test_it_counts_a_person_who_left_as_without_access(directory, no_wireguard):
    person = EmployeeFactory(personnel_number="100002", is_active=False)
    grant = vpn_grant(person)
    provisioning.grant_activated(grant.pk)  # joined while still employed

    findings = reconcile(fix=True)

    assert [(f.kind, f.note, f.fixed) for f in findings.items] == [
        (UNEXPECTED, "Zugang aktiv, aber Person nicht mehr beschäftigt", True)
    ]
    assert user_dn("100002").lower() not in directory.members(VPN_GROUP)


@pytest.mark.django_db
def test_it_keeps_open_what_it_cannot_fix(directory, no_wireguard):
    vpn_grant(EmployeeFactory(personnel_number="555555"))  # not in the directory

    findings = reconcile(fix=True)

    assert [(f.kind, f.fixed) for f in findings.items] == [(MISSING, False)]
    assert "Kein Verzeichniseintrag mit der E-Mail-Adresse 555555@stadt.example" in (
        findings.items[0].note
    )
    assert findings.exit_code == 1


@pytest.mark.django_db
def test_it_checks_the_terminal_server_group_too(directory, no_wireguard):
    farm = TerminalServerFarm.objects.create(name="TS-Farm 1", session_capacity=50)
    app = SpecialistApplication.objects.create(name="Steuer", farm=farm)
    AccessGrant.objects.create(
        employee=EmployeeFactory(personnel_number="100004"),
        kind=AccessKind.TERMINAL_SERVER,
        farm=farm,
        application=app,
        status=GrantStatus.ACTIVE,
    )
    findings = reconcile(fix=False)
    assert [(f.kind, f.system.split(" (")[0]) for f in findings.items] == [
        (MISSING, "Verzeichnisgruppe Terminalserver")
    ]


@pytest.mark.django_db
def test_it_exits_2_when_the_directory_cannot_be_reached(directory, no_wireguard, settings):
    settings.LDAP_URL = "ldap://127.0.0.1:9"
    vpn_grant(EmployeeFactory(personnel_number="100001"))

    code, report = run_command("--fix")

    assert code == 2
    assert "Nicht geprüft (Fehler): 2" in report
    assert "Anmeldung am Verzeichnis ldap://127.0.0.1:9" in report


@pytest.mark.django_db
def test_it_is_clean_with_nothing_configured(settings):
    settings.LDAP_URL = ""
    settings.WIREGUARD_ENABLED = False
    code, report = run_command()
    assert code == 0
    assert "Ergebnis: keine Befunde." in report


# --------------------------------------------------------------------------- wireguard


@pytest.fixture
def wg(settings, tmp_path):
    settings.LDAP_URL = ""
    settings.WIREGUARD_ENABLED = True
    settings.WIREGUARD_POOL = "10.66.0.0/24"
    settings.WIREGUARD_PEERS_FILE = str(tmp_path / "wg0-peers.conf")
    return settings


@pytest.mark.django_db
def test_it_releases_leftover_peers_and_creates_missing_ones(wg):
    revoked = vpn_grant(EmployeeFactory(), status=GrantStatus.REVOKED)
    leftover, _created = wireguard.peer_create(grant=revoked)  # revoke did not reach us
    active = vpn_grant(EmployeeFactory())  # activation did not reach us

    findings = reconcile(fix=False)
    assert [(f.kind, f.grant_id) for f in findings.items] == [
        (MISMATCH, None),  # the peers file was never written
        (UNEXPECTED, revoked.pk),
        (MISSING, active.pk),
    ]

    findings = reconcile(fix=True)

    assert findings.clean
    leftover.refresh_from_db()
    assert leftover.released_at is not None
    peer = WireGuardPeer.objects.get(grant=active)
    assert peer.released_at is None
    text = Path(wg.WIREGUARD_PEERS_FILE).read_text(encoding="utf-8")
    assert peer.public_key in text and leftover.public_key not in text
    assert reconcile().clean


@pytest.mark.django_db
def test_it_rewrites_a_peers_file_edited_by_hand(wg):
    provisioning.grant_activated(vpn_grant(EmployeeFactory()).pk)
    with open(wg.WIREGUARD_PEERS_FILE, "a", encoding="utf-8") as handle:
        handle.write("\n[Peer]\nPublicKey = handmade\nAllowedIPs = 0.0.0.0/0\n")

    findings = reconcile(fix=True)

    assert [(f.kind, f.note, f.fixed) for f in findings.items] == [
        (MISMATCH, "entspricht nicht den Peers der Datenbank; neu geschrieben", True)
    ]
    assert "handmade" not in Path(wg.WIREGUARD_PEERS_FILE).read_text(encoding="utf-8")


@pytest.mark.django_db
def test_it_compares_with_the_gateways_wg_show_dump(wg, tmp_path):
    fine = vpn_grant(EmployeeFactory(personnel_number="000001"))
    moved = vpn_grant(EmployeeFactory(personnel_number="000002"))
    absent = vpn_grant(EmployeeFactory(personnel_number="000003"))
    gone = vpn_grant(EmployeeFactory(personnel_number="000004"))
    for grant in (fine, moved, absent, gone):
        provisioning.grant_activated(grant.pk)
    AccessGrant.objects.filter(pk=gone.pk).update(status=GrantStatus.REVOKED)
    provisioning.grant_revoked(gone.pk)
    peer = {g.pk: WireGuardPeer.objects.get(grant=g) for g in (fine, moved, absent, gone)}
    _private, stranger_key = wireguard.generate_keypair()
    server_private, server_public = wireguard.generate_keypair()
    dump = "".join(
        "\t".join(fields) + "\n"
        for fields in [
            [server_private, server_public, "51820", "off"],
            [peer[fine.pk].public_key, "(none)", "203.0.113.7:40001", "10.66.0.2/32",
             "1767225600", "1200", "3400", "25"],
            [peer[moved.pk].public_key, "(none)", "(none)", "10.66.0.3/32,10.0.0.0/8",
             "0", "0", "0", "off"],
            [peer[gone.pk].public_key, "(none)", "(none)", "10.66.0.5/32",
             "0", "0", "0", "off"],
            [stranger_key, "(none)", "198.51.100.9:51000", "10.66.0.99/32",
             "1767225000", "10", "20", "off"],
        ]
    )  # fmt: skip
    dump_file = tmp_path / "dump.txt"
    dump_file.write_text(dump)

    code, report = run_command("--wireguard-dump", str(dump_file))

    findings = reconcile(wireguard_dump=dump)
    live = [f for f in findings.items if f.system.startswith("WireGuard-Gateway")]
    assert [(f.kind, f.grant_id) for f in live] == [
        (MISMATCH, moved.pk),
        (UNEXPECTED, gone.pk),
        (UNEXPECTED, None),
        (MISSING, absent.pk),
    ]
    assert code == 1
    assert f"{stranger_key} (10.66.0.99/32) – unbekannter Schlüssel" in report
    assert "000004 " in report and "Peer freigegeben" in report
    assert "AllowedIPs 10.66.0.3/32,10.0.0.0/8 statt 10.66.0.3/32" in report
    assert f"{peer[absent.pk].public_key} (10.66.0.4) – 000003 " in report
    assert server_private not in report
    assert (
        report.index(stranger_key)
        < report.index("AllowedIPs")
        < report.index(peer[absent.pk].public_key)
    )


def test_it_refuses_a_dump_that_is_not_from_wg_show():
    with pytest.raises(wireguard.WireGuardError, match="Zeile 1 .* 3 Felder statt 8"):
        wireguard.parse_wg_dump("a\tb\tc\n")
    peers = wireguard.parse_wg_dump(
        "wg0\tpriv\tpub\t51820\toff\nwg0\tKEY=\t(none)\t(none)\t10.66.0.2/32\t0\t0\t0\toff\n"
    )
    assert [(p.public_key, p.allowed_ips) for p in peers] == [("KEY=", "10.66.0.2/32")]


# --------------------------------------------------------------------------- export


@pytest.mark.django_db
def test_it_exports_who_should_have_access_as_csv_for_excel(tmp_path):
    gateway = VpnGateway.objects.create(name="Gateway Nord", product="wireguard", capacity=100)
    farm = TerminalServerFarm.objects.create(name="TS-Farm 1", session_capacity=50)
    app = SpecialistApplication.objects.create(name="=Steuer", farm=farm)
    erika = EmployeeFactory(personnel_number="000123", last_name="Müller", first_name="Erika")
    vpn_grant(
        erika, gateway=gateway, granted_at=timezone.make_aware(timezone.datetime(2026, 3, 2, 9))
    )
    AccessGrant.objects.create(
        employee=erika, kind=AccessKind.TERMINAL_SERVER, farm=farm, application=app,
        status=GrantStatus.ACTIVE,
        granted_at=timezone.make_aware(timezone.datetime(2026, 3, 5, 9)),
    )  # fmt: skip
    vpn_grant(EmployeeFactory(personnel_number="000124"), status=GrantStatus.REVOKED)
    vpn_grant(EmployeeFactory(personnel_number="000125", is_active=False))
    target = tmp_path / "zugaenge.csv"

    call_command("export_access", "--output", str(target), stderr=io.StringIO())

    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").split("\r\n") == [
        "Personalnummer;Name;E-Mail;Zugang;Gateway/Farm;Fachverfahren;seit",
        "000123;Müller, Erika;000123@stadt.example;Terminalserver;TS-Farm 1;'=Steuer;05.03.2026",
        "000123;Müller, Erika;000123@stadt.example;VPN;Gateway Nord;;02.03.2026",
        "",
    ]
    out = io.StringIO()
    call_command("export_access", stdout=out)
    assert out.getvalue().encode("utf-8") == raw

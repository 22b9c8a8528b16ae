"""WireGuard peers: keys checked by the real `wg`, the address pool (also under
concurrent grants on PostgreSQL), the configuration shown once, the peers file."""

import os
import shutil
import stat
import subprocess
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from rathausmobil.access import provisioning
from rathausmobil.access.models import (
    AccessGrant,
    AccessKind,
    GrantStatus,
    ProvisioningEvent,
    WireGuardPeer,
)
from rathausmobil.access.provisioning import wireguard
from rathausmobil.access.provisioning.reconcile import reconcile
from rathausmobil.core.errors import DomainError
from rathausmobil.core.models import AuditEvent
from rathausmobil.organisation.tests.factories import EmployeeFactory

SERVER_KEY = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="


def wg_tool() -> str:
    wg = shutil.which("wg") or "/usr/bin/wg"
    if not os.path.exists(wg):
        message = "wg fehlt (apt-get install wireguard-tools; `make system-deps`) / wg is missing."
        if os.environ.get("RM_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return wg


def wg_pubkey(private_key: str) -> str:
    """The public key as the real WireGuard tool computes it."""
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [wg_tool(), "pubkey"], input=private_key + "\n", capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def wg_parse_complaints(path) -> str:
    """What `wg setconf` says about a file's syntax. It parses the whole file before
    it touches the (here non-existent) interface, so a file it accepts ends in
    "Unable to modify interface", a broken one in "Configuration parsing error"."""
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [wg_tool(), "setconf", "rm-no-such-if", str(path)], capture_output=True, text=True
    )
    assert result.returncode != 0
    return result.stderr


def vpn_grant(employee=None, status=GrantStatus.ACTIVE) -> AccessGrant:
    return AccessGrant.objects.create(
        employee=employee or EmployeeFactory(),
        kind=AccessKind.VPN,
        status=status,
        granted_at=timezone.now(),
    )


@pytest.fixture
def wg_settings(settings, tmp_path):
    settings.LDAP_URL = ""
    settings.WIREGUARD_ENABLED = True
    settings.WIREGUARD_POOL = "10.66.0.0/24"
    settings.WIREGUARD_ENDPOINT = "vpn.stadt.example:51820"
    settings.WIREGUARD_SERVER_PUBLIC_KEY = SERVER_KEY
    settings.WIREGUARD_DNS = "10.0.0.53"
    settings.WIREGUARD_ALLOWED_IPS = "10.0.0.0/8, 192.168.10.0/24"
    settings.WIREGUARD_PEERS_FILE = str(tmp_path / "wg0-peers.conf")
    return settings


def config_value(text: str, key: str) -> str:
    for line in text.splitlines():
        name, _sep, value = line.partition(" = ")
        if name == key:
            return value
    raise AssertionError(f"{key} missing in\n{text}")


# --------------------------------------------------------------------------- keys


def test_it_makes_keys_that_wg_accepts():
    private_key, public_key = wireguard.generate_keypair()
    assert wg_pubkey(private_key) == public_key
    assert wireguard.public_key_of(private_key) == public_key
    assert len(public_key) == 44


@pytest.mark.django_db
def test_it_creates_a_peer_whose_stored_public_key_matches_its_private_key(wg_settings):
    grant = vpn_grant()
    provisioning.grant_activated(grant.pk)

    peer = WireGuardPeer.objects.get(grant=grant)
    assert peer.private_key_encrypted
    private_key = wireguard.decrypt_private_key(peer.private_key_encrypted)
    assert private_key not in peer.private_key_encrypted
    assert wg_pubkey(private_key) == peer.public_key
    event = ProvisioningEvent.objects.get(grant=grant, target="wireguard")
    assert event.ok and event.action == "add" and "10.66.0.2" in event.detail


@pytest.mark.django_db
def test_it_cannot_read_the_key_with_another_secret_key(wg_settings):
    grant = vpn_grant()
    peer, _created = wireguard.peer_create(grant=grant)
    wg_settings.SECRET_KEY = "another-secret"
    with pytest.raises(DomainError, match="nicht entschlüsseln"):
        wireguard.client_config_once(peer)


# --------------------------------------------------------------------------- addresses


@pytest.mark.django_db
def test_it_gives_the_lowest_free_address_after_the_gateway(wg_settings):
    wg_settings.WIREGUARD_POOL = "10.66.0.0/29"
    addresses = [wireguard.peer_create(grant=vpn_grant())[0].address for _ in range(3)]
    assert addresses == ["10.66.0.2", "10.66.0.3", "10.66.0.4"]


@pytest.mark.django_db
def test_it_keeps_the_peer_when_a_grant_is_activated_twice(wg_settings):
    grant = vpn_grant()
    first, created = wireguard.peer_create(grant=grant)
    again, created_again = wireguard.peer_create(grant=grant)
    assert created and not created_again
    assert again.pk == first.pk and again.public_key == first.public_key
    assert WireGuardPeer.objects.count() == 1


@pytest.mark.django_db
def test_it_releases_on_revoke_and_reuses_the_address(wg_settings):
    first = vpn_grant()
    second = vpn_grant()
    provisioning.grant_activated(first.pk)
    provisioning.grant_activated(second.pk)
    assert WireGuardPeer.objects.get(grant=first).address == "10.66.0.2"

    AccessGrant.objects.filter(pk=first.pk).update(status=GrantStatus.REVOKED)
    provisioning.grant_revoked(first.pk)

    released = WireGuardPeer.objects.get(grant=first)
    assert released.released_at is not None
    assert released.private_key_encrypted == ""
    third = vpn_grant()
    provisioning.grant_activated(third.pk)
    assert WireGuardPeer.objects.get(grant=third).address == "10.66.0.2"
    assert ProvisioningEvent.objects.filter(grant=first, action="remove", ok=True).exists()


@pytest.mark.django_db
def test_it_gives_an_active_grant_whose_peer_was_released_a_new_key(wg_settings):
    grant = vpn_grant()
    old, _created = wireguard.peer_create(grant=grant)
    wireguard.client_config_once(old)
    wireguard.peer_release(peer=old)
    wireguard.peer_create(grant=vpn_grant())  # someone else takes .2 meanwhile

    peer, created = wireguard.peer_create(grant=grant)

    assert created and peer.pk == old.pk
    assert peer.public_key != old.public_key and peer.address == "10.66.0.3"
    assert peer.released_at is None and peer.private_key_shown_at is None
    assert wg_pubkey(wireguard.decrypt_private_key(peer.private_key_encrypted)) == peer.public_key


@pytest.mark.django_db
def test_it_records_an_exhausted_pool_without_raising(wg_settings):
    wg_settings.WIREGUARD_POOL = "10.66.0.0/30"  # .1 gateway, .2 the only client
    provisioning.grant_activated(vpn_grant().pk)
    late = vpn_grant()

    provisioning.grant_activated(late.pk)

    assert not WireGuardPeer.objects.filter(grant=late).exists()
    event = ProvisioningEvent.objects.get(grant=late, target="wireguard")
    assert not event.ok
    assert "keine Tunneladresse mehr frei" in event.detail


@pytest.mark.django_db
def test_it_lets_the_database_refuse_an_address_twice(wg_settings):
    taken, _created = wireguard.peer_create(grant=vpn_grant())
    with pytest.raises(IntegrityError), transaction.atomic():
        WireGuardPeer.objects.create(grant=vpn_grant(), public_key="x" * 44, address=taken.address)
    # A released peer does not hold its address.
    wireguard.peer_release(peer=taken)
    WireGuardPeer.objects.create(grant=vpn_grant(), public_key="y" * 44, address=taken.address)


@pytest.mark.django_db
def test_it_tries_again_when_another_allocation_took_the_address(wg_settings, monkeypatch):
    taken, _created = wireguard.peer_create(grant=vpn_grant())
    real = wireguard.lowest_free_address
    answers = iter([taken.address])  # a stale answer first, as a concurrent writer causes

    monkeypatch.setattr(wireguard, "lowest_free_address", lambda: next(answers, None) or real())
    peer, created = wireguard.peer_create(grant=vpn_grant())

    assert created and peer.address == "10.66.0.3"


@pytest.mark.django_db(transaction=True)
def test_it_never_gives_an_address_twice_to_concurrent_grants(wg_settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…): SQLite serialises writers")
    grants = [vpn_grant() for _ in range(12)]
    barrier = threading.Barrier(len(grants))
    errors = []

    def activate(grant):
        try:
            barrier.wait()
            wireguard.peer_create(grant=grant)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=activate, args=(grant,)) for grant in grants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    addresses = list(WireGuardPeer.objects.values_list("address", flat=True))
    assert len(addresses) == len(grants)
    assert sorted(addresses, key=lambda a: int(a.rsplit(".", 1)[1])) == [
        f"10.66.0.{host}" for host in range(2, 2 + len(grants))
    ]


# --------------------------------------------------------------------------- client


@pytest.mark.django_db
def test_it_shows_the_client_configuration_exactly_once(wg_settings, it):
    grant = vpn_grant()
    peer, _created = wireguard.peer_create(grant=grant)

    text = wireguard.client_config_once(peer, by=it)

    assert text.startswith("[Interface]\n")
    assert config_value(text, "Address") == "10.66.0.2/32"
    assert config_value(text, "DNS") == "10.0.0.53"
    assert config_value(text, "PublicKey") == SERVER_KEY
    assert config_value(text, "Endpoint") == "vpn.stadt.example:51820"
    assert config_value(text, "AllowedIPs") == "10.0.0.0/8, 192.168.10.0/24"
    assert config_value(text, "PersistentKeepalive") == "25"
    assert wg_pubkey(config_value(text, "PrivateKey")) == peer.public_key

    peer.refresh_from_db()
    assert peer.private_key_encrypted == ""
    assert peer.private_key_shown_at is not None
    assert AuditEvent.objects.filter(
        actor=it, action="WireGuard-Konfiguration ausgegeben", object_id=str(grant.pk)
    ).exists()
    with pytest.raises(DomainError) as second:
        wireguard.client_config_once(peer, by=it)
    shown = timezone.localtime(peer.private_key_shown_at)
    assert second.value.message == (
        f"Der private Schlüssel wurde bereits am {shown:%d.%m.%Y um %H:%M} Uhr ausgegeben; "
        "für einen neuen Schlüssel den Zugang neu ausstellen."
    )


@pytest.mark.django_db
def test_it_keeps_the_key_when_the_gateway_key_is_not_configured(wg_settings):
    wg_settings.WIREGUARD_SERVER_PUBLIC_KEY = ""
    wg_settings.WIREGUARD_DNS = ""
    peer, _created = wireguard.peer_create(grant=vpn_grant())

    with pytest.raises(DomainError, match="WIREGUARD_SERVER_PUBLIC_KEY"):
        wireguard.client_config_once(peer)

    wg_settings.WIREGUARD_SERVER_PUBLIC_KEY = SERVER_KEY
    text = wireguard.client_config_once(peer)
    assert "DNS" not in text


@pytest.mark.django_db
def test_it_has_no_configuration_for_a_released_peer(wg_settings):
    peer, _created = wireguard.peer_create(grant=vpn_grant())
    wireguard.peer_release(peer=peer)
    with pytest.raises(DomainError, match="entzogen"):
        wireguard.client_config_once(peer)


def test_it_draws_the_configuration_as_an_svg_qr_code():
    svg = wireguard.qr_svg("[Interface]\nPrivateKey = abc\n")
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}path") is not None


# --------------------------------------------------------------------------- server


@pytest.mark.django_db
def test_it_writes_the_servers_peer_list_without_released_peers(wg_settings):
    kept = vpn_grant(EmployeeFactory(personnel_number="004711"))
    gone = vpn_grant(EmployeeFactory(personnel_number="004712"))
    provisioning.grant_activated(kept.pk)
    provisioning.grant_activated(gone.pk)
    AccessGrant.objects.filter(pk=gone.pk).update(status=GrantStatus.REVOKED)
    provisioning.grant_revoked(gone.pk)

    path = wg_settings.WIREGUARD_PEERS_FILE
    text = Path(path).read_text(encoding="utf-8")
    peer = WireGuardPeer.objects.get(grant=kept)
    assert text == wireguard.server_peers_file()
    assert (
        f"# Personalnummer 004711\n[Peer]\nPublicKey = {peer.public_key}\n"
        "AllowedIPs = 10.66.0.2/32\n"
    ) in text
    assert "004712" not in text
    assert text.count("[Peer]") == 1
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    complaints = wg_parse_complaints(path)
    assert "Configuration parsing error" not in complaints
    assert "Unable to modify interface" in complaints


def test_it_tells_a_broken_peers_file_from_a_good_one_with_wg(tmp_path):
    """The check above can fail: wg refuses a peer without a proper key."""
    broken = tmp_path / "broken.conf"
    broken.write_text("[Peer]\nPublicKey = kaputt\nAllowedIPs = 10.66.0.2/32\n")
    assert "Configuration parsing error" in wg_parse_complaints(broken)


@pytest.mark.django_db
def test_it_says_what_was_done_when_the_peers_file_cannot_be_written(wg_settings, tmp_path):
    wg_settings.WIREGUARD_PEERS_FILE = str(tmp_path / "no-such-dir" / "wg0-peers.conf")
    grant = vpn_grant()

    provisioning.grant_activated(grant.pk)

    event = ProvisioningEvent.objects.get(grant=grant)
    assert not event.ok
    assert event.detail.startswith("Peer 10.66.0.2 angelegt. Peers-Datei nicht geschrieben: ")
    assert WireGuardPeer.objects.get(grant=grant).released_at is None
    findings = reconcile(fix=False)
    assert [(f.system, f.note) for f in findings.items] == [("WireGuard-Peers-Datei", "fehlt")]


@pytest.mark.django_db
def test_it_does_nothing_for_wireguard_when_it_is_disabled(wg_settings):
    wg_settings.WIREGUARD_ENABLED = False
    grant = vpn_grant()
    provisioning.grant_activated(grant.pk)
    assert not WireGuardPeer.objects.exists()
    assert not ProvisioningEvent.objects.exists()


@pytest.mark.django_db
def test_it_provisions_nothing_for_a_grant_that_is_not_active(wg_settings):
    grant = vpn_grant(status=GrantStatus.REQUESTED)
    provisioning.grant_activated(grant.pk)
    assert not WireGuardPeer.objects.exists()


@pytest.mark.django_db
def test_it_records_an_unknown_grant_without_raising(wg_settings):
    provisioning.grant_activated(987654)
    event = ProvisioningEvent.objects.get()
    assert not event.ok and "987654" in event.detail

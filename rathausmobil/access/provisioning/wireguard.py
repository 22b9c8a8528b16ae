"""WireGuard peers: keys, tunnel addresses, the client configuration (shown once) and
the server's peer list.

- Keys are X25519 from `cryptography`, base64 of the raw 32 bytes: what `wg genkey`
  and `wg pubkey` write.
- The tunnel address is the lowest free host address of `WIREGUARD_POOL`, without the
  network address and the first host (the gateway). No address is held by two
  unreleased peers: the database constraint `tunnel_address_once` decides, allocation
  retries on a conflict, and on PostgreSQL an advisory lock lets allocations queue
  instead of colliding.
- The client's private key is kept Fernet-encrypted (key derived from SECRET_KEY)
  only until IT shows the configuration once; then it is deleted.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from rathausmobil.access.models import AccessGrant, AccessKind, GrantStatus, WireGuardPeer
from rathausmobil.core.audit import audit_event
from rathausmobil.core.errors import DomainError

ALLOCATION_ATTEMPTS = 20
PERSISTENT_KEEPALIVE = 25
# Any constant works; it only has to be the same for every process of this app.
_POOL_LOCK_KEY = 0x52_4D_57_47  # "RMWG"


class WireGuardError(Exception):
    """Provisioning could not create or release a peer; the message is German."""


# --------------------------------------------------------------------------- keys


def generate_keypair() -> tuple[str, str]:
    """(private key, public key), base64 as `wg` writes them."""
    private = X25519PrivateKey.generate()
    return _b64_private(private), _b64_public(private)


def public_key_of(private_key: str) -> str:
    private = X25519PrivateKey.from_private_bytes(base64.b64decode(private_key))
    return _b64_public(private)


def _b64_private(private: X25519PrivateKey) -> str:
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode("ascii")


def _b64_public(private: X25519PrivateKey) -> str:
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return base64.b64encode(raw).decode("ascii")


def _fernet() -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"rathausmobil",
        info=b"wireguard client private key",
    ).derive(settings.SECRET_KEY.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_private_key(private_key: str) -> str:
    return _fernet().encrypt(private_key.encode("ascii")).decode("ascii")


def decrypt_private_key(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise DomainError(
            "Der private Schlüssel lässt sich nicht entschlüsseln (wurde SECRET_KEY "
            "geändert?). Bitte den Zugang neu ausstellen.",
            code="key_unreadable",
        ) from exc


# --------------------------------------------------------------------------- addresses


def pool() -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(settings.WIREGUARD_POOL, strict=False)


def lowest_free_address() -> str:
    """The lowest host address of the pool that no unreleased peer holds; the first
    host is the gateway's own address."""
    network = pool()
    taken = {
        ipaddress.ip_address(address)
        for address in WireGuardPeer.objects.filter(released_at__isnull=True).values_list(
            "address", flat=True
        )
    }
    hosts = network.hosts()
    next(hosts, None)  # .1: the gateway
    for candidate in hosts:
        if candidate not in taken:
            return str(candidate)
    raise WireGuardError(
        f"Im Adressbereich {network} ist keine Tunneladresse mehr frei (WIREGUARD_POOL vergrößern)."
    )


def _lock_pool() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_POOL_LOCK_KEY])


def host_prefix(address: str) -> str:
    return f"{address}/{ipaddress.ip_address(address).max_prefixlen}"


# --------------------------------------------------------------------------- peers


def peer_create(*, grant: AccessGrant) -> tuple[WireGuardPeer, bool]:
    """The peer of a VPN grant, created with a new key pair and the lowest free
    address; (peer, created). An unreleased peer of the grant is kept as it is."""
    for _attempt in range(ALLOCATION_ATTEMPTS):
        try:
            with transaction.atomic():
                _lock_pool()
                peer = WireGuardPeer.objects.select_for_update().filter(grant=grant).first()
                if peer is not None and peer.released_at is None:
                    return peer, False
                private_key, public_key = generate_keypair()
                fields = {
                    "public_key": public_key,
                    "address": lowest_free_address(),
                    "private_key_encrypted": encrypt_private_key(private_key),
                    "private_key_shown_at": None,
                    "released_at": None,
                }
                if peer is None:
                    peer = WireGuardPeer.objects.create(grant=grant, **fields)
                else:
                    # A released peer of a grant that is active again (reconciliation):
                    # the row is reused with a new key and address.
                    for name, value in fields.items():
                        setattr(peer, name, value)
                    peer.created_at = timezone.now()
                    peer.save()
                return peer, True
        except IntegrityError:
            continue  # another allocation took the address first: look again
    raise WireGuardError(
        f"Keine Tunneladresse vergeben: {ALLOCATION_ATTEMPTS} Versuche kollidierten."
    )


def peer_release(*, peer: WireGuardPeer) -> bool:
    """Returns the address to the pool and forgets a private key not yet shown.
    True if the peer was unreleased."""
    with transaction.atomic():
        peer = WireGuardPeer.objects.select_for_update().get(pk=peer.pk)
        if peer.released_at is not None:
            return False
        peer.released_at = timezone.now()
        peer.private_key_encrypted = ""
        peer.save(update_fields=["released_at", "private_key_encrypted"])
    return True


# --------------------------------------------------------------------------- client


def client_config(*, private_key: str, address: str) -> str:
    lines = ["[Interface]", f"PrivateKey = {private_key}", f"Address = {host_prefix(address)}"]
    if settings.WIREGUARD_DNS:
        lines.append(f"DNS = {settings.WIREGUARD_DNS}")
    lines += [
        "",
        "[Peer]",
        f"PublicKey = {settings.WIREGUARD_SERVER_PUBLIC_KEY}",
        f"Endpoint = {settings.WIREGUARD_ENDPOINT}",
        f"AllowedIPs = {settings.WIREGUARD_ALLOWED_IPS}",
        f"PersistentKeepalive = {PERSISTENT_KEEPALIVE}",
    ]
    return "\n".join(lines) + "\n"


def client_config_once(peer: WireGuardPeer, *, by=None) -> str:
    """The client's configuration file with its private key, exactly once: the key
    is deleted afterwards. A second call raises DomainError."""
    if not settings.WIREGUARD_SERVER_PUBLIC_KEY:
        # Checked first: a configuration without the gateway's key would be useless
        # and the private key gone.
        raise DomainError(
            "WIREGUARD_SERVER_PUBLIC_KEY ist nicht eingerichtet; die Konfiguration kann "
            "noch nicht ausgegeben werden.",
            code="not_configured",
        )
    with transaction.atomic():
        peer = WireGuardPeer.objects.select_for_update().select_related("grant").get(pk=peer.pk)
        if peer.private_key_shown_at is not None:
            shown = timezone.localtime(peer.private_key_shown_at)
            raise DomainError(
                f"Der private Schlüssel wurde bereits am {shown:%d.%m.%Y um %H:%M} Uhr "
                "ausgegeben; für einen neuen Schlüssel den Zugang neu ausstellen.",
                code="already_shown",
            )
        if peer.released_at is not None or not peer.private_key_encrypted:
            raise DomainError(
                "Der Zugang ist entzogen; es gibt keinen Schlüssel mehr.", code="released"
            )
        private_key = decrypt_private_key(peer.private_key_encrypted)
        text = client_config(private_key=private_key, address=peer.address)
        peer.private_key_encrypted = ""
        peer.private_key_shown_at = timezone.now()
        peer.save(update_fields=["private_key_encrypted", "private_key_shown_at"])
        audit_event(
            actor=by,
            action="WireGuard-Konfiguration ausgegeben",
            obj=peer.grant,
            changes={"address": peer.address, "public_key": peer.public_key},
            source="provisioning",
        )
    return text


def qr_svg(text: str) -> str:
    """The text as a QR code, an SVG document (for the WireGuard mobile apps)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


# --------------------------------------------------------------------------- server


def server_peers_file() -> str:
    """The gateway's peer list in `wg setconf` syntax: one [Peer] per unreleased
    peer, named by personnel number only."""
    lines = [
        "# Rathaus Mobil: WireGuard-Peers. Erzeugt, nicht von Hand ändern;",
        "# wird bei jeder Änderung neu geschrieben (docs/provisioning.md).",
    ]
    peers = (
        WireGuardPeer.objects.filter(released_at__isnull=True)
        .select_related("grant__employee")
        .order_by("id")
    )
    for peer in peers:
        number = " ".join(peer.grant.employee.personnel_number.split())
        lines += [
            "",
            f"# Personalnummer {number}",
            "[Peer]",
            f"PublicKey = {peer.public_key}",
            f"AllowedIPs = {host_prefix(peer.address)}",
        ]
    return "\n".join(lines) + "\n"


def peers_file_path() -> str:
    return getattr(settings, "WIREGUARD_PEERS_FILE", "") or os.environ.get(
        "WIREGUARD_PEERS_FILE", ""
    )


def write_server_peers_file() -> str:
    """Writes the peer list to WIREGUARD_PEERS_FILE (atomically, mode 0640) if set;
    returns the path written, or "" when none is configured."""
    path = peers_file_path()
    if not path:
        return ""
    target = Path(path)
    text = server_peers_file()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o640)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return str(target)


# --------------------------------------------------------------------------- live


@dataclass(frozen=True)
class LivePeer:
    public_key: str
    allowed_ips: str
    latest_handshake: int


def parse_wg_dump(text: str) -> list[LivePeer]:
    """Peers from `wg show <iface> dump` (or `wg show all dump`): tab-separated, an
    interface line (ignored: it holds the gateway's private key) then one line per
    peer: public-key, preshared-key, endpoint, allowed-ips, latest-handshake, rx, tx,
    keepalive."""
    peers = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) == 9:  # `wg show all dump`: interface name first
            fields = fields[1:]
        if len(fields) in (4, 5):
            continue  # interface line
        if len(fields) != 8:
            raise WireGuardError(
                f"Zeile {number} der WireGuard-Ausgabe hat {len(fields)} Felder statt 8; "
                "erwartet wird `wg show <Schnittstelle> dump`."
            )
        handshake = int(fields[4]) if fields[4].isdigit() else 0
        peers.append(
            LivePeer(public_key=fields[0], allowed_ips=fields[3], latest_handshake=handshake)
        )
    return peers


def entitled_peers():
    """Unreleased peers of active VPN grants of active staff: who should be on the
    gateway."""
    return WireGuardPeer.objects.filter(
        released_at__isnull=True,
        grant__status=GrantStatus.ACTIVE,
        grant__kind=AccessKind.VPN,
        grant__employee__is_active=True,
    ).select_related("grant__employee")

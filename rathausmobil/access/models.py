"""VPN and terminal-server access: capacities, grants with history, and the
WireGuard peers that provision them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _


class AccessKind(models.TextChoices):
    VPN = "vpn", _("VPN")
    TERMINAL_SERVER = "terminal_server", _("Terminalserver")


class GatewayProduct(models.TextChoices):
    WIREGUARD = "wireguard", "WireGuard"
    OPENVPN = "openvpn", "OpenVPN"
    CISCO_ASA = "cisco-asa", "Cisco ASA / AnyConnect"
    FORTIGATE = "fortigate", "FortiGate"
    STRONGSWAN = "strongswan", "strongSwan"
    OTHER = "other", _("andere")


class VpnGateway(models.Model):
    """A VPN gateway with its licence or session capacity. The VPN usage capability
    reads its logs; this capability grants access through it."""

    name = models.CharField(_("Name"), max_length=100, unique=True)
    product = models.CharField(_("Produkt"), max_length=16, choices=GatewayProduct.choices)
    capacity = models.PositiveIntegerField(
        _("Kapazität (Lizenzen bzw. gleichzeitige Sitzungen)"), validators=[MinValueValidator(1)]
    )
    is_default = models.BooleanField(_("Standard für neue Zugänge"), default=False)

    class Meta:
        verbose_name = _("VPN-Gateway")
        verbose_name_plural = _("VPN-Gateways")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_gateway"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TerminalServerFarm(models.Model):
    name = models.CharField(_("Name"), max_length=100, unique=True)
    session_capacity = models.PositiveIntegerField(
        _("Sitzungskapazität"), validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("Terminalserver-Farm")
        verbose_name_plural = _("Terminalserver-Farmen")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SpecialistApplication(models.Model):
    """A data-heavy specialist application that runs on a terminal-server farm;
    staff of the listed units need terminal-server access for it."""

    name = models.CharField(_("Fachverfahren"), max_length=100, unique=True)
    farm = models.ForeignKey(
        TerminalServerFarm,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("Farm"),
    )
    units = models.ManyToManyField(
        "organisation.OrgUnit",
        blank=True,
        related_name="+",
        verbose_name=_("genutzt von (mit allen darunter)"),
    )

    class Meta:
        verbose_name = _("Fachverfahren")
        verbose_name_plural = _("Fachverfahren")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeviceRule(models.TextChoices):
    MOBILE_DEVICE = "mobile_device", _("VPN nur mit dienstlichem Mobilgerät")
    ANY_OFFICIAL_DEVICE = (
        "any_official_device",
        _("VPN mit dienstlichem Mobilgerät oder mitgenommenem Arbeitsplatzgerät"),
    )
    TERMINAL_SERVER_ALLOWED = (
        "terminal_server_allowed",
        _("auch ohne dienstliches Gerät über den Terminalserver"),
    )


class AccessPolicy(models.Model):
    """What HR and IT decide about access. One row (pk=1)."""

    auto_grant = models.BooleanField(
        _("Zugänge bei aktiver Vereinbarung automatisch erteilen"), default=True
    )
    device_rule = models.CharField(
        _("Geräteregel für das VPN"),
        max_length=32,
        choices=DeviceRule.choices,
        default=DeviceRule.ANY_OFFICIAL_DEVICE,
    )
    lead_days = models.PositiveSmallIntegerField(
        _("Zugang so viele Tage vor Beginn einrichten"),
        default=3,
        validators=[MaxValueValidator(30)],
        help_text=_(
            "Der Zugang zu einer Vereinbarung wird erst so viele Tage vor ihrem Beginn "
            "erteilt, damit das Gerät eingerichtet werden kann; 0 heißt am ersten Tag."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Zugangsregeln")
        verbose_name_plural = _("Zugangsregeln")

    def __str__(self) -> str:
        return str(_("Zugangsregeln"))

    @classmethod
    def current(cls) -> AccessPolicy:
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class GrantStatus(models.TextChoices):
    REQUESTED = "requested", _("beantragt")
    ACTIVE = "active", _("aktiv")
    REVOKED = "revoked", _("entzogen")


OPEN_GRANT = [GrantStatus.REQUESTED, GrantStatus.ACTIVE]


class AccessGrant(models.Model):
    """One access of one person: VPN through a gateway, or a terminal-server farm
    for a specialist application. `requested -> active -> revoked` (workflow.py)."""

    employee = models.ForeignKey(
        "organisation.Employee",
        on_delete=models.PROTECT,
        related_name="access_grants",
        verbose_name=_("Beschäftigte/r"),
    )
    kind = models.CharField(_("Art"), max_length=16, choices=AccessKind.choices)
    gateway = models.ForeignKey(
        VpnGateway, on_delete=models.PROTECT, null=True, blank=True, related_name="grants"
    )
    farm = models.ForeignKey(
        TerminalServerFarm, on_delete=models.PROTECT, null=True, blank=True, related_name="grants"
    )
    application = models.ForeignKey(
        SpecialistApplication,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grants",
    )
    status = models.CharField(
        _("Status"),
        max_length=16,
        choices=GrantStatus.choices,
        default=GrantStatus.REQUESTED,
        db_index=True,
    )
    agreement = models.ForeignKey(
        "agreements.Agreement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="access_grants",
    )
    reason = models.CharField(
        _("Anlass"),
        max_length=200,
        blank=True,
        help_text=_("Bei Zugängen ohne Vereinbarung: wofür (z. B. Rufbereitschaft)."),
    )
    requested_at = models.DateTimeField(_("beantragt am"), auto_now_add=True)
    granted_at = models.DateTimeField(_("erteilt am"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("entzogen am"), null=True, blank=True)
    # Every status change (core.StatusChange, written by workflow.GRANT_WORKFLOW).
    history = GenericRelation("core.StatusChange")

    class Meta:
        verbose_name = _("Zugang")
        verbose_name_plural = _("Zugänge")
        ordering = ["-requested_at"]
        constraints = [
            # One open grant per person, kind and application (VPN has none: 0).
            models.UniqueConstraint(
                models.F("employee"),
                models.F("kind"),
                Coalesce("application", models.Value(0)),
                condition=Q(status__in=OPEN_GRANT),
                name="one_open_grant_per_person_kind_application",
            ),
            models.CheckConstraint(
                condition=Q(kind="vpn", farm__isnull=True, application__isnull=True)
                | Q(kind="terminal_server", gateway__isnull=True, farm__isnull=False),
                name="grant_target_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.application or ''} für {self.employee_id}".replace(
            "  ", " "
        )


class WireGuardPeer(models.Model):
    """The WireGuard peer of a VPN grant. The tunnel address comes from the
    configured pool and is never held by two open peers; it returns to the pool
    when the peer is released. The client's private key is kept only encrypted and
    only until IT has shown it once for the hand-over."""

    grant = models.OneToOneField(
        AccessGrant, on_delete=models.CASCADE, related_name="wireguard_peer"
    )
    public_key = models.CharField(_("öffentlicher Schlüssel"), max_length=44, unique=True)
    address = models.GenericIPAddressField(_("Tunneladresse"))
    private_key_encrypted = models.TextField(blank=True)
    private_key_shown_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("WireGuard-Peer")
        verbose_name_plural = _("WireGuard-Peers")
        constraints = [
            models.UniqueConstraint(
                fields=["address"],
                condition=Q(released_at__isnull=True),
                name="tunnel_address_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address} {self.public_key[:8]}…"


class ProvisioningEvent(models.Model):
    """What was done (or failed) in a real system for a grant: directory group,
    WireGuard peer list. Failures are retried by reconciliation."""

    grant = models.ForeignKey(
        AccessGrant, on_delete=models.CASCADE, null=True, blank=True, related_name="provisioning"
    )
    target = models.CharField(max_length=32)  # "ldap", "wireguard"
    action = models.CharField(max_length=16)  # "add", "remove"
    ok = models.BooleanField()
    detail = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.target} {self.action} {'ok' if self.ok else 'Fehler'}"

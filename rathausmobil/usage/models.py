"""VPN usage read from the gateways' own logs (docs/vpn-usage.md).

Three layers, each with its own retention:

- ``VpnSession``: one session of one account on one gateway, times in Unix seconds (UTC).
  Raw, personal: deleted after ``USAGE_RAW_RETENTION_DAYS`` by ``run_due_jobs``.
- ``UsageDay`` (per gateway and local day) and ``TotalUsageDay`` (all gateways together): N(t)
  of the day read down to what the pages need (per real hour its integral, its highest value
  and how many seconds N had each value), plus counts; ``UsageDay`` also keeps the exact number
  of open sessions per second as a compressed array. ``persons`` (who was connected that day) is
  personal and dropped with the raw sessions; the rest stays.
- ``UnitUsageDay`` (per organisational unit and its sub-units, per local day): counts and
  person-seconds per local hour. No person in it; stays.

The pages read only the day rows; raw sessions only for a unit's figures of a single day and
for a person's own sessions.

``VpnAccount`` is the name a gateway logs (user name, e-mail, certificate CN, WireGuard key)
and the employee it belongs to, if any; ``VpnAlias`` is IT's table for names that do not
match by themselves.
"""

from __future__ import annotations

import datetime as dt
import zlib

import numpy as np
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathausmobil.access.models import VpnGateway
from rathausmobil.organisation.models import Employee, OrgUnit


class UnmappedCause(models.TextChoices):
    UNKNOWN = "unknown", _("Name unbekannt")
    AMBIGUOUS = "ambiguous", _("Name passt zu mehreren Beschäftigten")
    WIREGUARD_KEY = "wg_key", _("WireGuard-Schlüssel ohne Zugang")
    EMPTY = "empty", _("Kein Name protokolliert")


class VpnAccount(models.Model):
    """A name as the gateways log it. ``employee`` is set when the name maps to a person."""

    name = models.CharField(_("Name im Protokoll"), max_length=200, unique=True)
    employee = models.ForeignKey(
        Employee,
        verbose_name=_("Beschäftigte/r"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vpn_accounts",
    )
    unmapped_cause = models.CharField(
        _("Grund, warum nicht zugeordnet"),
        max_length=16,
        choices=UnmappedCause.choices,
        blank=True,
    )
    first_seen = models.DateTimeField(_("Zuerst gesehen"), null=True)
    last_seen = models.DateTimeField(_("Zuletzt gesehen"), null=True)

    class Meta:
        verbose_name = _("VPN-Konto")
        verbose_name_plural = _("VPN-Konten")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VpnAlias(models.Model):
    """IT maps a logged name that does not match by itself (an old account, a
    certificate CN, a WireGuard key handed out by hand) to a person."""

    name = models.CharField(_("Name im Protokoll"), max_length=200, unique=True)
    employee = models.ForeignKey(
        Employee, verbose_name=_("Beschäftigte/r"), on_delete=models.CASCADE
    )
    note = models.CharField(_("Bemerkung"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Alias für VPN-Namen")
        verbose_name_plural = _("Aliasse für VPN-Namen")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GatewayLogState(models.Model):
    """How far a gateway's logs have been read. Open sessions count until ``log_until``."""

    gateway = models.OneToOneField(
        VpnGateway, on_delete=models.CASCADE, related_name="log_state", primary_key=True
    )
    log_from = models.BigIntegerField(null=True)  # Unix seconds
    log_until = models.BigIntegerField(null=True)
    max_duration = models.BigIntegerField(default=0)  # longest session seen, seconds

    def __str__(self) -> str:
        return str(self.gateway)


class VpnLogImport(models.Model):
    """One run of ``import_vpn_log`` over one file: what it read and what it changed."""

    gateway = models.ForeignKey(VpnGateway, on_delete=models.CASCADE)
    file_name = models.CharField(_("Datei"), max_length=300)
    file_sha256 = models.CharField(max_length=64)
    fmt = models.CharField(_("Format"), max_length=20)
    started_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0)
    lines = models.BigIntegerField(default=0)
    other_lines = models.BigIntegerField(default=0)
    problems = models.IntegerField(default=0)
    sessions_new = models.IntegerField(default=0)
    sessions_closed = models.IntegerField(default=0)  # stored open, closed by this file
    sessions_known = models.IntegerField(default=0)  # already stored, unchanged
    sessions_open = models.IntegerField(default=0)  # still open at the end of the file
    problem_lines = models.JSONField(default=list)  # first problems: [line, message, text]

    class Meta:
        verbose_name = _("VPN-Protokoll-Import")
        verbose_name_plural = _("VPN-Protokoll-Importe")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return self.file_name


class VpnSession(models.Model):
    """One session [started, ended) in Unix seconds. ``ended`` empty: still open at ``log_until``.

    ``identity`` is derived from (gateway, gateway-local key, start) and unique together with
    gateway and start (the upsert key); the key itself, which
    holds the client address for some formats, is not stored. ``open_key`` (a hash of the key)
    is kept only while the session is open, so that a later file can close it.
    """

    # Millions of rows a year: the foreign keys are kept by Django (on_delete runs in Python)
    # without database constraints, which PostgreSQL would otherwise check row by row at the
    # commit of an import, and without indexes another index already covers.
    identity = models.UUIDField()
    gateway = models.ForeignKey(
        VpnGateway, on_delete=models.CASCADE, db_constraint=False, db_index=False
    )
    account = models.ForeignKey(VpnAccount, on_delete=models.PROTECT, db_constraint=False)
    employee = models.ForeignKey(
        Employee,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    # No index of its own: unit figures from raw sessions read a gateway's time range (the
    # identity index) and filter by unit; an index here cost 5-10 % of a large import.
    unit = models.ForeignKey(
        OrgUnit,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    started = models.BigIntegerField()
    ended = models.BigIntegerField(null=True)
    last_seen = models.BigIntegerField(null=True)  # snapshot formats: seen connected until
    start_derived = models.BooleanField(default=False)
    open_key = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001 NULL = closed
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("VPN-Sitzung")
        verbose_name_plural = _("VPN-Sitzungen")
        constraints = [
            # The identity already holds gateway and start; leading with them keeps inserts at
            # the right edge of the index (logs come in time order) instead of at random
            # places, which is what made a year's import slow.
            models.UniqueConstraint(
                fields=["gateway", "started", "identity"], name="usage_session_identity"
            ),
        ]
        indexes = [
            models.Index(fields=["employee", "started"], name="usage_session_emp_start"),
            models.Index(
                fields=["gateway"],
                condition=models.Q(ended__isnull=True),
                name="usage_session_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.start_at:%Y-%m-%d %H:%M:%S}"

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.started, dt.UTC)

    @property
    def end_at(self) -> dt.datetime | None:
        return None if self.ended is None else dt.datetime.fromtimestamp(self.ended, dt.UTC)


def pack_counts(counts: np.ndarray) -> bytes:
    """Per-second counts → zlib of the int32 differences (N changes rarely from second to
    second, so this is small)."""
    a = np.asarray(counts, dtype=np.int32)
    return zlib.compress(np.diff(a, prepend=np.int32(0)).astype("<i4").tobytes(), 6)


def unpack_counts(blob: bytes) -> np.ndarray:
    return np.cumsum(np.frombuffer(zlib.decompress(blob), dtype="<i4"), dtype=np.int64)


def pack_hours(counts: np.ndarray) -> bytes:
    """A day's N per second (whole real hours from local midnight) → for each real hour the
    values N took and for how many seconds each, ascending: the day's distribution by hour,
    from which any time-weighted percentile over whole hours is exact. zlib of int32:
    the number of hours, the number of values of each hour, the values (each as its
    difference to the one before), the seconds."""
    a = np.asarray(counts, dtype=np.int64)
    lengths, values, seconds = [], [], []
    for k in range(-(-a.size // 3600)):
        part = a[k * 3600 : (k + 1) * 3600]
        low = int(part.min())
        hist = np.bincount(part - low)
        present = np.flatnonzero(hist)
        lengths.append(present.size)
        values.append(present + low)
        seconds.append(hist[present])
    body = np.concatenate(
        [
            [len(lengths)],
            lengths,
            np.diff(np.concatenate(values), prepend=0) if values else [],
            np.concatenate(seconds) if seconds else [],
        ]
    )
    # Level 1: a sixth of level 6's time (written for every gateway and day of an import),
    # about a third larger.
    return zlib.compress(body.astype("<i4").tobytes(), 1)


def unpack_hours(blob: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hour of the day 0.., value of N, seconds) for every entry of ``pack_hours``."""
    body = np.frombuffer(zlib.decompress(bytes(blob)), dtype="<i4").astype(np.int64)
    n = int(body[0])
    lengths = body[1 : 1 + n]
    total = int(lengths.sum())
    values = np.cumsum(body[1 + n : 1 + n + total])
    seconds = body[1 + n + total : 1 + n + 2 * total]
    return np.repeat(np.arange(n), lengths), values, seconds


class DayFigures(models.Model):
    """One local day of N(t), read down to what the figures need.

    ``hour_sums[k]``, ``hour_peaks[k]``: ∫N dt and the highest N in real hour k of the day
    (k = 0 starts at local midnight ``lo``; 23, 24 or 25 hours). ``hour_counts``: ``pack_hours``.
    ``persons``: zlib bitmap of who was connected (bit 2·employee id for a person, 2·account id
    + 1 for a name that maps to nobody); personal, ``None`` once the raw sessions are deleted.
    """

    day = models.DateField()
    lo = models.BigIntegerField()  # Unix seconds of local midnight
    seconds = models.IntegerField()  # 86400, or 82800/90000 on the summer-time change
    sessions = models.IntegerField(default=0)  # sessions starting that day
    peak = models.IntegerField(default=0)
    peak_at = models.BigIntegerField(null=True)
    persons = models.BinaryField(null=True)
    hour_sums = models.JSONField(default=list)
    hour_peaks = models.JSONField(default=list)
    hour_counts = models.BinaryField(null=True)

    class Meta:
        abstract = True


class UsageDay(DayFigures):
    """One gateway on one local day; ``counts``: N(t) per second on [lo, lo + seconds)."""

    gateway = models.ForeignKey(VpnGateway, on_delete=models.CASCADE)
    counts = models.BinaryField()  # pack_counts
    users = models.IntegerField(default=0)  # distinct persons (or unmapped names) that day

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gateway", "day"], name="usage_day_unique"),
        ]
        indexes = [models.Index(fields=["day"], name="usage_day_day")]

    def __str__(self) -> str:
        return f"{self.gateway_id} {self.day}"

    def series(self) -> np.ndarray:
        return unpack_counts(bytes(self.counts))


class TotalUsageDay(DayFigures):
    """All gateways together on one local day: N(t) is the sum of the gateways' N(t), so its
    peak and distribution are not those of any gateway (written with them by
    ``aggregates.rebuild``)."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day"], name="total_usage_day_unique"),
        ]

    def __str__(self) -> str:
        return str(self.day)


class UnitUsageDay(models.Model):
    """A unit with all its sub-units on one local day, all gateways together.

    ``hour_seconds[h]``: ∫N dt over local clock hour h (person-seconds); the repeated autumn
    hour adds to the same h. ``peak_at``: the first second of the day's peak. ``busy_seconds``,
    ``busy_at``: ∫N dt of the day's busiest real hour and its start (the first one of equal
    ones). No person is recognisable in these rows.
    """

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sessions = models.IntegerField(default=0)
    users = models.IntegerField(default=0)
    peak = models.IntegerField(default=0)
    hour_seconds = models.JSONField(default=list)
    # Empty in rows written before they existed (migration 0003): figures that need them say so.
    peak_at = models.BigIntegerField(null=True)
    busy_seconds = models.BigIntegerField(null=True)
    busy_at = models.BigIntegerField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "day"], name="unit_usage_day_unique"),
        ]
        indexes = [models.Index(fields=["day"], name="unit_usage_day_day")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day}"

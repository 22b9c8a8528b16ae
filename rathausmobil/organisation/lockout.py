"""Lockout after repeated failed logins (BSI APP.3.1), through django-axes.

Two counts, each over the last LOGIN_LOCKOUT_MINUTES after the latest failure:

- per account: LOGIN_FAILURE_LIMIT failures (default 5) lock that user name, from any
  address, so a password cannot be guessed slowly from many machines;
- per address: LOGIN_FAILURE_LIMIT_ADDRESS failures (default 30) on any accounts lock
  that address, so one machine cannot try one password on every account. The limit is
  higher because a town hall's terminal-server farm or a shared PC is one address for
  many people.

Axes counts both in `AccessAttempt` rows (user name, address, browser) but compares them
with one limit; `LockoutHandler` scales the address count to the account limit. The
address is the client's, not the reverse proxy's: `client_ip` trusts X-Forwarded-For only
from TRUSTED_PROXIES. A locked login gets the login page with a German message (status
429), the same whether the account exists or not. IT lifts a lock early on the page
*Anmeldesperren* (`unlock`), and every lift is in the audit log. docs/security.md.
"""

from __future__ import annotations

import functools
import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from rathausmobil.core.audit import audit_event


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or, when that is a trusted proxy, the last
    address in X-Forwarded-For that is not one of our proxies."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not _is_proxy(remote):
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for candidate in reversed(forwarded):
        if _address(candidate) is not None and not _is_proxy(candidate):
            return candidate
    return remote


def _address(value: str):
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


@functools.cache
def _proxy_networks(entries: tuple[str, ...]) -> tuple:
    """TRUSTED_PROXIES as networks: single addresses ("10.0.0.5") or networks
    ("172.16.0.0/12", e.g. the containers' bridge)."""
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _is_proxy(value: str) -> bool:
    address = _address(value)
    networks = _proxy_networks(tuple(settings.TRUSTED_PROXIES))
    return address is not None and any(
        address.version == net.version and address in net for net in networks
    )


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit of its own for the address count."""

    def get_failures(self, request, credentials=None) -> int:
        account, address = (
            queryset.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for queryset in self.get_user_attempts(request, credentials)
        )
        # Address failures count as a share of their own limit, in account failures:
        # at LOGIN_FAILURE_LIMIT_ADDRESS they reach LOGIN_FAILURE_LIMIT.
        scaled = math.floor(
            address * settings.LOGIN_FAILURE_LIMIT / settings.LOGIN_FAILURE_LIMIT_ADDRESS
        )
        return max(account, scaled)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """After a successful login, forget the failures of this user name only. Axes
        would also forget those of the address, so a person with a valid account could
        lift every other account's lock from the same machine by signing in."""
        removed, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials)
        ).delete()
        return removed


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The login page again, saying why and what to do (AXES_LOCKOUT_CALLABLE)."""
    return render(
        request,
        "registration/login.html",
        {
            "locked_out": True,
            "lockout_minutes": settings.LOGIN_LOCKOUT_MINUTES,
            "next": request.POST.get("next", request.GET.get("next", "")),
        },
        status=429,
    )


# ------------------------------------------------------------------------------ the IT page


@dataclass(frozen=True)
class Lock:
    """A user name or an address that is locked now."""

    kind: str  # "username" or "address"
    value: str
    failures: int
    last_failure: datetime
    until: datetime


def current_locks() -> list[Lock]:
    """Every user name and address at or over its limit now, the latest first. Two
    grouped queries, however many attempts there are."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(attempt_time__gte=since)
    locks = []
    for kind, field, limit in (
        ("username", "username", settings.LOGIN_FAILURE_LIMIT),
        ("address", "ip_address", settings.LOGIN_FAILURE_LIMIT_ADDRESS),
    ):
        rows = (
            recent.exclude(**{f"{field}__isnull": True})
            .values(field)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=limit)
        )
        locks.extend(
            Lock(
                kind=kind,
                value=row[field],
                failures=row["failures"],
                last_failure=row["last"],
                until=row["last"] + settings.AXES_COOLOFF_TIME,
            )
            for row in rows
        )
    return sorted(locks, key=lambda lock: lock.last_failure, reverse=True)


@transaction.atomic
def unlock(*, kind: str, value: str, by) -> int:
    """Lift the lock of a user name or an address; returns the attempts removed (0 when
    it was no longer locked: a second click changes nothing)."""
    field = {"username": "username", "address": "ip_address"}[kind]
    removed, _ = AccessAttempt.objects.filter(**{field: value}).delete()
    if removed:
        audit_event(
            actor=by,
            action="login_unlocked",
            model=AccessAttempt,
            object_id=value[:64],
            label=value,
            changes={"art": kind, "fehlversuche_entfernt": removed},
        )
    return removed


def remove_old_attempts(day) -> int:
    """Daily job: failed attempts are kept LOGIN_ATTEMPTS_RETENTION_DAYS, then deleted."""
    cutoff = timezone.now() - timezone.timedelta(days=settings.LOGIN_ATTEMPTS_RETENTION_DAYS)
    removed, _ = AccessAttempt.objects.filter(attempt_time__lt=cutoff).delete()
    return removed

"""Writes of the usage pages. IT maps a logged name to a person (``alias_add``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max, Min
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from rathausmobil.core.audit import audit_event
from rathausmobil.core.errors import DomainError
from rathausmobil.organisation.models import Employee, Role
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.usage import accounts, aggregates
from rathausmobil.usage.models import GatewayLogState, VpnAccount, VpnAlias, VpnSession


@dataclass(frozen=True)
class AliasResult:
    alias: VpnAlias
    accounts_mapped: int
    first_day: dt.date | None
    last_day: dt.date | None


def _session_days(account_ids: list[int]) -> tuple[list[int], dt.date | None, dt.date | None]:
    """Gateways with sessions of these accounts and the local days those sessions touch
    (an open session counts until its gateway's ``log_until``)."""
    rows = (
        VpnSession.objects.filter(account_id__in=account_ids)
        .order_by()
        .values("gateway_id")
        .annotate(
            lo=Min("started"),
            hi=Max(Coalesce("ended", "last_seen", "started")),
        )
        .values_list("gateway_id", "lo", "hi")
    )
    rows = list(rows)
    if not rows:
        return [], None, None
    gateway_ids = [g for g, _, _ in rows]
    lo = min(lo for _, lo, _ in rows)
    hi = max(hi for _, _, hi in rows)
    open_until = (
        GatewayLogState.objects.filter(
            gateway_id__in=VpnSession.objects.filter(
                account_id__in=account_ids, ended__isnull=True
            ).values("gateway_id")
        )
        .exclude(log_until=None)
        .aggregate(until=Max("log_until"))["until"]
    )
    if open_until is not None:
        hi = max(hi, open_until)
    return gateway_ids, aggregates.local_day(lo), aggregates.local_day(max(hi - 1, lo))


def alias_add(
    *, name: str, employee: Employee, user: AbstractBaseUser, note: str = ""
) -> AliasResult:
    """IT says that the logged ``name`` belongs to ``employee``.

    Creates the alias, maps every account that now resolves (``remap_accounts``), recomputes
    the daily aggregates of the days with sessions of those accounts on their gateways, and
    writes the audit trail. Raises ``DomainError`` with a German message when it cannot.
    """
    if not scope_for(user).has(Role.IT):
        raise DomainError(
            _("Namen aus den VPN-Protokollen ordnet nur die IT zu."), code="forbidden"
        )
    raw = (name or "").strip()
    if not raw:
        raise DomainError(_("Bitte den Namen angeben, wie er im Protokoll steht."))
    if not employee.is_active:
        raise DomainError(
            _("%(person)s ist nicht mehr beschäftigt.") % {"person": employee.full_name}
        )
    account_name = accounts.AccountCache.account_name(raw)
    key = accounts.normalise(raw)
    with transaction.atomic():
        aggregates.lock_figures()  # before the accounts: the order an import takes them in
        if VpnAlias.objects.filter(name__iexact=key).exists():
            raise DomainError(_("Für „%(name)s“ gibt es schon eine Zuordnung.") % {"name": raw})
        account = VpnAccount.objects.filter(name=account_name).first()
        if account is not None and account.employee_id is not None:
            raise DomainError(_("„%(name)s“ ist bereits einer Person zugeordnet.") % {"name": raw})
        before = list(VpnAccount.objects.filter(employee__isnull=True).values_list("pk", flat=True))
        alias = VpnAlias.objects.create(name=account_name, employee=employee, note=note[:200])
        mapped = accounts.remap_accounts()
        now_mapped = list(
            VpnAccount.objects.filter(pk__in=before, employee__isnull=False).values_list(
                "pk", flat=True
            )
        )
        gateway_ids, first, last = _session_days(now_mapped)
        if gateway_ids and first and last:
            aggregates.rebuild(gateway_ids, first, last)
        audit_event(
            actor=user,
            action="usage.alias_added",
            obj=alias,
            changes={
                "name": account_name,
                "employee": employee.personnel_number,
                "accounts_mapped": mapped,
                "rebuilt_from": first.isoformat() if first else None,
                "rebuilt_to": last.isoformat() if last else None,
            },
            reason=note[:200],
        )
    return AliasResult(alias=alias, accounts_mapped=mapped, first_day=first, last_day=last)

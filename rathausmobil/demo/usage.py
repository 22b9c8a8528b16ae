"""Demo VPN usage: five weeks of gateway logs, written in the gateways' real formats and read
through the real importer (``import_lines``), one file per day like a rotated syslog.

Who connects: the people with an active VPN grant, under the name the gateway logs (the
e-mail address as AnyConnect UPN; some as ``STADT\\local-part`` from old Windows clients), and
a few names no person matches (a scanner's service account, an external maintainer, an
ambiguous old login) so that IT's list of unmapped names has something to show.

Nothing here is a typed figure: the concurrency comes from the generated sessions, and
``vpn_concurrent_avg_workdays`` is whatever the importer computes from them (the generator
aims each workday at the scenario's target).
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from rathausmobil.access.models import (
    AccessGrant,
    AccessKind,
    GatewayProduct,
    GrantStatus,
    VpnGateway,
)
from rathausmobil.usage.accounts import AccountCache
from rathausmobil.usage.generate import plan_sessions, write_cisco_asa, write_fortigate
from rathausmobil.usage.importing import import_lines
from rathausmobil.usage.models import VpnSession

# per scenario: (gateway name, share of the VPN users, target mean concurrency); the gateways
# are the access demo's, and each logs in the format of its product.
SETUP = {
    "offenbach": {
        "days": 35,
        "gateways": [
            ("VPN-Gateway Rathaus", 0.92, 335.0),
            ("VPN-Gateway Stadtwerke-Rechenzentrum (Ausweich)", 0.08, 15.0),
        ],
        "unmapped": ["svc-scanner-3og", "extern.wartung", "STADT\\m.schmidt-alt"],
    },
    "halver": {
        "days": 35,
        "gateways": [("VPN-Gateway Rathaus Halver", 1.0, 25.0)],
        "unmapped": ["extern.wartung"],
    },
}

# product -> (log format, writer): the products of the demo gateways.
LOGS = {
    GatewayProduct.CISCO_ASA: ("cisco-asa", write_cisco_asa),
    GatewayProduct.FORTIGATE: ("fortigate", write_fortigate),
}


def seed(scenario: str, *, today: dt.date | None = None) -> None:
    if VpnSession.objects.exists() or scenario not in SETUP:
        return  # already loaded: the demo is idempotent
    setup = SETUP[scenario]
    today = today or timezone.localdate()
    first = today - dt.timedelta(days=setup["days"])
    rng = random.Random(f"usage-{scenario}")
    people = list(
        AccessGrant.objects.filter(kind=AccessKind.VPN, status=GrantStatus.ACTIVE)
        .select_related("employee")
        .order_by("employee__personnel_number")
        .values_list("employee__email", flat=True)
        .distinct()
    )
    names = [_logged_name(email, rng) for email in people if email]
    rng.shuffle(names)
    start = 0
    with tempfile.TemporaryDirectory(prefix="rathausmobil-vpn-") as tmp:
        for i, (gateway_name, share, target) in enumerate(setup["gateways"]):
            gateway = VpnGateway.objects.get(name=gateway_name)
            fmt, write = LOGS[gateway.product]
            count = round(len(names) * share) if i < len(setup["gateways"]) - 1 else None
            users = names[start : start + count] if count is not None else names[start:]
            start += len(users)
            if i == 0:
                users = users + setup["unmapped"]
            sessions = plan_sessions(
                users,
                first,
                setup["days"],
                target_avg=target,
                seed=sum(map(ord, f"{scenario}{i}")),
                tz=settings.USAGE_TZ,
            )
            accounts = AccountCache()
            for path in _daily_files(Path(tmp), fmt, write(sessions, tz=settings.USAGE_TZ)):
                with path.open(encoding="utf-8") as fh:
                    import_lines(
                        fh,
                        name=path.name,
                        fmt=fmt,
                        gateway=gateway,
                        source="seed_demo",
                        accounts=accounts,
                    )


def _logged_name(email: str, rng: random.Random) -> str:
    if rng.random() < 0.1:
        return "STADT\\" + email.split("@", 1)[0]
    return email


def _day_of(line: str, fmt: str) -> str:
    if fmt == "fortigate":
        return line[5:15]  # date=2026-11-02
    return line[:11]  # Nov 02 2026


def _daily_files(tmp: Path, fmt: str, lines):
    """Split the stream into one file per day (``<fmt>-YYYYMMDD.log``); yields each path
    once it is complete."""
    current, fh, path, n = None, None, None, 0
    for line in lines:
        day = _day_of(line, fmt)
        if day != current:
            if fh is not None:
                fh.close()
                yield path
            current, n = day, n + 1
            path = tmp / f"{fmt}-{n:03d}.log"
            fh = path.open("w", encoding="utf-8")
        fh.write(line)
    if fh is not None:
        fh.close()
        yield path

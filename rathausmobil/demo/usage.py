"""Demo VPN usage: gateway logs, written in the gateways' real formats and read through
the real importer (``import_lines``), one file per day like a rotated syslog, each file
imported on the demo clock the morning after its day.

Which days have logs (docs/demo.md): six years of sessions of 1,100 people would take far
too long, so only the days the story needs are generated:

- the weeks before the article (``story.ARTICLE_LOGS``, 02.12.2020 to 19.01.2021): use
  rises with the second lockdown (16.12.2020) and stays up in January 2021, so the 28
  days before 20.01.2021 give "about 350 at the same time";
- the five weeks before the demo's today (the VPN pages' current figures).

Days in between have no logs and no day rows: their VPN figures cannot be rebuilt.
Raw sessions older than ``USAGE_RAW_RETENTION_DAYS`` would be removed by the retention
job; the demo does not run it, the day rows stay either way.

Who connects on a day: the people whose VPN grant was active then, under the name the
gateway logs (the e-mail address as AnyConnect UPN; some as ``STADT\\local-part`` from old
Windows clients), and a few names no person matches (a scanner's service account, an
external maintainer, an ambiguous old login) so that IT's list of unmapped names has
something to show.

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
from rathausmobil.core.workflow import with_status_on
from rathausmobil.demo import story
from rathausmobil.demo.clock import story_moment
from rathausmobil.organisation.models import Employee
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

BEFORE_LOCKDOWN = 0.45  # share of the target before the second lockdown

# product -> (log format, writer): the products of the demo gateways.
LOGS = {
    GatewayProduct.CISCO_ASA: ("cisco-asa", write_cisco_asa),
    GatewayProduct.FORTIGATE: ("fortigate", write_fortigate),
}


def seed(scenario: str, *, today: dt.date | None = None) -> None:
    if VpnSession.objects.exists() or scenario not in SETUP:
        return  # already loaded: the demo is idempotent
    today = today or timezone.localdate()
    for first, last, scale in segments(today, SETUP[scenario]["days"]):
        _logs(scenario, first, last, scale)


def segments(today: dt.date, days: int) -> list[tuple[dt.date, dt.date, float]]:
    """The stretches of days with logs up to yesterday: (first, last, share of the
    target)."""
    yesterday = today - dt.timedelta(days=1)
    first, last = story.ARTICLE_LOGS
    last = min(last, yesterday)
    lockdown = story.SECOND_LOCKDOWN
    out = []
    if first < lockdown:
        out.append((first, min(last, lockdown - dt.timedelta(days=1)), BEFORE_LOCKDOWN))
    if last >= lockdown:
        out.append((max(first, lockdown), last, 1.0))
    recent = max(today - dt.timedelta(days=days), last + dt.timedelta(days=1))
    if recent <= yesterday:
        out.append((recent, yesterday, 1.0))
    return out


def _logs(scenario: str, first: dt.date, last: dt.date, scale: float) -> None:
    setup = SETUP[scenario]
    rng = random.Random(f"usage-{scenario}-{first}")
    granted = with_status_on(
        AccessGrant.objects.filter(
            kind=AccessKind.VPN, employee__in=Employee.objects.employed_on(last)
        ),
        last,
    ).filter(status_on=GrantStatus.ACTIVE)
    people = list(
        granted.order_by("employee__personnel_number")
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
                (last - first).days + 1,
                target_avg=target * scale,
                seed=sum(map(ord, f"{scenario}{i}{first}")),
                tz=settings.USAGE_TZ,
            )
            accounts = AccountCache()
            for path, day in _daily_files(Path(tmp), fmt, write(sessions, tz=settings.USAGE_TZ)):
                # The file of a day is collected and read the next morning.
                morning = min(day, last) + dt.timedelta(days=1)
                with story_moment(morning, 5), path.open(encoding="utf-8") as fh:
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
    """Split the stream into one file per day (``<fmt>-NNN.log``); yields each path with
    its day once it is complete."""
    current, fh, path, n = None, None, None, 0
    for line in lines:
        day = _day_of(line, fmt)
        if day != current:
            if fh is not None:
                fh.close()
                yield path, _parse_day(current, fmt)
            current, n = day, n + 1
            path = tmp / f"{fmt}-{n:03d}.log"
            fh = path.open("w", encoding="utf-8")
        fh.write(line)
    if fh is not None:
        fh.close()
        yield path, _parse_day(current, fmt)


def _parse_day(text: str, fmt: str) -> dt.date:
    if fmt == "fortigate":
        return dt.date.fromisoformat(text)
    return dt.datetime.strptime(text.strip(), "%b %d %Y").date()

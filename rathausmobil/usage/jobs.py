"""Daily job of VPN usage, run by `manage.py run_due_jobs`: retention.

Raw sessions say who was connected when: they are deleted once they ended more than
``USAGE_RAW_RETENTION_DAYS`` days ago (sessions still open are kept). With them go the
per-day lists of who was connected, the log names no session refers to any more, and the problem lines
of old imports (they quote log lines). The daily figures without persons stay. Running it
twice the same day deletes nothing more.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from rathausmobil.usage import aggregates
from rathausmobil.usage.models import (
    TotalUsageDay,
    UsageDay,
    VpnAccount,
    VpnLogImport,
    VpnSession,
)


def horizon(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=settings.USAGE_RAW_RETENTION_DAYS)


@transaction.atomic
def delete_expired_sessions(today: dt.date) -> int:
    aggregates.lock_figures()  # not while an import writes the days' account bitmaps
    first_kept = horizon(today)
    cutoff = aggregates.day_bounds(first_kept)[0]
    deleted, _ = VpnSession.objects.filter(ended__isnull=False, ended__lt=cutoff).delete()
    for days in (UsageDay.objects, TotalUsageDay.objects):
        days.filter(day__lt=first_kept, persons__isnull=False).update(persons=None)
    VpnAccount.objects.filter(
        Q(last_seen__isnull=True) | Q(last_seen__lt=dt.datetime.fromtimestamp(cutoff, dt.UTC))
    ).exclude(pk__in=VpnSession.objects.values("account_id")).delete()
    VpnLogImport.objects.filter(started_at__lt=dt.datetime.fromtimestamp(cutoff, dt.UTC)).exclude(
        problem_lines=[]
    ).update(problem_lines=[])
    return deleted


JOBS = [
    ("VPN-Sitzungen nach Aufbewahrungsfrist gelöscht", delete_expired_sessions),
]

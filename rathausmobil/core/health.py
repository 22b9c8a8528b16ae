"""Health checks for the load balancer and the operators (django-health-check).

- `/health/live/` (liveness): answers 200 and touches nothing; the process is up.
- `/health/` (readiness): runs every check. It fails (503) only when this app server
  cannot serve: the database or the cache does not answer, or the disk is nearly full.
  A worker without a recent heartbeat or failed daily jobs only *warn* (200, status
  "warning"): taking the app servers out of the load balancer would not bring the
  worker back, it would only lock everybody out. Monitoring alerts on the warnings
  (`?format=json`: `"status": "warning"`; `?format=openmetrics` for Prometheus, where
  a warning counts as unhealthy).

No login, and nothing about a person: only states, ages and counts. See
docs/deployment.md "Health checks".
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from typing import ClassVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from health_check import checks
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable, ServiceWarning
from health_check.views import HealthCheckView

from rathausmobil.core.jobs import last_job_run
from rathausmobil.core.models import JobRun, JobRunStatus
from rathausmobil.core.scheduler import last_heartbeat, tick_ensure_now_and_then

# Disk: warn from this share used, fail (out of the load balancer) from the second.
DISK_WARN_PERCENT = 90
DISK_FAIL_PERCENT = 98


class Named:
    """What our page and JSON show of a check: a key, a German label, and whether its
    failure fails the readiness check (critical) or only warns."""

    key: ClassVar[str]
    label: ClassVar[str]
    critical: ClassVar[bool] = True

    def details(self) -> dict:
        return getattr(self, "_details", {})


@dataclasses.dataclass
class Database(Named, checks.Database):
    key = "database"
    label = gettext_lazy("Datenbank")


@dataclasses.dataclass
class Cache(Named, checks.Cache):
    key = "cache"
    label = gettext_lazy("Cache")


def _disk_paths() -> list[Path]:
    """Where the application writes or serves files from: the collected static files
    (or the code) and the temporary directory (uploads being read, PDFs)."""
    static = Path(settings.STATIC_ROOT)
    return [static if static.exists() else Path(settings.BASE_DIR), Path(tempfile.gettempdir())]


@dataclasses.dataclass
class DiskSpace(Named, HealthCheck):
    key: ClassVar[str] = "disk"
    label: ClassVar[str] = gettext_lazy("Speicherplatz")

    def run(self):
        seen, fullest = set(), 0.0
        for path in _disk_paths():
            device = os.stat(path).st_dev
            if device in seen:
                continue
            seen.add(device)
            usage = shutil.disk_usage(path)
            fullest = max(fullest, 100 * usage.used / usage.total)
        self._details = {"used_percent": round(fullest, 1)}
        if fullest >= DISK_FAIL_PERCENT:
            raise ServiceUnavailable(_("Platte zu %(p)d %% voll") % {"p": fullest})
        if fullest >= DISK_WARN_PERCENT:
            raise ServiceWarning(_("Platte zu %(p)d %% voll") % {"p": fullest})


def _age_minutes(moment: dt.datetime) -> int:
    return int((timezone.now() - moment).total_seconds() // 60)


@dataclasses.dataclass
class Worker(Named, HealthCheck):
    """The background worker's last heartbeat (the scheduler's tick, core/scheduler.py).
    It shows that some worker works the queue, not that every one does."""

    key: ClassVar[str] = "worker"
    label: ClassVar[str] = gettext_lazy("Hintergrund-Worker")
    critical: ClassVar[bool] = False

    async def run(self):
        # in the request's thread: the same database connection (and transaction) as it
        beat = await sync_to_async(last_heartbeat, thread_sensitive=True)()
        self._details = {"last_heartbeat": beat.isoformat() if beat else None}
        if beat is None:
            raise ServiceWarning(_("noch kein Lebenszeichen"))
        if _age_minutes(beat) > settings.HEALTH_WORKER_MAX_MINUTES:
            raise ServiceWarning(
                _("letztes Lebenszeichen vor %(m)d Minuten") % {"m": _age_minutes(beat)}
            )


def _daily_jobs_state() -> tuple[JobRun | None, JobRun | None]:
    last = last_job_run()
    succeeded = JobRun.objects.filter(status=JobRunStatus.SUCCEEDED).order_by("-day").first()
    return last, succeeded


@dataclasses.dataclass
class DailyJobs(Named, HealthCheck):
    """The daily jobs' last run (core/jobs.py): failed, or no success for
    HEALTH_JOBS_MAX_HOURS, warns."""

    key: ClassVar[str] = "daily_jobs"
    label: ClassVar[str] = gettext_lazy("Tägliche Aufgaben")
    critical: ClassVar[bool] = False

    async def run(self):
        last, succeeded = await sync_to_async(_daily_jobs_state, thread_sensitive=True)()
        self._details = {
            "last_day": last.day.isoformat() if last else None,
            "last_status": last.status if last else None,
            "last_success": succeeded.finished_at.isoformat() if succeeded else None,
        }
        if last is None:
            raise ServiceWarning(_("noch nie gelaufen"))
        if last.status == JobRunStatus.FAILED:
            raise ServiceWarning(
                _("Lauf vom %(day)s fehlgeschlagen") % {"day": f"{last.day:%d.%m.%Y}"}
            )
        limit = timezone.now() - dt.timedelta(hours=settings.HEALTH_JOBS_MAX_HOURS)
        if succeeded is None or succeeded.finished_at < limit:
            raise ServiceWarning(
                _("kein erfolgreicher Lauf in %(h)d Stunden")
                % {"h": settings.HEALTH_JOBS_MAX_HOURS}
            )


OK, WARNING, ERROR = "ok", "warning", "error"


def _state(result) -> str:
    if result.error is None:
        return OK
    if isinstance(result.error, ServiceWarning) or not result.check.critical:
        return WARNING
    return ERROR


class HealthView(HealthCheckView):
    """Readiness: every check; 503 when a critical one fails. A German page, or JSON
    (`?format=json` or `Accept: application/json`), or OpenMetrics."""

    template_name = "core/health.html"
    checks = (Database, Cache, DiskSpace, Worker, DailyJobs)

    async def get(self, request, *args, **kwargs):
        # The load balancer asks every few seconds: it keeps the worker's schedule alive
        # (a tick is queued if none waits; at most once a minute per process).
        await sync_to_async(tick_ensure_now_and_then, thread_sensitive=True)()
        with self.get_executor() as executor:
            self.results = await asyncio.gather(
                *(check.get_result(executor) for check in self.get_checks())
            )
        states = [_state(result) for result in self.results]
        overall = ERROR if ERROR in states else WARNING if WARNING in states else OK
        status = 503 if overall == ERROR else 200
        wanted = request.GET.get("format") or (
            "json" if "application/json" in request.headers.get("Accept", "") else "html"
        )
        if wanted == "openmetrics":
            response = self.render_to_response_openmetrics()
            extra = await sync_to_async(queue_metrics, thread_sensitive=True)()
            response.content = response.content.replace(b"# EOF\n", extra.encode() + b"# EOF\n")
            return response
        rows = [
            {
                "key": result.check.key,
                "label": str(result.check.label),
                "state": state,
                "message": result.error.message if result.error else "",
                "critical": result.check.critical,
                **result.check.details(),
            }
            for result, state in zip(self.results, states, strict=True)
        ]
        if wanted == "json":
            return JsonResponse(
                {
                    "status": overall,
                    "checks": {
                        row.pop("key"): {k: v for k, v in row.items() if k != "label"}
                        for row in rows
                    },
                },
                status=status,
                json_dumps_params={"ensure_ascii": False},
            )
        return self.render_to_response({"overall": overall, "rows": rows}, status=status)


def queue_metrics() -> str:
    """For Prometheus (`?format=openmetrics`), beside each check's state: the background
    queue (waiting, failed in the last day) and the age of the heartbeat and of the last
    successful daily run. Two indexed counts and two small reads."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY).count()
    failed = DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED, finished_at__gte=now - dt.timedelta(days=1)
    ).count()
    beat = last_heartbeat()
    _last, succeeded = _daily_jobs_state()
    lines = [
        "# HELP rathausmobil_tasks_waiting Background tasks waiting in the queue (due or later)",
        "# TYPE rathausmobil_tasks_waiting gauge",
        f"rathausmobil_tasks_waiting {waiting}",
        "# HELP rathausmobil_tasks_failed_last_day Background tasks failed in the last 24 hours",
        "# TYPE rathausmobil_tasks_failed_last_day gauge",
        f"rathausmobil_tasks_failed_last_day {failed}",
    ]
    for name, moment, what in (
        ("worker_heartbeat", beat, "the worker's last heartbeat"),
        (
            "daily_jobs_success",
            succeeded and succeeded.finished_at,
            "the last successful daily run",
        ),
    ):
        if moment:
            lines += [
                f"# HELP rathausmobil_{name}_age_seconds Seconds since {what}",
                f"# TYPE rathausmobil_{name}_age_seconds gauge",
                f"rathausmobil_{name}_age_seconds {(now - moment).total_seconds():.0f}",
            ]
    return "\n".join(lines) + "\n"


def live(request):
    """Liveness: the process answers. Touches neither database nor cache."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")

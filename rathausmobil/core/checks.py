"""System checks of core's settings (`manage.py check`, run by migrate and runserver)."""

import datetime as dt

from django.conf import settings
from django.core.checks import Error, register


@register()
def daily_jobs_time(app_configs, **kwargs):
    """JOBS_DAILY_AT must be a time of day: the worker's tick reads it every few minutes."""
    try:
        dt.time.fromisoformat(settings.JOBS_DAILY_AT)
    except (TypeError, ValueError):
        return [
            Error(
                f"JOBS_DAILY_AT={settings.JOBS_DAILY_AT!r} ist keine Uhrzeit (HH:MM).",
                id="core.E001",
            )
        ]
    return []

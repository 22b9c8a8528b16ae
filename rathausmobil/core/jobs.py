"""The daily jobs `manage.py run_due_jobs` runs for cron.

Each app connects its jobs in `AppConfig.ready()`:
`daily_jobs.connect(function, label="Überfällige Anträge eskaliert")`. A job takes
the day and returns how many records it handled; it must be idempotent, so that
running it twice the same day changes nothing more.
"""

from __future__ import annotations

import datetime as dt

from rathausmobil.core.hooks import IN_TRANSACTION, Hook

daily_jobs: Hook[[dt.date], int] = Hook(
    "daily_jobs",
    runs=IN_TRANSACTION,
    doc="Called once a day with the day; returns how many records the job handled.",
)

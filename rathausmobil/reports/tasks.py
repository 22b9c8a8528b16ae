"""Background work of the reports, through Django's tasks API (django-tasks): the monthly
mail of subscribed reports (reports/mailing.py) and the report files asked for on the
report pages (reports/files.py), run by `db_worker`."""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task()
def monthly_reports_task(today: str) -> dict[str, int]:
    from rathausmobil.reports.mailing import monthly_reports_send

    return monthly_reports_send(today=dt.date.fromisoformat(today))


@task()
def report_file_task(file_id: int) -> str:
    """Make a report's file asked for on its page (reports/files.py)."""
    from rathausmobil.reports.files import report_file_make

    return report_file_make(file_id)

"""Daily jobs of the reports (for `run_due_jobs`, see core/jobs.py)."""

from rathausmobil.reports.files import report_files_delete_old
from rathausmobil.reports.mailing import monthly_reports_due
from rathausmobil.reports.snapshots import snapshots_due

JOBS = [
    ("Kennzahlen des Vortags und der Monatsenden festhalten", snapshots_due),
    ("Monatliche Berichte per E-Mail (am ersten Werktag)", monthly_reports_due),
    ("Alte Berichtsdateien gelöscht", report_files_delete_old),
]

"""What the database must say after the load (run.py calls it with the run's
DATABASE_URL and the first request id of the run). Prints one JSON object: the figures
and a list of findings; no finding means every check held.

- no status changed twice: each request's history is a chain, every change starts where
  the one before ended;
- every status change is in the history: the current status is the last row's, and a
  decided request has exactly one decision;
- every started task finished once: no task result waiting or running, none failed, and
  each planning run has exactly one task result;
- every import of the run (checked and applied by the workers) ended, with its history.
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from rathausmobil.agreements.models import RequestStatus, WorkRequest  # noqa: E402
from rathausmobil.core.models import ImportUpload, StatusChange  # noqa: E402
from rathausmobil.presence.models import PlanningRun  # noqa: E402

DECISIONS = {"approve": RequestStatus.APPROVED, "reject": RequestStatus.REJECTED}
TASK_DONE = "SUCCESSFUL"


def requests_findings(first_request: int) -> tuple[dict, list[str]]:
    requests = dict(WorkRequest.objects.filter(pk__gte=first_request).values_list("pk", "status"))
    history = defaultdict(list)
    rows = StatusChange.objects.filter(
        content_type=ContentType.objects.get_for_model(WorkRequest), object_id__in=requests
    ).order_by("at", "pk")
    for row in rows.values("object_id", "action", "from_status", "to_status"):
        history[row["object_id"]].append(row)
    findings = []
    for pk, status in sorted(requests.items()):
        changes = history[pk]
        if not changes:
            findings.append(f"Antrag {pk}: keine Statushistorie")
            continue
        before = ""
        for change in changes:
            if change["from_status"] != before:
                findings.append(
                    f"Antrag {pk}: „{change['action']}“ von {change['from_status']}, "
                    f"der Status war aber {before or '(neu)'}"
                )
            before = change["to_status"]
        if before != status:
            findings.append(f"Antrag {pk}: Status {status}, die Historie endet bei {before}")
        decisions = [c for c in changes if c["action"] in DECISIONS]
        if status in DECISIONS.values() and len(decisions) != 1:
            findings.append(f"Antrag {pk}: {status} mit {len(decisions)} Entscheidungen")
        if status not in DECISIONS.values() and decisions:
            findings.append(f"Antrag {pk}: {status}, aber {len(decisions)} Entscheidungen")
    counts = defaultdict(int)  # of the run's requests
    for pk, status in requests.items():
        if pk >= first_request:
            counts[status] += 1
    return {"requests": sum(counts.values()), "by_status": dict(counts)}, findings


def tasks_findings(first_run: int) -> tuple[dict, list[str]]:
    findings = []
    results = list(DBTaskResult.objects.values("id", "status", "task_path", "args_kwargs"))
    for result in results:
        if result["status"] != TASK_DONE:
            findings.append(f"Aufgabe {result['id']} ({result['task_path']}): {result['status']}")
    per_run = defaultdict(list)
    for result in results:
        if result["task_path"].endswith("plan_week_task"):
            per_run[result["args_kwargs"]["args"][0]].append(str(result["id"]))
    runs = list(PlanningRun.objects.filter(pk__gte=first_run).values("pk", "state", "task_id"))
    for run in runs:
        if run["state"] in ("queued", "running"):
            findings.append(f"Planungslauf {run['pk']}: noch {run['state']}")
        if len(per_run[run["pk"]]) != 1:
            findings.append(f"Planungslauf {run['pk']}: {len(per_run[run['pk']])} Aufgaben")
        elif run["task_id"] != per_run[run["pk"]][0]:
            findings.append(f"Planungslauf {run['pk']}: Aufgabe {run['task_id']} unbekannt")
    states = defaultdict(int)
    for run in runs:
        states[run["state"]] += 1
    return {"tasks": len(results), "planning_runs": dict(states)}, findings


def imports_findings(first_upload: int) -> tuple[dict, list[str]]:
    """Every import of the run ended: none still checked or applied, none broken off, and
    each applied one has an unbroken history."""
    findings, states = [], defaultdict(int)
    uploads = ImportUpload.objects.filter(pk__gte=first_upload).prefetch_related("history")
    for upload in uploads:
        states[upload.status] += 1
        if upload.status not in ("applied", "preview", "discarded", "refused"):
            findings.append(f"Import {upload.pk}: {upload.status}")
        before = ""
        for change in sorted(upload.history.all(), key=lambda c: (c.at, c.pk)):
            if change.from_status != before:
                findings.append(f"Import {upload.pk}: „{change.action}“ von {change.from_status}")
            before = change.to_status
        if before != upload.status:
            findings.append(f"Import {upload.pk}: Status {upload.status}, Historie {before}")
    return {"imports": dict(states)}, findings


def open_tasks() -> int:
    return DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count()


if __name__ == "__main__":
    if sys.argv[1] == "open":
        print(json.dumps({"open": open_tasks()}))
    elif sys.argv[1] == "first":
        last_run = PlanningRun.objects.order_by("-pk").values_list("pk", flat=True).first()
        last_upload = ImportUpload.objects.order_by("-pk").values_list("pk", flat=True).first()
        print(
            json.dumps({"first_run": (last_run or 0) + 1, "first_upload": (last_upload or 0) + 1})
        )
    else:
        figures, findings = requests_findings(int(sys.argv[2]))
        task_figures, task_found = tasks_findings(int(sys.argv[3]))
        import_figures, import_found = imports_findings(int(sys.argv[4]))
        print(
            json.dumps(
                {
                    **figures,
                    **task_figures,
                    **import_figures,
                    "findings": findings + task_found + import_found,
                }
            )
        )

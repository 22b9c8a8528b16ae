"""Background work of the presence app, through Django's tasks API (django-tasks).

The database backend stores the task; `manage.py db_worker` runs it (`make demo`
starts one). A run that fails is recorded on its `PlanningRun` and leaves the plan
as it was.
"""

from __future__ import annotations

from django_tasks import task


@task()
def plan_week_task(run_id: int) -> str:
    from rathausmobil.presence.planning import planning_run

    return planning_run(run_id)

"""Planning a unit's week, publishing it, and changes after publishing.

"Plan berechnen" never plans inside the request: `planning_request` stores a planning
run and enqueues `tasks.plan_week_task` (Django's tasks API, run by `db_worker`), which
calls `planning_run`. That builds the week's problem from the records
(`records.week_instance`), adds the cells locked by hand, last week's plan as a hint,
the fairness weights and the desks other units' plans already use in shared rooms, and
calls the one planner (`planner.plan_week`). A plan replaces the cells in one
transaction; an impossible week or a failed run leaves the cells as they were and says
why. See docs/workflows/presence.md.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rathausmobil.agreements import notifications
from rathausmobil.core.audit import audit_event
from rathausmobil.core.errors import DomainError, NotAllowed
from rathausmobil.organisation.models import Employee, OrgUnit
from rathausmobil.presence import records
from rathausmobil.presence.models import (
    DAY_KEYS,
    CellKind,
    PlanCell,
    PlanningRun,
    PlanStatus,
    Room,
    RunState,
    SwapRequest,
    SwapStatus,
    WeekPlan,
    Wish,
    settings_for,
)
from rathausmobil.presence.planner import Fairness, InvalidInstance, parse, plan_week, violations
from rathausmobil.presence.selectors import keeps_unit
from rathausmobil.presence.workflow import PLAN_WORKFLOW, SWAP_WORKFLOW

logger = logging.getLogger(__name__)

# Fairness across weeks: a wish weighs BASE; each wish of a person left unmet last week
# adds 1 to the weight of their wishes this week, at most MAX_BONUS (docs/workflows/presence.md).
FAIRNESS_BASE = 4
FAIRNESS_MAX_BONUS = 2


# -- weeks ------------------------------------------------------------------------------


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def parse_iso_week(text: str) -> dt.date:
    """`2027-W10` → the Monday of that ISO week; ValueError with a German message."""
    match = re.fullmatch(r"(\d{4})-?W(\d{1,2})", (text or "").strip(), flags=re.IGNORECASE)
    if not match:
        raise ValueError(_("Kalenderwoche als JJJJ-Www angeben, z. B. 2027-W10."))
    try:
        return dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValueError(_("Die Kalenderwoche %(week)s gibt es nicht.") % {"week": text}) from None


def iso_week(day: dt.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


# -- asking for a plan -------------------------------------------------------------------


def plan_for(*, unit: OrgUnit, week_start: dt.date, by=None) -> WeekPlan:
    """The unit's plan of the week, created as an empty draft the first time."""
    week_start = monday_of(week_start)
    plan = WeekPlan.objects.filter(unit=unit, week_start=week_start).first()
    if plan is not None:
        return plan
    try:
        with transaction.atomic():
            plan = WeekPlan.objects.create(unit=unit, week_start=week_start)
            PLAN_WORKFLOW.start(plan, action="create", by=by)
    except IntegrityError:  # created at the same moment by another request
        plan = WeekPlan.objects.get(unit=unit, week_start=week_start)
    return plan


def planning_request(*, unit: OrgUnit, week_start: dt.date, by) -> PlanningRun:
    """Queue the planning of the unit's week; the worker plans it."""
    if not keeps_unit(by, unit):
        raise NotAllowed(_("Nur die Leitung der Einheit oder das Personalamt plant ihre Woche."))
    plan = plan_for(unit=unit, week_start=week_start, by=by)
    try:
        with transaction.atomic():
            WeekPlan.objects.select_for_update().get(pk=plan.pk)
            if plan.runs.filter(state__in=[RunState.QUEUED, RunState.RUNNING]).exists():
                raise DomainError(
                    _("Diese Woche wird bereits geplant. Das Ergebnis erscheint hier.")
                )
            run = PlanningRun.objects.create(plan=plan, requested_by=by)
            transaction.on_commit(lambda: _enqueue(run.pk))
    except IntegrityError:  # the unique constraint: a double click won the race
        raise DomainError(
            _("Diese Woche wird bereits geplant. Das Ergebnis erscheint hier.")
        ) from None
    return run


def _enqueue(run_id: int) -> None:
    from rathausmobil.presence.tasks import plan_week_task

    try:
        result = plan_week_task.enqueue(run_id)
    except Exception as exc:  # the queue is down: say so on the page, keep the plan
        logger.exception("Planungslauf %s konnte nicht eingereiht werden", run_id)
        PlanningRun.objects.filter(pk=run_id).update(
            state=RunState.FAILED,
            finished_at=timezone.now(),
            message=_(
                "Die Planung konnte nicht gestartet werden (%(error)s). Der bisherige "
                "Plan bleibt unverändert."
            )
            % {"error": type(exc).__name__},
        )
        return
    PlanningRun.objects.filter(pk=run_id).update(task_id=str(result.id))


# -- the run (in the worker) -------------------------------------------------------------


def planning_run(run_id: int) -> str:
    """Plan one queued run. Returns the run's final state; never raises for a planning
    problem: a failure is recorded on the run and the cells stay as they were."""
    claimed = PlanningRun.objects.filter(pk=run_id, state=RunState.QUEUED).update(
        state=RunState.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return PlanningRun.objects.filter(pk=run_id).values_list("state", flat=True).first() or ""
    run = PlanningRun.objects.select_related("plan__unit", "requested_by").get(pk=run_id)
    try:
        message = _plan_and_store(run)
    except Exception as exc:
        logger.exception("Planungslauf %s fehlgeschlagen", run_id)
        detail = exc.message if isinstance(exc, DomainError) else type(exc).__name__
        PlanningRun.objects.filter(pk=run_id).update(
            state=RunState.FAILED,
            finished_at=timezone.now(),
            message=_(
                "Die Planung ist fehlgeschlagen: %(error)s. Der bisherige Plan bleibt unverändert."
            )
            % {"error": detail},
        )
        return RunState.FAILED
    PlanningRun.objects.filter(pk=run_id).update(
        state=RunState.DONE, finished_at=timezone.now(), message=message
    )
    return RunState.DONE


def _plan_and_store(run: PlanningRun) -> str:
    plan = run.plan
    instance, problems = records.week_instance(units=[plan.unit], week_start=plan.week_start)
    if not instance["people"]:
        raise DomainError(" ".join(problems) or _("In dieser Woche ist niemand einzuplanen."))
    numbers = {p["id"] for p in instance["people"]}
    cells = list(plan.cells.select_related("employee", "room"))
    locked = defaultdict(dict)
    for cell in cells:
        if cell.locked and cell.employee.personnel_number in numbers:
            day = DAY_KEYS[cell.date.weekday()]
            if cell.kind == CellKind.HOME:
                locked[cell.employee.personnel_number][day] = "home"
            elif cell.kind == CellKind.OFFICE:
                room = cell.room.code if cell.room else ""
                locked[cell.employee.personnel_number][day] = f"office:{room}" if room else "office"
    previous = _previous_week(plan)
    answer = plan_week(
        instance,
        time_limit=float(settings_for(plan.unit).plan_time_limit_seconds),
        previous=previous,
        fairness=_fairness(plan, numbers, previous),
        locked=dict(locked),
        occupied=_occupied_elsewhere(plan, instance),
    )
    return _store(plan, run, instance, answer, problems)


def _as_document(cells) -> dict[str, dict[str, str]]:
    """Plan cells in the exchange format's words: person → day → `office:ROOM` | kind."""
    document: dict[str, dict[str, str]] = defaultdict(dict)
    for number, date, kind, room in cells.values_list(
        "employee__personnel_number", "date", "kind", "room__code"
    ):
        document[number][DAY_KEYS[date.weekday()]] = f"office:{room}" if kind == "office" else kind
    return document


def _previous_week(plan: WeekPlan) -> dict[str, dict[str, str]]:
    """Last week's plan of the unit, as a hint (so that plans change little)."""
    return _as_document(
        PlanCell.objects.filter(
            plan__unit=plan.unit, plan__week_start=plan.week_start - dt.timedelta(days=7)
        )
    )


def _fairness(plan: WeekPlan, numbers: set[str], previous: dict) -> Fairness:
    """Whose wishes went unmet last week (`previous`, that week's plan) weigh more now."""
    last = plan.week_start - dt.timedelta(days=7)
    unmet: dict[str, int] = defaultdict(int)
    for number, date, kind in Wish.objects.filter(
        employee__unit=plan.unit, date__gte=last, date__lt=plan.week_start
    ).values_list("employee__personnel_number", "date", "kind"):
        got = previous.get(number, {}).get(DAY_KEYS[date.weekday()], "").partition(":")[0]
        if got in (CellKind.OFFICE, CellKind.HOME) and got != kind:
            unmet[number] += 1
    return Fairness(
        wish_weight={
            number: FAIRNESS_BASE + min(FAIRNESS_MAX_BONUS, unmet[number])
            for number in numbers
            if unmet.get(number)
        },
        base=FAIRNESS_BASE,
    )


def _occupied_elsewhere(plan: WeekPlan, instance: dict) -> dict[tuple[str, str], int]:
    """Desks in this unit's rooms that other units' plans of the week already use."""
    rooms = [room["id"] for room in instance["rooms"]]
    taken = (
        PlanCell.objects.filter(
            plan__week_start=plan.week_start, kind=CellKind.OFFICE, room__code__in=rooms
        )
        .exclude(plan__unit=plan.unit)
        .values("room__code", "date")
        .annotate(n=Count("id"))
    )
    return {(row["room__code"], DAY_KEYS[row["date"].weekday()]): row["n"] for row in taken}


def _store(plan: WeekPlan, run: PlanningRun, instance: dict, answer: dict, problems) -> str:
    status = answer["status"]
    with transaction.atomic():
        plan = WeekPlan.objects.select_for_update().get(pk=plan.pk)
        plan.solver_status = status
        plan.shortfalls = answer["shortfalls"]
        plan.stats = {**answer["stats"], "problems": list(problems)}
        plan.solve_seconds = answer["stats"].get("solve_seconds")
        plan.gap = answer["stats"].get("gap")
        plan.planned_at = timezone.now()
        if status not in ("optimal", "feasible"):
            plan.save(
                update_fields=[
                    "solver_status",
                    "shortfalls",
                    "stats",
                    "solve_seconds",
                    "gap",
                    "planned_at",
                ]
            )
            return _(
                "Kein neuer Plan: Die festen Regeln lassen sich nicht alle einhalten. "
                "Der bisherige Plan bleibt unverändert; die Gründe stehen unten."
            )
        _write_cells(plan, answer["plan"])
        plan.save(
            update_fields=[
                "solver_status",
                "shortfalls",
                "stats",
                "solve_seconds",
                "gap",
                "planned_at",
            ]
        )
        if plan.status == PlanStatus.PUBLISHED:
            PLAN_WORKFLOW.transition(
                plan,
                PlanStatus.DRAFT,
                action="reopen",
                by=run.requested_by,
                reason=_("neu geplant"),
            )
    short = len(answer["shortfalls"])
    if short:
        return _(
            "Plan berechnet. %(n)d Besetzungsregel(n) bleiben unterschritten; die Gründe "
            "stehen beim Tag."
        ) % {"n": short}
    return _("Plan berechnet. Alle Besetzungsregeln sind erfüllt.")


def _write_cells(plan: WeekPlan, planned: dict[str, dict[str, str]]) -> None:
    employees = dict(
        Employee.objects.filter(personnel_number__in=list(planned)).values_list(
            "personnel_number", "pk"
        )
    )
    codes = {
        code
        for days in planned.values()
        for v in days.values()
        for code in [v.partition(":")[2]]
        if code
    }
    rooms = dict(Room.objects.filter(code__in=codes).values_list("code", "pk"))
    existing = {(c.employee_id, c.date): c for c in plan.cells.all()}
    create, update = [], []
    for number, days in planned.items():
        employee_id = employees[number]
        for offset, day in enumerate(DAY_KEYS[:5]):
            if day not in days:
                continue
            kind, _sep, code = days[day].partition(":")
            date = plan.week_start + dt.timedelta(days=offset)
            room_id = rooms.get(code) if code else None
            cell = existing.pop((employee_id, date), None)
            if cell is None:
                create.append(
                    PlanCell(
                        plan=plan, employee_id=employee_id, date=date, kind=kind, room_id=room_id
                    )
                )
            elif (cell.kind, cell.room_id) != (kind, room_id):
                cell.kind, cell.room_id = kind, room_id
                update.append(cell)
    PlanCell.objects.bulk_create(create, batch_size=2000)
    PlanCell.objects.bulk_update(update, ["kind", "room"], batch_size=2000)
    # People no longer planned this week (left, moved to another unit) lose their cells.
    PlanCell.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()


# -- by hand -----------------------------------------------------------------------------


def cell_set(*, cell: PlanCell, kind: str, room: Room | None = None, by) -> PlanCell:
    """The head sets one day by hand; the cell is locked, a rule for the next planning."""
    plan = cell.plan
    if not keeps_unit(by, plan.unit):
        raise NotAllowed(_("Nur die Leitung der Einheit oder das Personalamt ändert den Plan."))
    if cell.kind in (CellKind.ABSENT, CellKind.FIELD):
        raise DomainError(
            _("Abwesenheit und Außendienst kommen aus den Datensätzen; bitte dort ändern.")
        )
    if kind not in (CellKind.OFFICE, CellKind.HOME):
        raise DomainError(_("Ein Tag kann von Hand nur auf Büro oder zu Hause gesetzt werden."))
    if kind == CellKind.OFFICE:
        allowed = Room.objects.filter(units=plan.unit, is_active=True)
        if room is None:
            room = cell.room or allowed.order_by("code").first()
        if room is None or not allowed.filter(pk=room.pk).exists():
            raise DomainError(_("Dieser Raum gehört nicht zu den Räumen der Einheit."))
    else:
        room = None
    with transaction.atomic():
        before = [cell.kind, cell.room.code if cell.room else ""]
        cell.kind, cell.room, cell.locked = kind, room, True
        cell.save(update_fields=["kind", "room", "locked"])
        audit_event(
            actor=by,
            action="Plantag von Hand gesetzt",
            obj=cell,
            changes={
                "Ort": [" ".join(before).strip(), f"{kind} {room.code if room else ''}".strip()]
            },
        )
        if plan.status == PlanStatus.PUBLISHED:
            PLAN_WORKFLOW.transition(
                plan, PlanStatus.DRAFT, action="reopen", by=by, reason=_("Tag von Hand geändert")
            )
    return cell


def cell_unlock(*, cell: PlanCell, by) -> PlanCell:
    if not keeps_unit(by, cell.plan.unit):
        raise NotAllowed(_("Nur die Leitung der Einheit oder das Personalamt ändert den Plan."))
    if cell.locked:
        cell.locked = False
        cell.save(update_fields=["locked"])
        audit_event(actor=by, action="Plantag freigegeben", obj=cell)
    return cell


# -- publishing --------------------------------------------------------------------------


def plan_as_document(plan: WeekPlan) -> dict[str, dict[str, str]]:
    return dict(_as_document(plan.cells.all()))


def _week_as_planned(plan: WeekPlan):
    """The week's rules from today's records (with the desks other units' plans take) and
    the plan as it stands, to check the plan against the rules that always hold."""
    instance, _problems = records.week_instance(units=[plan.unit], week_start=plan.week_start)
    try:
        parsed = parse(instance)
    except InvalidInstance as exc:
        raise DomainError("; ".join(exc.problems[:5])) from None
    parsed.occupied = _occupied_elsewhere(plan, instance)
    return parsed, plan_as_document(plan)


def plan_publish(*, plan: WeekPlan, by, system: bool = False) -> list[int]:
    """Publish the week; the people whose days changed since they were last told are
    notified. Refused while the plan breaks a rule that always holds (records changed
    since planning, or a cell set by hand beyond an agreement). Returns the ids of the
    people notified. `system` is the command line, which acts for the administration."""
    if not system and not keeps_unit(by, plan.unit):
        raise NotAllowed(_("Nur die Leitung der Einheit oder das Personalamt veröffentlicht."))
    if not plan.cells.exists():
        raise DomainError(_("Erst planen, dann veröffentlichen: der Plan ist noch leer."))
    if plan.runs.filter(state__in=[RunState.QUEUED, RunState.RUNNING]).exists():
        raise DomainError(_("Die Planung läuft noch. Bitte das Ergebnis abwarten."))
    parsed, document = _week_as_planned(plan)
    planned = {p.id for p in parsed.people}
    broken = violations(parsed, {k: v for k, v in document.items() if k in planned})
    broken = [line for line in broken if "fehlt im Plan" not in line] + [
        _("%(who)s fehlt im Plan: bitte neu planen.") % {"who": line.split(":")[0]}
        for line in broken
        if "fehlt im Plan" in line
    ]
    if broken:
        raise DomainError(
            _("Der Plan verletzt feste Regeln und wird nicht veröffentlicht: %(list)s")
            % {"list": "; ".join(broken[:5]) + (" …" if len(broken) > 5 else "")}
        )
    with transaction.atomic():
        plan.published_at = timezone.now()
        plan.published_by = by
        changed = sorted(
            set(
                plan.cells.exclude(Q(kind=F("published_kind")) & _same_room()).values_list(
                    "employee_id", flat=True
                )
            )
        )
        PLAN_WORKFLOW.transition(
            plan,
            PlanStatus.PUBLISHED,
            action="publish",
            by=by,
            fields=("published_at", "published_by"),
            after_commit=[lambda: _notify_changed(plan, changed)],
        )
        # What the people are told now: one statement, whatever the size of the unit.
        plan.cells.update(published_kind=F("kind"), published_room=F("room"))
    return changed


def _same_room():
    return Q(room__isnull=True, published_room__isnull=True) | Q(room=F("published_room"))


def _notify_changed(plan: WeekPlan, employee_ids: list[int]) -> None:
    if not employee_ids:
        return
    year, week, _day = plan.week_start.isocalendar()
    users = [e.user for e in Employee.objects.filter(pk__in=employee_ids).select_related("user")]
    notifications.send(
        to=users,
        subject=_("Ihr Anwesenheitsplan für KW %(week)d/%(year)d") % {"week": week, "year": year},
        body=_(
            "Ihre Tage in der Kalenderwoche %(week)d haben sich geändert. Sie sehen sie "
            "unter „Meine Woche“; Ihr Kalender-Abo folgt von selbst."
        )
        % {"week": week},
        url=notifications.link("presence:my_week"),
    )


# -- swaps after publishing --------------------------------------------------------------


def swap_request(*, cell: PlanCell, wanted: str, reason: str = "", by) -> SwapRequest:
    employee = cell.employee
    if employee.user_id is None or employee.user_id != getattr(by, "pk", None):
        raise NotAllowed(_("Einen Tausch beantragt die Person selbst."))
    if cell.plan.status != PlanStatus.PUBLISHED:
        raise DomainError(
            _("Getauscht wird im veröffentlichten Plan; dieser ist noch ein Entwurf.")
        )
    if cell.kind not in (CellKind.OFFICE, CellKind.HOME) or wanted not in (
        CellKind.OFFICE,
        CellKind.HOME,
    ):
        raise DomainError(_("Getauscht werden nur Büro- und Homeoffice-Tage."))
    if wanted == cell.kind:
        raise DomainError(_("An diesem Tag sind Sie schon so eingeplant."))
    if cell.date < timezone.localdate():
        raise DomainError(_("Vergangene Tage werden nicht mehr getauscht."))
    with transaction.atomic():
        PlanCell.objects.select_for_update().get(pk=cell.pk)
        if cell.swaps.filter(status=SwapStatus.REQUESTED).exists():
            raise DomainError(_("Für diesen Tag liegt schon ein Tauschwunsch vor."))
        swap = SwapRequest.objects.create(cell=cell, wanted=wanted, reason=reason, requested_by=by)
        SWAP_WORKFLOW.start(swap, action="request", by=by, reason=reason)
    head = cell.plan.unit.head
    if head is not None:
        transaction.on_commit(
            lambda: notifications.send(
                to=[head],
                subject=_("Tauschwunsch im Anwesenheitsplan"),
                body=_("%(name)s möchte am %(date)s %(wanted)s arbeiten.")
                % {
                    "name": employee.full_name,
                    "date": f"{cell.date:%d.%m.%Y}",
                    "wanted": CellKind(wanted).label,
                },
                url=notifications.link(
                    "presence:unit_week", cell.plan.unit_id, iso_week(cell.plan.week_start)
                ),
            )
        )
    return swap


def swap_decide(*, swap: SwapRequest, accept: bool, reason: str = "", by) -> SwapRequest:
    cell = swap.cell
    plan = cell.plan
    if not keeps_unit(by, plan.unit):
        raise NotAllowed(_("Über Tauschwünsche entscheidet die Leitung der Einheit."))
    if not accept and not reason.strip():
        raise DomainError(_("Bitte die Ablehnung begründen."))
    with transaction.atomic():
        if accept:
            _swap_apply(cell, swap.wanted)
        swap.decision_reason = reason
        SWAP_WORKFLOW.transition(
            swap,
            SwapStatus.ACCEPTED if accept else SwapStatus.REFUSED,
            action="accept" if accept else "refuse",
            by=by,
            reason=reason,
            fields=("decision_reason",),
        )
    requester = swap.requested_by
    transaction.on_commit(
        lambda: notifications.send(
            to=[requester],
            subject=_("Ihr Tauschwunsch wurde entschieden"),
            body=(
                _("Ihr Tauschwunsch für den %(date)s wurde angenommen.")
                if accept
                else _("Ihr Tauschwunsch für den %(date)s wurde abgelehnt: %(reason)s")
            )
            % {"date": f"{cell.date:%d.%m.%Y}", "reason": reason},
            url=notifications.link("presence:my_week"),
        )
    )
    return swap


def _swap_apply(cell: PlanCell, wanted: str) -> None:
    """Move the day; the plan keeps every rule that always holds, or nothing changes."""
    plan = cell.plan
    cell = PlanCell.objects.select_for_update().select_related("employee").get(pk=cell.pk)
    parsed, document = _week_as_planned(plan)
    before = set(violations(parsed, document))
    number = cell.employee.personnel_number
    day = DAY_KEYS[cell.date.weekday()]
    room = None
    if wanted == CellKind.OFFICE:
        person = next((p for p in parsed.people if p.id == number), None)
        if person is None:
            raise DomainError(_("Die Person ist in dieser Woche nicht einzuplanen."))
        used = defaultdict(int)
        for days in document.values():
            value = days.get(day, "")
            if value.startswith("office:"):
                used[value[7:]] += 1
        free = [r for r in person.rooms if used[r] < parsed.capacity(r, day)]
        if not free:
            raise DomainError(_("An diesem Tag ist in den Räumen der Einheit kein Platz frei."))
        room = Room.objects.get(code=free[0])
        document[number][day] = f"office:{room.code}"
    else:
        document[number][day] = "home"
    broken = [line for line in violations(parsed, document) if line not in before]
    if broken:
        raise DomainError(_("Der Tausch bricht eine feste Regel: %(rule)s") % {"rule": broken[0]})
    cell.kind, cell.room, cell.locked = wanted, room, True
    cell.published_kind, cell.published_room = wanted, room
    cell.save(update_fields=["kind", "room", "locked", "published_kind", "published_room"])


# -- the command line --------------------------------------------------------------------


def plan_from_command(command, options) -> None:
    """`plan_presence --week 2027-W10 [--unit CODE] [--publish]`: plans each unit's week
    in this process (the command line is no web request), one unit after another, so that
    a unit planned later sees the desks the earlier ones took in shared rooms."""
    try:
        week_start = parse_iso_week(options["week"])
    except ValueError as exc:
        command._fail([f"--week: {exc}"])
    units = OrgUnit.objects.filter(unit_rooms__isnull=False).distinct().order_by("code")
    if options["unit"]:
        units = OrgUnit.objects.filter(code=options["unit"])
        if not units.exists():
            command._fail([f'--unit: unbekannte Einheit "{options["unit"]}"'])
    worst = 0
    for unit in units:
        if not Employee.objects.filter(unit=unit, is_active=True).exists():
            continue
        plan = plan_for(unit=unit, week_start=week_start)
        if plan.runs.filter(state__in=[RunState.QUEUED, RunState.RUNNING]).exists():
            command.stdout.write(f"{unit.code}: wird bereits geplant, übersprungen")
            continue
        run = PlanningRun.objects.create(plan=plan)
        state = planning_run(run.pk)
        run.refresh_from_db()
        plan.refresh_from_db()
        command.stdout.write(f"{unit.code} {unit.name}: {run.message}")
        for item in plan.shortfalls:
            command.stdout.write(f"  - {item['reason']}")
        if state == RunState.FAILED or plan.solver_status not in ("optimal", "feasible"):
            worst = 1
            continue
        if options["publish"]:
            try:
                changed = plan_publish(plan=plan, by=None, system=True)
            except DomainError as exc:
                command.stdout.write(f"  nicht veröffentlicht: {exc.message}")
                worst = 1
            else:
                command.stdout.write(f"  veröffentlicht; {len(changed)} Personen benachrichtigt")
    if worst:
        raise SystemExit(worst)

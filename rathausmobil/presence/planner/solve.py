"""The one planning function: an instance in, a plan out, both in the exchange format.

The page's task, `plan_presence --week` and `plan_presence --instance` all call
`plan_week()`. It

1. reads and checks the instance (`instance.parse`; `InvalidInstance` lists every problem);
2. splits it where the split is exact: people who share no room, no coverage rule, no
   cohort rule and no team day are independent problems, solved side by side;
3. solves each part with CP-SAT within its share of the time limit, starting from last
   week's plan when it is given;
4. when a part cannot keep the rules that always hold, solves it again under assumptions
   and names the conflicting rules; otherwise lists every coverage rule left short with
   its reason.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from . import explain
from .check import evaluate
from .instance import FORMAT, Instance, parse
from .model import Outcome, Part, WeekModel

DEFAULT_TIME_LIMIT = 30.0
# Parts up to this many people are solved by one CP-SAT worker each, two parts at a time;
# larger ones get every core.
SMALL_PART = 400
# A part without an exact split first gets a plan from its units on their own, in this
# share of its time; above WHOLE_LIMIT people that plan is the answer (the whole part
# would need more memory than a town hall's server should give).
APPROXIMATE_SHARE = 0.3
WHOLE_LIMIT = 20_000


@dataclass
class Fairness:
    """Weights that carry fairness across weeks (docs/workflows/presence.md, "Fairness").

    `wish_weight` maps a person to the weight of each of their wishes this week; the
    default weight is `base`, a team day weighs `base` too.
    """

    wish_weight: dict[str, int]
    base: int = 1


class _Parts:
    """Union-find over people by what couples them (without `by_rooms`: by unit and team
    day only, the pieces of an approximate split)."""

    def __init__(self, instance: Instance, *, people=None, by_rooms: bool = True):
        people = instance.people if people is None else people
        self.parent = list(range(len(people)))
        owner: dict[str, int] = {}
        coupled_units = {rule.unit for rule in instance.coverage}
        if instance.pandemic:
            cohorts: dict[str, set] = {}
            for p in instance.people:
                if p.cohort:
                    cohorts.setdefault(p.unit, set()).add(p.cohort)
            coupled_units |= {u for u, c in cohorts.items() if len(c) > 1}
        meeting_teams = {meeting.team for meeting in instance.team_days}
        for i, p in enumerate(people):
            keys = [f"r:{r}" for r in p.rooms] if by_rooms else []
            if p.unit in coupled_units or not by_rooms:
                keys.append(f"u:{p.unit}")
            if p.team in meeting_teams:
                keys.append(f"t:{p.team}")
            for key in keys:
                if key in owner:
                    self.union(owner[key], i)
                else:
                    owner[key] = i

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        a, b = self.find(a), self.find(b)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def split(instance: Instance) -> list[Part]:
    """The independent parts of the week, largest first."""
    uf = _Parts(instance)
    parts: dict[int, Part] = {}
    root_of_unit: dict[str, int] = {}
    root_of_team: dict[str, int] = {}
    for i, p in enumerate(instance.people):
        root = uf.find(i)
        parts.setdefault(root, Part(people=[])).people.append(p)
        root_of_unit.setdefault(p.unit, root)
        if p.team:
            root_of_team.setdefault(p.team, root)
    for index, rule in enumerate(instance.coverage):
        parts[root_of_unit[rule.unit]].coverage.append(index)
    for index, meeting in enumerate(instance.team_days):
        parts[root_of_team[meeting.team]].team_days.append(index)
    return sorted(parts.values(), key=lambda part: -len(part.people))


def plan_week(
    document,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    previous: dict | None = None,
    fairness: Fairness | None = None,
    locked: dict[str, dict[str, str]] | None = None,
    occupied: dict[tuple[str, str], int] | None = None,
    workers: int | None = None,
) -> dict:
    """Plan one week. `document` is the decoded instance (a dict); the answer is the plan
    document of the exchange format. Raises `InvalidInstance` for a broken instance.

    `previous` (last week's `plan` mapping) is a hint; `locked` cells (person → day →
    `office:ROOM` | `office` | `home`) are rules, set by hand on the unit's page.
    `occupied` ((room, day) → desks) are desks that other units' plans already use.
    """
    started = time.monotonic()
    instance = parse(document)
    instance.occupied = dict(occupied or {})
    cores = workers or len(os.sched_getaffinity(0)) or 1
    parts = split(instance)
    outcomes = _solve_parts(
        instance, parts, time_limit, cores, previous or {}, fairness, locked or {}
    )
    return _answer(instance, parts, outcomes, started, time_limit, locked or {})


def _solve_parts(instance, parts, time_limit, cores, previous, fairness, locked):
    deadline = time.monotonic() + time_limit * 0.95
    weights = fairness.wish_weight if fairness else {}
    base = fairness.base if fairness else 1
    unsolved = [sum(len(part.people) for part in parts)]
    guard = threading.Lock()

    def run(part: Part, lanes: int, workers: int) -> Outcome:
        # Each part's share of the time left, by its size among the parts still waiting.
        started = time.monotonic()
        with guard:
            share = (deadline - started) * lanes * len(part.people) / max(unsolved[0], 1)
        own_deadline = min(deadline, started + max(share, 1.0))
        first = None
        if len(part.people) > SMALL_PART:
            # No exact split: a quick plan from the units on their own, with the shared
            # desks divided, is the starting point for the whole (docs: "Time limit,
            # hint, splitting").
            first = _approximate(
                instance,
                part,
                weights=weights,
                base=base,
                locked=locked,
                previous=previous,
                cores=workers,
                deadline=started + APPROXIMATE_SHARE * (own_deadline - started),
            )
            if first is not None and len(part.people) > WHOLE_LIMIT:
                with guard:
                    unsolved[0] -= len(part.people)
                return Outcome("feasible", first, objective=None, bound=None)
        model = WeekModel(instance, part, weights=weights, team_weight=base, fixed=locked)
        model.previous = previous
        if first is not None:
            model.hint(first)
        elif previous:
            model.hint(previous)
        outcome = model.solve(time_limit=own_deadline - time.monotonic(), workers=workers)
        if outcome.status == "unknown" and first is not None:
            outcome = Outcome("feasible", first, objective=None, bound=None)
        if outcome.status == "infeasible":
            why = WeekModel(instance, part, fixed=locked, explain=True)
            found = why.solve(time_limit=max(0.5, own_deadline - time.monotonic()), workers=1)
            outcome.conflicts = _smallest(instance, part, locked, found.conflicts, own_deadline)
        with guard:
            unsolved[0] -= len(part.people)
        return outcome

    outcomes: dict[int, Outcome] = {}
    for part in parts:  # the large ones one after another, each with every core
        if len(part.people) > SMALL_PART:
            outcomes[id(part)] = run(part, 1, cores)
    small = [part for part in parts if len(part.people) <= SMALL_PART]
    if small:
        with ThreadPoolExecutor(max_workers=cores) as pool:
            futures = {id(part): pool.submit(run, part, cores, 1) for part in small}
            for key, future in futures.items():
                outcomes[key] = future.result()
    return [outcomes[id(part)] for part in parts]


def _approximate(instance, part, *, weights, base, locked, previous, cores, deadline):
    """A plan of a part that has no exact split, from its units (and teams with a team
    day) planned on their own. Each shared room's desks are divided among the pieces by
    how many of their people may use it (largest remainder), so every piece keeps the
    rules with its share and the pieces together are a plan of the whole part, though
    not always the best one. None when a piece finds no plan with its share."""
    uf = _Parts(instance, people=part.people, by_rooms=False)
    groups: dict[int, list] = defaultdict(list)
    for i, p in enumerate(part.people):
        groups[uf.find(i)].append(p)
    pieces = list(groups.values())
    if len(pieces) < 2:
        return None
    users: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for k, people in enumerate(pieces):
        for p in people:
            for r in p.rooms:
                users[r][k] += 1
    occupied = [dict(instance.occupied) for _ in pieces]
    for r, counts in users.items():
        total = sum(counts.values())
        for d in instance.days:
            desks = instance.capacity(r, d)
            exact = {k: desks * n / total for k, n in counts.items()}
            share = {k: int(v) for k, v in exact.items()}
            left = desks - sum(share.values())
            for k in sorted(exact, key=lambda k: share[k] - exact[k])[:left]:
                share[k] += 1
            for k in counts:
                occupied[k][(r, d)] = instance.occupied.get((r, d), 0) + desks - share[k]

    def piece_plan(k: int):
        people = pieces[k]
        units = {p.unit for p in people}
        teams = {p.team for p in people if p.team}
        sub = Part(
            people=people,
            coverage=[i for i in part.coverage if instance.coverage[i].unit in units],
            team_days=[i for i in part.team_days if instance.team_days[i].team in teams],
        )
        view = dataclasses.replace(instance, occupied=occupied[k])
        model = WeekModel(view, sub, weights=weights, team_weight=base, fixed=locked)
        model.previous = previous
        if previous:
            model.hint(previous)
        return model.solve(time_limit=max(0.05, deadline - time.monotonic()), workers=1)

    plan: dict[str, dict[str, str]] = {}
    with ThreadPoolExecutor(max_workers=max(1, cores)) as pool:
        for outcome in pool.map(piece_plan, range(len(pieces))):
            if outcome.status not in ("optimal", "feasible"):
                return None
            plan.update(outcome.plan)
    return plan


def _smallest(instance, part, locked, conflicts, deadline) -> list:
    """Drop rules from a conflict while it stays a conflict, so the answer names few."""
    core = list(conflicts)
    if len(core) > 40:
        return core
    i = 0
    while i < len(core) and time.monotonic() < deadline:
        trial = core[:i] + core[i + 1 :]
        model = WeekModel(instance, part, fixed=locked, explain=True)
        keep = set(trial)
        model.assumption_literals = [
            lit for lit in model.assumption_literals if model.assumptions[lit.index] in keep
        ]
        result = model.solve(time_limit=min(2.0, max(0.05, deadline - time.monotonic())), workers=1)
        if result.status == "infeasible":
            core = trial
        else:
            i += 1
    return core


def _answer(instance, parts, outcomes, started, time_limit, locked) -> dict:
    statuses = {o.status for o in outcomes}
    seconds = round(time.monotonic() - started, 3)
    if "infeasible" in statuses or "unknown" in statuses:
        shortfalls = []
        for outcome in outcomes:
            for kind, key in outcome.conflicts:
                shortfalls.append(explain.conflict(instance, kind, key, locked))
        if "infeasible" in statuses:
            status = "infeasible"
        else:
            status = "unknown"
            shortfalls.append(
                {
                    "rule": "time_limit",
                    "reason": (
                        f"In {time_limit:g} s wurde kein Plan gefunden, der alle festen Regeln "
                        "einhält; mit mehr Zeit erneut planen"
                    ),
                }
            )
        return {
            "format": FORMAT,
            "status": status,
            "plan": {},
            "shortfalls": shortfalls,
            "stats": {"solve_seconds": seconds},
        }
    plan: dict[str, dict[str, str]] = {}
    for outcome in outcomes:
        plan.update(outcome.plan)
    plan = {p.id: plan[p.id] for p in instance.people}
    figures = evaluate(instance, plan)
    shortfalls = []
    for rule, got in zip(instance.coverage, figures["coverage_planned"], strict=True):
        if got < rule.min:
            shortfalls.append(
                {
                    "rule": "coverage",
                    "unit": rule.unit,
                    "day": rule.day,
                    "qualification": rule.qualification,
                    "required": rule.min,
                    "planned": got,
                    "reason": explain.coverage_reason(instance, rule, got),
                }
            )
    objective = sum(o.objective or 0 for o in outcomes)
    bound = sum(o.bound or 0 for o in outcomes)
    gap = 0.0 if objective == bound else abs(objective - bound) / max(1.0, abs(objective))
    return {
        "format": FORMAT,
        "status": "optimal" if statuses == {"optimal"} else "feasible",
        "plan": plan,
        "shortfalls": shortfalls,
        "stats": {
            "solve_seconds": seconds,
            "wishes_total": figures["wishes_total"],
            "wishes_met": figures["wishes_met"],
            "team_days_total": figures["team_days_total"],
            "team_days_met": figures["team_days_met"],
            "coverage_shortfall": figures["coverage_shortfall"],
            "parts": len(parts),
            "gap": round(gap, 4),
        },
    }

"""The CP-SAT model of one independent part of a week (docs/workflows/presence.md).

Variables, per person and planned day on which the person is neither absent nor in the
field: one boolean per room of the person's list (in the office, in that room) and one
for home, exactly one of them true. Home exists only where the agreement allows it and
the day is no fixed presence day.

Rules that always hold are constraints. Goals are one weighted objective, in this order:
coverage shortfall (a missing person weighs more than every wish and team day together),
then wishes and team days (each weighs its fairness weight, see `solve.wish_weights`).

With `explain=True` each group of rules gets an enforcement literal and the model is
solved under these assumptions, so an infeasible week names the rules that conflict.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .instance import Instance, Person


@dataclass
class Part:
    """One independent part of the week: people, and the rules that concern only them."""

    people: list[Person]
    coverage: list = field(default_factory=list)  # indices into instance.coverage
    team_days: list = field(default_factory=list)  # indices into instance.team_days


@dataclass
class Outcome:
    status: str  # optimal, feasible, infeasible, unknown
    plan: dict
    objective: float | None = None
    bound: float | None = None
    conflicts: list = field(default_factory=list)  # (kind, key) of conflicting rule groups
    seconds: float = 0.0


def _cohorts_meet(members: list[Person], day: str) -> bool:
    """Whether the members present on `day` belong to two cohorts of one unit."""
    seen: dict[str, str] = {}
    for p in members:
        present = p.cohort and day not in p.absent and day not in p.field
        if present and seen.setdefault(p.unit, p.cohort) != p.cohort:
            return True
    return False


class WeekModel:
    def __init__(
        self,
        instance: Instance,
        part: Part,
        *,
        weights: dict[str, int] | None = None,
        team_weight: int = 1,
        fixed: dict[str, dict[str, str]] | None = None,
        explain: bool = False,
    ):
        self.instance = instance
        self.part = part
        self.explain = explain
        self.model = cp_model.CpModel()
        self.office: dict[tuple[str, str], cp_model.IntVar] = {}  # (person, day) → in the office
        # People with the same rooms on a day form a class; the flow of a class to a room is
        # how many of them sit there. Seating is then exact without one variable per
        # person and room, and without the symmetry of interchangeable rooms.
        self.classes: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
        self.flow: dict[tuple[str, tuple[str, ...]], dict[str, object]] = {}
        self.assumptions: dict = {}  # literal index → (kind, key)
        self.assumption_literals: list = []
        self.previous: dict[str, dict[str, str]] = {}  # last week's plan: seats to keep
        self._build(weights or {}, team_weight, fixed or {})

    # -- rules that always hold -------------------------------------------------------

    def _guard(self, kind: str, key) -> list:
        """The enforcement literal of one rule group when explaining, else nothing."""
        if not self.explain:
            return []
        literal = self.model.new_bool_var(f"{kind}:{key}")
        self.assumptions[literal.index] = (kind, key)
        self.assumption_literals.append(literal)
        return [literal]

    def _build(self, weights, team_weight, fixed):
        m = self.model
        inst = self.instance
        cohort_office: dict[tuple[str, str, str], list] = defaultdict(list)
        for p in self.part.people:
            locked = fixed.get(p.id, {})
            free = p.free_days(inst.days)
            for d in free:
                o = m.new_bool_var("")
                self.office[(p.id, d)] = o
                rooms = p.rooms
                cell = locked.get(d, "")
                kind, _, room = cell.partition(":")
                if kind == "office" and room:
                    rooms = (room,) if room in p.rooms else ()
                if kind in ("office", "home"):
                    guard = self._guard("locked", (p.id, d))
                    m.add(o == (1 if kind == "office" else 0)).only_enforce_if(guard)
                    if not rooms:
                        m.add_bool_or([]).only_enforce_if(guard)  # a room not on the list
                        rooms = p.rooms
                self.classes[(d, rooms)].append(p.id)
                if d in p.office_days:
                    m.add(o == 1).only_enforce_if(self._guard("office_day", (p.id, d)))
                if inst.pandemic and p.cohort:
                    cohort_office[(p.unit, d, p.cohort)].append(o)
            at_least = len(free) - p.home_days_max
            if free and (at_least > 0 or self.explain):
                m.add(sum(self.office[(p.id, d)] for d in free) >= at_least).only_enforce_if(
                    self._guard("home_days_max", p.id)
                )
        seats: dict[tuple[str, str], list] = defaultdict(list)
        for (d, rooms), members in self.classes.items():
            present = sum(self.office[(pid, d)] for pid in members)
            if len(rooms) == 1:
                self.flow[(d, rooms)] = {rooms[0]: present}
                seats[(rooms[0], d)].append((present, len(members)))
                continue
            flows = {}
            for r in rooms:
                top = min(len(members), inst.capacity(r, d))
                flows[r] = m.new_int_var(0, top, "")
                seats[(r, d)].append((flows[r], top))
            m.add(sum(flows.values()) == present)
            self.flow[(d, rooms)] = flows
        for (r, d), terms in seats.items():
            capacity = inst.capacity(r, d)
            if sum(top for _, top in terms) > capacity or self.explain:
                m.add(sum(t for t, _ in terms) <= capacity).only_enforce_if(
                    self._guard("room", (r, d))
                )
        if inst.pandemic:
            groups: dict[tuple[str, str], dict[str, list]] = defaultdict(dict)
            for (unit, d, cohort), os_ in cohort_office.items():
                groups[(unit, d)][cohort] = os_
            for (unit, d), cohorts in groups.items():
                if len(cohorts) < 2:
                    continue
                chosen = []
                for os_ in cohorts.values():
                    y = m.new_bool_var("")
                    chosen.append(y)
                    for o in os_:
                        m.add_implication(o, y)
                m.add(sum(chosen) <= 1).only_enforce_if(self._guard("cohorts", (unit, d)))
        if not self.explain:  # explaining asks only whether the rules can hold at all
            self._objective(weights, team_weight)

    # -- goals ------------------------------------------------------------------------

    def _objective(self, weights, team_weight):
        m = self.model
        inst = self.instance
        rewards = []  # (weight, literal)
        for p in self.part.people:
            weight = weights.get(p.id, 1)
            for d, wish in p.wishes.items():
                o = self.office.get((p.id, d))
                if o is not None:
                    rewards.append((weight, o if wish == "office" else ~o))
        members: dict[str, list[Person]] = defaultdict(list)
        for p in self.part.people:
            if p.team:
                members[p.team].append(p)
        for index in self.part.team_days:
            meeting = inst.team_days[index]
            present = [
                self.office[(p.id, meeting.day)]
                for p in members[meeting.team]
                if (p.id, meeting.day) in self.office
            ]
            if not present:
                continue  # met whatever the plan says
            if inst.pandemic and _cohorts_meet(members[meeting.team], meeting.day):
                continue  # members of two cohorts of one unit never meet: cannot be met
            met = m.new_bool_var("")
            for o in present:
                m.add_implication(met, o)
            rewards.append((team_weight, met))
        shortfalls = []
        for index in self.part.coverage:
            rule = inst.coverage[index]
            if rule.min == 0:
                continue
            terms = [
                self.office[(p.id, rule.day)]
                for p in self.part.people
                if p.unit == rule.unit
                and (p.id, rule.day) in self.office
                and (rule.qualification is None or rule.qualification in p.qualifications)
            ]
            short = m.new_int_var(0, rule.min, "")
            m.add(sum(terms) + short >= rule.min)
            shortfalls.append(short)
        self.coverage_weight = sum(w for w, _ in rewards) + 1
        objective = []
        if shortfalls:
            objective.append(self.coverage_weight * sum(shortfalls))
        if rewards:
            objective.append(-sum(w * lit for w, lit in rewards))
        if objective:
            m.minimize(sum(objective))

    # -- solving ----------------------------------------------------------------------

    def hint(self, previous: dict[str, dict[str, str]]):
        """Start from a plan: last week's, so that the plan changes little, or a first plan
        of the same week. (Where people sit by preference is `self.previous`.)"""
        for (pid, d), o in self.office.items():
            cell = previous.get(pid, {}).get(d) or ""
            if cell.startswith("office"):
                self.model.add_hint(o, True)
            elif cell == "home":
                self.model.add_hint(o, False)
        for (d, _rooms), members in self.classes.items():
            flows = self.flow[(d, _rooms)]
            if len(flows) < 2:
                continue
            sat = [(previous.get(pid, {}).get(d) or "").partition(":")[2] for pid in members]
            for r, f in flows.items():
                self.model.add_hint(f, sat.count(r))

    def solve(self, *, time_limit: float, workers: int) -> Outcome:
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, time_limit)
        solver.parameters.num_workers = max(1, workers)
        # The cohorts' either-or makes the plain relaxation weak; the stronger one proves a
        # pandemic week optimal in a fraction of the time (bench/planner.py).
        solver.parameters.linearization_level = 2
        if self.explain:
            self.model.add_assumptions(self.assumption_literals)
            solver.parameters.num_workers = 1
        code = solver.solve(self.model)
        seconds = solver.wall_time
        if code == cp_model.INFEASIBLE:
            conflicts = []
            if self.explain:
                conflicts = [
                    self.assumptions[i] for i in solver.sufficient_assumptions_for_infeasibility()
                ]
            return Outcome("infeasible", {}, conflicts=conflicts, seconds=seconds)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return Outcome("unknown", {}, seconds=seconds)
        plan = self._plan(solver)
        status = "optimal" if code == cp_model.OPTIMAL else "feasible"
        has_objective = self.model.has_objective()
        return Outcome(
            status,
            plan,
            objective=solver.objective_value if has_objective else 0.0,
            bound=solver.best_objective_bound if has_objective else 0.0,
            seconds=seconds,
        )

    def _plan(self, solver) -> dict:
        """Read the plan and seat people: the flows say how many of a class sit in which
        room; each person keeps last week's room, or this week's first, where a desk is
        free (a flow moves to a room with a free desk, which keeps every room's limit)."""
        inst = self.instance
        plan: dict[str, dict[str, str]] = {}
        for p in self.part.people:
            plan[p.id] = {
                d: "absent" if d in p.absent else "field" if d in p.field else "home"
                for d in inst.days
            }
        previous = self.previous
        usual: dict[str, str] = {}  # person → the room they got first this week
        by_day: dict[str, list] = defaultdict(list)
        for key in self.classes:
            by_day[key[0]].append(key)
        for d in inst.days:
            flows = {
                key: {r: solver.value(f) for r, f in self.flow[key].items()} for key in by_day[d]
            }
            used: dict[str, int] = defaultdict(int)
            for counts in flows.values():
                for r, n in counts.items():
                    used[r] += n
            for key in by_day[d]:
                left = flows[key]
                inside = [
                    pid for pid in self.classes[key] if solver.boolean_value(self.office[(pid, d)])
                ]
                waiting = []
                for pid in inside:
                    wanted = (previous.get(pid, {}).get(d) or "").partition(":")[2] or usual.get(
                        pid
                    )
                    if (
                        wanted in left
                        and left[wanted] == 0
                        and used[wanted] < inst.capacity(wanted, d)
                    ):
                        spare = next((r for r, n in left.items() if n > 0 and r != wanted), None)
                        if spare is not None:
                            left[spare] -= 1
                            used[spare] -= 1
                            left[wanted] += 1
                            used[wanted] += 1
                    if wanted and left.get(wanted, 0) > 0:
                        left[wanted] -= 1
                        plan[pid][d] = f"office:{wanted}"
                        usual.setdefault(pid, wanted)
                    else:
                        waiting.append(pid)
                for pid in waiting:
                    room = next(r for r, n in left.items() if n > 0)
                    left[room] -= 1
                    plan[pid][d] = f"office:{room}"
                    usual.setdefault(pid, room)
        return plan

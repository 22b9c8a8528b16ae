"""Benchmark: the presence planner against a plain greedy planner.

For 1,200 and 50,000 staff, in normal and pandemic mode, it generates a week with
``rathausmobil.presence.planner.synthetic`` and plans it twice, each in a child process
of its own (so the peak memory is the plan's own): with the CP-SAT planner
(``plan_week``, the function the page, the task and the command use) and with the greedy
baseline below, which exists only here. It prints solve time, peak memory, the status
(optimal, feasible with gap), the coverage shortfall, wishes and team days met, and the
rules that always hold broken (``planner.violations``; must be 0 for CP-SAT).

    .venv/bin/python bench/planner.py
Options: --staff 1200 50000 --modes normal pandemic --time-limit 60 --seed 1
Goals (2 cores): 1,200 staff optimal within 2 s (normal) and 10 s (pandemic); 50,000
within 60 s and 1 GB; at least 5 % more wishes and team days met than greedy with a
smaller or equal coverage shortfall.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rathausmobil.presence.planner import evaluate, parse, plan_week, violations  # noqa: E402
from rathausmobil.presence.planner.synthetic import week  # noqa: E402


def greedy(document: dict) -> dict:
    """The spreadsheet way: day by day, fill coverage first, then give everyone their
    wish where the rules allow, seat people first-fit. No look-ahead, no search."""
    inst = parse(document)
    home_left = {p.id: p.home_days_max for p in inst.people}
    plan = {p.id: {} for p in inst.people}
    members = defaultdict(list)
    for p in inst.people:
        members[p.unit].append(p)
    rules = defaultdict(list)
    for rule in inst.coverage:
        rules[(rule.unit, rule.day)].append(rule)
    team_day = {(m.team, m.day) for m in inst.team_days}
    for day in inst.days:
        seats = {r: inst.capacity(r, day) for r in inst.rooms}
        cohort_in = {}
        office = set()
        free = [p for p in inst.people if day not in p.absent and day not in p.field]
        free_ids = {p.id for p in free}
        left_days = {
            p.id: sum(
                1
                for d in inst.days[inst.days.index(day) :]
                if d not in p.absent and d not in p.field
            )
            for p in free
        }

        def must(p, day=day, left_days=left_days):
            return day in p.office_days or home_left[p.id] <= 0 or left_days[p.id] > home_left[p.id]

        def wants_office(p, day=day):
            return p.wishes.get(day) == "office" or (p.team, day) in team_day

        for p in free:
            if must(p) or wants_office(p):
                office.add(p.id)
        for (unit, rday), unit_rules in rules.items():
            if rday != day:
                continue
            for rule in unit_rules:
                holders = [
                    p
                    for p in members[unit]
                    if p.id in free_ids
                    and (rule.qualification is None or rule.qualification in p.qualifications)
                ]
                have = sum(1 for p in holders if p.id in office)
                for p in holders:
                    if have >= rule.min:
                        break
                    if p.id not in office and p.wishes.get(day) != "home":
                        office.add(p.id)
                        have += 1
                for p in holders:
                    if have >= rule.min:
                        break
                    if p.id not in office:
                        office.add(p.id)
                        have += 1
        for p in sorted(free, key=lambda p: not must(p)):  # who must come in sits first
            if p.id in office and inst.pandemic and p.cohort:
                chosen = cohort_in.setdefault((p.unit, day), p.cohort)
                if chosen != p.cohort and not must(p):
                    office.discard(p.id)
            if p.id in office:
                room = next((r for r in p.rooms if seats[r] > 0), None)
                if room is None and not must(p):
                    office.discard(p.id)
                elif room is None:
                    plan[p.id][day] = f"office:{p.rooms[0]}"  # breaks a rule: counted
                    continue
                else:
                    seats[room] -= 1
                    plan[p.id][day] = f"office:{room}"
                    continue
            plan[p.id][day] = "home"
            home_left[p.id] -= 1
        for p in inst.people:
            if day in p.absent:
                plan[p.id][day] = "absent"
            elif day in p.field:
                plan[p.id][day] = "field"
    return {"status": "greedy", "plan": plan}


def _measure(kind, staff, mode, seed, time_limit, queue):
    document = week(staff=staff, mode=mode, seed=seed)
    started = time.perf_counter()
    answer = plan_week(document, time_limit=time_limit) if kind == "cp-sat" else greedy(document)
    seconds = time.perf_counter() - started
    inst = parse(document)
    figures = evaluate(inst, answer["plan"]) if answer["plan"] else {}
    queue.put(
        {
            "seconds": seconds,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "status": answer["status"],
            "gap": answer.get("stats", {}).get("gap"),
            "shortfall": figures.get("coverage_shortfall"),
            "wishes": (figures.get("wishes_met"), figures.get("wishes_total")),
            "team_days": (figures.get("team_days_met"), figures.get("team_days_total")),
            "broken": len(violations(inst, answer["plan"])) if answer["plan"] else None,
        }
    )


def measure(kind, staff, mode, seed, time_limit):
    queue = mp.get_context("fork").Queue()
    child = mp.get_context("fork").Process(
        target=_measure, args=(kind, staff, mode, seed, time_limit, queue)
    )
    child.start()
    result = queue.get()
    child.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--staff", type=int, nargs="+", default=[1200, 50_000])
    parser.add_argument("--modes", nargs="+", default=["normal", "pandemic"])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(
        f"Presence planner, CP-SAT against greedy ({mp.cpu_count()} cores, limit "
        f"{args.time_limit:g} s)"
    )
    header = (
        f"{'staff':>7} {'mode':9} {'planner':8} {'status':9} {'gap':>6} {'time s':>7} "
        f"{'peak MB':>8} {'short':>6} {'wishes met':>15} {'team days':>13} "
        f"{'w+t':>7} {'broken':>6}"
    )
    print(header)
    print("-" * len(header))
    for staff in args.staff:
        for mode in args.modes:
            rows = {}
            for kind in ("cp-sat", "greedy"):
                r = measure(kind, staff, mode, args.seed, args.time_limit)
                rows[kind] = r
                met = r["wishes"][0] + r["team_days"][0]
                gap = "" if r["gap"] is None else f"{100 * r['gap']:.2f}%"
                print(
                    f"{staff:>7} {mode:9} {kind:8} {r['status']:9} {gap:>6} "
                    f"{r['seconds']:7.2f} {r['peak_mb']:8.0f} {r['shortfall']:>6} "
                    f"{r['wishes'][0]:>7}/{r['wishes'][1]:<7} "
                    f"{r['team_days'][0]:>6}/{r['team_days'][1]:<6} {met:>7} {r['broken']:>6}",
                    flush=True,
                )
            cp, gr = rows["cp-sat"], rows["greedy"]
            cp_met = cp["wishes"][0] + cp["team_days"][0]
            gr_met = gr["wishes"][0] + gr["team_days"][0]
            print(
                f"{'':>7} {'':9} => CP-SAT meets {100 * (cp_met / max(gr_met, 1) - 1):+.1f} % "
                f"wishes and team days against greedy; shortfall {cp['shortfall']} against "
                f"{gr['shortfall']}; CP-SAT rules broken: {cp['broken']}",
                flush=True,
            )


if __name__ == "__main__":
    main()

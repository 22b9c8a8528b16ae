"""The weekly presence planner: OR-Tools CP-SAT behind one function, no database.

`plan_week(document)` takes one week's problem in the exchange format
(`rathausmobil-presence/1`, docs/workflows/presence.md) and returns the plan in that
format. The page's background task, `plan_presence --week` and `plan_presence --instance`
all call it, so they all plan alike.
"""

from .check import evaluate, violations
from .instance import FORMAT, InvalidInstance, parse
from .solve import DEFAULT_TIME_LIMIT, Fairness, plan_week

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "FORMAT",
    "Fairness",
    "InvalidInstance",
    "evaluate",
    "parse",
    "plan_week",
    "violations",
]

"""Other capabilities react to organisation events without organisation importing
them: they append a function here when their app is ready.

EMPLOYEES_LEFT: called after the commit with the ids of employees an import has
just deactivated (exit date in the past), e.g. to revoke access the same day.
"""

from collections.abc import Callable

EMPLOYEES_LEFT: list[Callable[[list[int]], None]] = []


def employees_left(employee_ids: list[int]) -> None:
    for hook in EMPLOYEES_LEFT:
        hook(employee_ids)

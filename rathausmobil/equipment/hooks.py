"""Other capabilities react to hand-overs and returns without equipment importing them
(apps depend downward): they append a function here when their app is ready.

HANDED_OVER and RETURNED: called after the commit with (employee_id, device_id),
e.g. to re-check whether an agreement waiting for a device can become active.
"""

from collections.abc import Callable

HANDED_OVER: list[Callable[[int, int], None]] = []
RETURNED: list[Callable[[int, int], None]] = []


def handed_over(employee_id: int, device_id: int) -> None:
    for hook in HANDED_OVER:
        hook(employee_id, device_id)


def returned(employee_id: int, device_id: int) -> None:
    for hook in RETURNED:
        hook(employee_id, device_id)

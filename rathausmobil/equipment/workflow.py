"""The allowed status transitions of devices and purchase orders, in one place.

Every service that changes a status checks it here first; anything not in the
tables is refused with a German message (HTTP 409 in the API).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from rathausmobil.core.errors import DomainError
from rathausmobil.equipment.models import DeviceStatus, OrderStatus

D, OS = DeviceStatus, OrderStatus

# action -> the (from, to) moves it may make
DEVICE_TRANSITIONS: dict[str, set[tuple[str, str]]] = {
    "receive": {(D.ORDERED, D.IN_STOCK)},
    "hand_over": {(D.IN_STOCK, D.ASSIGNED)},
    "return": {(D.ASSIGNED, D.IN_STOCK), (D.ASSIGNED, D.REPAIR)},
    "repair": {(D.IN_STOCK, D.REPAIR)},
    "repaired": {(D.REPAIR, D.IN_STOCK)},
    "retire": {(D.ORDERED, D.RETIRED), (D.IN_STOCK, D.RETIRED), (D.REPAIR, D.RETIRED)},
}

DEVICE_ACTION_LABELS = {
    "receive": _("eingegangen"),
    "hand_over": _("ausgegeben"),
    "return": _("zurückgenommen"),
    "repair": _("in Reparatur gegeben"),
    "repaired": _("aus der Reparatur zurück"),
    "retire": _("ausgemustert"),
}

# What IT may do by hand on the device page (hand-over and return have their own pages).
MANUAL_DEVICE_ACTIONS = ("receive", "repair", "repaired", "retire")

ORDER_TRANSITIONS: dict[str, set[tuple[str, str]]] = {
    "create": {("", OS.OPEN)},
    "deliver": {
        (OS.OPEN, OS.PARTIAL),
        (OS.OPEN, OS.COMPLETE),
        (OS.PARTIAL, OS.PARTIAL),
        (OS.PARTIAL, OS.COMPLETE),
    },
    # Cancelling the rest: nothing delivered yet -> cancelled; partly delivered -> complete.
    "cancel": {(OS.OPEN, OS.CANCELLED), (OS.PARTIAL, OS.COMPLETE)},
}

ORDER_ACTION_LABELS = {
    "create": _("bestellt"),
    "deliver": _("Lieferung erfasst"),
    "cancel": _("Rest storniert"),
}


class IllegalTransition(DomainError):
    def __init__(self, message: str):
        super().__init__(message, code="illegal_transition")


def device_actions_from(status: str) -> list[str]:
    return [
        action
        for action in MANUAL_DEVICE_ACTIONS
        if any(src == status for src, _dst in DEVICE_TRANSITIONS[action])
    ]


def device_target(action: str, status: str) -> str | None:
    """The status an action leads to from `status` (for single-target actions)."""
    targets = [dst for src, dst in DEVICE_TRANSITIONS.get(action, set()) if src == status]
    return targets[0] if len(targets) == 1 else None


def check_device_transition(device, to_status: str, action: str) -> None:
    if (device.status, to_status) not in DEVICE_TRANSITIONS.get(action, set()):
        label = DeviceStatus(device.status).label
        raise IllegalTransition(
            f"Das Gerät {device.inventory_number} ist „{label}“ und kann nicht "
            f"{DEVICE_ACTION_LABELS.get(action, action)} werden."
        )


def check_order_transition(order, to_status: str, action: str) -> None:
    if (order.status, to_status) not in ORDER_TRANSITIONS.get(action, set()):
        label = OrderStatus(order.status).label
        raise IllegalTransition(
            f"Die Bestellung {order.number} ist „{label}“; "
            f"„{ORDER_ACTION_LABELS.get(action, action)}“ ist nicht möglich."
        )

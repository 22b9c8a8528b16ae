"""The allowed status changes of devices and purchase orders, in one place.

Every service that changes a status goes through one of these workflows
(core/workflow.py): it locks the row, checks the move against the table, writes the
history row (`core.StatusChange`) and the audit event. Anything not in the tables
is refused with a German message (HTTP 409 in the API).
"""

from __future__ import annotations

from itertools import permutations

from django.utils.translation import gettext_lazy as _

from rathausmobil.core.workflow import NOT_THERE_YET, Workflow
from rathausmobil.equipment.models import (
    Assignment,
    Device,
    DeviceStatus,
    OrderStatus,
    PurchaseOrder,
    ReceiptProblem,
)

D, OS, RP = DeviceStatus, OrderStatus, ReceiptProblem

DEVICE_ACTION_LABELS = {
    "create": _("angelegt"),
    "receive": _("eingegangen"),
    "hand_over": _("ausgegeben"),
    "return": _("zurückgenommen"),
    "repair": _("in Reparatur gegeben"),
    "repaired": _("aus der Reparatur zurück"),
    "retire": _("ausgemustert"),
    "import": _("importiert"),
}

# What IT may do by hand on the device page (hand-over and return have their own pages).
MANUAL_DEVICE_ACTIONS = ("receive", "repair", "repaired", "retire")

DEVICE_WORKFLOW = Workflow(
    model=Device,
    transitions={
        # A delivery brings devices into stock.
        "create": {(NOT_THERE_YET, D.IN_STOCK)},
        "receive": {(D.ORDERED, D.IN_STOCK)},
        "hand_over": {(D.IN_STOCK, D.ASSIGNED)},
        "return": {(D.ASSIGNED, D.IN_STOCK), (D.ASSIGNED, D.REPAIR)},
        "repair": {(D.IN_STOCK, D.REPAIR)},
        "repaired": {(D.REPAIR, D.IN_STOCK)},
        "retire": {(D.ORDERED, D.RETIRED), (D.IN_STOCK, D.RETIRED), (D.REPAIR, D.RETIRED)},
        # The inventory file is the record of what IT counted: it may create a device
        # in any status and move one from any status to any other.
        "import": {(NOT_THERE_YET, s) for s in D.values} | set(permutations(D.values, 2)),
    },
    action_labels=DEVICE_ACTION_LABELS,
    refusal=_("Das Gerät %(object)s ist „%(status)s“ und kann nicht %(action)s werden."),
    describe=lambda device: device.inventory_number,
)

ORDER_ACTION_LABELS = {
    "create": _("bestellt"),
    "deliver": _("Lieferung erfasst"),
    "cancel": _("Rest storniert"),
}

ORDER_WORKFLOW = Workflow(
    model=PurchaseOrder,
    transitions={
        "create": {(NOT_THERE_YET, OS.OPEN)},
        "deliver": {
            (OS.OPEN, OS.PARTIAL),
            (OS.OPEN, OS.COMPLETE),
            (OS.PARTIAL, OS.PARTIAL),
            (OS.PARTIAL, OS.COMPLETE),
        },
        # Cancelling the rest: nothing delivered yet -> cancelled; partly delivered -> complete.
        "cancel": {(OS.OPEN, OS.CANCELLED), (OS.PARTIAL, OS.COMPLETE)},
    },
    action_labels=ORDER_ACTION_LABELS,
    refusal=_("Die Bestellung %(object)s ist „%(status)s“; „%(action)s“ ist nicht möglich."),
    describe=lambda order: order.number,
)

RECEIPT_ACTION_LABELS = {
    "report_not_received": _("als nicht erhalten gemeldet"),
    "report_wrong_device": _("als falsches Gerät gemeldet"),
    "received": _("Empfang nachträglich bestätigt"),
    "resolve": _("von der IT geklärt"),
}

# The employee's answer to a hand-over other than "erhalten" (`Assignment.problem`):
# reported by the holder, cleared by IT (or by the holder's later receipt of a device
# reported as not received). A cleared answer may be reported again.
RECEIPT_WORKFLOW = Workflow(
    model=Assignment,
    transitions={
        "report_not_received": {(NOT_THERE_YET, RP.NOT_RECEIVED), (RP.RESOLVED, RP.NOT_RECEIVED)},
        "report_wrong_device": {(NOT_THERE_YET, RP.WRONG_DEVICE), (RP.RESOLVED, RP.WRONG_DEVICE)},
        "received": {(RP.NOT_RECEIVED, RP.RESOLVED)},
        "resolve": {(RP.NOT_RECEIVED, RP.RESOLVED), (RP.WRONG_DEVICE, RP.RESOLVED)},
    },
    action_labels=RECEIPT_ACTION_LABELS,
    refusal=_("Die Ausgabe von %(object)s ist „%(status)s“; „%(action)s“ ist nicht möglich."),
    describe=lambda assignment: assignment.device.inventory_number,
    status_field="problem",
)

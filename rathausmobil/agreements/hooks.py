"""What the agreement workflow announces to other apps and asks of them (see
core/hooks.py).

Other apps connect in their `AppConfig.ready()`; agreements imports none of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rathausmobil.core.hooks import IN_TRANSACTION, Hook

if TYPE_CHECKING:
    from rathausmobil.agreements.models import Agreement


@dataclass(frozen=True)
class Prerequisite:
    """What a receiver of `activation_prerequisites` answers: one condition, met or not,
    with a German label and, if not met, what is missing. `at_start`: a condition that
    can only be met around the start date (access, granted a few days before it); it
    holds back `active`, never `agreed`."""

    key: str
    label: str
    met: bool
    detail: str = ""
    at_start: bool = False


agreement_consented: Hook[[Agreement, dt.date], None] = Hook(
    "agreement_consented",
    runs=IN_TRANSACTION,
    doc=(
        "Inside the transaction, on every activation attempt of a pending or agreed "
        "agreement the employee has consented to, with the day of the attempt, before its "
        "prerequisites are checked: prepare what the agreement needs (e.g. request access, "
        "and grant it once its day has come). Must only add what is missing."
    ),
)

agreement_ended: Hook[[Agreement], None] = Hook(
    "agreement_ended",
    runs=IN_TRANSACTION,
    doc=(
        "Inside the transaction, right after an agreement has become ended: let go of "
        "what came with it (e.g. move or revoke its access)."
    ),
)

activation_prerequisites: Hook[[Agreement], Prerequisite | None] = Hook(
    "activation_prerequisites",
    runs=IN_TRANSACTION,
    doc=(
        "Asked inside the transaction: what must be met before this agreement may become "
        "active. A receiver answers a Prerequisite, or None when it does not apply. Also "
        "asked, outside any write, about an unsaved agreement built from a request (pk "
        "None), so the head sees before deciding what is in place for the person: answer "
        "from the person (employee_id) and the agreement's fields, not its saved rows."
    ),
)

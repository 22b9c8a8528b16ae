"""Writes of the home-office workflow, one service per move, in four modules:

- `requests_and_offers`: the employee asks and the head decides, or the employer
  offers and the employee answers;
- `agreement_life`: consent, activation, the workstation, notice, the end,
  renewal and the reminder before expiry;
- `pledges`: the data-protection checklist and the employee's pledge;
- `rules`: the rules HR sets and the pandemic mode;

and `shared` for what they have in common (who may act, the pattern's rules,
dates). Each service checks who acts, changes a status only through the
workflows in workflow.py (row lock, the table, one history row and one audit
event per move) and sends mail on commit. Domain errors carry a German message.

Callers use this package: `services.request_submit(request=..., by=...)`.
"""

from rathausmobil.agreements.services.agreement_life import (
    agreement_accept,
    agreement_decline,
    agreement_end_due,
    agreement_remind_expiry,
    agreement_renew,
    agreement_return,
    agreement_revoke,
    agreement_set_workstation,
    agreement_try_activate,
)
from rathausmobil.agreements.services.pledges import (
    checklist_draft_discard,
    checklist_draft_publish,
    checklist_draft_save,
    checklist_publish,
    pledge_sign,
)
from rathausmobil.agreements.services.requests_and_offers import (
    can_decide,
    offer_accept,
    offer_create,
    offer_decline,
    request_approve,
    request_create,
    request_escalate,
    request_reject,
    request_review_return,
    request_submit,
    request_update,
    request_withdraw,
)
from rathausmobil.agreements.services.rules import (
    pandemic_gap_document,
    pandemic_period_end,
    pandemic_period_set,
    rules_update,
)
from rathausmobil.agreements.services.shared import PATTERN_FIELDS, responsible_unit
from rathausmobil.core.errors import NotAllowed

__all__ = [
    "PATTERN_FIELDS",
    "NotAllowed",
    "agreement_accept",
    "agreement_decline",
    "agreement_end_due",
    "agreement_remind_expiry",
    "agreement_renew",
    "agreement_return",
    "agreement_revoke",
    "agreement_set_workstation",
    "agreement_try_activate",
    "can_decide",
    "checklist_draft_discard",
    "checklist_draft_publish",
    "checklist_draft_save",
    "checklist_publish",
    "offer_accept",
    "offer_create",
    "offer_decline",
    "pandemic_gap_document",
    "pandemic_period_end",
    "pandemic_period_set",
    "pledge_sign",
    "request_approve",
    "request_create",
    "request_escalate",
    "request_reject",
    "request_review_return",
    "request_submit",
    "request_update",
    "request_withdraw",
    "responsible_unit",
    "rules_update",
]

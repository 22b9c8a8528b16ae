"""The one table of allowed status transitions, and the history it writes.

Every service that changes a status calls `transition()`, which refuses anything
not in the table with a German message (HTTP 409 in the API).
"""

from __future__ import annotations

from rathausmobil.agreements.models import (
    Agreement,
    AgreementStatus,
    Offer,
    OfferStatus,
    RequestStatus,
    StatusChange,
    WorkRequest,
)
from rathausmobil.core.errors import DomainError

R, OS, A = RequestStatus, OfferStatus, AgreementStatus

# (from, to) -> the action that may make this move
TRANSITIONS: dict[type, dict[tuple[str, str], str]] = {
    WorkRequest: {
        (R.DRAFT, R.SUBMITTED): "submit",
        (R.DRAFT, R.WITHDRAWN): "withdraw",
        (R.SUBMITTED, R.WITHDRAWN): "withdraw",
        (R.SUBMITTED, R.APPROVED): "approve",
        (R.SUBMITTED, R.REJECTED): "reject",
        (R.SUBMITTED, R.SUBMITTED): "escalate",
        (R.REJECTED, R.SUBMITTED): "review_return",
    },
    Offer: {
        (OS.OFFERED, OS.ACCEPTED): "accept",
        (OS.OFFERED, OS.DECLINED): "decline",
    },
    Agreement: {
        (A.PENDING, A.PENDING): "accept",
        (A.PENDING, A.ACTIVE): "activate",
        (A.PENDING, A.DECLINED): "decline",
        (A.PENDING, A.ENDED): "end",
        (A.ACTIVE, A.ENDING): "give_notice",
        (A.ACTIVE, A.ENDED): "end",
        (A.ENDING, A.ENDED): "end",
    },
}

ACTION_LABELS = {
    "create": "angelegt",
    "submit": "eingereicht",
    "withdraw": "zurückgezogen",
    "approve": "genehmigt",
    "reject": "abgelehnt",
    "escalate": "an die nächsthöhere Leitung eskaliert",
    "review_return": "zur Wiedervorlage zurück",
    "offer": "angeboten",
    "accept": "angenommen",
    "decline": "abgelehnt",
    "activate": "aktiv geworden",
    "give_notice": "gekündigt",
    "end": "beendet",
    "update": "ergänzt",
}

NOUNS = {WorkRequest: "Ein Antrag", Offer: "Ein Angebot", Agreement: "Eine Vereinbarung"}


class IllegalTransition(DomainError):
    def __init__(self, message: str):
        super().__init__(message, code="illegal_transition")


def check_transition(obj, to_status: str, action: str) -> None:
    allowed = TRANSITIONS[type(obj)]
    if allowed.get((obj.status, to_status)) != action:
        label = obj.get_status_display()
        raise IllegalTransition(
            f"{NOUNS[type(obj)]} im Status „{label}“ kann nicht {ACTION_LABELS.get(action, action)} werden."
        )


def record(
    obj, *, action: str, from_status: str, to_status: str, by, reason: str = ""
) -> StatusChange:
    subject = {WorkRequest: "request", Offer: "offer", Agreement: "agreement"}[type(obj)]
    return StatusChange.objects.create(
        **{subject: obj},
        action=action,
        from_status=from_status,
        to_status=to_status,
        by=by if getattr(by, "pk", None) else None,
        reason=reason,
    )


def transition(
    obj, to_status: str, *, action: str, by, reason: str = "", fields: tuple[str, ...] = ()
) -> None:
    """Check, change the status, save the given fields, write the history row."""
    check_transition(obj, to_status, action)
    from_status = obj.status
    obj.status = to_status
    obj.save(
        update_fields=["status", *fields, *(["updated_at"] if hasattr(obj, "updated_at") else [])]
    )
    record(obj, action=action, from_status=from_status, to_status=to_status, by=by, reason=reason)

"""The three status tables of the workflow: requests, offers, agreements.

Each table lists, per action, the moves it may make (`(from, to)`; `""` is "not
there yet", a move from a status to itself is an event that keeps the status).
The services change a status only through these workflows (`core.workflow`),
which refuse anything else with `IllegalTransition` (HTTP 409 in the API) and
write one `core.StatusChange` row (the record's `history`) and one audit event
per move.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from rathausmobil.agreements.models import (
    Agreement,
    AgreementStatus,
    Offer,
    OfferStatus,
    RequestStatus,
    WorkRequest,
)
from rathausmobil.core.workflow import NOT_THERE_YET, Workflow

R, OS, A = RequestStatus, OfferStatus, AgreementStatus

REQUEST_WORKFLOW = Workflow(
    model=WorkRequest,
    transitions={
        "create": {(NOT_THERE_YET, R.DRAFT)},
        "submit": {(R.DRAFT, R.SUBMITTED)},
        "withdraw": {(R.DRAFT, R.WITHDRAWN), (R.SUBMITTED, R.WITHDRAWN)},
        "approve": {(R.SUBMITTED, R.APPROVED)},
        "reject": {(R.SUBMITTED, R.REJECTED)},
        # The deadline passed: the request moves to the next head up.
        "escalate": {(R.SUBMITTED, R.SUBMITTED)},
        # The review date of a temporary refusal: back in the decider's inbox.
        "review_return": {(R.REJECTED, R.SUBMITTED)},
    },
    action_labels={
        "create": _("angelegt"),
        "submit": _("eingereicht"),
        "withdraw": _("zurückgezogen"),
        "approve": _("genehmigt"),
        "reject": _("abgelehnt"),
        "escalate": _("an die nächsthöhere Leitung eskaliert"),
        "review_return": _("zur Wiedervorlage zurück"),
    },
    refusal=_("Ein Antrag im Status „%(status)s“ kann nicht %(action)s werden."),
    audit_action=_("Antrag %(action)s"),
)

OFFER_WORKFLOW = Workflow(
    model=Offer,
    transitions={
        "offer": {(NOT_THERE_YET, OS.OFFERED)},
        "accept": {(OS.OFFERED, OS.ACCEPTED)},
        "decline": {(OS.OFFERED, OS.DECLINED)},
    },
    action_labels={
        "offer": _("angeboten"),
        "accept": _("angenommen"),
        "decline": _("abgelehnt"),
    },
    refusal=_("Ein Angebot im Status „%(status)s“ kann nicht %(action)s werden."),
    audit_action=_("Angebot %(action)s"),
)

AGREEMENT_WORKFLOW = Workflow(
    model=Agreement,
    transitions={
        "create": {(NOT_THERE_YET, A.PENDING)},
        # The employee's explicit consent; agreeing or activation follows once all else is met.
        "accept": {(A.PENDING, A.PENDING)},
        # Telearbeit: the home workstation's address, equipment, risk assessment.
        "update": {(A.PENDING, A.PENDING), (A.AGREED, A.AGREED), (A.ACTIVE, A.ACTIVE)},
        # Consent and every prerequisite that can be met before the start are met, but
        # the start date lies ahead (or access is not granted yet).
        "agree": {(A.PENDING, A.AGREED)},
        # On the start date, with every prerequisite met (the daily job, or the step
        # that fulfils the last one).
        "activate": {(A.PENDING, A.ACTIVE), (A.AGREED, A.ACTIVE)},
        # Until it is active, consent can be taken back without notice.
        "decline": {(A.PENDING, A.DECLINED), (A.AGREED, A.DECLINED)},
        "give_notice": {(A.ACTIVE, A.ENDING)},
        # A pandemic agreement ends with its period: the term is cut to the period's end.
        "shorten": {
            (A.PENDING, A.PENDING),
            (A.AGREED, A.AGREED),
            (A.ACTIVE, A.ACTIVE),
            (A.ENDING, A.ENDING),
        },
        "end": {
            (A.PENDING, A.ENDED),
            (A.AGREED, A.ENDED),
            (A.ACTIVE, A.ENDED),
            (A.ENDING, A.ENDED),
        },
    },
    action_labels={
        "create": _("angelegt"),
        "accept": _("angenommen"),
        "update": _("ergänzt"),
        "agree": _("vereinbart"),
        "activate": _("aktiv geworden"),
        "decline": _("abgelehnt"),
        "give_notice": _("gekündigt"),
        "shorten": _("verkürzt"),
        "end": _("beendet"),
    },
    refusal=_("Eine Vereinbarung im Status „%(status)s“ kann nicht %(action)s werden."),
    audit_action=_("Vereinbarung %(action)s"),
)

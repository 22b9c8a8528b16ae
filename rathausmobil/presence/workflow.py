"""The allowed status changes of week plans and swap requests (core/workflow.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from rathausmobil.core.workflow import NOT_THERE_YET, Workflow
from rathausmobil.presence.models import PlanStatus, SwapRequest, SwapStatus, WeekPlan

P, S = PlanStatus, SwapStatus

PLAN_WORKFLOW = Workflow(
    model=WeekPlan,
    transitions={
        "create": {(NOT_THERE_YET, P.DRAFT)},
        "publish": {(P.DRAFT, P.PUBLISHED)},
        # Planning again, or a cell set by hand, turns a published week into a draft; the
        # people keep what they were told until it is published again.
        "reopen": {(P.PUBLISHED, P.DRAFT)},
    },
    action_labels={
        "create": _("angelegt"),
        "publish": _("veröffentlicht"),
        "reopen": _("wieder geöffnet"),
    },
    refusal=_("Der Wochenplan %(object)s ist „%(status)s“ und kann nicht %(action)s werden."),
)

SWAP_WORKFLOW = Workflow(
    model=SwapRequest,
    transitions={
        "request": {(NOT_THERE_YET, S.REQUESTED)},
        "accept": {(S.REQUESTED, S.ACCEPTED)},
        "refuse": {(S.REQUESTED, S.REFUSED)},
    },
    action_labels={
        "request": _("beantragt"),
        "accept": _("angenommen"),
        "refuse": _("abgelehnt"),
    },
    refusal=_("Der Tauschwunsch %(object)s ist „%(status)s“ und kann nicht %(action)s werden."),
)

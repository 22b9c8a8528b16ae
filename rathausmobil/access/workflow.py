"""The allowed status changes of an access grant: `requested -> active -> revoked`.

Every service of services.py that changes a grant goes through `GRANT_WORKFLOW`
(core/workflow.py): it locks the grant, checks the move against the table, writes
the history row (`core.StatusChange`) and the audit event ("Zugang erteilt" …) and
tells provisioning after the commit. Anything not in the table is refused with a
German message (HTTP 409 in the API).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from rathausmobil.access.models import AccessGrant, GrantStatus
from rathausmobil.core.workflow import NOT_THERE_YET, Workflow

G = GrantStatus

GRANT_ACTION_LABELS = {
    "request": _("beantragt"),
    "activate": _("erteilt"),
    "revoke": _("entzogen"),
    "move": _("übernommen"),
}

GRANT_WORKFLOW = Workflow(
    model=AccessGrant,
    transitions={
        "request": {(NOT_THERE_YET, G.REQUESTED)},
        "activate": {(G.REQUESTED, G.ACTIVE)},
        "revoke": {(G.REQUESTED, G.REVOKED), (G.ACTIVE, G.REVOKED)},
        # The grant goes on with the person's other agreement; its status stays.
        "move": {(G.REQUESTED, G.REQUESTED), (G.ACTIVE, G.ACTIVE)},
    },
    action_labels=GRANT_ACTION_LABELS,
    refusal=_("Ein Zugang im Status „%(status)s“ kann nicht %(action)s werden."),
    audit_action=_("Zugang %(action)s"),
)

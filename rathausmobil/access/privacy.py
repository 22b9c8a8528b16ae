"""What this app processes about people (Art. 30 DSGVO), registered in `apps.py`."""

from django.utils.translation import gettext_lazy as _

from rathausmobil.core.privacy import NOT_DELETED_YET, PERSON_THEMSELF, ProcessingActivity
from rathausmobil.organisation.models import Role

ACTIVITIES = (
    ProcessingActivity(
        key="access.grants",
        name=_("VPN- und Terminalserver-Zugänge"),
        purpose=_(
            "Zugänge erteilen, solange eine Vereinbarung sie begründet, und entziehen, "
            "wenn sie endet oder die Person ausscheidet"
        ),
        legal_basis=_("Art. 6 Abs. 1 lit. b DSGVO, Art. 32 DSGVO"),
        persons=(_("Beschäftigte"),),
        data=(
            _("Art des Zugangs"),
            _("Gateway, Farm, Fachanwendung"),
            _("Status mit Zeitpunkten"),
            _("WireGuard: öffentlicher Schlüssel und Tunneladresse"),
            _("Protokoll der Einrichtung"),
        ),
        recipients=(PERSON_THEMSELF, Role.IT, Role.HR),
        retention=lambda: NOT_DELETED_YET,
        models=(
            "access.AccessGrant",
            "access.WireGuardPeer",
            "access.ProvisioningEvent",
            "access.AccessPolicy",
        ),
    ),
)

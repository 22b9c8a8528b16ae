"""What this app processes about people (Art. 30 DSGVO), registered in `apps.py`."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from rathausmobil.core.privacy import NOT_DELETED_YET, PERSON_THEMSELF, ProcessingActivity
from rathausmobil.organisation.models import Role


def _handovers() -> str:
    days = getattr(settings, "DEVICE_HANDOVER_RETENTION_DAYS", None)
    if not days:
        return str(NOT_DELETED_YET)
    return _("bis zur Rückgabe, danach %(days)s Tage") % {"days": days}


ACTIVITIES = (
    ProcessingActivity(
        key="equipment.handovers",
        name=_("Ausgabe mobiler Geräte"),
        purpose=_(
            "Nachweis, wer welches dienstliche Gerät hat (BSI IT-Grundschutz), Empfang "
            "und Rückgabe bestätigen"
        ),
        legal_basis=_("Art. 6 Abs. 1 lit. b und c, Art. 32 DSGVO"),
        persons=(_("Beschäftigte"), _("ausgebende Beschäftigte der IT")),
        data=(
            _("Gerät mit Inventar- und Seriennummer"),
            _("Ausgabe und Rückgabe mit Zeitpunkt"),
            _("Empfangsbestätigung"),
            _("gemeldete Probleme"),
        ),
        recipients=(PERSON_THEMSELF, Role.SUPERVISOR, Role.IT, Role.HR),
        retention=_handovers,
        models=("equipment.Assignment", "equipment.Device"),
    ),
    ProcessingActivity(
        key="equipment.orders",
        name=_("Bestellungen und Lieferungen von Geräten"),
        purpose=_("Beschaffung und Rollout der Geräte steuern"),
        legal_basis=_("Art. 6 Abs. 1 lit. e DSGVO"),
        persons=(_("bestellende und annehmende Beschäftigte der IT"),),
        data=(_("bestellende Person"), _("annehmende Person"), _("Zeitpunkt")),
        recipients=(Role.IT, Role.HR),
        retention=lambda: NOT_DELETED_YET,
        models=("equipment.PurchaseOrder", "equipment.Delivery"),
    ),
)

"""What this app processes about people (Art. 30 DSGVO), registered in `apps.py`."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from rathausmobil.core.privacy import NOT_DELETED_YET, PERSON_THEMSELF, ProcessingActivity
from rathausmobil.organisation.models import Role


def _sessions() -> str:
    return _(
        "Einzelne Sitzungen %(days)s Tage, danach nur noch Summen je Tag ohne Personenbezug"
    ) % {"days": settings.USAGE_RAW_RETENTION_DAYS}


ACTIVITIES = (
    ProcessingActivity(
        key="usage.sessions",
        name=_("VPN-Sitzungen aus den Protokollen der Gateways"),
        purpose=_(
            "Auslastung der VPN-Gateways gegen ihre Kapazität planen; keine Leistungs- "
            "oder Verhaltenskontrolle"
        ),
        legal_basis=_("Art. 6 Abs. 1 lit. c und e, Art. 32 DSGVO, Dienstvereinbarung"),
        persons=(_("Beschäftigte mit VPN-Zugang"),),
        data=(_("Name im Protokoll"), _("Beginn und Ende der Sitzung"), _("Client-IP-Adresse")),
        recipients=(PERSON_THEMSELF, Role.IT),
        retention=_sessions,
        models=("usage.VpnSession",),
    ),
    ProcessingActivity(
        key="usage.accounts",
        name=_("Zuordnung der VPN-Namen zu Personen"),
        purpose=_("Namen in den Protokollen der Gateways einer Person zuordnen"),
        legal_basis=_("Art. 6 Abs. 1 lit. c und e DSGVO"),
        persons=(_("Beschäftigte mit VPN-Zugang"),),
        data=(_("Name im Protokoll"), _("zuerst und zuletzt gesehen"), _("Bemerkung")),
        recipients=(PERSON_THEMSELF, Role.IT),
        retention=lambda: NOT_DELETED_YET,
        models=("usage.VpnAccount", "usage.VpnAlias"),
    ),
)

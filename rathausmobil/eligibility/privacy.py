"""What this app processes about people (Art. 30 DSGVO), registered in `apps.py`."""

from django.utils.translation import gettext_lazy as _

from rathausmobil.core.privacy import NOT_DELETED_YET, ProcessingActivity
from rathausmobil.organisation.models import Role

ACTIVITIES = (
    ProcessingActivity(
        key="eligibility.assessments",
        name=_("Eignung von Stellen für mobiles Arbeiten"),
        purpose=_("Festhalten, welcher Anteil der Arbeit einer Stelle mobil erledigt werden kann"),
        legal_basis=_("Art. 6 Abs. 1 lit. c und e DSGVO, § 26 BDSG"),
        persons=(_("Bewertende Vorgesetzte"),),
        data=(_("Bewertung der Stelle"), _("Begründung"), _("bewertende Person"), _("Datum")),
        recipients=(Role.SUPERVISOR, Role.HR),
        retention=lambda: NOT_DELETED_YET,
        models=("eligibility.PositionAssessment",),
    ),
)

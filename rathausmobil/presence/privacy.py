"""What this app processes about people (Art. 30 DSGVO), registered in `apps.py`."""

from django.utils.translation import gettext_lazy as _

from rathausmobil.core.privacy import NOT_DELETED_YET, PERSON_THEMSELF, ProcessingActivity
from rathausmobil.organisation.models import Role

ACTIVITIES = (
    ProcessingActivity(
        key="presence.planning",
        name=_("Wochenplanung der Anwesenheit"),
        purpose=_(
            "Öffnungszeiten und Mindestbesetzung sichern, Räume verteilen, Wünsche und "
            "vereinbarte Tage berücksichtigen"
        ),
        legal_basis=_("Art. 6 Abs. 1 lit. b und c DSGVO, § 26 BDSG"),
        persons=(_("Beschäftigte"), _("planende Vorgesetzte")),
        data=(
            _("Arbeits-, Präsenz- und Außendiensttage"),
            _("Team und Kohorte"),
            _("Abwesenheit (nur dass, nie warum)"),
            _("Wünsche"),
            _("Qualifikationen"),
            _("Plan je Tag mit Raum"),
            _("Tauschwünsche"),
            _("Kalender-Abo"),
        ),
        recipients=(PERSON_THEMSELF, Role.SUPERVISOR, Role.HR),
        retention=lambda: NOT_DELETED_YET,
        models=(
            "presence.PresenceProfile",
            "presence.EmployeeQualification",
            "presence.Absence",
            "presence.Wish",
            "presence.WeekPlan",
            "presence.PlanningRun",
            "presence.PlanCell",
            "presence.SwapRequest",
            "presence.CalendarFeed",
        ),
    ),
)

"""What this app processes about people (Art. 30 DSGVO), registered in `apps.py`."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from rathausmobil.core.privacy import PERSON_THEMSELF, ProcessingActivity
from rathausmobil.organisation.models import Role

ACTIVITIES = (
    ProcessingActivity(
        key="reports.subscriptions",
        name=_("Monatliche Berichte per E-Mail"),
        purpose=_("Den bestellten Lagebericht monatlich an die bestellende Person schicken"),
        legal_basis=_("Art. 6 Abs. 1 lit. e DSGVO"),
        persons=(_("Beschäftigte der Verwaltungsspitze und weitere Bestellende"),),
        data=(_("Benutzerkonto und E-Mail-Adresse"), _("bestellter Bericht"), _("Versandtage")),
        recipients=(PERSON_THEMSELF,),
        retention=lambda: _("bis zur Abbestellung oder bis die Berechtigung endet"),
        models=("reports.ReportSubscription", "reports.ReportDelivery"),
    ),
    ProcessingActivity(
        key="reports.files",
        name=_("Berichtsdateien"),
        purpose=_(
            "Einen angeforderten Bericht im Hintergrund als Datei erstellen und bereithalten"
        ),
        legal_basis=_("Art. 6 Abs. 1 lit. e DSGVO"),
        persons=(_("die anfordernde Person"),),
        data=(_("Benutzerkonto"), _("Bericht, Stichtag und Einheit"), _("die Datei")),
        recipients=(PERSON_THEMSELF,),
        retention=lambda: (
            _("%(hours)s Stunden nach der Anforderung")
            % {"hours": settings.REPORT_FILES_KEEP_HOURS}
        ),
        models=("reports.ReportFile",),
    ),
    ProcessingActivity(
        key="reports.snapshots",
        name=_("Kennzahlen-Stände"),
        purpose=_("Verläufe der Kennzahlen über zwölf Monate"),
        legal_basis=_("Art. 6 Abs. 1 lit. e DSGVO"),
        persons=(_("keine: nur Summen, kleine Gruppen unterdrückt"),),
        data=(_("Kennzahlen der Verwaltung und der Dezernate je Stichtag"),),
        recipients=(Role.LEADERSHIP, Role.HR, Role.STAFF_COUNCIL, Role.DPO, Role.IT),
        retention=lambda: _("unbegrenzt (keine personenbezogenen Daten)"),
        models=("reports.FigureSnapshot",),
    ),
)

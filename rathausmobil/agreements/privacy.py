"""What this app processes about people (Art. 30 DSGVO), registered in `apps.py`."""

from django.utils.translation import gettext_lazy as _

from rathausmobil.agreements.models import RuleSettings
from rathausmobil.core.privacy import NOT_DELETED_YET, PERSON_THEMSELF, ProcessingActivity
from rathausmobil.organisation.models import Role


def _after_exit() -> str:
    return _("bis zum Ende der Beschäftigung, danach %(years)s Jahre") % {
        "years": RuleSettings.current().retention_after_exit_years
    }


def _requests() -> str:
    rules = RuleSettings.current()
    return _(
        "abgelehnte Anträge %(refused)s Jahre nach dem Jahr der Entscheidung; übrige Anträge "
        "und Angebote bis zum Ende der Beschäftigung, danach %(years)s Jahre"
    ) % {"refused": rules.retention_refused_years, "years": rules.retention_after_exit_years}


ACTIVITIES = (
    ProcessingActivity(
        key="agreements.requests",
        name=_("Anträge und Angebote auf mobiles Arbeiten"),
        purpose=_(
            "Anträge entscheiden und Ablehnungen begründen (Beweislast), Angebote des "
            "Arbeitgebers festhalten; Mitbestimmung des Personalrats bei Ablehnungen"
        ),
        legal_basis=_(
            "Art. 6 Abs. 1 lit. b und c, Art. 88 DSGVO, § 26 BDSG, Dienstvereinbarung "
            "mobiles Arbeiten, Landespersonalvertretungsgesetz"
        ),
        persons=(_("Beschäftigte"), _("entscheidende Vorgesetzte")),
        data=(
            _("Art und Muster des mobilen Arbeitens"),
            _("Zeitraum"),
            _("Freitext"),
            _("Entscheidung mit Gründen und Begründung"),
            _("Statusverlauf"),
        ),
        recipients=(PERSON_THEMSELF, Role.SUPERVISOR, Role.HR, Role.STAFF_COUNCIL),
        retention=_requests,
        models=("agreements.WorkRequest", "agreements.Offer"),
    ),
    ProcessingActivity(
        key="agreements.agreements",
        name=_("Vereinbarungen über mobiles Arbeiten"),
        purpose=_("Die vereinbarte mobile Arbeit, ihre Laufzeit und ihr Ende festhalten"),
        legal_basis=_("Art. 6 Abs. 1 lit. b DSGVO, § 26 BDSG"),
        persons=(_("Beschäftigte"),),
        data=(
            _("Art und Muster"),
            _("Laufzeit"),
            _("Adresse des häuslichen Arbeitsplatzes (Telearbeit)"),
            _("Statusverlauf"),
        ),
        recipients=(PERSON_THEMSELF, Role.SUPERVISOR, Role.HR),
        retention=_after_exit,
        models=("agreements.Agreement",),
    ),
    ProcessingActivity(
        key="agreements.pledges",
        name=_("Datenschutzerklärungen der Beschäftigten"),
        purpose=_("Nachweis, dass die Datenschutzregeln für das Arbeiten zu Hause bekannt sind"),
        legal_basis=_("Art. 6 Abs. 1 lit. c, Art. 24 und 32 DSGVO"),
        persons=(_("Beschäftigte"),),
        data=(_("Version der Checkliste"), _("Antworten"), _("Zeitpunkt")),
        recipients=(PERSON_THEMSELF, Role.HR, Role.DPO),
        retention=_after_exit,
        models=("agreements.Pledge", "agreements.PledgeRenewalRequest"),
    ),
    ProcessingActivity(
        key="agreements.administration",
        name=_("Regeln, Checklisten und Pandemiemodus"),
        purpose=_(
            "Regeln und Checklisten pflegen; im Pandemiemodus Gründe je Stelle "
            "dokumentieren (§ 22 ArbSchG)"
        ),
        legal_basis=_("Art. 6 Abs. 1 lit. c DSGVO"),
        persons=(_("Beschäftigte des Personalamts"), _("Vorgesetzte"), _("Datenschutzbeauftragte")),
        data=(_("bearbeitende Person"), _("Zeitpunkt"), _("dokumentierter Grund")),
        recipients=(Role.HR, Role.SUPERVISOR, Role.DPO),
        retention=lambda: NOT_DELETED_YET,
        models=(
            "agreements.RuleSettings",
            "agreements.ChecklistVersion",
            "agreements.ChecklistDraft",
            "agreements.PandemicPeriod",
            "agreements.PandemicGapReason",
        ),
    ),
)

"""What this app processes about people (Art. 30 DSGVO), registered in `apps.py`."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from rathausmobil.core.privacy import NOT_DELETED_YET, PERSON_THEMSELF, ProcessingActivity
from rathausmobil.organisation.models import Role

ACTIVITIES = (
    ProcessingActivity(
        key="organisation.master_data",
        name=_("Stammdaten der Beschäftigten und Organisation"),
        purpose=_(
            "Zuständigkeiten, Vorgesetzte und Sichtbarkeit aller Vorgänge bestimmen; "
            "Abgleich mit dem Personalverwaltungssystem"
        ),
        legal_basis=_("Art. 6 Abs. 1 lit. b und c, Art. 88 DSGVO, § 26 BDSG"),
        persons=(_("Beschäftigte"), _("Leitungen von Organisationseinheiten")),
        data=(
            _("Personalnummer"),
            _("Name"),
            _("dienstliche E-Mail"),
            _("Organisationseinheit"),
            _("Stelle"),
            _("Wochenstunden"),
            _("Eintritts- und Austrittsdatum"),
        ),
        recipients=(PERSON_THEMSELF, Role.SUPERVISOR, Role.HR, Role.IT),
        retention=lambda: _(
            "solange die Person beschäftigt ist; nach dem Austritt wird der Datensatz "
            "inaktiv und noch nicht automatisch gelöscht"
        ),
        models=("organisation.Employee", "organisation.OrgUnit", "organisation.Position"),
    ),
    ProcessingActivity(
        key="organisation.accounts",
        name=_("Benutzerkonten und Rollen"),
        purpose=_("Anmeldung und Berechtigungen in der Anwendung"),
        legal_basis=_("Art. 6 Abs. 1 lit. c DSGVO, Art. 32 DSGVO"),
        persons=(_("Nutzende der Anwendung"),),
        data=(
            _("Benutzername"),
            _("Name"),
            _("E-Mail"),
            _("Passwort-Hash"),
            _("letzte Anmeldung"),
            _("Rollen"),
            _("Sitzungen"),
            _("API-Schlüssel"),
        ),
        recipients=(PERSON_THEMSELF, Role.HR),
        retention=lambda: (
            _(
                "Konto bis zum Austritt (dann deaktiviert, %(not_deleted)s); Sitzungen bis "
                "zum Abmelden oder Ablauf"
            )
            % {"not_deleted": NOT_DELETED_YET}
        ),
        models=(
            "auth.User",
            "organisation.RoleAssignment",
            "authtoken.Token",
            "authtoken.TokenProxy",
            "sessions.Session",
        ),
    ),
    ProcessingActivity(
        key="organisation.login_attempts",
        name=_("Fehlgeschlagene Anmeldeversuche"),
        purpose=_(
            "Schutz der Konten vor dem Erraten von Passwörtern: Sperre nach wiederholten "
            "Fehlversuchen je Konto und je Adresse (BSI IT-Grundschutz APP.3.1)"
        ),
        legal_basis=_("Art. 6 Abs. 1 lit. c, Art. 32 DSGVO"),
        persons=(_("Nutzende der Anwendung"), _("Unbekannte, die sich anzumelden versuchen")),
        data=(
            _("eingegebener Benutzername"),
            _("IP-Adresse"),
            _("Browserkennung"),
            _("Zeitpunkt und Zahl der Fehlversuche"),
        ),
        recipients=(Role.IT,),
        retention=lambda: (
            _(
                "%(days)s Tage nach dem letzten Fehlversuch; erfolgreiche Anmeldungen werden nicht protokolliert"
            )
            % {"days": settings.LOGIN_ATTEMPTS_RETENTION_DAYS}
        ),
        models=("axes.AccessAttempt",),
    ),
)

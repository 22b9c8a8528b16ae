"""What the application processes about people: the one home of the register of
processing activities (Art. 30 DSGVO).

Each app declares its activities in its own `privacy.py` and registers them in
`AppConfig.ready()`:

    processing_activities.register(*privacy.ACTIVITIES)

An activity names its purpose, legal basis, the people and the data concerned, who
receives the data (by role, the roles of docs/roles.md), how long it is kept and the
models that hold it (labels like `"agreements.WorkRequest"`, so core imports no app).
The retention is a callable that reads the configured value when the register is made,
so a changed rule or setting shows at once. A test checks that every model holding
personal data (a foreign key to a person or a user account) is covered by an activity.

The register as rows or text (`register_rows`, `register_text`) serves the page, its
CSV export and the command line alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

#: the person the data is about, as a recipient (they read their own records)
PERSON_THEMSELF = _("die Person selbst")


def role_label(value) -> str:
    """A recipient in words: a role (a `TextChoices` member has its `label`) or a text."""
    return str(getattr(value, "label", value))


@dataclass(frozen=True)
class ProcessingActivity:
    key: str  # unique, stable: "agreements.requests"
    name: str
    purpose: str
    legal_basis: str
    persons: tuple[str, ...]  # categories of persons concerned
    data: tuple[str, ...]  # categories of data
    recipients: tuple[str, ...]  # roles (organisation.Role members) or texts
    retention: Callable[[], str]  # reads the configured period when called
    models: tuple[str, ...]  # "app_label.ModelName" of every model holding the data

    def retention_text(self) -> str:
        return str(self.retention())

    def recipient_labels(self) -> list[str]:
        return [role_label(r) for r in self.recipients]


class ProcessingActivities:
    """The registry of processing activities, filled by the apps in `ready()`."""

    def __init__(self) -> None:
        self._activities: dict[str, ProcessingActivity] = {}

    def register(self, *activities: ProcessingActivity) -> None:
        for activity in activities:
            known = self._activities.get(activity.key)
            if known is not None and known != activity:
                raise ValueError(f"Processing activity {activity.key!r} is registered twice.")
            self._activities[activity.key] = activity

    def unregister(self, key: str) -> None:
        self._activities.pop(key, None)

    def get(self, key: str) -> ProcessingActivity | None:
        return self._activities.get(key)

    def __iter__(self) -> Iterator[ProcessingActivity]:
        return iter(self._activities.values())

    def __len__(self) -> int:
        return len(self._activities)

    def covered_models(self) -> set[str]:
        """Labels of every model some activity names (lower case, as `_meta.label_lower`)."""
        return {label.lower() for activity in self for label in activity.models}


processing_activities = ProcessingActivities()


#: the register's columns, in the order of the page, the CSV and the text
COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", _("Verarbeitungstätigkeit")),
    ("purpose", _("Zweck")),
    ("legal_basis", _("Rechtsgrundlage")),
    ("persons", _("Betroffene Personen")),
    ("data", _("Datenkategorien")),
    ("recipients", _("Empfänger (Rollen)")),
    ("retention", _("Löschfrist")),
    ("models", _("Gespeichert in")),
)


def _model_text(label: str) -> str:
    """A model in words with its label: "Anträge (agreements.WorkRequest)"."""
    from django.apps import apps

    try:
        name = apps.get_model(label)._meta.verbose_name_plural
    except LookupError:
        return label
    return f"{name} ({label})"


def register_rows(activities: Iterable[ProcessingActivity] | None = None) -> list[dict[str, str]]:
    """The register, one dict per activity with the keys of `COLUMNS` as text (lists
    joined with ", "); the retention is read now."""
    rows = []
    for activity in processing_activities if activities is None else activities:
        rows.append(
            {
                "name": str(activity.name),
                "purpose": str(activity.purpose),
                "legal_basis": str(activity.legal_basis),
                "persons": ", ".join(str(p) for p in activity.persons),
                "data": ", ".join(str(d) for d in activity.data),
                "recipients": ", ".join(activity.recipient_labels()),
                "retention": activity.retention_text(),
                "models": ", ".join(_model_text(label) for label in activity.models),
            }
        )
    return rows


def register_text(activities: Iterable[ProcessingActivity] | None = None) -> str:
    """The register as plain text, one block per activity (for the command line)."""
    blocks = []
    header = str(_("Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO)"))
    blocks.append(f"{header}\n{'=' * len(header)}")
    for row in register_rows(activities):
        lines = [row["name"], "-" * len(row["name"])]
        for key, label in COLUMNS[1:]:
            lines.append(f"{label}: {row[key]}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


# --------------------------------------------------------------------------- core's own

NOT_DELETED_YET = _("wird noch nicht automatisch gelöscht (keine Löschfrist umgesetzt)")

# Core cannot name the roles (organisation is above it); the same German words as
# organisation.Role's labels, so they read and translate alike.
_DPO = _("Datenschutzbeauftragte")
_HR = _("Personalamt")
_IT = _("IT")

ACTIVITIES = (
    ProcessingActivity(
        key="core.audit",
        name=_("Protokoll und Verlauf der Änderungen"),
        purpose=_(
            "Nachvollziehen, wer wann welchen Datensatz geändert hat und warum "
            "(Revisionssicherheit, Datenschutzkontrolle)"
        ),
        legal_basis=_("Art. 6 Abs. 1 lit. c DSGVO, Art. 5 Abs. 2 und Art. 32 DSGVO"),
        persons=(_("Beschäftigte"), _("Nutzende der Anwendung")),
        data=(
            _("handelnde Person"),
            _("Zeitpunkt"),
            _("betroffener Datensatz"),
            _("Änderungen und Begründungen"),
        ),
        recipients=(_DPO, _HR),
        retention=lambda: NOT_DELETED_YET,
        models=("core.AuditEvent", "core.StatusChange", "admin.LogEntry"),
    ),
    ProcessingActivity(
        key="core.imports",
        name=_("Dateiimporte"),
        purpose=_("Stammdaten, Geräte und Abwesenheiten aus Dateien übernehmen"),
        legal_basis=_("Art. 6 Abs. 1 lit. b und c DSGVO, § 26 BDSG"),
        persons=(_("Beschäftigte"), _("Hochladende")),
        data=(_("hochgeladene Datei bis zur Übernahme"), _("hochladende Person")),
        recipients=(_("die hochladende Person"),),
        retention=lambda: _(
            "Dateiinhalt bis zur Übernahme oder zum Verwerfen; der Eintrag selbst "
            "wird noch nicht automatisch gelöscht"
        ),
        models=("core.ImportUpload",),
    ),
    ProcessingActivity(
        key="core.seen",
        name=_("Gelesen-Markierungen der Aufgaben"),
        purpose=_("Neue Einträge seit dem letzten Besuch einer Seite anzeigen"),
        legal_basis=_("Art. 6 Abs. 1 lit. e DSGVO"),
        persons=(_("Nutzende der Anwendung"),),
        data=(_("Seite"), _("Zeitpunkt des letzten Besuchs")),
        recipients=(PERSON_THEMSELF,),
        retention=lambda: NOT_DELETED_YET,
        models=("core.SeenMarker",),
    ),
)

"""What an agreement needs before it becomes active: an extensible list.

A prerequisite is a function `(agreement) -> Prerequisite | None` (None: does not
apply to this agreement), connected to `hooks.activation_prerequisites`: the
agreement's own three below (in AgreementsConfig.ready), and those of other apps
(devices, access) in theirs. `agreement_try_activate` makes an agreement `agreed`
when every one that can be met before the start is met, and `active` on its start
date when all are (those marked `at_start`, like access, too).

This is the one source of what is missing: the pages, the API and the tasks read it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from rathausmobil.agreements.hooks import Prerequisite, activation_prerequisites
from rathausmobil.agreements.models import Agreement, WorkKind


def prerequisites_of(agreement: Agreement) -> list[Prerequisite]:
    return [result for result in activation_prerequisites.collect(agreement) if result is not None]


def all_met(agreement: Agreement) -> bool:
    return all(p.met for p in prerequisites_of(agreement))


def next_step(prerequisites: list[Prerequisite]) -> Prerequisite | None:
    """The one thing to do next: the first prerequisite not met that can be met before
    the start (consent, pledge, workstation, device), in the order they are listed.
    None when only the start date (and what comes with it, access) is left."""
    return next((p for p in prerequisites if not p.met and not p.at_start), None)


def employee_accepted(agreement: Agreement) -> Prerequisite:
    return Prerequisite(
        "accepted",
        _("Zustimmung der/des Beschäftigten"),
        agreement.accepted_at is not None,
        ""
        if agreement.accepted_at
        else _("Die Vereinbarung wird erst mit Ihrer ausdrücklichen Zustimmung wirksam."),
    )


def valid_pledge(agreement: Agreement) -> Prerequisite:
    from rathausmobil.agreements.selectors import has_valid_pledge

    met = has_valid_pledge(agreement.employee_id)
    return Prerequisite(
        "pledge",
        _("Gültige Datenschutzerklärung zur aktuellen Checkliste"),
        met,
        "" if met else _("Alle Pflichtpunkte der aktuellen Checkliste müssen bestätigt sein."),
    )


def telework_workstation(agreement: Agreement) -> Prerequisite | None:
    if agreement.kind != WorkKind.TELEWORK:
        return None
    missing = []
    if not agreement.home_address.strip():
        missing.append(_("Anschrift des häuslichen Arbeitsplatzes"))
    if not agreement.equipment_list.strip():
        missing.append(_("Ausstattungsliste"))
    if agreement.risk_assessment_date is None:
        missing.append(_("erstmalige Gefährdungsbeurteilung"))
    return Prerequisite(
        "telework",
        _("Telearbeitsplatz: Anschrift, Ausstattung, Gefährdungsbeurteilung"),
        not missing,
        (_("Es fehlt: %(missing)s") % {"missing": ", ".join(missing)}) if missing else "",
    )

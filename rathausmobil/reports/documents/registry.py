"""The report kinds: name, German label, what it is for, who may make it, how it is built.

    REPORTS.register(ReportKind("lagebericht", _("Lagebericht mobiles Arbeiten"), ...))

`allowed` is a test on the scope (`organisation.scoping.scope_for(user)`); the pages, the
menu entry *Berichte* and the downloads all ask it. The command makes every report with
published figures (no viewer) and asks no one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from rathausmobil.organisation.models import Role
from rathausmobil.organisation.scoping import Scope, scope_for
from rathausmobil.reports.documents import builders
from rathausmobil.reports.documents.base import Report

FORMATS = ("pdf", "xlsx", "csv", "txt")


@dataclass(frozen=True)
class ReportKind:
    name: str
    label: str
    purpose: str  # one sentence on the list of reports: what it is for
    allowed: Callable[[Scope], bool]
    build: Callable[..., Report]  # build(*, viewer, on, unit) -> Report
    takes_unit: bool = True  # the form offers the unit picker
    takes_date: bool = True  # the form offers the Stichtag
    formats: tuple[str, ...] = FORMATS  # the downloads, the main format first
    landscape: bool = False  # the PDF's pages

    def may_make(self, user) -> bool:
        return self.allowed(scope_for(user))

    def make(self, *, viewer, on: dt.date, unit=None) -> Report:
        return self.build(viewer=viewer, on=on, unit=unit if self.takes_unit else None)


class ReportKinds:
    def __init__(self) -> None:
        self._kinds: dict[str, ReportKind] = {}

    def register(self, *kinds: ReportKind) -> None:
        for kind in kinds:
            if kind.name in self._kinds and self._kinds[kind.name] != kind:
                raise ValueError(f"Report kind {kind.name!r} is registered twice.")
            self._kinds[kind.name] = kind

    def get(self, name: str) -> ReportKind | None:
        return self._kinds.get(name)

    def __iter__(self) -> Iterator[ReportKind]:
        return iter(self._kinds.values())

    def names(self) -> list[str]:
        return list(self._kinds)

    def for_scope(self, scope: Scope) -> list[ReportKind]:
        return [kind for kind in self if kind.allowed(scope)]

    def for_user(self, user) -> list[ReportKind]:
        return self.for_scope(scope_for(user))


def sees_aggregates(scope: Scope) -> bool:
    return scope.sees_aggregates


def staff_council_or_hr(scope: Scope) -> bool:
    """The same test as the refusals page (agreements:refusals)."""
    return scope.has(Role.STAFF_COUNCIL, Role.HR)


def register_reader(scope: Scope) -> bool:
    """The register of processing activities: DPO, HR and leadership (as privacy's page)."""
    return scope.has(Role.DPO, Role.HR, Role.LEADERSHIP)


def makes_any_report(scope: Scope) -> bool:
    """The menu entry *Berichte*: someone who may make at least one report."""
    return bool(REPORTS.for_scope(scope))


REPORTS = ReportKinds()
REPORTS.register(
    ReportKind(
        "lagebericht",
        _("Lagebericht mobiles Arbeiten"),
        _(
            "Für Verwaltungsspitze und Rat: Kennzahlen mit Verlauf, je Dezernat, Umstellung "
            "gegen Ziel, VPN gegen Kapazität, Besetzung und Ablehnungsgründe."
        ),
        sees_aggregates,
        builders.build_lagebericht,
    ),
    ReportKind(
        "anfrage",
        _("Antwort auf eine Anfrage"),
        _(
            "Die Kennzahlen je Dezernat als eine Tabelle, die das Ratsbüro in seine Antwort "
            "einfügt (am besten als Excel-Datei)."
        ),
        sees_aggregates,
        builders.build_anfrage,
        formats=("xlsx", "csv", "pdf", "txt"),
        landscape=True,
    ),
    ReportKind(
        "pressetext",
        _("Pressetext"),
        _(
            "Ein kurzer Absatz für die Pressestelle, aus den veröffentlichten Zahlen der "
            "ganzen Verwaltung geschrieben und gerundet."
        ),
        sees_aggregates,
        builders.build_pressetext,
        takes_unit=False,
        formats=("txt", "pdf", "xlsx", "csv"),
    ),
    ReportKind(
        "personalrat",
        _("Bericht an den Personalrat"),
        _(
            "Ablehnungen nach Grund, Einheit und Jahr, Vereinbarungen nach Art, Besetzung "
            "und VPN-Nutzung, nur als Summen; nie das Verhalten einer Person."
        ),
        staff_council_or_hr,
        builders.build_personalrat,
        landscape=True,
    ),
    ReportKind(
        "verarbeitungsverzeichnis",
        _("Verzeichnis von Verarbeitungstätigkeiten"),
        _(
            "Das Verzeichnis nach Art. 30 DSGVO, erzeugt aus der Konfiguration: Zwecke, "
            "Daten, Empfänger und Löschfristen."
        ),
        register_reader,
        builders.build_verarbeitungsverzeichnis,
        takes_unit=False,
        takes_date=False,
        landscape=True,
    ),
)

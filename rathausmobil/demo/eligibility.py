"""Demo assessments: every occupied position, deterministically, through the service.

A position is assessed by the rule of the first pattern its title contains
(heads' positions, numbered `<unit>-L`, by their own rule). Halver, a small town,
has its own rules first: its counter, Kita and back-office staff cannot be
spared from the town hall (minimum staffing, paper files not yet digitised),
which gives the "about 50 % eligible workplaces" of DOMAIN.md. Offenbach reaches
"1,100 of 1,200 staff can work from home": only physical work, the Kita assistants
and the cash desk are not eligible at all. The figures are pinned in
tests/test_demo.py; the reasoning is in docs/workflows/eligibility.md.

The heads assess the positions in the first weeks of the campaign (May and June 2020,
`story.ASSESSMENTS`); a position first held by someone who entered later is assessed
the week that person starts. Each assessment is made on the demo clock at its day.

The assessor is the head of the position's unit (for a head's own position the
head of the unit above). Demo heads mostly have no user account, so the seed calls
the service with `system=True` and the head's name; all other rules apply.
Idempotent: a position whose current assessment has the same shares is skipped.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db.models import Min
from django.utils import timezone

from rathausmobil.demo import story
from rathausmobil.demo.clock import story_moment
from rathausmobil.eligibility.models import CRITERIA, PositionAssessment
from rathausmobil.eligibility.services import assessment_create
from rathausmobil.organisation.models import Position

REVIEW_ON = dt.date(2021, 12, 31)  # temporary obstacles (E5, E7) are looked at again


@dataclass(frozen=True)
class Rule:
    shares: dict[str, int] = field(default_factory=dict)
    reasons: str = ""
    review_date: dt.date | None = None


HEAD = Rule(
    {"E4": 20},
    "Leitungsaufgaben mit Präsenz für das Team (Besprechungen, Ansprechbarkeit vor Ort) "
    "an etwa einem Tag pro Woche; alles Übrige kann mobil erledigt werden.",
)
ELIGIBLE = Rule()

# (title contains, rule); the first match wins.
COMMON: list[tuple[str, Rule]] = [
    (
        "am Schalter",
        Rule(
            {"E1": 45, "E3": 25},
            "Schalterdienst mit Terminen vor Ort: Biometrie, Ausgabe von Ausweisen und "
            "Kennzeichen verlangen die Anwesenheit. Nachbearbeitung, Terminvergabe und "
            "Auskünfte per Telefon oder E-Mail können mobil erfolgen.",
        ),
    ),
    (
        "Streifendienst",
        Rule(
            {"E2": 80, "E4": 10},
            "Streife im Stadtgebiet und Bereitschaft der Wache. Anzeigen und Berichte "
            "können mobil geschrieben werden.",
        ),
    ),
    (
        "Verkehrsüberwachung",
        Rule(
            {"E2": 85},
            "Kontrolle des ruhenden Verkehrs im Außendienst; nur Anhörungen und "
            "Stellungnahmen lassen sich mobil bearbeiten.",
        ),
    ),
    (
        "Kita-Leitung",
        Rule(
            {"E1": 40, "E4": 30},
            "Leitung im Gruppendienst und Ansprechpartnerin für Eltern vor Ort, Mindestbesetzung "
            "der Einrichtung. Dienstplanung, Anmeldungen und Berichte können mobil erfolgen.",
        ),
    ),
    (
        "Kinderpfleger",
        Rule(
            {"E1": 80, "E4": 20},
            "Betreuung der Kinder in der Gruppe; der Betreuungsschlüssel verlangt die "
            "Anwesenheit während der gesamten Arbeitszeit.",
        ),
    ),
    (
        "Erzieher",
        Rule(
            {"E1": 70, "E4": 20},
            "Betreuung der Kinder in der Gruppe und Mindestbesetzung nach Betreuungsschlüssel. "
            "Die Vor- und Nachbereitungszeit (Entwicklungsdokumentation, Planung, "
            "Elterngespräche per Video) kann mobil erledigt werden.",
        ),
    ),
    (
        "IT-Support vor Ort",
        Rule(
            {"E2": 40, "E7": 30},
            "Einrichtung und Reparatur an den Arbeitsplätzen im Haus; Werkstatt und "
            "Ersatzteillager gibt es nur vor Ort. Fernwartung und Tickets können mobil "
            "erfolgen, sobald die Fernwartungslösung allen zur Verfügung steht.",
            REVIEW_ON,
        ),
    ),
    (
        "Geräteausgabe",
        Rule(
            {"E2": 60, "E7": 40},
            "Ausgabe, Rücknahme und Inventarisierung der Geräte am Ausgabeschalter mit "
            "Lager und Etikettendrucker vor Ort.",
            REVIEW_ON,
        ),
    ),
    (
        "Standesbeamt",
        Rule(
            {"E3": 40, "E1": 10},
            "Eheschließungen und Beurkundungen verlangen die persönliche Anwesenheit; "
            "Vorbereitung, Prüfung der Unterlagen und Registerführung können mobil erfolgen.",
        ),
    ),
    (
        "Kassierer",
        Rule(
            {"E3": 80, "E4": 20},
            "Barkasse: Ein- und Auszahlungen in bar während der Öffnungszeiten, "
            "Vier-Augen-Prinzip beim Kassenabschluss.",
        ),
    ),
    (
        "Außendienst",
        Rule(
            {"E2": 60},
            "Kontrollen und Ortstermine im Außendienst; Vorbereitung, Bescheide und "
            "Berichte können mobil erfolgen.",
        ),
    ),
    (
        "Straßenwärter",
        Rule({"E2": 100}, "Unterhaltung und Reinigung der Straßen im Stadtgebiet."),
    ),
    ("Bauhof", Rule({"E2": 100}, "Arbeiten des Bauhofs im Stadtgebiet und in der Werkstatt.")),
    (
        "Friedhofsgärtner",
        Rule({"E2": 100}, "Grabpflege, Bestattungen und Pflege der Friedhofsanlagen."),
    ),
    (
        "Hausdienst",
        Rule({"E2": 100}, "Hausmeisterdienste, Botengänge und Veranstaltungstechnik im Haus."),
    ),
    (
        "Poststelle",
        Rule({"E2": 100}, "Annahme, Sortierung, Scannen und Verteilung der Eingangspost."),
    ),
    (
        "Archiv Bauakten",
        Rule(
            {"E5": 60, "E1": 10},
            "Die Bauakten liegen bis zum Abschluss der Digitalisierung nur auf Papier im Archiv; "
            "Akteneinsicht für Bauherrschaft vor Ort. Recherchen in digitalisierten Beständen "
            "können mobil erfolgen.",
            dt.date(2022, 6, 30),
        ),
    ),
    (
        "Kolonnenführung",
        Rule(
            {"E2": 80},
            "Führung der Kolonne auf den Baustellen; Einsatz- und Materialplanung kann "
            "mobil erfolgen.",
        ),
    ),
    (
        "Vollziehungsbeamt",
        Rule(
            {"E2": 70, "E3": 10},
            "Vollstreckung vor Ort beim Schuldner, auch Annahme von Bargeld; Vorbereitung "
            "und Protokolle können mobil erfolgen.",
        ),
    ),
    (
        "Sozialarbeit ASD",
        Rule(
            {"E2": 30, "E1": 20},
            "Hausbesuche und Gespräche mit Familien im Amt; Berichte, Hilfeplanung und "
            "Fallbesprechungen per Video können mobil erfolgen.",
        ),
    ),
    (
        "Bürgerservice",
        Rule({"E1": 40}, "Beratung im Bürgerbüro; Sachbearbeitung kann mobil erfolgen."),
    ),
    (
        "Sachbearbeitung Aufenthaltsrecht",
        Rule(
            {"E1": 30},
            "Vorsprachen mit Identitätsprüfung im Amt; die Sachbearbeitung kann mobil erfolgen.",
        ),
    ),
    (
        "Sachbearbeitung Leistungen",
        Rule(
            {"E1": 20},
            "Persönliche Vorsprachen ohne Termin an zwei Vormittagen; die Bearbeitung der "
            "Anträge kann mobil erfolgen.",
        ),
    ),
    (
        "Personalsachbearbeitung",
        Rule(
            {"E5": 20},
            "Die Personalakten werden noch digitalisiert; bis dahin Aktenarbeit im Haus.",
            REVIEW_ON,
        ),
    ),
    (
        "administration",
        Rule(
            {"E7": 20},
            "Arbeiten im Rechenzentrum und an der Netztechnik; der übrige Betrieb läuft "
            "über Fernzugriff.",
            REVIEW_ON,
        ),
    ),
    (
        "Bauingenieur",
        Rule({"E2": 20}, "Baustellentermine und Abnahmen vor Ort; Planung kann mobil erfolgen."),
    ),
    ("Bauleitung", Rule({"E2": 40}, "Bauüberwachung auf den Baustellen.")),
    ("Fachberatung", Rule({"E2": 30}, "Beratung der Kitas vor Ort.")),
    (
        "Friedhofsverwaltung",
        Rule({"E1": 20}, "Beratung der Angehörigen vor Ort in der Friedhofsverwaltung."),
    ),
    ("Innendienst Stadtpolizei", Rule({"E4": 20}, "Besetzung der Wache im Schichtplan.")),
    ("Teamassistenz", Rule({"E4": 20}, "Vertretung am Empfang des Amtes im Wechsel.")),
    (
        "Personalratsmitglied",
        Rule({"E1": 20}, "Sprechstunden für Beschäftigte vor Ort."),
    ),
]

# Halver first: a small town hall has no separate back office to hand work to.
HALVER: list[tuple[str, Rule]] = [
    (
        "am Schalter",
        Rule(
            {"E1": 50, "E3": 30, "E4": 20},
            "Kleines Bürgerbüro: Der Schalter ist während der Öffnungszeiten durchgehend zu "
            "besetzen, Ausweise und Biometrie nur vor Ort.",
        ),
    ),
    (
        "Ordnungsamt Außendienst",
        Rule(
            {"E2": 85, "E4": 15},
            "Streife und Kontrollen im Stadtgebiet, Rufbereitschaft; die Fallbearbeitung "
            "liegt bei der Sachbearbeitung Ordnungsrecht.",
        ),
    ),
    (
        "Erzieher",
        Rule(
            {"E1": 75, "E4": 25},
            "Einzige Kita der Stadt mit knapper Besetzung: Vor- und Nachbereitung finden in "
            "der Einrichtung statt, der Betreuungsschlüssel verlangt die Anwesenheit.",
        ),
    ),
    (
        "Kolonnenführung",
        Rule({"E2": 85, "E4": 15}, "Mitarbeitende Kolonnenführung im Bauhof, Winterdienst."),
    ),
    (
        "IT-Support vor Ort",
        Rule(
            {"E2": 50, "E4": 30, "E7": 20},
            "Einzige IT-Unterstützung im Rathaus: Geräte, Drucker und Telefonie vor Ort.",
            REVIEW_ON,
        ),
    ),
    (
        "Sozialarbeit",
        Rule(
            {"E1": 60, "E2": 40},
            "Betreuung in den Unterkünften für Geflüchtete und Sprechstunden vor Ort.",
        ),
    ),
    (
        "Sachbearbeitung Leistungen",
        Rule(
            {"E1": 40, "E5": 60},
            "Vorsprachen ohne Termin; die Leistungsakten liegen nur auf Papier vor "
            "(Digitalisierung geplant).",
            REVIEW_ON,
        ),
    ),
    (
        "Sachbearbeitung Baugenehmigung",
        Rule(
            {"E5": 70, "E1": 30},
            "Bauanträge und Bauakten liegen nur auf Papier vor; Beratung der Bauherrschaft "
            "im Rathaus.",
            REVIEW_ON,
        ),
    ),
    (
        "Kassensachbearbeitung",
        Rule(
            {"E5": 60, "E4": 40},
            "Belege nur auf Papier, Vertretung der Barkasse während der Öffnungszeiten.",
            REVIEW_ON,
        ),
    ),
]

RULES = {"offenbach": COMMON, "halver": HALVER + COMMON}


def rule_for(scenario: str, position: Position) -> Rule:
    if position.number.endswith("-L"):
        return HEAD
    for pattern, rule in RULES.get(scenario, COMMON):
        if pattern in position.title:
            return rule
    return ELIGIBLE


def _shares_key(shares: dict[str, int]) -> tuple[int, ...]:
    return tuple(shares.get(criterion.code, 0) for criterion in CRITERIA)


def _assessor(position: Position):
    unit = position.unit
    head = unit.head
    if position.number.endswith("-L") and unit.parent_id and unit.parent.head_id:
        head = unit.parent.head
    return head


def seed(scenario: str) -> None:
    today = timezone.localdate()
    rng = random.Random(f"eligibility-{scenario}")
    positions = (
        Position.objects.filter(employees__is_active=True)
        .annotate(first_entry=Min("employees__entry_date"))
        .select_related("unit__head__user", "unit__parent__head__user")
        .order_by("number")
    )
    current = {
        a.position_id: _shares_key(a.shares)
        for a in PositionAssessment.objects.filter(is_current=True)
    }
    for position in positions:
        rule = rule_for(scenario, position)
        day = story.workday(story.spread(rng, *story.ASSESSMENTS))
        day = min(max(day, position.first_entry or day), today)
        if current.get(position.pk) == _shares_key(rule.shares):
            continue
        head = _assessor(position)
        with story_moment(day, 10):
            assessment_create(
                position=position,
                by=head.user if head is not None else None,
                shares=rule.shares,
                reasons=rule.reasons,
                review_date=rule.review_date,
                today=day,
                system=True,
                assessor_name=head.full_name if head is not None else "",
            )

"""The demo administrations. Units carry a headcount and the position titles of
their staff; `seed_demo` generates people from them with a fixed seed.

A unit is (code, name, staff, titles, children). Staff counts are the people
directly in that unit; the generator adds the head on top of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class UnitSpec:
    code: str
    name: str
    staff: int = 0
    titles: tuple[str, ...] = ("Sachbearbeitung",)
    children: list[UnitSpec] = field(default_factory=list)
    part_time_share: float = 0.3


def U(code, name, staff=0, titles=("Sachbearbeitung",), children=(), part_time_share=0.3):
    return UnitSpec(code, name, staff, tuple(titles), list(children), part_time_share)


ADMIN = ("Sachbearbeitung", "Sachbearbeitung", "Verwaltungsfachangestellte/r", "Teamassistenz")

OFFENBACH = [
    U(
        "I",
        "Dezernat I – Oberbürgermeister",
        2,
        ("Referent/in",),
        [
            U(
                "10",
                "Hauptamt",
                6,
                ADMIN,
                [
                    U(
                        "10.1",
                        "Organisation und Digitalisierung",
                        10,
                        ("Organisationsberatung", "Sachbearbeitung"),
                    ),
                    U(
                        "10.2",
                        "Zentrale Dienste",
                        14,
                        ("Poststelle", "Hausdienst", "Sachbearbeitung"),
                    ),
                ],
            ),
            U(
                "11",
                "Personalamt",
                4,
                ADMIN,
                [
                    U("11.1", "Personalverwaltung", 14, ("Personalsachbearbeitung",)),
                    U(
                        "11.2",
                        "Personalentwicklung und Ausbildung",
                        8,
                        ("Personalentwicklung", "Ausbildungsleitung"),
                    ),
                    U("11.3", "Entgelt und Besoldung", 10, ("Entgeltabrechnung",)),
                ],
            ),
            U(
                "12",
                "Amt für IT und Digitalisierung",
                3,
                ADMIN,
                [
                    U(
                        "12.1",
                        "IT-Infrastruktur",
                        14,
                        ("Systemadministration", "Netzwerkadministration"),
                    ),
                    U("12.2", "IT-Service vor Ort", 16, ("IT-Support vor Ort", "Geräteausgabe")),
                    U(
                        "12.3",
                        "Fachverfahren",
                        12,
                        ("Fachverfahrensbetreuung", "Anwendungsentwicklung"),
                    ),
                ],
            ),
            U("14", "Revision", 7, ("Prüfer/in",)),
            U("15", "Personalrat", 5, ("Freigestelltes Personalratsmitglied",)),
            U(
                "16",
                "Datenschutz und Informationssicherheit",
                3,
                ("Datenschutzbeauftragte/r", "Informationssicherheit"),
            ),
        ],
    ),
    U(
        "II",
        "Dezernat II – Finanzen und Wirtschaft",
        2,
        ("Referent/in",),
        [
            U(
                "20",
                "Kämmerei",
                4,
                ADMIN,
                [
                    U("20.1", "Haushalt", 14, ("Haushaltssachbearbeitung",)),
                    U("20.2", "Steuern und Abgaben", 18, ("Steuersachbearbeitung",)),
                    U("20.3", "Controlling", 8, ("Controlling",)),
                ],
            ),
            U(
                "21",
                "Stadtkasse",
                3,
                ADMIN,
                [
                    U("21.1", "Zahlungsverkehr", 12, ("Kassensachbearbeitung",)),
                    U(
                        "21.2",
                        "Vollstreckung",
                        10,
                        ("Vollstreckungsinnendienst", "Vollziehungsbeamtin/-beamter"),
                    ),
                    U("21.3", "Barkasse", 5, ("Kassiererin/Kassierer",)),
                ],
            ),
            U("23", "Liegenschaften", 14, ("Liegenschaftsverwaltung", "Sachbearbeitung")),
            U("80", "Wirtschaftsförderung", 10, ("Wirtschaftsförderung",)),
        ],
    ),
    U(
        "III",
        "Dezernat III – Ordnung, Sicherheit und Bürgerdienste",
        2,
        ("Referent/in",),
        [
            U(
                "32",
                "Ordnungsamt",
                4,
                ADMIN,
                [
                    U(
                        "32.1",
                        "Allgemeine Ordnungsangelegenheiten",
                        16,
                        ("Sachbearbeitung Ordnungsrecht",),
                    ),
                    U("32.2", "Gewerbe und Gaststätten", 12, ("Sachbearbeitung Gewerbe",)),
                    U("32.3", "Bußgeldstelle", 16, ("Sachbearbeitung Bußgeld",)),
                ],
            ),
            U(
                "33",
                "Bürgerbüro",
                3,
                ADMIN,
                [
                    U(
                        "33.1",
                        "Bürgerbüro Innenstadt",
                        30,
                        (
                            "Bürgerservice am Schalter",
                            "Bürgerservice am Schalter",
                            "Backoffice Meldewesen",
                        ),
                    ),
                    U(
                        "33.2",
                        "Kfz-Zulassung und Fahrerlaubnis",
                        20,
                        ("Bürgerservice am Schalter", "Backoffice Zulassung"),
                    ),
                    U("33.3", "Meldewesen Backoffice", 10, ("Backoffice Meldewesen",)),
                ],
            ),
            U(
                "34",
                "Standesamt",
                3,
                ADMIN,
                [
                    U(
                        "34.1",
                        "Eheschließungen und Beurkundungen",
                        10,
                        ("Standesbeamtin/Standesbeamter",),
                    ),
                    U("34.2", "Personenstandsregister", 6, ("Sachbearbeitung Personenstand",)),
                ],
            ),
            U(
                "35",
                "Ausländeramt",
                3,
                ADMIN,
                [
                    U(
                        "35.1",
                        "Aufenthalt",
                        20,
                        ("Sachbearbeitung Aufenthaltsrecht", "Bürgerservice am Schalter"),
                    ),
                    U("35.2", "Einbürgerung", 10, ("Sachbearbeitung Einbürgerung",)),
                ],
            ),
            U(
                "37",
                "Stadtpolizei",
                4,
                ADMIN,
                [
                    U(
                        "37.1",
                        "Streifendienst",
                        40,
                        ("Streifendienst Stadtpolizei",),
                        part_time_share=0.1,
                    ),
                    U(
                        "37.2",
                        "Verkehrsüberwachung",
                        24,
                        ("Verkehrsüberwachung",),
                        part_time_share=0.15,
                    ),
                    U("37.3", "Innendienst", 8, ("Innendienst Stadtpolizei",)),
                ],
            ),
        ],
    ),
    U(
        "IV",
        "Dezernat IV – Jugend, Soziales und Bildung",
        2,
        ("Referent/in",),
        [
            U("40", "Schulamt", 12, ("Schulverwaltung", "Sachbearbeitung")),
            U(
                "50",
                "Sozialamt",
                4,
                ADMIN,
                [
                    U("50.1", "Grundsicherung", 24, ("Sachbearbeitung Leistungen",)),
                    U("50.2", "Wohngeld", 14, ("Sachbearbeitung Wohngeld",)),
                    U("50.3", "Hilfe zur Pflege", 10, ("Sachbearbeitung Pflege",)),
                ],
            ),
            U(
                "51",
                "Jugendamt",
                4,
                ADMIN,
                [
                    U("51.1", "Allgemeiner Sozialer Dienst", 28, ("Sozialarbeit ASD",)),
                    U("51.2", "Wirtschaftliche Jugendhilfe", 12, ("Sachbearbeitung Jugendhilfe",)),
                    U("51.3", "Unterhaltsvorschuss", 10, ("Sachbearbeitung Unterhalt",)),
                ],
            ),
            U(
                "52",
                "Kindertagesstätten",
                4,
                ADMIN,
                [
                    U(
                        "52.1",
                        "Kita Nordend",
                        34,
                        ("Erzieher/in", "Erzieher/in", "Kinderpfleger/in", "Kita-Leitung"),
                        part_time_share=0.45,
                    ),
                    U(
                        "52.2",
                        "Kita Lauterborn",
                        32,
                        ("Erzieher/in", "Erzieher/in", "Kinderpfleger/in", "Kita-Leitung"),
                        part_time_share=0.45,
                    ),
                    U(
                        "52.3",
                        "Kita Bieber",
                        30,
                        ("Erzieher/in", "Erzieher/in", "Kinderpfleger/in", "Kita-Leitung"),
                        part_time_share=0.45,
                    ),
                    U(
                        "52.4",
                        "Kita Bürgel",
                        30,
                        ("Erzieher/in", "Erzieher/in", "Kinderpfleger/in", "Kita-Leitung"),
                        part_time_share=0.45,
                    ),
                    U(
                        "52.5",
                        "Kita Rumpenheim",
                        28,
                        ("Erzieher/in", "Erzieher/in", "Kinderpfleger/in", "Kita-Leitung"),
                        part_time_share=0.45,
                    ),
                    U("52.6", "Fachberatung Kitas", 6, ("Fachberatung",)),
                ],
            ),
        ],
    ),
    U(
        "V",
        "Dezernat V – Planen, Bauen und Umwelt",
        2,
        ("Referent/in",),
        [
            U(
                "60",
                "Stadtplanung",
                4,
                ADMIN,
                [
                    U("60.1", "Bauleitplanung", 14, ("Stadtplanung",)),
                    U("60.2", "Verkehrsplanung", 10, ("Verkehrsplanung",)),
                ],
            ),
            U(
                "63",
                "Bauaufsicht",
                4,
                ADMIN,
                [
                    U(
                        "63.1",
                        "Baugenehmigungen",
                        22,
                        ("Sachbearbeitung Baugenehmigung", "Bauingenieur/in"),
                    ),
                    U("63.2", "Bauüberwachung", 10, ("Baukontrolle im Außendienst",)),
                    U("63.3", "Bauakten und Archiv", 6, ("Archiv Bauakten",)),
                ],
            ),
            U(
                "66",
                "Tiefbau",
                4,
                ADMIN,
                [
                    U("66.1", "Straßenbau", 14, ("Bauingenieur/in", "Bauleitung")),
                    U(
                        "66.2",
                        "Straßenunterhaltung",
                        20,
                        ("Straßenwärter/in", "Kolonnenführung"),
                        part_time_share=0.05,
                    ),
                ],
            ),
            U(
                "67",
                "Grünflächen und Friedhöfe",
                4,
                ADMIN,
                [
                    U("67.1", "Grünplanung", 8, ("Landschaftsarchitektur",)),
                    U(
                        "67.2",
                        "Friedhofsverwaltung",
                        8,
                        ("Friedhofsverwaltung", "Friedhofsgärtner/in"),
                    ),
                ],
            ),
            U(
                "70",
                "Umweltamt",
                4,
                ADMIN,
                [
                    U("70.1", "Umweltschutz", 14, ("Sachbearbeitung Umwelt",)),
                    U("70.2", "Klimaschutz", 8, ("Klimaschutzmanagement",)),
                ],
            ),
        ],
    ),
]

HALVER = [
    U(
        "BM",
        "Bürgermeister",
        2,
        ("Referent/in", "Büroleitung"),
        [
            U(
                "FB1",
                "Fachbereich 1 – Zentrale Dienste und Finanzen",
                2,
                ADMIN,
                [
                    U(
                        "1.1",
                        "Personal und Organisation",
                        6,
                        ("Personalsachbearbeitung", "Sachbearbeitung"),
                    ),
                    U("1.2", "IT", 3, ("Systemadministration", "IT-Support vor Ort")),
                    U(
                        "1.3",
                        "Finanzen und Steuern",
                        9,
                        ("Haushaltssachbearbeitung", "Steuersachbearbeitung"),
                    ),
                    U("1.4", "Stadtkasse", 4, ("Kassensachbearbeitung", "Kassiererin/Kassierer")),
                ],
            ),
            U(
                "FB2",
                "Fachbereich 2 – Bürgerdienste, Ordnung und Soziales",
                2,
                ADMIN,
                [
                    U(
                        "2.1",
                        "Bürgerbüro",
                        7,
                        ("Bürgerservice am Schalter", "Backoffice Meldewesen"),
                    ),
                    U(
                        "2.2",
                        "Ordnungsamt",
                        7,
                        ("Ordnungsamt Außendienst", "Sachbearbeitung Ordnungsrecht"),
                    ),
                    U(
                        "2.3",
                        "Standesamt",
                        3,
                        ("Standesbeamtin/Standesbeamter", "Sachbearbeitung Personenstand"),
                    ),
                    U(
                        "2.4",
                        "Soziales und Asyl",
                        6,
                        ("Sachbearbeitung Leistungen", "Sozialarbeit"),
                    ),
                    U(
                        "2.5",
                        "Kita Oberbrügge",
                        14,
                        ("Erzieher/in", "Kinderpfleger/in"),
                        part_time_share=0.5,
                    ),
                ],
            ),
            U(
                "FB3",
                "Fachbereich 3 – Planen, Bauen, Umwelt",
                2,
                ADMIN,
                [
                    U(
                        "3.1",
                        "Planung und Bauordnung",
                        7,
                        ("Stadtplanung", "Sachbearbeitung Baugenehmigung"),
                    ),
                    U(
                        "3.2",
                        "Tiefbau und Umwelt",
                        6,
                        ("Bauingenieur/in", "Sachbearbeitung Umwelt"),
                    ),
                    U(
                        "3.3",
                        "Bauhof",
                        18,
                        ("Bauhofmitarbeit", "Kolonnenführung"),
                        part_time_share=0.05,
                    ),
                ],
            ),
        ],
    ),
]

SCENARIOS = {"offenbach": OFFENBACH, "halver": HALVER}
# How many active people each scenario must have; the generator fills the gap
# in the largest units so that the figure is exact and comes from records.
TARGET_ACTIVE_STAFF = {"offenbach": 1200, "halver": 120}
DOMAINS = {"offenbach": "offenbach.example", "halver": "halver.example"}

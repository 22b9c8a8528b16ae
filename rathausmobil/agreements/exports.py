"""Exports of the home-office workflow.

- The documentation of pandemic mode an authority may ask for (§22 ArbSchG): per unit,
  every eligible position without an offer and its documented compelling operational
  reason. CSV for Excel and PDF for the file.
- The staff council's refusals (`refusals_csv`), under the page's filters."""

from __future__ import annotations

import io
from collections import defaultdict
from html import escape

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext

from rathausmobil.agreements.models import PandemicGapReason, PandemicPeriod, ReasonCode
from rathausmobil.agreements.selectors import pandemic_gaps
from rathausmobil.core.csvexport import csv_response


def _rows(user, period: PandemicPeriod):
    gaps = list(pandemic_gaps(user, period))
    reasons = {
        r.position_id: r
        for r in PandemicGapReason.objects.filter(period=period, position__in=gaps).select_related(
            "documented_by"
        )
    }
    for position in gaps:
        reason = reasons.get(position.pk)
        yield position, reason


def pandemic_csv(user, period: PandemicPeriod) -> HttpResponse:
    header = [
        "Organisationseinheit",
        "Stellennummer",
        "Stellenbezeichnung",
        "Beschäftigte auf der Stelle",
        "Zwingender betrieblicher Grund",
        "dokumentiert von",
        "dokumentiert am",
    ]

    def rows():
        for position, reason in _rows(user, period):
            yield [
                f"{position.unit.code} {position.unit.name}",
                position.number,
                position.title,
                position.holders_count,
                reason.reason if reason else "FEHLT",
                (reason.documented_by.get_full_name() or reason.documented_by.username)
                if reason and reason.documented_by
                else "",
                timezone.localtime(reason.documented_at).strftime("%d.%m.%Y") if reason else "",
            ]

    return csv_response(
        f"homeoffice-angebotspflicht-{timezone.localdate():%Y-%m-%d}.csv", header, rows()
    )


def pandemic_pdf(user, period: PandemicPeriod) -> HttpResponse:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title="Dokumentation Homeoffice-Angebotspflicht",
        author="Rathaus Mobil",
        lang="de-DE",
    )
    story = [
        Paragraph("Dokumentation der Homeoffice-Angebotspflicht", styles["Title"]),
        Paragraph(
            f"{escape(period.title)}; Rechtsgrundlage: {escape(period.legal_basis) or '–'}; Zeitraum: "
            f"{period.start_date:%d.%m.%Y} bis {period.end_date:%d.%m.%Y}"
            if period.end_date
            else f"{escape(period.title)}; Rechtsgrundlage: {escape(period.legal_basis) or '–'}; seit {period.start_date:%d.%m.%Y}",
            styles["Normal"],
        ),
        Paragraph(
            f"Stand: {timezone.localtime():%d.%m.%Y %H:%M} Uhr. Aufgeführt sind alle geeigneten oder teilweise "
            "geeigneten Stellen, für die weder ein Angebot noch eine Vereinbarung besteht, mit dem "
            "dokumentierten zwingenden betrieblichen Grund (§ 22 ArbSchG).",
            styles["Normal"],
        ),
        Spacer(1, 6 * mm),
    ]
    by_unit = defaultdict(list)
    for position, reason in _rows(user, period):
        by_unit[f"{position.unit.code} {position.unit.name}"].append((position, reason))
    if not by_unit:
        story.append(
            Paragraph(
                "Keine Lücken: Für jede geeignete Stelle besteht ein Angebot oder eine Vereinbarung.",
                styles["Normal"],
            )
        )
    cell = styles["BodyText"]
    for unit, entries in by_unit.items():
        story.append(Paragraph(escape(unit), styles["Heading2"]))
        data = [["Stelle", "Bezeichnung", "Grund", "dokumentiert"]]
        for position, reason in entries:
            data.append(
                [
                    position.number,
                    Paragraph(escape(position.title), cell),
                    Paragraph(escape(reason.reason) if reason else "<b>Grund fehlt</b>", cell),
                    f"{timezone.localtime(reason.documented_at):%d.%m.%Y}" if reason else "",
                ]
            )
        table = Table(data, colWidths=[30 * mm, 60 * mm, 140 * mm, 30 * mm], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1a3d6d")),
                    ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [table, Spacer(1, 4 * mm)]
    doc.build(story)
    response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="homeoffice-angebotspflicht-{timezone.localdate():%Y-%m-%d}.pdf"'
    )
    return response


def refusals_csv(rows, *, filename: str) -> StreamingHttpResponse:
    """The staff council's refusals as the page lists them (the same scoped, filtered
    queryset): one row per refusal, every reason code with its label, the full
    justification."""
    labels = dict(ReasonCode.choices)
    header = [
        gettext("Entschieden am"),
        gettext("Beschäftigte/r"),
        gettext("Einheit (Kennung)"),
        gettext("Einheit"),
        gettext("Gründe"),
        gettext("Begründung"),
        gettext("Wiedervorlage"),
    ]

    def lines():
        for row in rows.iterator(chunk_size=2000):
            yield [
                timezone.localtime(row.decided_at).strftime("%d.%m.%Y") if row.decided_at else "",
                row.employee.full_name,
                row.employee.unit.code,
                row.employee.unit.name,
                "; ".join(str(labels.get(code, code)) for code in row.reason_codes),
                row.justification,
                row.review_date.strftime("%d.%m.%Y") if row.review_date else "",
            ]

    return csv_response(filename, header, lines())

"""Exports of the home-office workflow.

- The documentation of pandemic mode an authority may ask for (§22 ArbSchG): per unit,
  every eligible position without an offer and its documented compelling operational
  reason. CSV for Excel and a tagged PDF for the file
  (core/pdf.py, template agreements/pandemic_gaps_pdf.html).
- The staff council's refusals (`refusals_csv`), under the page's filters."""

from __future__ import annotations

from collections import defaultdict

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext

from rathausmobil.agreements.models import PandemicGapReason, PandemicPeriod, ReasonCode
from rathausmobil.agreements.selectors import pandemic_gaps
from rathausmobil.core.csvexport import csv_response
from rathausmobil.core.pdf import pdf_response


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
    """The same gaps as `pandemic_csv`, per unit, as a tagged PDF for the file."""
    by_unit = defaultdict(list)
    for position, reason in _rows(user, period):
        by_unit[f"{position.unit.code} {position.unit.name}"].append((position, reason))
    now = timezone.localtime()
    return pdf_response(
        f"homeoffice-angebotspflicht-{timezone.localdate():%Y-%m-%d}.pdf",
        "agreements/pandemic_gaps_pdf.html",
        {"period": period, "units": list(by_unit.items()), "now": now},
        title=gettext("Dokumentation der Homeoffice-Angebotspflicht"),
        as_of=now,
        landscape=True,
    )


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

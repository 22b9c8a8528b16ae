"""PDF from our own HTML templates: tagged PDF/UA-1, for documents a public body hands on.

German public bodies must publish accessible documents (BITV 2.0). WeasyPrint writes the
HTML's structure as PDF tags (headings, paragraphs, lists, tables with their header
cells, figures), the document's language from `<html lang>` and its title from
`<title>`; an inline SVG chart becomes a figure whose alternative text is the SVG's
`<title>` (core/charts.py writes one for every chart).

A document is a Django template that extends `core/print_base.html` (A4, the title and
"Stand" in every page's header, "Seite X von Y" in its footer, the print stylesheet
`core/print.css`, DejaVu Sans embedded) and fills `{% block content %}`:

    pdf = pdf_from_template(
        "agreements/pandemic_gaps_pdf.html", {"period": period}, title=gettext("Dokumentation")
    )
    return pdf_response("dokumentation.pdf", "agreements/pandemic_gaps_pdf.html", context,
                        title=gettext("Dokumentation"))

Nothing is fetched while rendering: no network, no file; only `data:` URLs (an inline
image) are read. Stylesheets and charts are inline. Fonts come from fontconfig (Debian's
fonts-dejavu-core) and are embedded as subsets. WeasyPrint needs Pango (Debian's
libpango-1.0-0 and libpangoft2-1.0-0, see `make system-deps`).
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation

from rathausmobil.core.xlsxexport import as_of_line

PDF_VARIANT = "pdf/ua-1"
AUTHOR = "Rathaus Mobil"


def pdf_from_template(
    template_name: str,
    context: dict | None = None,
    *,
    title: str,
    lang: str = "de",
    as_of: dt.date | dt.datetime | None = None,
    landscape: bool = False,
) -> bytes:
    """The template rendered in `lang` as a tagged PDF/UA-1 named `title`. `as_of` is the
    "Stand" in the page header (default: now); `landscape` turns the A4 pages."""
    from weasyprint import HTML, URLFetcher  # imported on use: it loads Pango

    as_of = timezone.localtime() if as_of is None else as_of
    with translation.override(lang):
        html = render_to_string(
            template_name,
            {
                **(context or {}),
                "document_title": title,
                "document_lang": lang,
                "document_author": AUTHOR,
                "as_of": as_of,
                "as_of_text": as_of_line(as_of),
                "landscape": landscape,
            },
        )
    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    return HTML(string=html, url_fetcher=fetcher).write_pdf(pdf_variant=PDF_VARIANT)


def pdf_response(
    filename: str,
    template_name: str,
    context: dict | None = None,
    *,
    title: str,
    lang: str = "de",
    as_of: dt.date | dt.datetime | None = None,
    landscape: bool = False,
) -> HttpResponse:
    """The PDF as a download named `filename`."""
    pdf = pdf_from_template(
        template_name, context, title=title, lang=lang, as_of=as_of, landscape=landscape
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

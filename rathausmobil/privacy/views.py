"""The data-protection pages: the audit log (DPO), the register of processing activities
(Art. 30 DSGVO) and a person's data export (Art. 15 DSGVO, HR). See
docs/workflows/privacy.md."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rathausmobil.core.audit import audit_event
from rathausmobil.core.csvexport import csv_response
from rathausmobil.core.htmx import query_without, render_page
from rathausmobil.core.pagination import CURSOR_PARAMS, request_page
from rathausmobil.core.pdf import pdf_response
from rathausmobil.core.privacy import COLUMNS, register_rows
from rathausmobil.organisation.filters import EmployeeFilter
from rathausmobil.organisation.selectors import employees_visible_to
from rathausmobil.privacy.filters import AuditEventFilter
from rathausmobil.privacy.selectors import (
    audit_log_visible_to,
    may_give_access,
    may_read_audit_log,
    may_read_register,
    object_type_choices,
    object_type_label,
    personal_data,
    printable_sections,
    record_count,
)

#: the audit log's order, newest first; its index: core.AuditEvent `audit_order_idx`
AUDIT_ORDER = ("-created_at", "-id")
#: suggestions when HR looks for a person
PICK_LIMIT = 20


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _changes_text(changes) -> str:
    if not isinstance(changes, dict):
        return str(changes or "")
    parts = []
    for name, value in changes.items():
        if isinstance(value, list | tuple) and len(value) == 2:
            parts.append(f"{name}: {value[0] or '–'} → {value[1] or '–'}")
        else:
            parts.append(f"{name}: {value}")
    return "; ".join(parts)


def _actor_text(event) -> str:
    actor = event.actor
    if actor is None:
        return _("System")
    name = actor.get_full_name()
    return f"{name} ({actor.username})" if name else actor.username


# --------------------------------------------------------------------------- audit log


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    _require(may_read_audit_log(request.user))
    filterset = AuditEventFilter.for_page(request, audit_log_visible_to(request.user))
    page = request_page(request, filterset.qs, ordering=AUDIT_ORDER)
    for event in page.rows:
        event.type_label = object_type_label(event.object_type)
        event.changes_text = _changes_text(event.changes)
        event.actor_text = _actor_text(event)
    context = {
        "filter": filterset,
        "page": page,
        "query": query_without(request, *CURSOR_PARAMS),
        "type_choices": object_type_choices(),
    }
    return render_page(request, "privacy/audit_log.html", context, partial="results")


@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    _require(may_read_audit_log(request.user))
    filterset = AuditEventFilter.for_page(request, audit_log_visible_to(request.user))
    header = [
        _("Zeitpunkt"),
        _("durch"),
        _("Aktion"),
        _("Objekttyp"),
        _("Objekt"),
        _("Bezeichnung"),
        _("Änderungen"),
        _("Grund"),
        _("Quelle"),
    ]

    def rows():
        events = filterset.qs.order_by(*AUDIT_ORDER)
        for event in events.iterator(chunk_size=2000):
            yield [
                timezone.localtime(event.created_at).strftime("%d.%m.%Y %H:%M:%S"),
                _actor_text(event),
                event.action,
                object_type_label(event.object_type),
                event.object_id,
                event.object_label,
                _changes_text(event.changes),
                event.reason,
                event.source,
            ]

    return csv_response("protokoll.csv", header, rows())


# --------------------------------------------------------------------------- register


@require_GET
def register(request: HttpRequest) -> HttpResponse:
    _require(may_read_register(request.user))
    activities = [
        {"name": row["name"], "items": [(label, row[key]) for key, label in COLUMNS[1:]]}
        for row in register_rows()
    ]
    return render(
        request,
        "privacy/register.html",
        {"activities": activities, "today": timezone.localdate()},
    )


@require_GET
def register_export(request: HttpRequest) -> HttpResponse:
    _require(may_read_register(request.user))
    rows = register_rows()
    return csv_response(
        "verarbeitungsverzeichnis.csv",
        [str(label) for _key, label in COLUMNS],
        ([row[key] for key, _label in COLUMNS] for row in rows),
    )


# --------------------------------------------------------------------------- Art. 15


@require_GET
def access_request(request: HttpRequest) -> HttpResponse:
    """HR looks for the person who asked (name or personnel number)."""
    _require(may_give_access(request.user))
    text = request.GET.get("q", "").strip()
    found = []
    if text:
        filterset = EmployeeFilter(
            {"q": text[:100]}, queryset=employees_visible_to(request.user), request=request
        )
        found = list(filterset.qs.order_by("last_name", "first_name", "pk")[: PICK_LIMIT + 1])
    context = {
        "q": text,
        "found": found[:PICK_LIMIT],
        "more": len(found) > PICK_LIMIT,
        "limit": PICK_LIMIT,
    }
    return render_page(request, "privacy/access_request.html", context, partial="found")


@require_GET
def access_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """What the export of this person will hold, before HR downloads it."""
    _require(may_give_access(request.user))
    employee = get_object_or_404(employees_visible_to(request.user), pk=pk)
    data = personal_data(employee)
    return render(
        request,
        "privacy/access_preview.html",
        {
            "employee": employee,
            "data": data,
            "total": record_count(data),
            "preview": json.dumps(data, ensure_ascii=False, indent=2),
        },
    )


@require_POST
def access_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The export as JSON (machine-readable) or as a tagged PDF (to hand over); HR giving
    it is written to the audit trail."""
    _require(may_give_access(request.user))
    employee = get_object_or_404(employees_visible_to(request.user), pk=pk)
    data = personal_data(employee)
    as_pdf = request.POST.get("format") == "pdf"
    with transaction.atomic():
        audit_event(
            actor=request.user,
            action="Auskunft nach Art. 15 DSGVO erteilt",
            obj=employee,
            changes={
                "Datensätze": ["", str(record_count(data))],
                "Format": ["", "PDF" if as_pdf else "JSON"],
            },
            reason=request.POST.get("reason", "")[:500],
            source="Datenschutz",
        )
    filename = f"auskunft-{employee.personnel_number}-{timezone.localdate():%Y-%m-%d}"
    if as_pdf:
        return pdf_response(
            f"{filename}.pdf",
            "privacy/access_pdf.html",
            {"data": data, "sections": printable_sections(data)},
            title=str(data["title"]),
            as_of=timezone.now(),
        )
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    return response

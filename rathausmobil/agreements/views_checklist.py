"""The data-protection officer's checklist: the versions, and the next version in four
steps (edit the draft, preview what the employee signs, the differences to the version
in force, publish). Thin: the services in `services/pledges.py` write, the differences
come from `agreements/checklist.py`."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rathausmobil.agreements import services
from rathausmobil.agreements.checklist import differences, people_to_ask_again, summary
from rathausmobil.agreements.forms_checklist import (
    ChecklistPublishForm,
    change_rows,
    item_formset,
    preview_form,
)
from rathausmobil.agreements.models import ChecklistDraft, ChecklistVersion
from rathausmobil.agreements.selectors import current_checklist, employees_missing_pledge
from rathausmobil.core.errors import DomainError
from rathausmobil.core.figures import suppress_count
from rathausmobil.organisation.models import Role
from rathausmobil.organisation.scoping import role_required

STEPS = [
    ("edit", gettext_lazy("Bearbeiten"), "agreements:checklist_draft"),
    ("preview", gettext_lazy("Vorschau"), "agreements:checklist_preview"),
    ("changes", gettext_lazy("Unterschiede"), "agreements:checklist_changes"),
    ("publish", gettext_lazy("Veröffentlichen"), "agreements:checklist_publish"),
]


def _draft() -> ChecklistDraft | None:
    return ChecklistDraft.objects.select_related("updated_by").filter(pk=1).first()


def _next_number(current: ChecklistVersion | None) -> int:
    return current.number + 1 if current else 1


def _step_context(step: str, draft: ChecklistDraft | None, current) -> dict:
    return {
        "steps": [
            {"key": key, "label": label, "url": url, "current": key == step}
            for key, label, url in STEPS
        ],
        "step": step,
        "draft": draft,
        "version": current,
        "next_number": _next_number(current),
    }


def _no_draft(request: HttpRequest) -> HttpResponse:
    messages.info(
        request, _("Es gibt noch keinen Entwurf. Beginnen Sie mit „Neue Version entwerfen“.")
    )
    return redirect("agreements:checklist_edit")


@role_required(Role.DPO)
@require_GET
def checklist_edit(request: HttpRequest) -> HttpResponse:
    """The checklist's home: the version in force, the draft if there is one, every
    version, and who has not pledged on the version in force."""
    current = current_checklist()
    versions = Paginator(
        ChecklistVersion.objects.select_related("published_by").order_by("-number"), 50
    ).get_page(request.GET.get("page"))
    # The DPO works with figures, not with lists of people (docs/roles.md): how many per
    # unit still lack a valid pledge, small groups shown as "< 5". HR, who chases people,
    # has the names on the overview.
    missing = list(
        employees_missing_pledge()
        .values("unit__code", "unit__name")
        .annotate(count=Count("pk"))
        .order_by("unit__code")
    )
    return render(
        request,
        "agreements/checklist_edit.html",
        {
            "version": current,
            "draft": _draft(),
            "next_number": _next_number(current),
            "versions": versions,
            "missing_count": sum(row["count"] for row in missing),
            "missing": [
                {
                    "code": row["unit__code"],
                    "name": row["unit__name"],
                    "count": suppress_count(row["count"]),
                }
                for row in missing
            ],
        },
    )


@role_required(Role.DPO)
@require_GET
def checklist_version(request: HttpRequest, number: int) -> HttpResponse:
    """One published version as it was published, with what it changed."""
    version = get_object_or_404(
        ChecklistVersion.objects.select_related("published_by"), number=number
    )
    previous = ChecklistVersion.objects.filter(number__lt=number).order_by("-number").first()
    return render(
        request,
        "agreements/checklist_version.html",
        {
            "shown": version,
            "previous": previous,
            "differences": differences(previous.items, version.items) if previous else None,
            "is_current": version.number == (current_checklist() or version).number,
        },
    )


@role_required(Role.DPO)
@require_http_methods(["GET", "POST"])
def checklist_draft(request: HttpRequest) -> HttpResponse:
    """Step 1: the items of the next version. Without a draft the page starts from the
    version in force; saving makes the draft."""
    draft = _draft()
    current = current_checklist()
    status_message, focus, error = "", None, ""
    if request.method == "POST":
        formset = item_formset(request.POST)
        change = change_rows(formset, request.POST)
        if change is not None:
            formset = item_formset(rows=change.rows)
            status_message, focus = change.message, change.focus
        elif formset.is_valid():
            try:
                services.checklist_draft_save(by=request.user, items=formset.items())
            except DomainError as exc:
                error = exc.message
            else:
                if "vorschau" in request.POST:
                    return redirect("agreements:checklist_preview")
                messages.success(
                    request,
                    _("Der Entwurf ist gespeichert. Als Nächstes: die Vorschau ansehen."),
                )
                return redirect("agreements:checklist_draft")
    else:
        rows = draft.items if draft else (current.items if current else [])
        formset = item_formset(rows=rows or [{"key": "", "text": "", "mandatory": True}])
    target, focus_index = focus or ("", -1)
    for index, form in enumerate(formset.forms):
        form.focus = target if index == focus_index else ""
        if form.focus == "text":
            form.fields["text"].widget.attrs["autofocus"] = True
    context = _step_context("edit", draft, current)
    context.update(
        {
            "formset": formset,
            "status_message": status_message,
            "focus_add": target == "add",
            "error": error,
        }
    )
    return render(request, "agreements/checklist_draft.html", context)


@role_required(Role.DPO)
@require_POST
def checklist_discard(request: HttpRequest) -> HttpResponse:
    services.checklist_draft_discard(by=request.user)
    messages.info(request, _("Der Entwurf ist verworfen. Es gilt weiter die bisherige Version."))
    return redirect("agreements:checklist_edit")


@role_required(Role.DPO)
@require_GET
def checklist_preview(request: HttpRequest) -> HttpResponse:
    """Step 2: the pledge exactly as the employee will see it, boxes disabled."""
    draft, current = _draft(), current_checklist()
    if draft is None:
        return _no_draft(request)
    context = _step_context("preview", draft, current)
    context["form"] = preview_form(draft.items, _next_number(current))
    return render(request, "agreements/checklist_preview.html", context)


@role_required(Role.DPO)
@require_GET
def checklist_changes(request: HttpRequest) -> HttpResponse:
    """Step 3: what the draft changes against the version in force, in words."""
    draft, current = _draft(), current_checklist()
    if draft is None:
        return _no_draft(request)
    context = _step_context("changes", draft, current)
    context["differences"] = differences(current.items if current else None, draft.items)
    return render(request, "agreements/checklist_changes.html", context)


@role_required(Role.DPO)
@require_http_methods(["GET", "POST"])
def checklist_publish(request: HttpRequest) -> HttpResponse:
    """Step 4: confirm. Says who will be asked to pledge again; publishes exactly the
    draft and the version in force that the differences were shown against."""
    draft, current = _draft(), current_checklist()
    if draft is None:
        return _no_draft(request)
    found = differences(current.items if current else None, draft.items)
    form = ChecklistPublishForm(
        request.POST or None,
        initial={
            "note": summary(found),
            "revision": draft.revision,
            "base": current.number if current else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = services.checklist_draft_publish(
                by=request.user,
                revision=form.cleaned_data["revision"],
                base_number=form.cleaned_data["base"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("agreements:checklist_changes")
        messages.success(
            request,
            _(
                "Version %(number)s ist veröffentlicht und gilt ab sofort. Alle mit offener "
                "Vereinbarung werden per E-Mail gebeten, die Datenschutzerklärung neu abzugeben."
            )
            % {"number": version.number},
        )
        return redirect("agreements:checklist_version", number=version.number)
    context = _step_context("publish", draft, current)
    context.update({"form": form, "differences": found, "people_to_ask": people_to_ask_again()})
    return render(request, "agreements/checklist_publish.html", context)

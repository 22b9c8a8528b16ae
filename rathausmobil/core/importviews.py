"""The import pages, once for every kind: upload, preview, confirm, discard.

An app serves its kinds by adding `*import_urls()` to its urls.py; the views find
the kinds registered for the URL namespace they are called under
(`ImportPage.namespace`) and offer those the user may upload. A user who may
upload none of them gets 403, another person's upload (or one of a kind not
served here) answers 404.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rathausmobil.core.errors import DomainError
from rathausmobil.core.forms import BootstrapForm
from rathausmobil.core.htmx import is_fragment
from rathausmobil.core.imports import (
    IN_BACKGROUND,
    ImportKind,
    ImportPage,
    import_kinds,
    import_max_megabytes,
    import_too_large_message,
    import_upload_apply,
    import_upload_discard,
    import_upload_preview,
    is_stuck,
)
from rathausmobil.core.models import ImportUpload

RECENT = 10  # how many of the person's uploads the upload page lists


def import_urls() -> list[URLPattern]:
    """The import pages, for an app's urlpatterns (names `import_upload`,
    `import_preview`, `import_status`, `import_apply`, `import_discard` in the app's
    namespace)."""
    return [
        path("import/", import_upload, name="import_upload"),
        path("import/<int:pk>/", import_preview, name="import_preview"),
        path("import/<int:pk>/stand/", import_status, name="import_status"),
        path("import/<int:pk>/uebernehmen/", import_apply, name="import_apply"),
        path("import/<int:pk>/verwerfen/", import_discard, name="import_discard"),
    ]


class ImportUploadForm(BootstrapForm):
    kind = forms.ChoiceField(label=gettext_lazy("Was wird importiert?"), widget=forms.RadioSelect)
    file = forms.FileField(
        label=gettext_lazy("Datei"),  # the help text names the size limit (__init__)
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )

    def __init__(self, *args, kinds: list[ImportKind], **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        self.fields["file"].help_text = _(
            "CSV (Trennzeichen ; oder ,) in UTF-8 oder Windows-1252, oder Excel (.xlsx); "
            "höchstens %(limit)s MB."
        ) % {"limit": import_max_megabytes()}
        if len(kinds) > 1:
            self.fields["kind"].choices = [(kind.key, kind.label) for kind in kinds]
            self.fields["kind"].initial = kinds[0].key
        else:  # nothing to choose
            del self.fields["kind"]

    def clean_file(self):
        # Judged by the size Django counted while receiving, before the bytes are read
        # into memory (a file above FILE_UPLOAD_MAX_MEMORY_SIZE waits on disk).
        file = self.cleaned_data["file"]
        if file.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(import_too_large_message())
        return file

    def chosen_kind(self) -> str:
        return self.cleaned_data.get("kind") or self.kinds[0].key


# --------------------------------------------------------------------------- views


def _served(request: HttpRequest) -> tuple[str, ImportPage, list[ImportKind]]:
    """The namespace, its page and the kinds the user may upload there."""
    namespace = request.resolver_match.namespace
    kinds = import_kinds.served_at(namespace)
    if not kinds:
        raise Http404
    allowed = [kind for kind in kinds if kind.may_upload(request.user)]
    if not allowed:
        raise PermissionDenied
    return namespace, kinds[0].page, allowed


def _own_upload(request: HttpRequest, pk: int, kinds: list[ImportKind]) -> ImportUpload:
    return get_object_or_404(
        ImportUpload, pk=pk, uploaded_by=request.user, kind__in=[kind.key for kind in kinds]
    )


def _context(namespace: str, page: ImportPage, kinds: list[ImportKind], **extra) -> dict:
    urls = {
        name: f"{namespace}:import_{name}"
        for name in ("upload", "preview", "status", "apply", "discard")
    }
    return {"page": page, "kinds": kinds, "urls": urls, **extra}


def _summary(kind: ImportKind, summary: dict) -> dict:
    """The stored summary with the kind's further lists (deactivated, new models …)
    spelled out for the template."""
    counts = summary.get("counts", {})
    extras = [
        {
            "count": str(extra.count) % {"count": counts.get(name, 0)},
            "heading": extra.heading,
            "total": counts.get(name, 0),
            "items": summary.get(name, []),
        }
        for name, extra in kind.result_class.EXTRA_LISTS.items()
    ]
    return {**summary, "extras": extras}


@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    namespace, page, kinds = _served(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None, kinds=kinds)
    result, summary = None, None
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        kind = form.chosen_kind()
        upload, result = import_upload_preview(
            kind=kind, filename=file.name, data=file.read(), by=request.user
        )
        if upload is not None:
            return redirect(f"{namespace}:import_preview", pk=upload.pk)
        summary = _summary(import_kinds.get(kind), result.as_dict())
    # Every status, so that a person who left a preview or a file the worker checks
    # finds it again here.
    recent = ImportUpload.objects.filter(
        uploaded_by=request.user, kind__in=[k.key for k in kinds]
    ).order_by("-created_at", "-id")[:RECENT]
    context = _context(namespace, page, kinds, form=form, summary=summary, recent=recent)
    status = 422 if result is not None and not result.ok else 200
    return render(request, "core/import_upload.html", context, status=status)


def _upload_context(namespace, page, kinds, upload: ImportUpload, **extra) -> dict:
    summary = _summary(import_kinds.get(upload.kind), upload.summary)
    return _context(
        namespace,
        page,
        kinds,
        upload=upload,
        summary=summary,
        in_background=upload.status in IN_BACKGROUND,
        stuck=is_stuck(upload),
        **extra,
    )


@require_GET
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    namespace, page, kinds = _served(request)
    upload = _own_upload(request, pk, kinds)
    context = _upload_context(namespace, page, kinds, upload)
    return render(request, "core/import_preview.html", context)


@require_GET
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status of a file the worker checks or applies: polls itself while it is under
    way, then tells htmx to reload the page (the preview or the result). Without htmx:
    the page itself."""
    namespace, page, kinds = _served(request)
    upload = _own_upload(request, pk, kinds)
    if not is_fragment(request):
        return redirect(f"{namespace}:import_preview", pk=pk)
    context = _upload_context(namespace, page, kinds, upload)
    response = render(request, "core/import_preview.html#upload_status", context)
    if not context["in_background"]:
        response["HX-Refresh"] = "true"
    return response


@require_POST
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    namespace, page, kinds = _served(request)
    _own_upload(request, pk, kinds)
    try:
        upload, result = import_upload_apply(upload_id=pk, by=request.user)
    except DomainError as exc:
        messages.warning(request, exc.message)
        return redirect(f"{namespace}:import_preview", pk=pk)
    if not result.ok:
        messages.error(
            request,
            _("Die Datei passt nicht mehr zum aktuellen Datenbestand; nichts wurde gespeichert."),
        )
        summary = _summary(import_kinds.get(upload.kind), result.as_dict())
        context = _context(namespace, page, kinds, upload=upload, summary=summary)
        return render(request, "core/import_preview.html", context, status=409)
    if upload.status in IN_BACKGROUND:  # a large file: the page shows how far it is
        return redirect(f"{namespace}:import_preview", pk=pk)
    messages.success(
        request, _("Import übernommen: %(summary)s") % {"summary": result.summary_line()}
    )
    if page.after_apply:
        return redirect(reverse(page.after_apply))
    return redirect(f"{namespace}:import_preview", pk=pk)


@require_POST
def import_discard(request: HttpRequest, pk: int) -> HttpResponse:
    namespace, _page, kinds = _served(request)
    _own_upload(request, pk, kinds)
    try:
        import_upload_discard(upload_id=pk, by=request.user)
    except DomainError as exc:
        messages.warning(request, exc.message)
    else:
        messages.info(request, _("Import verworfen, nichts wurde gespeichert."))
    return redirect(f"{namespace}:import_upload")

"""Error pages: JSON under /api/, the site's page elsewhere.

403 and 404 are rendered with the request (the layout with the menu, a link back to
the page the person came from). 400 and 500 answer with Django's own views, which
render `400.html` / `500.html` without any context, so those pages stand alone
(`templates/error_page.html`); so does `413.html`, which says which of Django's limits
on a request's size a form went over."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults

from rathausmobil.core.api import api_not_found
from rathausmobil.core.numbers import format_number

MB = 1024 * 1024


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _back_url(request: HttpRequest) -> str:
    """The page the person came from, if it is one of ours and not this one."""
    referer = request.META.get("HTTP_REFERER", "")
    ours = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return referer if ours and referer != request.build_absolute_uri() else ""


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if _is_api(request):
        return api_not_found(request, exception)
    return render(request, "404.html", {"back_url": _back_url(request)}, status=404)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("Dafür fehlt Ihnen die Berechtigung.")}, status=403)
    return render(request, "403.html", {"back_url": _back_url(request)}, status=403)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    too_much = _too_much_sent(exception)
    if too_much is not None:
        status, detail = too_much
        if _is_api(request):
            return JsonResponse({"detail": detail}, status=status)
        # Like 400.html without a request: the form's data could not be read.
        page = loader.get_template("413.html").render({"detail": detail})
        return HttpResponse(page, status=status)
    if _is_api(request):
        return JsonResponse({"detail": _("Die Anfrage ist ungültig.")}, status=400)
    return defaults.bad_request(request, exception)


def _too_much_sent(exception) -> tuple[int, str] | None:
    """Django's limits on what one request may send (DATA_UPLOAD_MAX_MEMORY_SIZE,
    DATA_UPLOAD_MAX_NUMBER_FIELDS, DATA_UPLOAD_MAX_NUMBER_FILES) refuse with a 400 in
    English; say in German which limit it was and how much is allowed."""
    if isinstance(exception, RequestDataTooBig):
        return 413, _(
            "Es wurden zu viele Daten auf einmal gesendet: höchstens %(limit)s MB (ohne "
            "Dateien). Eine Importdatei darf bis zu %(import)s MB groß sein."
        ) % {
            "limit": _megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
            "import": _megabytes(settings.IMPORT_MAX_BYTES),
        }
    if isinstance(exception, TooManyFieldsSent):
        return 400, _(
            "Das Formular hat zu viele Felder (höchstens %(limit)s) und wurde nicht "
            "gespeichert. Bitte in kleineren Teilen speichern."
        ) % {"limit": format_number(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)}
    if isinstance(exception, TooManyFilesSent):
        return 400, _(
            "Es wurden zu viele Dateien auf einmal gesendet (höchstens %(limit)s); nichts "
            "wurde gespeichert."
        ) % {"limit": format_number(settings.DATA_UPLOAD_MAX_NUMBER_FILES)}
    return None


def _megabytes(size: int) -> str:
    return format_number(size / MB, 0 if size % MB == 0 else 1)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"detail": _("Ein Fehler im System; bitte später noch einmal versuchen.")},
            status=500,
        )
    return defaults.server_error(request)


@login_not_required
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on their own; the icon is the SVG."""
    response = redirect(static("favicon.svg"))
    response["Cache-Control"] = "max-age=86400"
    return response

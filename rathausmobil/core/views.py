"""Error pages: JSON under /api/, the site's page elsewhere.

403 and 404 are rendered with the request (the layout with the menu, a link back to
the page the person came from). 400 and 500 answer with Django's own views, which
render `400.html` / `500.html` without any context, so those pages stand alone
(`templates/error_page.html`)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults

from rathausmobil.core.api import api_not_found


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
    if _is_api(request):
        return JsonResponse({"detail": _("Die Anfrage ist ungültig.")}, status=400)
    return defaults.bad_request(request, exception)


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

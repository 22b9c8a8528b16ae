"""API plumbing shared by all apps: German JSON errors, also for a request over the rate
limit (429, with DRF's Retry-After)."""

import math

from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.exceptions import Throttled
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from rathausmobil.core.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message, "code": exc.code}, status=exc.status_code)
    if isinstance(exc, Http404):
        # Django's message names the model ("No Employee matches ..."): say less.
        return Response({"detail": _("Nicht gefunden.")}, status=404)
    response = drf_exception_handler(exc, context)
    if isinstance(exc, Throttled) and response is not None:
        # DRF's answer keeps its Retry-After header (whole seconds); only the text is ours.
        response.data = {"detail": throttled_message(exc.wait), "code": "throttled"}
    return response


def throttled_message(wait: float | None) -> str:
    if wait is None:
        return _("Zu viele Anfragen in kurzer Zeit. Bitte etwas später erneut versuchen.")
    seconds = max(math.ceil(wait), 1)
    return ngettext(
        "Zu viele Anfragen in kurzer Zeit. Bitte in %(seconds)s Sekunde erneut versuchen.",
        "Zu viele Anfragen in kurzer Zeit. Bitte in %(seconds)s Sekunden erneut versuchen.",
        seconds,
    ) % {"seconds": seconds}


def api_not_found(request, exception=None):
    return JsonResponse({"detail": _("Nicht gefunden.")}, status=404)

"""API plumbing shared by all apps: German JSON errors."""

from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from rathausmobil.core.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response({"detail": exc.message, "code": exc.code}, status=exc.status_code)
    if isinstance(exc, Http404):
        # Django's message names the model ("No Employee matches ..."): say less.
        return Response({"detail": _("Nicht gefunden.")}, status=404)
    return drf_exception_handler(exc, context)


def api_not_found(request, exception=None):
    return JsonResponse({"detail": _("Nicht gefunden.")}, status=404)

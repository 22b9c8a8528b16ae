from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rathausmobil.core.api import api_not_found
from rathausmobil.core.scoping import scope_for
from rathausmobil.organisation.models import Employee


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    employee = None
    if scope.employee_id:
        employee = Employee.objects.select_related("unit", "position", "unit__head").get(
            pk=scope.employee_id
        )
    return render(request, "core/home.html", {"employee": employee})


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    return render(request, "404.html", status=404)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"detail": "Dafür fehlt Ihnen die Berechtigung."}, status=403)
    return render(request, "403.html", status=403)

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rathausmobil.organisation.models import Employee
from rathausmobil.organisation.scoping import scope_for


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    employee = None
    if scope.employee_id:
        employee = Employee.objects.select_related("unit", "position", "unit__head").get(
            pk=scope.employee_id
        )
    return render(request, "home/index.html", {"employee": employee})

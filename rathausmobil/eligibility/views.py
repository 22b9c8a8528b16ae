from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from rathausmobil.core.errors import DomainError
from rathausmobil.core.htmx import is_fragment, query_without, render_page
from rathausmobil.eligibility.filters import PositionFilter
from rathausmobil.eligibility.forms import AssessmentForm
from rathausmobil.eligibility.models import EligibilityResult
from rathausmobil.eligibility.selectors import (
    NOT_ASSESSED,
    assessment_history,
    positions_for_eligibility,
    result_counts,
    units_for_eligibility,
    with_current_assessment,
)
from rathausmobil.eligibility.services import assessment_allowed, assessment_create

PAGE_SIZE = 50


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    positions = with_current_assessment(positions_for_eligibility(user))
    filterset = PositionFilter.for_page(request, positions.order_by("unit__path", "number"))
    # The counts per result follow the unit and the search, not the result chosen.
    counts = result_counts(filterset.qs_without("result", "due"))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    selected_result = filterset.chosen("result")

    result_links = [
        {"value": value, "label": label, "count": counts[value]}
        for value, label in [*EligibilityResult.choices, (NOT_ASSESSED, _("noch nicht bewertet"))]
    ]
    context = {
        "form": filterset.form,
        "units": units_for_eligibility(user),
        "page": page,
        "counts": counts,
        "result_links": result_links,
        "selected_result": selected_result,
        "today": timezone.localdate(),
        "query": query_without(request, "page"),
        "query_without_result": query_without(request, "page", "result"),
    }
    return render_page(request, "eligibility/overview.html", context, partial="results")


@require_http_methods(["GET", "POST"])
def position_detail(request: HttpRequest, position_id: int) -> HttpResponse:
    user = request.user
    position = get_object_or_404(
        with_current_assessment(positions_for_eligibility(user)), pk=position_id
    )
    can_assess = assessment_allowed(user=user, position=position)
    if request.method == "POST" and not can_assess:
        raise PermissionDenied
    history = list(assessment_history(user, position))
    current = next((a for a in history if a.is_current), None)

    form = None
    saved = False
    if can_assess:
        form = AssessmentForm(request.POST or None, initial=AssessmentForm.initial_from(current))
        if request.method == "POST" and form.is_valid():
            try:
                assessment = assessment_create(
                    position=position,
                    by=user,
                    shares=form.shares(),
                    reasons=form.cleaned_data["reasons"],
                    review_date=form.cleaned_data["review_date"],
                )
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                notice = _("Bewertung gespeichert: %(result)s (%(share)s %% mobil möglich).") % {
                    "result": assessment.get_result_display(),
                    "share": assessment.movable_share,
                }
                if not is_fragment(request):
                    messages.success(request, notice)
                    return redirect("eligibility:position_detail", position_id=position.pk)
                saved = notice
                history = list(assessment_history(user, position))
                current = assessment
                form = AssessmentForm(initial=AssessmentForm.initial_from(current))
        form.decorate()

    context = {
        "position": position,
        "current": current,
        "earlier": [a for a in history if not a.is_current],
        "form": form,
        "saved": saved,
        "today": timezone.localdate(),
    }
    return render_page(
        request,
        "eligibility/position_detail.html",
        context,
        partial="assessment" if request.method == "POST" else None,
    )

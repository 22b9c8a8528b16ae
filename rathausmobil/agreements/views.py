"""Pages of the home-office workflow. Thin: parse, call a service or selector, render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rathausmobil.agreements import services
from rathausmobil.agreements.exports import pandemic_csv, pandemic_pdf
from rathausmobil.agreements.filters import AgreementFilter, WorkRequestFilter
from rathausmobil.agreements.forms import (
    DECISION_FORMS,
    ApprovalForm,
    GapReasonForm,
    OfferForm,
    PandemicPeriodForm,
    PledgeForm,
    ReasonForm,
    RefusalForm,
    RenewForm,
    RequestForm,
    RevokeForm,
    RulesForm,
    WorkstationForm,
    pattern_preview,
)
from rathausmobil.agreements.models import (
    AgreementStatus,
    OfferStatus,
    ReasonCode,
    RequestStatus,
    RuleSettings,
    WorkKind,
    WorkRequest,
)
from rathausmobil.agreements.prerequisites import next_step, prerequisites_of
from rathausmobil.agreements.selectors import (
    active_pandemic_period,
    agreements_visible_to,
    current_checklist,
    decision_basis,
    has_valid_pledge,
    inbox_for,
    latest_end,
    offers_visible_to,
    pandemic_gaps,
    pledges_visible_to,
    quota_for,
    requests_visible_to,
)
from rathausmobil.core.errors import DomainError
from rathausmobil.core.htmx import is_fragment, query_without, render_page
from rathausmobil.core.workflow import IllegalTransition
from rathausmobil.organisation.models import Employee, Position, Role
from rathausmobil.organisation.scoping import role_required, scope_for
from rathausmobil.organisation.selectors import employees_visible_to


def _fail(form, exc: DomainError) -> None:
    form.add_error(None, exc.message)


# --------------------------------------------------------------------------- employee


@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.employee_id:
        return render(request, "agreements/mine.html", {"employee": None})
    employee = Employee.objects.select_related("unit").get(pk=scope.employee_id)
    own = {"employee_id": employee.pk}
    agreements = list(agreements_visible_to(request.user).filter(**own)[:20])
    requests = list(requests_visible_to(request.user).filter(**own)[:20])
    offers = list(offers_visible_to(request.user).filter(**own)[:20])
    # What waits for her: each agreement not yet begun, with what it lacks and the one
    # next step (prerequisites.py, the one source of what is missing).
    waiting = [
        a for a in agreements if a.status in (AgreementStatus.PENDING, AgreementStatus.AGREED)
    ]
    for agreement in waiting:
        agreement.prereqs = prerequisites_of(agreement)
        agreement.next = next_step(agreement.prereqs)
    open_request = any(r.status == RequestStatus.SUBMITTED for r in requests)
    open_offer = any(o.status == OfferStatus.OFFERED for o in offers)
    running = any(a.status == AgreementStatus.ACTIVE for a in agreements)
    return render(
        request,
        "agreements/mine.html",
        {
            "employee": employee,
            "requests": requests,
            "offers": offers,
            "agreements": agreements,
            "waiting": waiting,
            # "Mobiles Arbeiten beantragen" is the main action only while nothing waits.
            "may_request": not (waiting or open_request or open_offer),
            "request_primary": not (waiting or open_request or open_offer or running),
            "pledge_valid": has_valid_pledge(employee.pk),
            "checklist": current_checklist(),
            "rules": RuleSettings.current(),
        },
    )


@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.employee_id:
        raise PermissionDenied
    employee = Employee.objects.get(pk=scope.employee_id)
    rules = RuleSettings.current()
    if request.method == "GET" and is_fragment(request):
        # The quota sentence, live while the person fills in the form.
        return render_page(
            request,
            "agreements/request_form.html",
            _request_form_context(employee, rules, None, pattern_preview(request.GET)),
            partial="quota",
        )
    form = RequestForm(request.POST or None, rules=rules, initial={"kind": WorkKind.ALTERNATING})
    if request.method == "POST" and form.is_valid():
        try:
            work_request = services.request_create(
                by=request.user, values=form.pattern_values(), text=form.cleaned_data["text"]
            )
            if "submit" in request.POST:
                services.request_submit(request=work_request, by=request.user)
                messages.success(
                    request,
                    _("Ihr Antrag ist eingereicht. Die zuständige Leitung wird benachrichtigt."),
                )
            else:
                messages.info(
                    request,
                    _(
                        "Ihr Antrag ist als Entwurf gespeichert. Reichen Sie ihn ein, wenn er "
                        "fertig ist."
                    ),
                )
            return redirect("agreements:request_detail", pk=work_request.pk)
        except DomainError as exc:
            _fail(form, exc)
    preview = pattern_preview(request.POST) if request.method == "POST" else None
    return render(
        request,
        "agreements/request_form.html",
        _request_form_context(employee, rules, form, preview),
    )


def _request_form_context(employee, rules, form, preview) -> dict:
    pattern = preview or WorkRequest(weekdays=[], working_days_per_week=5)
    return {
        "form": form,
        "rules": rules,
        "employee": employee,
        "quota": quota_for(pattern, weekly_hours=employee.weekly_hours, rules=rules),
        "latest_end": latest_end(pattern.start_date, rules) if pattern.start_date else None,
    }


@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    work_request = get_object_or_404(requests_visible_to(request.user), pk=pk)
    path = {"genehmigen": "approve", "ablehnen": "reject"}.get(request.GET.get("weg", ""))
    return _request_page(request, work_request, path=path)


def _request_page(request, work_request, *, path=None, form=None, status=200):
    """The request; for the head who decides it, the decision page: the basis of the
    decision and two paths, approve and refuse, each with only its own fields. `path`
    is the one opened (the one with errors, or `?weg=` for a link)."""
    scope = scope_for(request.user)
    rules = RuleSettings.current()
    today = timezone.localdate()
    can_decide = work_request.status == RequestStatus.SUBMITTED and services.can_decide(
        request.user, work_request
    )
    context = {
        "req": work_request,
        "history": work_request.history.select_related("by"),
        "is_owner": scope.employee_id == work_request.employee_id,
        "can_decide": can_decide,
        "rules": rules,
        "today": today,
        "agreement": getattr(work_request, "agreement", None)
        if work_request.status == RequestStatus.APPROVED
        else None,
        "reason_codes": ReasonCode,
    }
    if can_decide:
        forms = {
            "approve": ApprovalForm(),
            "reject": RefusalForm(today=today),
        }
        if form is not None:
            forms[path] = form
        context.update(
            basis=decision_basis(request.user, work_request, rules=rules),
            approval_form=forms["approve"],
            refusal_form=forms["reject"],
            path=path,
        )
    elif work_request.status in (RequestStatus.DRAFT, RequestStatus.SUBMITTED):
        context["quota"] = quota_for(
            work_request, weekly_hours=work_request.employee.weekly_hours, rules=rules
        )
    return render(request, "agreements/request_detail.html", context, status=status)


@require_POST
def request_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    work_request = get_object_or_404(requests_visible_to(request.user), pk=pk)
    try:
        if action == "einreichen":
            services.request_submit(request=work_request, by=request.user)
            messages.success(
                request,
                _("Ihr Antrag ist eingereicht. Die zuständige Leitung wird benachrichtigt."),
            )
        elif action == "zurueckziehen":
            services.request_withdraw(
                request=work_request, by=request.user, reason=request.POST.get("reason", "")
            )
            messages.info(request, _("Der Antrag ist zurückgezogen."))
        elif action == "entscheiden":
            return _decide(request, work_request)
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("agreements:request_detail", pk=work_request.pk)


def _decide(request: HttpRequest, work_request) -> HttpResponse:
    """One of the two paths: approve (`decision=approve`) or refuse (`reject`). A form
    with errors comes back on its own path, each message at its field."""
    path = request.POST.get("decision")
    if path not in DECISION_FORMS:
        messages.error(request, _("Bitte wählen Sie: genehmigen oder ablehnen."))
        return redirect("agreements:request_detail", pk=work_request.pk)
    today = timezone.localdate()
    form = (
        ApprovalForm(request.POST) if path == "approve" else RefusalForm(request.POST, today=today)
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            if path == "approve":
                services.request_approve(
                    request=work_request,
                    by=request.user,
                    quota_exception_reason=data["quota_exception_reason"],
                    comment=data["comment"],
                )
                messages.success(
                    request,
                    _(
                        "Der Antrag ist genehmigt. Die/der Beschäftigte wird benachrichtigt und "
                        "stimmt der Vereinbarung zu; danach folgen Gerät und Zugang."
                    ),
                )
            else:
                services.request_reject(
                    request=work_request,
                    by=request.user,
                    reason_codes=data["reason_codes"],
                    justification=data["justification"],
                    review_date=data["review_date"],
                )
                messages.info(
                    request,
                    _("Der Antrag ist abgelehnt. Die/der Beschäftigte wird benachrichtigt."),
                )
            return redirect("agreements:request_detail", pk=work_request.pk)
        except DomainError as exc:
            if exc.code == "quota_exceeded":
                form.add_error("quota_exception_reason", exc.message)
            elif isinstance(exc, IllegalTransition | services.NotAllowed):
                messages.error(request, exc.message)
                return redirect("agreements:request_detail", pk=work_request.pk)
            else:
                _fail(form, exc)
    return _request_page(request, work_request, path=path, form=form)


# --------------------------------------------------------------------------- supervisors and HR


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.is_supervisor:
        raise PermissionDenied
    today = timezone.localdate()
    return render(
        request,
        "agreements/inbox.html",
        {
            "requests": inbox_for(request.user),
            "today": today,
            "soon": today + dt.timedelta(days=7),
        },
    )


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not (scope.has(Role.HR) or scope.is_supervisor):
        raise PermissionDenied
    what = request.GET.get("was", "antraege")
    if what == "vereinbarungen":
        filterset = AgreementFilter.for_page(request, agreements_visible_to(request.user))
        statuses = AgreementStatus.choices
    else:
        filterset = WorkRequestFilter.for_page(request, requests_visible_to(request.user))
        statuses = RequestStatus.choices
    page = Paginator(filterset.qs.order_by("-id"), 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "what": what,
        "status": filterset.chosen("status"),
        "kind": filterset.chosen("kind"),
        "unit": filterset.chosen("unit"),
        "overdue": what != "vereinbarungen" and bool(filterset.chosen("overdue")),
        "statuses": statuses,
        "kinds": WorkKind.choices,
        "query": query_without(request, "page"),
        "today": timezone.localdate(),
    }
    return render_page(request, "agreements/overview.html", context, partial="results")


# --------------------------------------------------------------------------- offers


@require_http_methods(["GET", "POST"])
def offer_new(request: HttpRequest, employee_id: int) -> HttpResponse:
    employee = get_object_or_404(employees_visible_to(request.user), pk=employee_id)
    scope = scope_for(request.user)
    if (
        not (scope.has(Role.HR) or scope.covers(employee.unit.path))
        or scope.employee_id == employee.pk
    ):
        raise PermissionDenied
    form = OfferForm(request.POST or None, initial={"kind": WorkKind.ALTERNATING})
    if request.method == "POST" and form.is_valid():
        try:
            offer = services.offer_create(
                employee=employee,
                by=request.user,
                values=form.pattern_values(),
                text=form.cleaned_data["text"],
                quota_exception_reason=form.cleaned_data["quota_exception_reason"],
            )
            messages.success(
                request,
                _("Das Angebot an %(name)s ist verschickt.") % {"name": employee.full_name},
            )
            return redirect("agreements:offer_detail", pk=offer.pk)
        except DomainError as exc:
            _fail(form, exc)
    return render(request, "agreements/offer_form.html", {"form": form, "employee": employee})


@require_GET
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    offer = get_object_or_404(offers_visible_to(request.user), pk=pk)
    return render(
        request,
        "agreements/offer_detail.html",
        {
            "offer": offer,
            "history": offer.history.select_related("by"),
            "is_owner": scope_for(request.user).employee_id == offer.employee_id,
            "agreement": getattr(offer, "agreement", None)
            if offer.status == OfferStatus.ACCEPTED
            else None,
        },
    )


@require_POST
def offer_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    offer = get_object_or_404(offers_visible_to(request.user), pk=pk)
    try:
        if action == "annehmen":
            agreement = services.offer_accept(offer=offer, by=request.user)
            messages.success(request, "Sie haben das Angebot angenommen.")
            return redirect("agreements:agreement_detail", pk=agreement.pk)
        if action == "ablehnen":
            services.offer_decline(offer=offer, by=request.user, note=request.POST.get("note", ""))
            messages.info(
                request, "Sie haben das Angebot abgelehnt. Es entsteht keine Vereinbarung."
            )
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("agreements:offer_detail", pk=offer.pk)


# --------------------------------------------------------------------------- agreements


@require_GET
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_object_or_404(agreements_visible_to(request.user), pk=pk)
    return _agreement_page(request, agreement)


def _agreement_page(request, agreement, **forms):
    scope = scope_for(request.user)
    employer = (
        scope.has(Role.HR) or scope.covers(agreement.employee.unit.path)
    ) and scope.employee_id != agreement.employee_id
    agreement.prereqs = prerequisites_of(agreement)
    agreement.next = next_step(agreement.prereqs)
    context = {
        "agreement": agreement,
        "history": agreement.history.select_related("by"),
        "prerequisites": agreement.prereqs,
        "is_owner": scope.employee_id == agreement.employee_id,
        "is_employer": employer,
        "return_form": forms.get("return_form") or ReasonForm(),
        "revoke_form": forms.get("revoke_form") or RevokeForm(),
        "renew_form": forms.get("renew_form") or RenewForm(),
        "workstation_form": forms.get("workstation_form")
        or WorkstationForm(
            initial={
                "home_address": agreement.home_address,
                "equipment_list": agreement.equipment_list,
                "risk_assessment_date": agreement.risk_assessment_date,
            }
        ),
        "rules": RuleSettings.current(),
    }
    return render(request, "agreements/agreement_detail.html", context)


@require_POST
def agreement_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    agreement = get_object_or_404(agreements_visible_to(request.user), pk=pk)
    forms_by_action = {
        "kuendigen": ("return_form", ReasonForm),
        "widerrufen": ("revoke_form", RevokeForm),
        "verlaengern": ("renew_form", RenewForm),
        "arbeitsplatz": ("workstation_form", WorkstationForm),
    }
    try:
        if action == "zustimmen":
            services.agreement_accept(agreement=agreement, by=request.user)
            agreement.refresh_from_db()
            if agreement.status == AgreementStatus.ACTIVE:
                messages.success(request, _("Sie haben zugestimmt. Die Vereinbarung ist aktiv."))
            elif agreement.status == AgreementStatus.AGREED:
                messages.success(
                    request,
                    _(
                        "Sie haben zugestimmt. Die Vereinbarung beginnt am %(date)s; bis dahin "
                        "müssen Sie nichts weiter tun."
                    )
                    % {"date": agreement.start_date.strftime("%d.%m.%Y")},
                )
            else:
                messages.success(
                    request,
                    _(
                        "Sie haben zugestimmt. Was noch fehlt und was Sie als Nächstes tun, "
                        "steht unten."
                    ),
                )
        elif action == "ablehnen":
            services.agreement_decline(
                agreement=agreement, by=request.user, reason=request.POST.get("reason", "")
            )
            messages.info(request, "Sie haben die Vereinbarung abgelehnt.")
        elif action in forms_by_action:
            name, form_class = forms_by_action[action]
            form = form_class(request.POST)
            if not form.is_valid():
                return _agreement_page(request, agreement, **{name: form})
            data = form.cleaned_data
            try:
                if action == "kuendigen":
                    services.agreement_return(
                        agreement=agreement, by=request.user, reason=data["reason"]
                    )
                    messages.info(request, "Ihre Rückkehr ins Büro ist vermerkt.")
                elif action == "widerrufen":
                    services.agreement_revoke(
                        agreement=agreement,
                        by=request.user,
                        reason=data["reason"],
                        at_once=data["at_once"],
                    )
                    messages.info(request, "Der Widerruf ist vermerkt.")
                elif action == "verlaengern":
                    renewal = services.agreement_renew(
                        agreement=agreement, by=request.user, end_date=data["end_date"]
                    )
                    messages.success(request, "Die Verlängerung ist angeboten.")
                    return redirect("agreements:agreement_detail", pk=renewal.pk)
                else:
                    services.agreement_set_workstation(agreement=agreement, by=request.user, **data)
                    messages.success(request, "Die Angaben zum Telearbeitsplatz sind gespeichert.")
            except DomainError as exc:
                _fail(form, exc)
                return _agreement_page(request, agreement, **{name: form})
        else:
            raise Http404
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("agreements:agreement_detail", pk=agreement.pk)


# --------------------------------------------------------------------------- pledge and checklist


@require_http_methods(["GET", "POST"])
def pledge(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    version = current_checklist()
    if not scope.employee_id or version is None:
        return render(request, "agreements/pledge.html", {"form": None, "version": version})
    mine = (
        pledges_visible_to(request.user)
        .filter(employee_id=scope.employee_id, version=version)
        .first()
    )
    initial = {f"item_{k}": v for k, v in (mine.answers if mine else {}).items()}
    form = PledgeForm(request.POST or None, version=version, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.pledge_sign(by=request.user, answers=form.answers())
        except DomainError as exc:
            _fail(form, exc)
        else:
            if result.is_valid:
                messages.success(request, "Danke. Ihre Datenschutzerklärung ist gültig.")
                return redirect("agreements:mine")
            form.add_error(
                None,
                "Ihre Erklärung ist gespeichert, aber nicht gültig: Alle Pflichtpunkte müssen bestätigt sein.",
            )
    return render(
        request, "agreements/pledge.html", {"form": form, "version": version, "current": mine}
    )


# --------------------------------------------------------------------------- rules


@role_required(Role.HR)
@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    current = RuleSettings.current()
    form = RulesForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.rules_update(by=request.user, values=form.cleaned_data)
            messages.success(request, "Die Regeln sind gespeichert.")
            return redirect("agreements:rules")
        except DomainError as exc:
            _fail(form, exc)
    return render(request, "agreements/rules.html", {"form": form, "rules": current})


# --------------------------------------------------------------------------- pandemic mode


@require_http_methods(["GET", "POST"])
def pandemic(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not (scope.has(Role.HR) or scope.is_supervisor):
        raise PermissionDenied
    period = active_pandemic_period()
    period_form = PandemicPeriodForm(request.POST if "set_period" in request.POST else None)
    if request.method == "POST":
        try:
            if "set_period" in request.POST and period_form.is_valid():
                services.pandemic_period_set(by=request.user, **period_form.cleaned_data)
                messages.success(request, "Der Pandemiemodus ist eingetragen.")
                return redirect("agreements:pandemic")
            if "end_period" in request.POST and period:
                services.pandemic_period_end(
                    period=period, by=request.user, end_date=timezone.localdate()
                )
                messages.info(request, "Der Pandemiemodus endet heute.")
                return redirect("agreements:pandemic")
            if "position" in request.POST and period:
                position = get_object_or_404(
                    Position.objects.select_related("unit"), pk=request.POST["position"]
                )
                if not pandemic_gaps(request.user, period).filter(pk=position.pk).exists():
                    raise Http404
                gap_form = GapReasonForm(request.POST)
                if gap_form.is_valid():
                    services.pandemic_gap_document(
                        period=period,
                        position=position,
                        by=request.user,
                        reason=gap_form.cleaned_data["reason"],
                    )
                    messages.success(
                        request, f"Der Grund für Stelle {position.number} ist dokumentiert."
                    )
                else:
                    messages.error(request, "Bitte den Grund angeben.")
                return redirect(f"{request.path}?{request.GET.urlencode()}")
        except DomainError as exc:
            messages.error(request, exc.message)
    gaps = (
        pandemic_gaps(request.user, period, only_undocumented=request.GET.get("offen") == "1")
        if period
        else None
    )
    page = Paginator(gaps, 50).get_page(request.GET.get("page")) if gaps is not None else None
    return render(
        request,
        "agreements/pandemic.html",
        {
            "period": period,
            "period_form": period_form,
            "page": page,
            "gap_form": GapReasonForm(),
            "only_open": request.GET.get("offen") == "1",
        },
    )


@require_GET
def pandemic_export(request: HttpRequest, fmt: str) -> HttpResponse:
    scope = scope_for(request.user)
    if not (scope.has(Role.HR) or scope.is_supervisor):
        raise PermissionDenied
    period = active_pandemic_period()
    if period is None:
        raise Http404
    if fmt == "csv":
        return pandemic_csv(request.user, period)
    if fmt == "pdf":
        return pandemic_pdf(request.user, period)
    raise Http404

"""Pages of access. Thin: parse, call a service or selector, render.

IT works here (overview, queue "zu erteilen", grant detail with actions, capacity,
rules); HR reads everything and may change the rules; supervisors read the grants
of their units; everyone sees their own access under "Mein Zugang".
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rathausmobil.access import selectors, services
from rathausmobil.access.filters import STATUS_CHOICES, AccessGrantFilter
from rathausmobil.access.forms import GrantNewForm, PolicyForm, RevokeForm
from rathausmobil.access.models import AccessKind, AccessPolicy, GrantStatus, WireGuardPeer
from rathausmobil.core.errors import DomainError
from rathausmobil.core.figures import kept
from rathausmobil.core.htmx import is_fragment, query_without, render_page
from rathausmobil.core.pagination import CURSOR_PARAMS, list_key, request_page
from rathausmobil.organisation.models import Employee, Role
from rathausmobil.organisation.scoping import role_required, scope_for

PAGE_SIZE = 50
#: the grants list's order: by person (their id keeps one person's grants together
#: among equal names), then kind (pk appended by core.pagination)
GRANT_ORDER = ("employee__last_name", "employee__first_name", "employee_id", "kind")


def _require_reader(user) -> None:
    scope = scope_for(user)
    if not (scope.has(Role.IT, Role.HR) or scope.is_supervisor):
        raise PermissionDenied


def _capacity_messages(request, rows) -> None:
    for row in rows:
        if row.warning:
            messages.warning(
                request,
                f"Hinweis Kapazität: {row.kind_label} „{row.name}“ ist mit {row.planned} geplanten "
                f"Zugängen über der Kapazität von {row.capacity}. Der Zugang ist trotzdem erteilt.",
            )


# --------------------------------------------------------------------------- overview


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    _require_reader(request.user)
    visible = selectors.grants_visible_to(request.user)
    filterset = AccessGrantFilter.for_page(request, visible)
    page = request_page(request, filterset.qs, ordering=GRANT_ORDER, link="access:grant_detail")
    # "Stand" and capacity: kept figures per scope, renewed by every write (core.figures)
    counts = kept(
        "access.grants_by_kind_and_status",
        list_key(visible),
        lambda: {
            (k, s): n
            for k, s, n in visible.order_by()
            .values_list("kind", "status")
            .annotate(n=Count("pk"))
            .values_list("kind", "status", "n")
        },
    ).values
    context = {
        "page": page,
        "kind": filterset.chosen("kind"),
        "status": filterset.chosen("status"),
        "unit": filterset.chosen("unit"),
        "q": filterset.chosen("q"),
        "kinds": AccessKind.choices,
        "statuses": STATUS_CHOICES,
        "counts": [
            {
                "kind": label,
                "active": counts.get((value, GrantStatus.ACTIVE), 0),
                "requested": counts.get((value, GrantStatus.REQUESTED), 0),
            }
            for value, label in AccessKind.choices
        ],
        "capacity": (
            kept("access.capacity", "all", selectors.capacity).values
            if selectors.sees_all_grants(request.user)
            else None
        ),
        "can_manage": selectors.can_manage_grants(request.user),
        "query": query_without(request, *CURSOR_PARAMS),
    }
    return render_page(request, "access/overview.html", context, partial="results")


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Requested grants, oldest first: what IT still has to grant."""
    if not scope_for(request.user).has(Role.IT, Role.HR):
        raise PermissionDenied
    rows = selectors.requested_grants(request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_grantable_from(page.object_list)
    return render(
        request,
        "access/queue.html",
        {
            "page": page,
            "can_manage": selectors.can_manage_grants(request.user),
            "warnings": selectors.capacity_warnings(),
            "next": request.get_full_path(),
            "today": timezone.localdate(),
        },
    )


# --------------------------------------------------------------------------- one grant


@require_GET
def grant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    grant = get_object_or_404(selectors.grants_visible_to(request.user), pk=pk)
    return _detail_page(request, grant, RevokeForm())


def _detail_page(request, grant, revoke_form, status=200):
    sees_all = selectors.sees_all_grants(request.user)
    history = grant.history.select_related("by")
    return render(
        request,
        "access/grant_detail.html",
        {
            "grant": selectors.with_grantable_from([grant])[0],
            "today": timezone.localdate(),
            "history": history,
            "can_manage": selectors.can_manage_grants(request.user),
            "revoke_form": revoke_form,
            # IT hands out devices and access: it sees what the person holds.
            "device": selectors.device_label(grant.employee_id) if sees_all else None,
            "capacity_row": selectors.capacity_row_of(grant) if sees_all else None,
            # What provisioning did in the directory and on the gateway.
            "peer": WireGuardPeer.objects.filter(grant=grant).first() if sees_all else None,
            "events": list(grant.provisioning.all()[:10]) if sees_all else [],
        },
        status=status,
    )


@require_POST
def grant_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    grant = get_object_or_404(selectors.grants_visible_to(request.user), pk=pk)
    if action not in ("erteilen", "entziehen"):
        raise Http404
    if not selectors.can_manage_grants(request.user):
        raise PermissionDenied
    error = ""
    try:
        if action == "erteilen":
            services.grant_activate(grant=grant, by=request.user)
            if not is_fragment(request):
                messages.success(request, f"Der Zugang für {grant.employee.full_name} ist erteilt.")
                row = selectors.capacity_row_of(grant)
                _capacity_messages(request, [row] if row else [])
        else:
            form = RevokeForm(request.POST)
            if not form.is_valid():
                return _detail_page(request, grant, form)
            try:
                services.grant_revoke(
                    grant=grant, by=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                return _detail_page(request, grant, form)
            messages.info(request, f"Der Zugang für {grant.employee.full_name} ist entzogen.")
    except DomainError as exc:
        error = exc.message
        if not is_fragment(request):
            messages.error(request, exc.message)
    if is_fragment(request):
        fresh = selectors.grants_visible_to(request.user).get(pk=grant.pk)
        return render(
            request,
            "access/queue.html#row",
            {
                "grant": selectors.with_grantable_from([fresh])[0],
                "today": timezone.localdate(),
                "can_manage": True,
                "error": error,
                "done": not error,
            },
        )
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("access:grant_detail", pk=grant.pk)


@role_required(Role.IT)
@require_http_methods(["GET", "POST"])
def grant_new(request: HttpRequest) -> HttpResponse:
    """Access without an agreement, for a stated reason (on-call duty and the like)."""
    form = GrantNewForm(
        request.POST or None, initial={"personnel_number": request.GET.get("pn", "")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        employee = Employee.objects.filter(
            personnel_number=data["personnel_number"].strip(), is_active=True
        ).first()
        if employee is None:
            form.add_error(
                "personnel_number", "Unter dieser Personalnummer ist niemand beschäftigt."
            )
        else:
            try:
                grant = services.grant_request(
                    employee=employee,
                    kind=data["kind"],
                    by=request.user,
                    application=data["application"],
                    reason=data["reason"],
                )
                if data["activate"]:
                    services.grant_activate(grant=grant, by=request.user)
                messages.success(request, f"Der Zugang für {employee.full_name} ist angelegt.")
                return redirect("access:grant_detail", pk=grant.pk)
            except DomainError as exc:
                form.add_error(None, exc.message)
    return render(request, "access/grant_form.html", {"form": form})


@role_required(Role.IT)
@never_cache
@require_POST
def wireguard_config(request: HttpRequest, pk: int) -> HttpResponse:
    """The client configuration with its private key, for the hand-over: shown
    exactly once (provisioning deletes the key afterwards), never cached."""
    import base64

    grant = get_object_or_404(selectors.grants_visible_to(request.user), pk=pk)
    peer = get_object_or_404(WireGuardPeer, grant=grant)
    from rathausmobil.access.provisioning import wireguard

    try:
        text = wireguard.client_config_once(peer, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("access:grant_detail", pk=grant.pk)
    qr = base64.b64encode(wireguard.qr_svg(text).encode()).decode()
    return render(
        request, "access/wireguard_config.html", {"grant": grant, "config": text, "qr": qr}
    )


@role_required(Role.IT, Role.HR)
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """Who should have which access now, as CSV (for gateways without an adapter)."""
    from rathausmobil.access.provisioning.export import export_response

    return export_response()


# --------------------------------------------------------------------------- capacity and rules


@role_required(Role.IT, Role.HR)
@require_GET
def capacity(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "access/capacity.html",
        {"rows": selectors.capacity(), "waiting": selectors.waiting_for_access()},
    )


@role_required(Role.IT, Role.HR)
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    current = AccessPolicy.current()
    form = PolicyForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_update(
                by=request.user,
                auto_grant=form.cleaned_data["auto_grant"],
                device_rule=form.cleaned_data["device_rule"],
                lead_days=form.cleaned_data["lead_days"],
            )
            messages.success(request, "Die Zugangsregeln sind gespeichert.")
            return redirect("access:policy")
        except DomainError as exc:
            form.add_error(None, exc.message)
    current.refresh_from_db()
    return render(request, "access/policy.html", {"form": form, "policy": current})


# --------------------------------------------------------------------------- employee


@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    grants = []
    if scope.employee_id:
        grants = selectors.with_grantable_from(
            selectors.grants_visible_to(request.user)
            .filter(employee_id=scope.employee_id)
            .order_by("-requested_at", "-pk")[:50]
        )
    return render(
        request,
        "access/mine.html",
        {"has_record": bool(scope.employee_id), "grants": grants, "today": timezone.localdate()},
    )

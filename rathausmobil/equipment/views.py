"""Pages of the equipment capability. Thin: parse, call a service or selector, render.

A page outside one's role answers 403; a record outside one's scope 404 (every
detail is fetched through a selector).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rathausmobil.core.audit import history_of
from rathausmobil.core.csvexport import csv_response
from rathausmobil.core.errors import DomainError
from rathausmobil.core.figures import kept
from rathausmobil.core.htmx import is_fragment, query_without, render_page
from rathausmobil.core.pagination import CURSOR_PARAMS, list_key, request_page
from rathausmobil.equipment import rollout, services
from rathausmobil.equipment.filters import DeviceFilter, HolderFilter, OrderFilter
from rathausmobil.equipment.forms import (
    CampaignForm,
    CancelForm,
    DeliveryForm,
    DeviceModelForm,
    DeviceStatusForm,
    HandOverForm,
    OrderForm,
    OrderLineFormSet,
    PersonSearchForm,
    ReceiptProblemForm,
    ResolveProblemForm,
    ReturnForm,
    ScanForm,
)
from rathausmobil.equipment.models import (
    MOBILE_WORKPLACE_KINDS,
    STATIONARY_WORKPLACE_KINDS,
    Assignment,
    Device,
    DeviceModel,
    DeviceStatus,
    OrderStatus,
)
from rathausmobil.equipment.selectors import (
    assignments_visible_to,
    current_campaign,
    device_find,
    devices_on_order,
    devices_visible_to,
    employee_candidates,
    holders_on,
    leaver_return_list,
    manages_equipment,
    my_assignments,
    open_assignment_of,
    open_assignments_of,
    orders_visible_to,
    orders_with_figures,
    receipt_problems_visible_to,
    rollout_history,
    rollout_projection,
    sees_device_list,
    sees_rollout,
    views_inventory,
)
from rathausmobil.equipment.workflow import DEVICE_WORKFLOW, MANUAL_DEVICE_ACTIONS
from rathausmobil.organisation.models import Employee
from rathausmobil.organisation.scoping import scope_for

PAGE_SIZE = 50
#: the stock list's order; the inventory number is unique, so its index serves alone
DEVICE_ORDER = ("inventory_number",)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# --------------------------------------------------------------------------- stock


@require_GET
def device_list(request: HttpRequest) -> HttpResponse:
    _require(sees_device_list(request.user))
    visible = devices_visible_to(request.user)
    filterset = DeviceFilter.for_page(request, visible)
    page = request_page(
        request, filterset.qs, ordering=DEVICE_ORDER, link="equipment:device_detail"
    )
    # the stock by status: a kept figure per scope, renewed by every write (core.figures)
    counts = kept(
        "equipment.devices_by_status",
        list_key(visible),
        lambda: dict(
            visible.order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        ),
    ).values
    full_inventory = views_inventory(request.user)
    context = {
        "filter": filterset,
        "page": page,
        "query": query_without(request, *CURSOR_PARAMS),
        # "bestellt" is what the orders still owe (the one figure of the orders page and
        # the dashboard); device records counted as ordered by an inventory file come apart.
        "on_order": devices_on_order() if full_inventory else None,
        "ordered_records": counts.get(DeviceStatus.ORDERED, 0),
        "status_counts": [
            (value, label, counts.get(value, 0))
            for value, label in DeviceStatus.choices
            if value != DeviceStatus.ORDERED
        ],
        "manages": manages_equipment(request.user),
        "full_inventory": full_inventory,
    }
    return render_page(request, "equipment/device_list.html", context, partial="results")


@require_GET
def device_detail(request: HttpRequest, pk: int) -> HttpResponse:
    device = get_object_or_404(devices_visible_to(request.user), pk=pk)
    return _device_page(request, device)


def _manual_actions(device: Device) -> list[tuple[str, str]]:
    """What IT may do by hand from the device's status, with the actions' words."""
    return [
        (action, DEVICE_WORKFLOW.action_label(action))
        for action in DEVICE_WORKFLOW.actions_from(device.status, among=MANUAL_DEVICE_ACTIONS)
    ]


def _device_page(request, device: Device, status_form=None, status=200):
    manages = manages_equipment(request.user)
    actions = _manual_actions(device)
    if manages and status_form is None and actions:
        status_form = DeviceStatusForm(actions=actions)
    return render(
        request,
        "equipment/device_detail.html",
        {
            "device": device,
            "assignments": assignments_visible_to(request.user).filter(device=device),
            "history": history_of(device)[:100] if views_inventory(request.user) else [],
            "manages": manages,
            "full_inventory": views_inventory(request.user),
            "status_form": status_form if manages and actions else None,
        },
        status=status,
    )


@require_POST
def device_status(request: HttpRequest, pk: int) -> HttpResponse:
    _require(manages_equipment(request.user))
    device = get_object_or_404(devices_visible_to(request.user), pk=pk)
    actions = _manual_actions(device)
    form = DeviceStatusForm(request.POST, actions=actions)
    if not form.is_valid():
        return _device_page(request, device, form)
    try:
        device = services.device_set_status(
            device=device,
            by=request.user,
            action=form.cleaned_data["action"],
            note=form.cleaned_data["note"],
        )
        messages.success(
            request, f"{device.inventory_number} ist jetzt „{device.get_status_display()}“."
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("equipment:device_detail", pk=device.pk)


# --------------------------------------------------------------------------- hand-over


@require_http_methods(["GET", "POST"])
def handover(request: HttpRequest) -> HttpResponse:
    """Scan (or type) the inventory number, pick the person, confirm."""
    _require(manages_equipment(request.user))
    if request.method == "POST":
        device = get_object_or_404(
            Device.objects.select_related("model"), pk=_int(request.POST.get("device"))
        )
        employee = get_object_or_404(
            Employee.objects.select_related("unit"), pk=_int(request.POST.get("employee"))
        )
        confirm = _confirm_context(device, employee, data=request.POST)
        form = confirm["confirm"]
        if not form.is_valid():
            # The person already holds a device of this kind and IT has not confirmed a
            # second one: the confirmation again, the box marked at the error.
            context = {
                "scan": ScanForm(initial={"inventarnummer": device.inventory_number}),
                "device": device,
                "employee": employee,
                **confirm,
            }
            return render(request, "equipment/handover.html", context)
        note = form.cleaned_data["note"].strip()
        if confirm["same_kind"]:
            held = ", ".join(a.device.inventory_number for a in confirm["same_kind"])
            note = " ".join(
                part
                for part in (
                    note,
                    f"Bewusst als weiteres Gerät dieser Art ausgegeben (hat {held}).",
                )
                if part
            )
        try:
            services.assignment_hand_over(
                device=device,
                employee=employee,
                by=request.user,
                note=note,
                return_stationary=form.cleaned_data["return_stationary"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("equipment:handover")
        messages.success(
            request,
            f"{device.inventory_number} ({device.model.name}) ist an {employee.full_name} "
            "ausgegeben. Die Empfangsbestätigung in der App steht aus.",
        )
        return redirect("equipment:handover")

    scan = ScanForm(request.GET if "inventarnummer" in request.GET else None)
    context: dict = {"scan": scan, "device": None, "preselected": None}
    if request.GET.get("beschaeftigte"):
        # Coming from a task "Gerät ausgeben an …": the person is chosen, the device next.
        context["preselected"] = get_object_or_404(
            Employee.objects.select_related("unit").filter(is_active=True),
            pk=_int(request.GET["beschaeftigte"]),
        )
    if scan.is_bound and scan.is_valid():
        text = scan.cleaned_data["inventarnummer"].strip()
        device = device_find(text)
        if device is None:
            scan.add_error(
                "inventarnummer", f"Kein Gerät mit der Inventarnummer „{text}“ gefunden."
            )
        elif device.status != DeviceStatus.IN_STOCK:
            current = open_assignment_of(device)
            reason = f"Das Gerät {device.inventory_number} ist „{device.get_status_display()}“"
            if current:
                reason += (
                    f" (an {current.employee.full_name} seit "
                    f"{timezone.localtime(current.handed_over_at):%d.%m.%Y})"
                )
            scan.add_error("inventarnummer", reason + " und kann nicht ausgegeben werden.")
            context["blocked"] = device
        else:
            context.update(_handover_person_step(request, device))
    return render_page(request, "equipment/handover.html", context, partial="people")


def _handover_person_step(request, device: Device) -> dict:
    context: dict = {"device": device, "employee": None, "candidates": None}
    search = PersonSearchForm(request.GET if "person" in request.GET else None)
    context["search"] = search
    if request.GET.get("beschaeftigte"):
        employee = get_object_or_404(
            Employee.objects.select_related("unit").filter(is_active=True),
            pk=_int(request.GET["beschaeftigte"]),
        )
        context["employee"] = employee
    elif search.is_bound and search.is_valid():
        text = search.cleaned_data["person"].strip()
        candidates = employee_candidates(text)
        if len(candidates) == 1 and candidates[0].personnel_number == text:
            context["employee"] = candidates[0]
        else:
            context["candidates"] = candidates
    employee = context["employee"]
    if employee is not None:
        context.update(_confirm_context(device, employee))
    return context


def _confirm_context(device: Device, employee: Employee, data=None) -> dict:
    """The confirmation step: what the person holds (since when), the devices of the same
    kind among them (a warning that needs a deliberate tick), the desktop to take back."""
    held = list(open_assignments_of(employee.pk))
    same_kind = [a for a in held if a.device.model.kind == device.model.kind]
    stationary = (
        [a.device for a in held if a.device.model.kind in STATIONARY_WORKPLACE_KINDS]
        if device.model.kind in MOBILE_WORKPLACE_KINDS
        else []
    )
    initial = {"device": device.pk, "employee": employee.pk, "return_stationary": bool(stationary)}
    return {
        "held": held,
        "same_kind": same_kind,
        "stationary": stationary,
        "confirm": HandOverForm(data, initial=initial, holds_same_kind=bool(same_kind)),
    }


# --------------------------------------------------------------------------- returns


@require_http_methods(["GET", "POST"])
def returns(request: HttpRequest) -> HttpResponse:
    """Leavers' devices first; scan a device to record its return."""
    _require(views_inventory(request.user))
    manages = manages_equipment(request.user)
    if request.method == "POST":
        _require(manages)
        form = ReturnForm(request.POST)
        if not form.is_valid():
            raise Http404
        assignment = get_object_or_404(
            Assignment.objects.select_related("device", "employee"),
            pk=form.cleaned_data["assignment"],
        )
        try:
            services.assignment_return(
                assignment=assignment,
                by=request.user,
                defective=form.cleaned_data["defective"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            where = "in Reparatur" if form.cleaned_data["defective"] else "im Lager"
            messages.success(
                request,
                f"Rückgabe von {assignment.device.inventory_number} durch "
                f"{assignment.employee.full_name} erfasst; das Gerät ist {where}. "
                "Die Bestätigung durch die/den Beschäftigte/n steht aus.",
            )
        return redirect("equipment:returns")

    context: dict = {"manages": manages, "scan": None, "assignment": None}
    if manages:
        scan = ScanForm(request.GET if "inventarnummer" in request.GET else None)
        context["scan"] = scan
        if scan.is_bound and scan.is_valid():
            text = scan.cleaned_data["inventarnummer"].strip()
            device = device_find(text)
            assignment = open_assignment_of(device) if device else None
            if device is None:
                scan.add_error(
                    "inventarnummer", f"Kein Gerät mit der Inventarnummer „{text}“ gefunden."
                )
            elif assignment is None:
                scan.add_error(
                    "inventarnummer",
                    f"Das Gerät {device.inventory_number} ist nicht ausgegeben "
                    f"(„{device.get_status_display()}“).",
                )
            else:
                context["assignment"] = assignment
                context["return_form"] = ReturnForm(initial={"assignment": assignment.pk})
    context["leavers"] = list(leaver_return_list()[:500])
    context["unconfirmed"] = (
        Assignment.objects.filter(returned_at__isnull=False, return_confirmed_at__isnull=True)
        .select_related("device__model", "employee__unit")
        .order_by("-returned_at")[:50]
    )
    context["today"] = timezone.localdate()
    return render(request, "equipment/returns.html", context)


# --------------------------------------------------------------------------- who holds what


def _holders_rows(request):
    day = None
    problem = ""
    raw = request.GET.get("stichtag", "").strip()
    if raw:
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            problem = "Bitte den Stichtag als Datum angeben."
    mobile_only = request.GET.get("alle") != "1"
    filterset = HolderFilter.for_page(request, holders_on(day, mobile_only=mobile_only))
    return filterset.qs, day, mobile_only, filterset.chosen("q"), problem


@require_GET
def holders(request: HttpRequest) -> HttpResponse:
    _require(views_inventory(request.user))
    rows, day, mobile_only, text, problem = _holders_rows(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "day": day,
        "mobile_only": mobile_only,
        "q": text,
        "problem": problem,
        "query": query_without(request, "page"),
    }
    return render_page(request, "equipment/holders.html", context, partial="results")


@require_GET
def holders_export(request: HttpRequest) -> HttpResponse:
    _require(views_inventory(request.user))
    rows, day, _mobile, _text, _problem = _holders_rows(request)
    header = [
        "Personalnummer",
        "Nachname",
        "Vorname",
        "Organisationseinheit",
        "Inventarnummer",
        "Seriennummer",
        "Modell",
        "Art",
        "ausgegeben am",
        "Empfang bestätigt am",
        "zurückgegeben am",
    ]

    def fmt(value):
        return timezone.localtime(value).strftime("%d.%m.%Y %H:%M") if value else ""

    def lines():
        for a in rows.iterator(chunk_size=2000):
            yield [
                a.employee.personnel_number,
                a.employee.last_name,
                a.employee.first_name,
                a.employee.unit.code,
                a.device.inventory_number,
                a.device.serial,
                a.device.model.name,
                a.device.model.get_kind_display(),
                fmt(a.handed_over_at),
                fmt(a.acknowledged_at),
                fmt(a.returned_at),
            ]

    suffix = f"-{day.isoformat()}" if day else ""
    return csv_response(f"geraete-ausgaben{suffix}.csv", header, lines())


# --------------------------------------------------------------------------- employee


@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    context = {"has_employee": bool(scope.employee_id), **my_assignments(scope.employee_id)}
    return render(request, "equipment/mine.html", context)


def _own_assignment(request, pk: int) -> Assignment:
    scope = scope_for(request.user)
    return get_object_or_404(
        assignments_visible_to(request.user).filter(employee_id=scope.employee_id or -1), pk=pk
    )


@require_POST
def assignment_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _own_assignment(request, pk)
    try:
        services.assignment_acknowledge(assignment=assignment, by=request.user)
        messages.success(
            request, f"Danke: Empfang von {assignment.device.inventory_number} ist bestätigt."
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return _mine_after_action(request)


@require_POST
def assignment_confirm_return(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _own_assignment(request, pk)
    try:
        services.assignment_confirm_return(assignment=assignment, by=request.user)
        messages.success(
            request, f"Danke: Rückgabe von {assignment.device.inventory_number} ist bestätigt."
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return _mine_after_action(request)


@require_POST
def assignment_report_problem(request: HttpRequest, pk: int) -> HttpResponse:
    """The holder answers "nicht erhalten" or "falsches Gerät" (the button pressed)."""
    assignment = _own_assignment(request, pk)
    form = ReceiptProblemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Bitte wählen Sie „Nicht erhalten“ oder „Falsches Gerät“."))
        return _mine_after_action(request)
    try:
        services.assignment_report_problem(
            assignment=assignment,
            by=request.user,
            problem=form.cleaned_data["problem"],
            note=form.cleaned_data["note"],
        )
        messages.success(
            request,
            _(
                "Danke: Ihre Rückmeldung zu %(device)s ist bei der IT. Sie klärt das und "
                "meldet sich bei Ihnen; hier sehen Sie, wenn es geklärt ist."
            )
            % {"device": assignment.device.inventory_number},
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return _mine_after_action(request)


def _mine_after_action(request):
    if is_fragment(request):
        scope = scope_for(request.user)
        # The fragment carries its own notice: the page around it does not reload.
        notices = list(messages.get_messages(request))
        context = {"has_employee": True, "notices": notices, **my_assignments(scope.employee_id)}
        return render(request, "equipment/mine.html#devices", context)
    return redirect("equipment:mine")


# --------------------------------------------------------------------------- receipt problems


@require_GET
def receipt_problems(request: HttpRequest) -> HttpResponse:
    """Employees' answers "nicht erhalten" / "falsches Gerät" that wait for IT."""
    _require(views_inventory(request.user))
    return _receipt_problems_page(request)


def _receipt_problems_page(request, *, failed: int | None = None, failed_form=None):
    manages = manages_equipment(request.user)
    rows = list(receipt_problems_visible_to(request.user)[:200])
    for row in rows:
        row.form = (
            failed_form
            if failed == row.pk
            else ResolveProblemForm(prefix=f"a{row.pk}")
            if manages
            else None
        )
    return render(
        request,
        "equipment/receipt_problems.html",
        {"rows": rows, "manages": manages},
    )


@require_POST
def assignment_resolve_problem(request: HttpRequest, pk: int) -> HttpResponse:
    _require(manages_equipment(request.user))
    assignment = get_object_or_404(receipt_problems_visible_to(request.user), pk=pk)
    form = ResolveProblemForm(request.POST, prefix=f"a{assignment.pk}")
    if form.is_valid():
        try:
            services.assignment_resolve_problem(
                assignment=assignment,
                by=request.user,
                note=form.cleaned_data["note"],
                take_back=form.cleaned_data["take_back"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            text = _("Die Rückmeldung von %(name)s zu %(device)s ist geklärt.") % {
                "name": assignment.employee.full_name,
                "device": assignment.device.inventory_number,
            }
            if form.cleaned_data["take_back"]:
                text += " " + _(
                    "Das Gerät ist zurück im Lager; das richtige Gerät geben Sie unter "
                    "„Ausgabe“ aus."
                )
            messages.success(request, text)
            return redirect("equipment:receipt_problems")
    return _receipt_problems_page(request, failed=assignment.pk, failed_form=form)


# --------------------------------------------------------------------------- orders


@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    _require(views_inventory(request.user))
    filterset = OrderFilter.for_page(request, orders_visible_to(request.user))
    orders = orders_with_figures(filterset.qs).order_by("-ordered_on", "-id")
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": filterset.chosen("status"),
        "statuses": OrderStatus.choices,
        "query": query_without(request, "page"),
        "on_order": devices_on_order(),
        "manages": manages_equipment(request.user),
    }
    return render_page(request, "equipment/order_list.html", context, partial="results")


@require_http_methods(["GET", "POST"])
def order_new(request: HttpRequest) -> HttpResponse:
    _require(manages_equipment(request.user))
    form = OrderForm(request.POST or None)
    lines = OrderLineFormSet(request.POST or None, prefix="pos")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.cleaned_data
        try:
            order = services.order_create(
                by=request.user,
                supplier=data["supplier"],
                number=data["number"],
                ordered_on=data["ordered_on"],
                expected_on=data["expected_on"],
                note=data["note"],
                lines=[
                    (line.cleaned_data["model"], line.cleaned_data["quantity"])
                    for line in lines
                    if line.cleaned_data.get("model")
                ],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Die Bestellung {order.number} ist angelegt.")
            return redirect("equipment:order_detail", pk=order.pk)
    return render(
        request,
        "equipment/order_form.html",
        {"form": form, "lines": lines, "has_models": DeviceModel.objects.exists()},
    )


@require_GET
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(views_inventory(request.user))
    order = get_object_or_404(orders_visible_to(request.user), pk=pk)
    return _order_page(request, order)


def _order_page(request, order, *, delivery_form=None, cancel_form=None, status=200):
    manages = manages_equipment(request.user)
    lines = list(order.lines.select_related("model"))
    can_change = manages and order.status in (OrderStatus.OPEN, OrderStatus.PARTIAL)
    return render(
        request,
        "equipment/order_detail.html",
        {
            "order": order,
            "lines": lines,
            "totals": {
                "quantity": sum(x.quantity for x in lines),
                "delivered": sum(x.delivered for x in lines),
                "cancelled": sum(x.cancelled for x in lines),
                "outstanding": sum(x.outstanding for x in lines),
            },
            "deliveries": order.deliveries.select_related("line__model", "received_by"),
            "history": order.history.select_related("by"),
            "delivery_form": (delivery_form or DeliveryForm(order=order)) if can_change else None,
            "cancel_form": (cancel_form or CancelForm()) if can_change else None,
        },
        status=status,
    )


@require_POST
def order_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    _require(manages_equipment(request.user))
    order = get_object_or_404(orders_visible_to(request.user), pk=pk)
    form = DeliveryForm(request.POST, order=order)
    if form.is_valid():
        data = form.cleaned_data
        try:
            delivery = services.order_deliver(
                order=order,
                by=request.user,
                line=data["line"],
                serials=services.parse_serials(data["serials"]),
                delivered_on=data["delivered_on"],
                delivery_note=data["delivery_note"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                f"Lieferung erfasst: {delivery.quantity} × {delivery.line.model.name} sind im Lager.",
            )
            return redirect("equipment:order_detail", pk=order.pk)
    order.refresh_from_db()
    return _order_page(request, order, delivery_form=form)


@require_POST
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    _require(manages_equipment(request.user))
    order = get_object_or_404(orders_visible_to(request.user), pk=pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.order_cancel_rest(
                order=order, by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.info(request, f"Der offene Rest der Bestellung {order.number} ist storniert.")
            return redirect("equipment:order_detail", pk=order.pk)
    order.refresh_from_db()
    return _order_page(request, order, cancel_form=form)


# --------------------------------------------------------------------------- models


@require_http_methods(["GET", "POST"])
def model_list(request: HttpRequest) -> HttpResponse:
    _require(views_inventory(request.user))
    manages = manages_equipment(request.user)
    form = DeviceModelForm(request.POST or None) if manages else None
    if request.method == "POST":
        _require(manages)
        if form.is_valid():
            data = form.cleaned_data
            try:
                model = services.device_model_create(
                    by=request.user,
                    name=data["name"],
                    kind=data["kind"],
                    manufacturer=data["manufacturer"],
                    model_number=data["model_number"],
                    is_mobile=form.is_mobile(),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Das Modell „{model.name}“ ist angelegt.")
                return redirect("equipment:model_list")
    models = DeviceModel.objects.annotate(
        total=Count("devices"),
        in_stock=Count("devices", filter=Q(devices__status=DeviceStatus.IN_STOCK)),
        assigned=Count("devices", filter=Q(devices__status=DeviceStatus.ASSIGNED)),
    ).order_by("kind", "name")
    return render(
        request, "equipment/model_list.html", {"models": models, "form": form, "manages": manages}
    )


# --------------------------------------------------------------------------- rollout


@require_http_methods(["GET", "POST"])
def rollout_page(request: HttpRequest) -> HttpResponse:
    _require(sees_rollout(request.user))
    manages = manages_equipment(request.user)
    campaign = current_campaign()
    form = None
    if manages:
        initial = (
            {
                "name": campaign.name,
                "start_date": campaign.start_date,
                "target_date": campaign.target_date,
            }
            if campaign
            else {"start_date": timezone.localdate()}
        )
        form = CampaignForm(request.POST or None, initial=initial)
    if request.method == "POST":
        _require(manages)
        if form.is_valid():
            try:
                campaign = services.rollout_campaign_save(
                    by=request.user, campaign=campaign, **form.cleaned_data
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Die Rollout-Kampagne ist gespeichert.")
                return redirect("equipment:rollout")
    projection = rollout_projection(campaign=campaign)
    points = rollout_history()
    chart = rollout.build_chart(
        points,
        projection,
        start_date=campaign.start_date if campaign else None,
        target_date=campaign.target_date if campaign else None,
    )
    return render(
        request,
        "equipment/rollout.html",
        {
            "campaign": campaign,
            "projection": projection,
            "chart": chart,
            "on_order": devices_on_order(),
            "form": form,
            "pace": rollout.de_number(projection.pace),
            "delivery_pace": rollout.de_number(projection.delivery_pace),
            "required_pace": rollout.de_number(projection.required_pace)
            if projection.required_pace is not None
            else None,
        },
    )

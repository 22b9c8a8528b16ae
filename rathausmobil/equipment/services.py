"""Writes of the equipment capability: models, device statuses, hand-over and
return, purchase orders with partial deliveries, the rollout campaign, retention.

Each service checks who acts and changes a status only through the workflows of
workflow.py (`DEVICE_WORKFLOW`, `ORDER_WORKFLOW`): they lock the row, check the move
against the table and write the history row (`core.StatusChange`) and the audit
event in the same transaction. Hand-overs keep their own rows (`Assignment`).
Domain errors carry a German message for the user (HTTP 409 in the API, 403 for a
missing right).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rathausmobil.core.audit import audit_event, audit_events_bulk
from rathausmobil.core.dates import add_months, german_date
from rathausmobil.core.errors import DomainError, NotAllowed
from rathausmobil.core.workflow import IllegalTransition  # noqa: F401 (importable from here)
from rathausmobil.equipment import hooks
from rathausmobil.equipment.models import (
    MOBILE_BY_DEFAULT,
    MOBILE_WORKPLACE_KINDS,
    OPEN_RECEIPT_PROBLEMS,
    STATIONARY_WORKPLACE_KINDS,
    Assignment,
    Delivery,
    Device,
    DeviceKind,
    DeviceModel,
    DeviceStatus,
    InventoryCounter,
    OrderLine,
    OrderStatus,
    PurchaseOrder,
    ReceiptProblem,
    RolloutCampaign,
)
from rathausmobil.equipment.workflow import (
    DEVICE_WORKFLOW,
    MANUAL_DEVICE_ACTIONS,
    ORDER_WORKFLOW,
    RECEIPT_WORKFLOW,
)
from rathausmobil.organisation.models import Employee, Role
from rathausmobil.organisation.scoping import scope_for

INVENTORY_PREFIX = "INV"
SERIAL_MAX = 80

User = AbstractBaseUser


def require_it(by: User | None) -> None:
    if not scope_for(by).has(Role.IT):
        raise NotAllowed(_("Geräte, Bestellungen und Ausgaben verwaltet die IT."))


def _actor(by: User | None) -> User | None:
    return by if getattr(by, "pk", None) else None


# --------------------------------------------------------------------------- models


def device_model_create(
    *,
    by: User,
    name: str,
    kind: str,
    manufacturer: str = "",
    model_number: str = "",
    is_mobile: bool | None = None,
) -> DeviceModel:
    require_it(by)
    name = " ".join(name.split())
    if not name:
        raise DomainError(_("Bitte den Namen des Modells angeben."), code="invalid")
    if kind not in DeviceKind.values:
        raise DomainError(_("Bitte die Geräteart wählen."), code="invalid")
    if DeviceModel.objects.filter(name__iexact=name).exists():
        raise DomainError(
            _("Das Modell „%(name)s“ gibt es schon.") % {"name": name}, code="duplicate"
        )
    model = DeviceModel.objects.create(
        name=name,
        kind=kind,
        manufacturer=manufacturer.strip(),
        model_number=model_number.strip(),
        is_mobile=(kind in MOBILE_BY_DEFAULT) if is_mobile is None else is_mobile,
    )
    audit_event(actor=by, action="angelegt", obj=model)
    return model


# --------------------------------------------------------------------------- devices


def _locked_device(pk: int) -> Device:
    return DEVICE_WORKFLOW.lock(Device(pk=pk), related=("model",))


def device_set_status(*, device: Device, by: User, action: str, note: str = "") -> Device:
    """Receive, send to repair, get back from repair, retire (by hand, IT only)."""
    require_it(by)
    if action not in MANUAL_DEVICE_ACTIONS:
        raise DomainError(_("Unbekannte Aktion."), code="invalid")
    with transaction.atomic():
        device = _locked_device(device.pk)
        to_status = DEVICE_WORKFLOW.target(action, device.status) or ""
        DEVICE_WORKFLOW.transition(device, to_status, action=action, by=by, reason=note.strip())
    return device


# --------------------------------------------------------------------------- hand-over and return


def _employee_label(employee: Employee) -> str:
    return f"{employee.full_name} ({employee.personnel_number})"


def _already_assigned(device: Device) -> DomainError:
    current = (
        Assignment.objects.filter(device=device, returned_at__isnull=True)
        .select_related("employee")
        .first()
    )
    if current is None:
        message = _(
            "Das Gerät %(device)s ist bereits an jemanden ausgegeben. "
            "Bitte zuerst die Rückgabe erfassen."
        ) % {"device": device.inventory_number}
    else:
        message = _(
            "Das Gerät %(device)s ist bereits an %(holder)s ausgegeben seit %(since)s. "
            "Bitte zuerst die Rückgabe erfassen."
        ) % {
            "device": device.inventory_number,
            "holder": _employee_label(current.employee),
            "since": german_date(current.handed_over_at),
        }
    return DomainError(message, code="already_assigned")


def assignment_hand_over(
    *,
    device: Device,
    employee: Employee,
    by: User,
    note: str = "",
    return_stationary: bool = False,
    at: dt.datetime | None = None,
    source: str = "",
) -> Assignment:
    """Hand a device in stock to an active employee.

    The device row is locked and its status checked, so a second hand-over of the
    same device (double click, two IT desks at once) is refused. With
    `return_stationary`, the stationary workplace devices the person holds are
    taken back in the same step (the rollout replaces them).
    """
    require_it(by)
    at = at or timezone.now()
    today = timezone.localdate(at)
    with transaction.atomic():
        device = _locked_device(device.pk)
        employee = Employee.objects.select_for_update(of=("self",)).get(pk=employee.pk)
        if not employee.is_active or employee.has_left(today):
            raise DomainError(
                _(
                    "%(employee)s ist ausgeschieden; an ausgeschiedene Beschäftigte werden "
                    "keine Geräte ausgegeben."
                )
                % {"employee": _employee_label(employee)},
                code="employee_left",
            )
        if device.status == DeviceStatus.ASSIGNED:
            raise _already_assigned(device)
        device.holder = employee
        DEVICE_WORKFLOW.transition(
            device,
            DeviceStatus.ASSIGNED,
            action="hand_over",
            by=by,
            reason=note.strip(),
            fields=["holder"],
            source=source,
            changes={"ausgegeben an": ["–", _employee_label(employee)]},
        )
        assignment = Assignment.objects.create(
            device=device,
            employee=employee,
            handed_over_at=at,
            handed_over_by=_actor(by),
            note=note.strip()[:500],
            source=source,
        )
        hooks.device_handed_over.send(employee.pk, device.pk)
        if return_stationary and device.model.kind in MOBILE_WORKPLACE_KINDS:
            replaced = Assignment.objects.filter(
                employee=employee,
                returned_at__isnull=True,
                device__model__kind__in=STATIONARY_WORKPLACE_KINDS,
            )
            for old in replaced:
                _return(
                    old.pk,
                    by=by,
                    defective=False,
                    note=f"Ersetzt durch {device.inventory_number}.",
                    at=at,
                )
    return assignment


def assignment_acknowledge(*, assignment: Assignment, by: User) -> Assignment:
    """The holder confirms the receipt. A second confirmation changes nothing."""
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("device")
            .get(pk=assignment.pk)
        )
        if scope_for(by).employee_id != assignment.employee_id:
            raise NotAllowed(_("Den Empfang bestätigt nur die Person, die das Gerät erhalten hat."))
        if assignment.acknowledged_at is not None:
            return assignment
        if assignment.returned_at is not None:
            raise DomainError(
                _(
                    "Das Gerät ist bereits zurückgegeben; der Empfang kann nicht mehr "
                    "bestätigt werden."
                ),
                code="already_returned",
            )
        assignment.acknowledged_at = timezone.now()
        assignment.save(update_fields=["acknowledged_at"])
        audit_event(actor=by, action="Empfang bestätigt", obj=assignment.device)
        if assignment.problem == ReceiptProblem.NOT_RECEIVED:
            # The device reported as not received has arrived after all.
            RECEIPT_WORKFLOW.transition(
                assignment,
                ReceiptProblem.RESOLVED,
                action="received",
                by=by,
                reason="Empfang nachträglich bestätigt.",
            )
    return assignment


REPORT_ACTIONS = {
    ReceiptProblem.NOT_RECEIVED: "report_not_received",
    ReceiptProblem.WRONG_DEVICE: "report_wrong_device",
}


def assignment_report_problem(
    *, assignment: Assignment, by: User, problem: str, note: str = ""
) -> Assignment:
    """The holder answers a hand-over with "nicht erhalten" or "falsches Gerät" (and an
    optional note); IT sees it among its tasks and clears it (`assignment_resolve_problem`)."""
    if problem not in REPORT_ACTIONS:
        raise DomainError(
            _("Bitte wählen Sie „nicht erhalten“ oder „falsches Gerät“."), code="invalid"
        )
    note = " ".join((note or "").split())[:500]
    with transaction.atomic():
        assignment = RECEIPT_WORKFLOW.lock(assignment, related=("device",))
        if scope_for(by).employee_id != assignment.employee_id:
            raise NotAllowed(
                _("Eine Rückmeldung zum Empfang gibt nur die Person, an die das Gerät ging.")
            )
        if assignment.returned_at is not None:
            raise DomainError(
                _("Das Gerät ist bereits zurückgegeben; eine Rückmeldung ist nicht mehr nötig."),
                code="already_returned",
            )
        if assignment.problem in OPEN_RECEIPT_PROBLEMS:
            raise DomainError(
                _("Zu %(device)s liegt schon Ihre Rückmeldung „%(problem)s“ vor; die IT klärt sie.")
                % {
                    "device": assignment.device.inventory_number,
                    "problem": ReceiptProblem(assignment.problem).label,
                },
                code="already_reported",
            )
        if problem == ReceiptProblem.NOT_RECEIVED and assignment.acknowledged_at is not None:
            raise DomainError(
                _(
                    "Sie haben den Empfang von %(device)s bereits bestätigt. Stimmt etwas "
                    "mit dem Gerät nicht, melden Sie bitte „falsches Gerät“."
                )
                % {"device": assignment.device.inventory_number},
                code="already_acknowledged",
            )
        assignment.problem_note = note
        assignment.problem_reported_at = timezone.now()
        assignment.problem_resolution = ""
        assignment.problem_resolved_at = None
        assignment.problem_resolved_by = None
        RECEIPT_WORKFLOW.transition(
            assignment,
            problem,
            action=REPORT_ACTIONS[problem],
            by=by,
            reason=note,
            fields=(
                "problem_note",
                "problem_reported_at",
                "problem_resolution",
                "problem_resolved_at",
                "problem_resolved_by",
            ),
            changes={"Rückmeldung": ["–", str(ReceiptProblem(problem).label)]},
        )
        audit_event(
            actor=by,
            action=f"Empfang beanstandet: {ReceiptProblem(problem).label}",
            obj=assignment.device,
            reason=note,
        )
    return assignment


def assignment_resolve_problem(
    *, assignment: Assignment, by: User, note: str, take_back: bool = False
) -> Assignment:
    """IT clears an employee's "nicht erhalten" / "falsches Gerät": with a note saying
    what was done, and with `take_back` the hand-over is closed and the device goes back
    to stock in the same step (it never reached the person, or it was the wrong one)."""
    require_it(by)
    note = " ".join((note or "").split())[:500]
    if not note:
        raise DomainError(
            _("Bitte schreiben Sie kurz, wie die Rückmeldung geklärt ist."), code="invalid"
        )
    with transaction.atomic():
        assignment = RECEIPT_WORKFLOW.lock(assignment, related=("device",))
        if assignment.problem not in OPEN_RECEIPT_PROBLEMS:
            raise DomainError(
                _("Zu %(device)s ist keine Rückmeldung offen.")
                % {"device": assignment.device.inventory_number},
                code="nothing_open",
            )
        reported = ReceiptProblem(assignment.problem).label
        if take_back:
            if assignment.returned_at is None:
                _return(
                    assignment.pk,
                    by=by,
                    defective=False,
                    note=f"Rückmeldung „{reported}“ geklärt: {note}",
                    at=None,
                )
            assignment.refresh_from_db()
        assignment.problem_resolution = note
        assignment.problem_resolved_at = timezone.now()
        assignment.problem_resolved_by = _actor(by)
        RECEIPT_WORKFLOW.transition(
            assignment,
            ReceiptProblem.RESOLVED,
            action="resolve",
            by=by,
            reason=note,
            fields=("problem_resolution", "problem_resolved_at", "problem_resolved_by"),
        )
        audit_event(
            actor=by,
            action="Rückmeldung zum Empfang geklärt",
            obj=assignment.device,
            changes={"Rückmeldung": [str(reported), str(ReceiptProblem.RESOLVED.label)]},
            reason=note,
        )
    return assignment


def _return(
    assignment_pk: int, *, by: User | None, defective: bool, note: str, at: dt.datetime | None
) -> Assignment:
    assignment = Assignment.objects.select_for_update(of=("self",)).get(pk=assignment_pk)
    device = _locked_device(assignment.device_id)
    if assignment.returned_at is not None:
        raise DomainError(
            _("Die Rückgabe von %(device)s ist bereits erfasst (am %(date)s).")
            % {"device": device.inventory_number, "date": german_date(assignment.returned_at)},
            code="already_returned",
        )
    to_status = DeviceStatus.REPAIR if defective else DeviceStatus.IN_STOCK
    holder = Employee.objects.get(pk=assignment.employee_id)
    device.holder = None
    DEVICE_WORKFLOW.transition(
        device,
        to_status,
        action="return",
        by=by,
        reason=note.strip(),
        fields=["holder"],
        changes={
            "ausgegeben an": [_employee_label(holder), "–"],
            "Status": [str(DeviceStatus.ASSIGNED.label), str(DeviceStatus(to_status).label)],
        },
    )
    assignment.returned_at = max(at or timezone.now(), assignment.handed_over_at)
    assignment.returned_by = _actor(by)
    assignment.returned_defective = defective
    assignment.return_note = note.strip()[:500]
    assignment.save(
        update_fields=["returned_at", "returned_by", "returned_defective", "return_note"]
    )
    return assignment


def assignment_return(
    *,
    assignment: Assignment,
    by: User,
    defective: bool = False,
    note: str = "",
    at: dt.datetime | None = None,
) -> Assignment:
    """IT records the return: the device goes back to stock (or to repair if defective)."""
    require_it(by)
    with transaction.atomic():
        return _return(assignment.pk, by=by, defective=defective, note=note, at=at)


def assignment_confirm_return(*, assignment: Assignment, by: User) -> Assignment:
    """The former holder confirms the return IT recorded. A second confirmation changes nothing."""
    with transaction.atomic():
        assignment = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("device")
            .get(pk=assignment.pk)
        )
        if scope_for(by).employee_id != assignment.employee_id:
            raise NotAllowed(_("Die Rückgabe bestätigt nur die Person, die das Gerät hatte."))
        if assignment.returned_at is None:
            raise DomainError(
                _(
                    "Die IT hat die Rückgabe noch nicht erfasst; bitte geben Sie das Gerät "
                    "bei der IT ab."
                ),
                code="not_returned",
            )
        if assignment.return_confirmed_at is None:
            assignment.return_confirmed_at = timezone.now()
            assignment.save(update_fields=["return_confirmed_at"])
            audit_event(actor=by, action="Rückgabe bestätigt", obj=assignment.device)
    return assignment


# --------------------------------------------------------------------------- orders


def _next_order_number(year: int) -> str:
    prefix = f"B-{year}-"
    n = PurchaseOrder.objects.filter(number__startswith=prefix).count() + 1
    while PurchaseOrder.objects.filter(number=f"{prefix}{n:04d}").exists():
        n += 1
    return f"{prefix}{n:04d}"


def _next_inventory_numbers(count: int, year: int) -> list[str]:
    """`INV-<year>-00001` onwards, skipping numbers already taken (imports)."""
    counter, _created = InventoryCounter.objects.select_for_update().get_or_create(year=year)
    numbers: list[str] = []
    while len(numbers) < count:
        need = count - len(numbers)
        batch = [f"{INVENTORY_PREFIX}-{year}-{counter.last + i:05d}" for i in range(1, need + 1)]
        counter.last += need
        taken = set(
            Device.objects.filter(inventory_number__in=batch).values_list(
                "inventory_number", flat=True
            )
        )
        numbers.extend(n for n in batch if n not in taken)
    counter.save(update_fields=["last"])
    return numbers


def _outstanding_text(order: PurchaseOrder) -> str:
    parts = [
        f"{line.outstanding} × {line.model.name}"
        for line in order.lines.select_related("model")
        if line.outstanding
    ]
    return ", ".join(parts) if parts else "nichts"


def order_create(
    *,
    by: User,
    supplier: str,
    ordered_on: dt.date,
    lines: Iterable[tuple[DeviceModel, int]],
    expected_on: dt.date | None = None,
    number: str = "",
    note: str = "",
) -> PurchaseOrder:
    require_it(by)
    supplier = " ".join((supplier or "").split())
    lines = [(model, int(quantity)) for model, quantity in lines if model and quantity]
    problems = []
    if not supplier:
        problems.append(_("Bitte den Lieferanten angeben."))
    if not lines:
        problems.append(_("Eine Bestellung braucht mindestens eine Position (Modell und Menge)."))
    if any(quantity <= 0 for _m, quantity in lines):
        problems.append(_("Die Menge muss größer als 0 sein."))
    models_seen = [model.pk for model, _q in lines]
    if len(models_seen) != len(set(models_seen)):
        problems.append(_("Jedes Modell bitte nur in einer Position bestellen."))
    if expected_on and expected_on < ordered_on:
        problems.append(_("Der erwartete Liefertermin liegt vor dem Bestelldatum."))
    number = number.strip()
    if number and PurchaseOrder.objects.filter(number=number).exists():
        problems.append(_("Die Bestellnummer „%(number)s“ gibt es schon.") % {"number": number})
    if problems:
        raise DomainError(" ".join(problems), code="invalid")
    with transaction.atomic():
        order = PurchaseOrder.objects.create(
            number=number or _next_order_number(ordered_on.year),
            supplier=supplier,
            ordered_on=ordered_on,
            expected_on=expected_on,
            status=OrderStatus.OPEN,
            note=note.strip(),
            created_by=_actor(by),
        )
        OrderLine.objects.bulk_create(
            [OrderLine(order=order, model=model, quantity=quantity) for model, quantity in lines]
        )
        summary = ", ".join(f"{quantity} × {model.name}" for model, quantity in lines)
        ORDER_WORKFLOW.start(order, action="create", by=by, reason=summary)
    return order


def parse_serials(text: str) -> list[str]:
    """Serials one per line (as a scanner or a delivery note's list gives them)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _serial_problems(serials: list[str]) -> list[str]:
    problems = []
    if not serials:
        problems.append(
            _("Bitte die Seriennummern der gelieferten Geräte angeben, eine pro Zeile.")
        )
    seen: set[str] = set()
    for serial in serials:
        if len(serial) > SERIAL_MAX:
            problems.append(
                _("Die Seriennummer „%(serial)s…“ ist zu lang (höchstens %(max)s).")
                % {"serial": serial[:20], "max": SERIAL_MAX}
            )
        if serial in seen:
            problems.append(
                _("Die Seriennummer „%(serial)s“ steht doppelt in der Liste.") % {"serial": serial}
            )
        seen.add(serial)
    return problems


def order_deliver(
    *,
    order: PurchaseOrder,
    by: User,
    line: OrderLine,
    serials: list[str],
    delivered_on: dt.date | None = None,
    delivery_note: str = "",
) -> Delivery:
    """Record a (partial) delivery: a device in stock with a new inventory number for each
    serial; whatever is not delivered stays on order."""
    require_it(by)
    today = timezone.localdate()
    delivered_on = delivered_on or today
    serials = [s.strip() for s in serials if s and s.strip()]
    problems = _serial_problems(serials)
    if delivered_on > today:
        problems.append(_("Das Lieferdatum liegt in der Zukunft."))
    if problems:
        raise DomainError(" ".join(problems), code="invalid")
    with transaction.atomic():
        order = ORDER_WORKFLOW.lock(order)
        line = (
            OrderLine.objects.select_for_update(of=("self",))
            .select_related("model")
            .filter(order=order, pk=line.pk)
            .first()
        )
        if line is None:
            raise DomainError(_("Diese Position gehört nicht zu der Bestellung."), code="invalid")
        if order.status not in (OrderStatus.OPEN, OrderStatus.PARTIAL):
            ORDER_WORKFLOW.check(order, OrderStatus.PARTIAL, "deliver")
        if delivered_on < order.ordered_on:
            raise DomainError(_("Das Lieferdatum liegt vor dem Bestelldatum."), code="invalid")
        if len(serials) > line.outstanding:
            raise DomainError(
                _(
                    "Offen sind nur noch %(outstanding)s × %(model)s; die Liste enthält "
                    "%(count)s Seriennummern."
                )
                % {
                    "outstanding": line.outstanding,
                    "model": line.model.name,
                    "count": len(serials),
                },
                code="over_delivery",
            )
        known = sorted(
            Device.objects.filter(model=line.model, serial__in=serials).values_list(
                "serial", flat=True
            )
        )
        if known:
            raise DomainError(
                _("Schon als Gerät erfasst: %(serials)s. Bitte die Seriennummern prüfen.")
                % {"serials": ", ".join(known[:10]) + (" …" if len(known) > 10 else "")},
                code="duplicate_serial",
            )
        delivery = Delivery.objects.create(
            order=order,
            line=line,
            delivered_on=delivered_on,
            quantity=len(serials),
            delivery_note=delivery_note.strip()[:64],
            received_by=_actor(by),
        )
        numbers = _next_inventory_numbers(len(serials), delivered_on.year)
        warranty = add_months(delivered_on, line.warranty_months)
        devices = Device.objects.bulk_create(
            [
                Device(
                    inventory_number=number,
                    serial=serial,
                    model=line.model,
                    status=DeviceStatus.IN_STOCK,
                    purchase_date=order.ordered_on,
                    warranty_until=warranty,
                    order_line=line,
                    delivery=delivery,
                )
                for number, serial in zip(numbers, serials, strict=True)
            ],
            batch_size=1000,
        )
        line.delivered += len(serials)
        line.save(update_fields=["delivered"])
        if not devices or devices[0].pk is None:  # backends without RETURNING
            devices = list(Device.objects.filter(delivery=delivery))
        DEVICE_WORKFLOW.start_many(
            devices, action="create", by=by, source=f"Lieferung {order.number}"
        )
        rest = _outstanding_text(order)
        to_status = OrderStatus.COMPLETE if rest == "nichts" else OrderStatus.PARTIAL
        note = f"{len(serials)} × {line.model.name} geliefert am {german_date(delivered_on)}"
        if delivery.delivery_note:
            note += f" (Lieferschein {delivery.delivery_note})"
        ORDER_WORKFLOW.transition(
            order, to_status, action="deliver", by=by, reason=f"{note}; noch offen: {rest}."
        )
    return delivery


def order_cancel_rest(*, order: PurchaseOrder, by: User, reason: str) -> PurchaseOrder:
    """Cancel whatever of the order has not been delivered."""
    require_it(by)
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(_("Bitte angeben, warum der Rest storniert wird."), code="invalid")
    with transaction.atomic():
        order = ORDER_WORKFLOW.lock(order)
        lines = list(
            OrderLine.objects.select_for_update(of=("self",))
            .select_related("model")
            .filter(order=order)
        )
        open_lines = [line for line in lines if line.outstanding > 0]
        if not open_lines:
            raise DomainError(
                _("Von der Bestellung %(number)s ist nichts mehr offen.")
                % {"number": order.number},
                code="nothing_open",
            )
        delivered = any(line.delivered for line in lines)
        to_status = OrderStatus.COMPLETE if delivered else OrderStatus.CANCELLED
        cancelled = ", ".join(f"{line.outstanding} × {line.model.name}" for line in open_lines)
        ORDER_WORKFLOW.transition(
            order,
            to_status,
            action="cancel",
            by=by,
            reason=f"Storniert: {cancelled}. Grund: {reason}",
        )
        for line in open_lines:
            line.cancelled += line.outstanding
        OrderLine.objects.bulk_update(open_lines, ["cancelled"])
    return order


# --------------------------------------------------------------------------- rollout


def rollout_campaign_save(
    *,
    by: User,
    name: str,
    start_date: dt.date,
    target_date: dt.date,
    campaign: RolloutCampaign | None = None,
) -> RolloutCampaign:
    require_it(by)
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Bitte die Kampagne benennen."), code="invalid")
    if target_date <= start_date:
        raise DomainError(_("Der Zieltermin muss nach dem Beginn liegen."), code="invalid")
    with transaction.atomic():
        if campaign is None:
            campaign = RolloutCampaign.objects.create(
                name=name, start_date=start_date, target_date=target_date
            )
            audit_event(actor=by, action="angelegt", obj=campaign)
            return campaign
        campaign = RolloutCampaign.objects.select_for_update().get(pk=campaign.pk)
        changes = {}
        for field, label, new in (
            ("name", "Bezeichnung", name),
            ("start_date", "Beginn", start_date),
            ("target_date", "Zieltermin", target_date),
        ):
            old = getattr(campaign, field)
            if old != new:
                changes[label] = [
                    german_date(old) if isinstance(old, dt.date) else old,
                    german_date(new) if isinstance(new, dt.date) else new,
                ]
                setattr(campaign, field, new)
        if changes:
            campaign.save()
            audit_event(actor=by, action="geändert", obj=campaign, changes=changes)
    return campaign


# --------------------------------------------------------------------------- retention


def assignments_delete_expired(*, today: dt.date | None = None) -> int:
    """Delete hand-over records one year (setting DEVICE_HANDOVER_RETENTION_DAYS) after the
    return; each deletion is written to the device's audit trail."""
    today = today or timezone.localdate()
    days = getattr(settings, "DEVICE_HANDOVER_RETENTION_DAYS", 365)
    cutoff = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days), dt.time()))
    expired = list(
        Assignment.objects.filter(returned_at__lt=cutoff).select_related("device", "employee")
    )
    if not expired:
        return 0
    with transaction.atomic():
        audit_events_bulk(
            audit_event(
                actor=None,
                action="Ausgabe gelöscht (Aufbewahrungsfrist)",
                obj=a.device,
                changes={
                    "Ausgabe": [
                        f"{_employee_label(a.employee)}, {german_date(a.handed_over_at)} bis "
                        f"{german_date(a.returned_at)}",
                        "–",
                    ]
                },
                reason=f"Rückgabe liegt mehr als {days} Tage zurück.",
                source="Aufbewahrungsfrist",
                save=False,
            )
            for a in expired
        )
        Assignment.objects.filter(pk__in=[a.pk for a in expired]).delete()
    return len(expired)

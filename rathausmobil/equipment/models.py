"""Devices, purchase orders, hand-overs and the rollout campaign.

Statuses change only through services.py, by the workflows in workflow.py (the
allowed transitions; each model's `history` lists its `core.StatusChange` rows).
Who holds which device, and since when, is answered by the `Assignment` rows: one
per hand-over, kept with its dates after the return.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class DeviceKind(models.TextChoices):
    NOTEBOOK = "notebook", _("Notebook")
    TABLET = "tablet", _("Tablet")
    PHONE = "phone", _("Smartphone")
    HEADSET = "headset", _("Headset")
    MONITOR = "monitor", _("Monitor")
    DOCKING = "docking", _("Dockingstation")
    DESKTOP = "desktop", _("Arbeitsplatzrechner (stationär)")


# The rollout replaces stationary workplace devices by mobile workplace devices.
MOBILE_WORKPLACE_KINDS = (DeviceKind.NOTEBOOK, DeviceKind.TABLET)
STATIONARY_WORKPLACE_KINDS = (DeviceKind.DESKTOP,)
# Kinds that are carried around by default (a model may say otherwise).
MOBILE_BY_DEFAULT = (DeviceKind.NOTEBOOK, DeviceKind.TABLET, DeviceKind.PHONE, DeviceKind.HEADSET)


class DeviceStatus(models.TextChoices):
    ORDERED = "ordered", _("bestellt")
    IN_STOCK = "in_stock", _("auf Lager")
    ASSIGNED = "assigned", _("ausgegeben")
    REPAIR = "repair", _("in Reparatur")
    RETIRED = "retired", _("ausgemustert")


class DeviceModel(models.Model):
    """A product, e.g. "Lenovo ThinkPad T14": its kind and whether it leaves the building."""

    name = models.CharField(_("Modell"), max_length=120, unique=True)
    manufacturer = models.CharField(_("Hersteller"), max_length=80, blank=True)
    model_number = models.CharField(_("Modellnummer"), max_length=80, blank=True)
    kind = models.CharField(_("Art"), max_length=16, choices=DeviceKind.choices)
    is_mobile = models.BooleanField(
        _("mobil"),
        default=True,
        help_text=_(
            "Mobile Geräte verlassen das Haus; wer welches mobile Gerät hat, muss jederzeit "
            "nachvollziehbar sein (BSI)."
        ),
    )

    class Meta:
        verbose_name = _("Gerätemodell")
        verbose_name_plural = _("Gerätemodelle")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_mobile_workplace(self) -> bool:
        return self.kind in MOBILE_WORKPLACE_KINDS


class Device(models.Model):
    inventory_number = models.CharField(_("Inventarnummer"), max_length=32, unique=True)
    serial = models.CharField(_("Seriennummer"), max_length=80, blank=True, db_index=True)
    model = models.ForeignKey(
        DeviceModel, on_delete=models.PROTECT, related_name="devices", verbose_name=_("Modell")
    )
    status = models.CharField(
        _("Status"),
        max_length=16,
        choices=DeviceStatus.choices,
        default=DeviceStatus.IN_STOCK,
        db_index=True,
    )
    # Kept in step with the open assignment by the services, so that lists need no join.
    holder = models.ForeignKey(
        "organisation.Employee",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices_held",
        verbose_name=_("ausgegeben an"),
    )
    purchase_date = models.DateField(_("Kaufdatum"), null=True, blank=True)
    warranty_until = models.DateField(_("Garantie bis"), null=True, blank=True)
    notes = models.TextField(_("Bemerkung"), blank=True)
    order_line = models.ForeignKey(
        "OrderLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("Bestellposition"),
    )
    delivery = models.ForeignKey(
        "Delivery",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("Lieferung"),
    )
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)
    # Every status change (core.StatusChange, written by workflow.DEVICE_WORKFLOW).
    history = GenericRelation("core.StatusChange")

    class Meta:
        verbose_name = _("Gerät")
        verbose_name_plural = _("Geräte")
        ordering = ["inventory_number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="assigned", holder__isnull=False)
                | (~Q(status="assigned") & Q(holder__isnull=True)),
                name="device_holder_iff_assigned",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.inventory_number} {self.model.name}" if self.model_id else self.inventory_number
        )


class ReceiptProblem(models.TextChoices):
    """The employee's answer to a hand-over other than "erhalten", and IT's clearing.

    The status of `Assignment.problem`, moved only by `workflow.RECEIPT_WORKFLOW`
    ("" is "nothing reported")."""

    NOT_RECEIVED = "not_received", _("nicht erhalten")
    WRONG_DEVICE = "wrong_device", _("falsches Gerät")
    RESOLVED = "resolved", _("geklärt")


OPEN_RECEIPT_PROBLEMS = (ReceiptProblem.NOT_RECEIVED, ReceiptProblem.WRONG_DEVICE)


class Assignment(models.Model):
    """One hand-over of a device to an employee, kept after the return (BSI).

    Open while `returned_at` is empty; at most one open assignment per device.
    The employee acknowledges the receipt (or answers "nicht erhalten" / "falsches
    Gerät", which IT clears), IT records the return, the employee confirms the return.
    """

    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("Gerät")
    )
    employee = models.ForeignKey(
        "organisation.Employee",
        on_delete=models.PROTECT,
        related_name="device_assignments",
        verbose_name=_("Beschäftigte/r"),
    )
    handed_over_at = models.DateTimeField(_("ausgegeben am"), db_index=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ausgegeben durch"),
    )
    note = models.CharField(_("Bemerkung zur Ausgabe"), max_length=500, blank=True)
    acknowledged_at = models.DateTimeField(_("Empfang bestätigt am"), null=True, blank=True)
    returned_at = models.DateTimeField(_("zurückgegeben am"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Rücknahme durch"),
    )
    returned_defective = models.BooleanField(_("defekt zurückgegeben"), default=False)
    return_note = models.CharField(_("Bemerkung zur Rückgabe"), max_length=500, blank=True)
    return_confirmed_at = models.DateTimeField(_("Rückgabe bestätigt am"), null=True, blank=True)
    source = models.CharField(_("Quelle"), max_length=64, blank=True)
    # The employee's answer "nicht erhalten" / "falsches Gerät" and IT's clearing of it
    # (status moved by workflow.RECEIPT_WORKFLOW; its history is `history`).
    problem = models.CharField(
        _("Rückmeldung zum Empfang"),
        max_length=16,
        choices=ReceiptProblem.choices,
        blank=True,
        default="",
    )
    problem_note = models.CharField(_("Hinweis der/des Beschäftigten"), max_length=500, blank=True)
    problem_reported_at = models.DateTimeField(_("gemeldet am"), null=True, blank=True)
    problem_resolution = models.CharField(_("Klärung durch die IT"), max_length=500, blank=True)
    problem_resolved_at = models.DateTimeField(_("geklärt am"), null=True, blank=True)
    problem_resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("geklärt durch"),
    )
    history = GenericRelation("core.StatusChange")

    class Meta:
        verbose_name = _("Ausgabe")
        verbose_name_plural = _("Ausgaben")
        ordering = ["-handed_over_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["device"],
                condition=Q(returned_at__isnull=True),
                name="one_open_assignment_per_device",
            ),
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True) | Q(returned_at__gte=F("handed_over_at")),
                name="assignment_returned_after_handover",
            ),
        ]
        indexes = [
            models.Index(fields=["employee", "returned_at"], name="assignment_holder_idx"),
            models.Index(
                fields=["problem_reported_at"],
                condition=Q(problem__in=["not_received", "wrong_device"]),
                name="assignment_open_problem_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} → {self.employee_id}"

    @property
    def has_open_problem(self) -> bool:
        return self.problem in OPEN_RECEIPT_PROBLEMS

    @property
    def is_open(self) -> bool:
        return self.returned_at is None

    @property
    def state(self) -> str:
        if self.returned_at is None:
            return "acknowledged" if self.acknowledged_at else "handed_over"
        return "closed" if self.return_confirmed_at else "returned"

    @property
    def state_label(self) -> str:
        return str(ASSIGNMENT_STATE_LABELS[self.state])


ASSIGNMENT_STATE_LABELS = {
    "handed_over": _("ausgegeben, Empfang nicht bestätigt"),
    "acknowledged": _("ausgegeben, Empfang bestätigt"),
    "returned": _("zurückgegeben, Bestätigung steht aus"),
    "closed": _("zurückgegeben und bestätigt"),
}


class OrderStatus(models.TextChoices):
    OPEN = "open", _("bestellt")
    PARTIAL = "partial", _("teilweise geliefert")
    COMPLETE = "complete", _("abgeschlossen")
    CANCELLED = "cancelled", _("storniert")


class PurchaseOrder(models.Model):
    number = models.CharField(_("Bestellnummer"), max_length=32, unique=True)
    supplier = models.CharField(_("Lieferant"), max_length=200)
    ordered_on = models.DateField(_("bestellt am"))
    expected_on = models.DateField(_("Liefertermin erwartet"), null=True, blank=True)
    status = models.CharField(
        _("Status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.OPEN
    )
    note = models.TextField(_("Bemerkung"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("angelegt durch"),
    )
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)
    # Every status change and every delivery (core.StatusChange, workflow.ORDER_WORKFLOW).
    history = GenericRelation("core.StatusChange")

    class Meta:
        verbose_name = _("Bestellung")
        verbose_name_plural = _("Bestellungen")
        ordering = ["-ordered_on", "-id"]

    def __str__(self) -> str:
        return f"{self.number} ({self.supplier})"


class OrderLine(models.Model):
    """One model on an order. On order = quantity − delivered − cancelled."""

    order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="lines", verbose_name=_("Bestellung")
    )
    model = models.ForeignKey(
        DeviceModel, on_delete=models.PROTECT, related_name="order_lines", verbose_name=_("Modell")
    )
    quantity = models.PositiveIntegerField(_("Menge"))
    delivered = models.PositiveIntegerField(_("geliefert"), default=0)
    cancelled = models.PositiveIntegerField(_("storniert"), default=0)
    warranty_months = models.PositiveSmallIntegerField(_("Garantie (Monate)"), default=36)

    class Meta:
        verbose_name = _("Bestellposition")
        verbose_name_plural = _("Bestellpositionen")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=F("delivered") + F("cancelled")),
                name="order_line_not_over_delivered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.model}"

    @property
    def outstanding(self) -> int:
        return self.quantity - self.delivered - self.cancelled


class Delivery(models.Model):
    """A (partial) delivery against one order line: the devices it brought."""

    order = models.ForeignKey(
        PurchaseOrder,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("Bestellung"),
    )
    line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("Position")
    )
    delivered_on = models.DateField(_("geliefert am"))
    quantity = models.PositiveIntegerField(_("Menge"))
    delivery_note = models.CharField(_("Lieferschein"), max_length=64, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("angenommen durch"),
    )
    created_at = models.DateTimeField(_("erfasst"), auto_now_add=True)

    class Meta:
        verbose_name = _("Lieferung")
        verbose_name_plural = _("Lieferungen")
        ordering = ["delivered_on", "id"]

    def __str__(self) -> str:
        return f"{self.delivered_on:%d.%m.%Y}: {self.quantity} × {self.line.model}"


class InventoryCounter(models.Model):
    """The last inventory number handed out per year (`INV-2026-00042`), locked while counting."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("Zähler Inventarnummern")
        verbose_name_plural = _("Zähler Inventarnummern")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class RolloutCampaign(models.Model):
    """Replace all stationary workplace devices by mobile ones by a target date."""

    name = models.CharField(_("Bezeichnung"), max_length=200)
    start_date = models.DateField(
        _("Beginn"), help_text=_("Ab hier steigt die Soll-Linie von 0 auf 100 %.")
    )
    target_date = models.DateField(_("Zieltermin"))
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)

    class Meta:
        verbose_name = _("Rollout-Kampagne")
        verbose_name_plural = _("Rollout-Kampagnen")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_date__gt=F("start_date")), name="rollout_target_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name

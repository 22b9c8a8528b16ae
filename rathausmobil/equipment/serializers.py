"""Serializers of the equipment API: representations out, request bodies in.

Bodies are checked for types and presence only (HTTP 400); every rule of the
domain stays in services.py and answers 409 (403 for a missing right).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from rathausmobil.core.models import StatusChange
from rathausmobil.equipment.models import (
    Assignment,
    Delivery,
    Device,
    OrderLine,
    PurchaseOrder,
)
from rathausmobil.organisation.models import Employee


class DeviceErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("Meldung auf Deutsch"))
    code = serializers.CharField(required=False)


class DeviceHolderSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Employee
        fields = ["id", "personnel_number", "last_name", "first_name", "unit"]


class DeviceSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name", read_only=True)
    manufacturer = serializers.CharField(source="model.manufacturer", read_only=True)
    kind = serializers.CharField(source="model.kind", read_only=True)
    is_mobile = serializers.BooleanField(source="model.is_mobile", read_only=True)
    holder = DeviceHolderSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Device
        fields = [
            "id",
            "inventory_number",
            "serial",
            "model",
            "manufacturer",
            "kind",
            "is_mobile",
            "status",
            "holder",
            "purchase_date",
            "warranty_until",
        ]


class DeviceShortSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name", read_only=True)
    kind = serializers.CharField(source="model.kind", read_only=True)

    class Meta:
        model = Device
        fields = ["id", "inventory_number", "serial", "model", "kind"]


class AssignmentSerializer(serializers.ModelSerializer):
    device = DeviceShortSerializer(read_only=True)
    employee = DeviceHolderSerializer(read_only=True)
    state = serializers.CharField(
        read_only=True, help_text=_("handed_over, acknowledged, returned oder closed")
    )

    class Meta:
        model = Assignment
        fields = [
            "id",
            "device",
            "employee",
            "state",
            "handed_over_at",
            "acknowledged_at",
            "returned_at",
            "returned_defective",
            "return_confirmed_at",
            "note",
        ]


class OrderLineSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name", read_only=True)
    kind = serializers.CharField(source="model.kind", read_only=True)
    outstanding = serializers.IntegerField(read_only=True)

    class Meta:
        model = OrderLine
        fields = ["id", "model", "kind", "quantity", "delivered", "cancelled", "outstanding"]


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = ["id", "line", "delivered_on", "quantity", "delivery_note"]


class OrderEventSerializer(serializers.ModelSerializer):
    """One step of an order's history (a `core.StatusChange`; `note` is its reason)."""

    by = serializers.CharField(source="by.username", default=None, read_only=True, allow_null=True)
    note = serializers.CharField(source="reason", read_only=True)

    class Meta:
        model = StatusChange
        fields = ["at", "action", "from_status", "to_status", "by", "note"]


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)
    deliveries = DeliverySerializer(many=True, read_only=True)
    history = OrderEventSerializer(many=True, read_only=True)
    outstanding = serializers.SerializerMethodField()

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "number",
            "supplier",
            "ordered_on",
            "expected_on",
            "status",
            "outstanding",
            "lines",
            "deliveries",
            "history",
        ]

    def get_outstanding(self, order) -> int:
        return sum(line.outstanding for line in order.lines.all())


class DeliveryCreateSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text=_("Id der Bestellposition"))
    serials = serializers.ListField(
        child=serializers.CharField(max_length=80),
        allow_empty=False,
        help_text=_("Seriennummern der gelieferten Geräte"),
    )
    delivered_on = serializers.DateField(required=False)
    delivery_note = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class HandOverSerializer(serializers.Serializer):
    inventory_number = serializers.CharField(
        max_length=80, required=False, help_text=_("oder `device`")
    )
    device = serializers.IntegerField(required=False)
    personnel_number = serializers.CharField(
        max_length=32, required=False, help_text=_("oder `employee`")
    )
    employee = serializers.IntegerField(required=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    return_stationary = serializers.BooleanField(required=False, default=False)

    def validate(self, data):
        errors = {}
        if not (data.get("inventory_number") or data.get("device")):
            errors["inventory_number"] = [_("Bitte `inventory_number` oder `device` angeben.")]
        if not (data.get("personnel_number") or data.get("employee")):
            errors["personnel_number"] = [_("Bitte `personnel_number` oder `employee` angeben.")]
        if errors:
            raise serializers.ValidationError(errors)
        return data


class ReturnSerializer(serializers.Serializer):
    defective = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

"""Equipment under /api/v1/: devices, my devices, orders with deliveries, hand-overs.

Scoped like the pages: lists and details come from the selectors (a record
outside one's scope answers 404), a resource outside one's role 403. Every
action is a POST that calls exactly one service; a domain rule answers 409 with
a German `detail`.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from rathausmobil.core.models import StatusChange
from rathausmobil.equipment import services
from rathausmobil.equipment.filters import DeviceFilter, OrderFilter
from rathausmobil.equipment.models import Device, OrderLine
from rathausmobil.equipment.selectors import (
    assignments_visible_to,
    device_find,
    devices_visible_to,
    orders_visible_to,
    sees_device_list,
    views_inventory,
)
from rathausmobil.equipment.serializers import (
    AssignmentSerializer,
    CancelSerializer,
    DeliveryCreateSerializer,
    DeviceErrorSerializer,
    DeviceSerializer,
    HandOverSerializer,
    OrderSerializer,
    ReturnSerializer,
)
from rathausmobil.organisation.models import Employee
from rathausmobil.organisation.scoping import scope_for

TAG = "Geräte"
E403 = OpenApiResponse(DeviceErrorSerializer, description="Nicht Ihre Rolle (Text in `detail`)")
E404 = OpenApiResponse(DeviceErrorSerializer, description="Nicht gefunden (oder nicht sichtbar)")
E409 = OpenApiResponse(
    DeviceErrorSerializer, description="Status oder Regel steht entgegen (Text in `detail`)"
)


def _body(serializer_class, request) -> dict:
    incoming = serializer_class(data=request.data)
    incoming.is_valid(raise_exception=True)
    return dict(incoming.validated_data)


@extend_schema(tags=[TAG])
@extend_schema_view(
    list=extend_schema(
        summary="Geräte",
        description="IT und Personalamt: alle; Vorgesetzte: die Geräte der Beschäftigten ihrer "
        "Einheiten. Filter: `status`, `kind`, `q` (Suche).",
        responses={200: DeviceSerializer(many=True), 403: E403},
    ),
    retrieve=extend_schema(
        summary="Ein Gerät", responses={200: DeviceSerializer, 403: E403, 404: E404}
    ),
)
class DeviceViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DeviceSerializer
    filterset_class = DeviceFilter

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not sees_device_list(request.user):
            raise PermissionDenied("Geräte sehen IT, Personalamt und Vorgesetzte.")

    def get_queryset(self):
        return devices_visible_to(self.request.user).order_by("inventory_number")


@extend_schema(tags=[TAG])
@extend_schema_view(
    list=extend_schema(
        summary="Meine Geräte",
        description="Die Ausgaben der angemeldeten Person: Geräte bei ihr und zurückgegebene, "
        "deren Rückgabe sie noch bestätigen soll.",
    )
)
class MyDevicesViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AssignmentSerializer

    def get_queryset(self):
        scope = scope_for(self.request.user)
        return (
            assignments_visible_to(self.request.user)
            .filter(employee_id=scope.employee_id or -1, return_confirmed_at__isnull=True)
            .order_by("-handed_over_at", "-id")
        )


ORDERS = (
    Prefetch("lines", queryset=OrderLine.objects.select_related("model")),
    "deliveries",
    Prefetch("history", queryset=StatusChange.objects.select_related("by")),
)


@extend_schema(tags=[TAG])
@extend_schema_view(
    list=extend_schema(
        summary="Bestellungen", responses={200: OrderSerializer(many=True), 403: E403}
    ),
    retrieve=extend_schema(summary="Eine Bestellung mit Positionen, Lieferungen und Verlauf"),
)
class OrderViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrderSerializer
    filterset_class = OrderFilter

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not views_inventory(request.user):
            raise PermissionDenied("Bestellungen sehen IT und Personalamt.")

    def get_queryset(self):
        return (
            orders_visible_to(self.request.user)
            .prefetch_related(*ORDERS)
            .order_by("-ordered_on", "-id")
        )

    def _answer(self, pk, status_code=status.HTTP_200_OK):
        return Response(
            self.get_serializer(self.get_queryset().get(pk=pk)).data, status=status_code
        )

    @extend_schema(
        summary="Lieferung erfassen",
        description="Legt für jede Seriennummer ein Gerät im Lager mit neuer Inventarnummer an; "
        "der Rest bleibt bestellt. Mehr Seriennummern als offen: 409.",
        request=DeliveryCreateSerializer,
        responses={201: OrderSerializer, 400: None, 403: E403, 404: E404, 409: E409},
    )
    @action(detail=True, methods=["post"])
    def deliveries(self, request, pk=None):
        order = self.get_object()
        body = _body(DeliveryCreateSerializer, request)
        line = order.lines.filter(pk=body["line"]).first()
        if line is None:
            raise NotFound("Diese Position gehört nicht zu der Bestellung.")
        services.order_deliver(
            order=order,
            by=request.user,
            line=line,
            serials=body["serials"],
            delivered_on=body.get("delivered_on"),
            delivery_note=body["delivery_note"],
        )
        return self._answer(order.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Offenen Rest stornieren",
        request=CancelSerializer,
        responses={200: OrderSerializer, 400: None, 403: E403, 404: E404, 409: E409},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        order = self.get_object()
        body = _body(CancelSerializer, request)
        services.order_cancel_rest(order=order, by=request.user, reason=body["reason"])
        return self._answer(order.pk)


@extend_schema(tags=[TAG])
@extend_schema_view(
    list=extend_schema(
        summary="Ausgaben (nur die für Sie sichtbaren)",
        description="IT und Personalamt: alle; Vorgesetzte: ihrer Einheiten; Beschäftigte: eigene.",
    ),
    retrieve=extend_schema(
        summary="Eine Ausgabe", responses={200: AssignmentSerializer, 404: E404}
    ),
)
class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AssignmentSerializer

    def get_queryset(self):
        return assignments_visible_to(self.request.user).order_by("-handed_over_at", "-id")

    def _answer(self, pk, status_code=status.HTTP_200_OK):
        return Response(
            self.get_serializer(self.get_queryset().get(pk=pk)).data, status=status_code
        )

    @extend_schema(
        summary="Gerät ausgeben (IT)",
        description="Gerät per `inventory_number` (oder `device`) an eine/n aktive/n "
        "Beschäftigte/n per `personnel_number` (oder `employee`). Ein bereits ausgegebenes "
        "Gerät: 409.",
        request=HandOverSerializer,
        responses={201: AssignmentSerializer, 400: None, 403: E403, 404: E404, 409: E409},
    )
    def create(self, request):
        services.require_it(request.user)
        body = _body(HandOverSerializer, request)
        if body.get("device"):
            device = get_object_or_404(Device, pk=body["device"])
        else:
            device = device_find(body["inventory_number"])
            if device is None:
                raise NotFound("Kein Gerät mit dieser Inventarnummer.")
        if body.get("employee"):
            employee = get_object_or_404(Employee, pk=body["employee"])
        else:
            employee = get_object_or_404(Employee, personnel_number=body["personnel_number"])
        assignment = services.assignment_hand_over(
            device=device,
            employee=employee,
            by=request.user,
            note=body["note"],
            return_stationary=body["return_stationary"],
        )
        return self._answer(assignment.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Empfang bestätigen",
        description="Nur die Person, die das Gerät erhalten hat (sonst 403). Eine zweite "
        "Bestätigung ändert nichts.",
        request=None,
        responses={200: AssignmentSerializer, 403: E403, 404: E404, 409: E409},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        assignment = services.assignment_acknowledge(assignment=self.get_object(), by=request.user)
        return self._answer(assignment.pk)

    @extend_schema(
        summary="Rückgabe erfassen (IT)",
        request=ReturnSerializer,
        responses={200: AssignmentSerializer, 403: E403, 404: E404, 409: E409},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        body = _body(ReturnSerializer, request)
        assignment = services.assignment_return(
            assignment=self.get_object(), by=request.user, **body
        )
        return self._answer(assignment.pk)

    @extend_schema(
        summary="Rückgabe bestätigen",
        description="Nur die Person, die das Gerät hatte, nachdem die IT die Rückgabe erfasst hat.",
        request=None,
        responses={200: AssignmentSerializer, 403: E403, 404: E404, 409: E409},
    )
    @action(detail=True, methods=["post"], url_path="confirm-return")
    def confirm_return(self, request, pk=None):
        assignment = services.assignment_confirm_return(
            assignment=self.get_object(), by=request.user
        )
        return self._answer(assignment.pk)


def register(router) -> None:
    router.register("devices", DeviceViewSet, basename="device")
    router.register("my-devices", MyDevicesViewSet, basename="my-device")
    router.register("device-orders", OrderViewSet, basename="device-order")
    router.register("device-assignments", AssignmentViewSet, basename="device-assignment")

"""Access under /api/v1/: grants (scoped like the pages) and capacity.

Lists and details go through the selector (a grant outside one's scope answers
404); every action is a POST that calls exactly one service. Wrong or missing
fields answer 400; an illegal transition (also a repeated action) or a rule of the
domain 409, a missing right 403, each with a German `detail`.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from rathausmobil.access import selectors, services
from rathausmobil.access.filters import AccessGrantFilter
from rathausmobil.access.models import (
    AccessGrant,
    AccessKind,
    SpecialistApplication,
)
from rathausmobil.agreements.serializers import ErrorSerializer, PersonSerializer
from rathausmobil.core.models import StatusChange
from rathausmobil.organisation.models import Employee
from rathausmobil.organisation.scoping import scope_for

TAG = "Zugänge"


ERRORS = {
    400: OpenApiResponse(
        OpenApiTypes.OBJECT, description="Eingaben unvollständig (Meldungen je Feld)"
    ),
    403: OpenApiResponse(ErrorSerializer, description="Das darf nur die IT"),
    404: OpenApiResponse(ErrorSerializer, description="Nicht gefunden (oder nicht sichtbar)"),
    409: OpenApiResponse(
        ErrorSerializer,
        description="Der Status steht entgegen (auch bei doppeltem Absenden) oder eine Regel",
    ),
}


def _responses(ok, *codes: int, status_code: int = 200) -> dict:
    return {status_code: ok, **{code: ERRORS[code] for code in codes}}


# --------------------------------------------------------------------------- serializers


class GrantAgreementSerializer(serializers.Serializer):
    # Kind, status and dates only: the reasons of a decision stay with the agreement.
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)


class GrantChangeSerializer(serializers.ModelSerializer):
    """One step of a grant's history (a `core.StatusChange`)."""

    by = serializers.CharField(source="by.username", default=None, read_only=True, allow_null=True)

    class Meta:
        model = StatusChange
        fields = ["from_status", "to_status", "by", "at", "reason"]


class AccessGrantSerializer(serializers.ModelSerializer):
    """Ein Zugang (VPN oder Terminalserver) mit Verlauf (`history`)."""

    employee = PersonSerializer(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    gateway = serializers.CharField(
        source="gateway.name", default=None, read_only=True, allow_null=True
    )
    farm = serializers.CharField(source="farm.name", default=None, read_only=True, allow_null=True)
    application = serializers.CharField(
        source="application.name", default=None, read_only=True, allow_null=True
    )
    agreement = GrantAgreementSerializer(read_only=True, allow_null=True)
    history = GrantChangeSerializer(many=True, read_only=True)

    class Meta:
        model = AccessGrant
        fields = [
            "id",
            "employee",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "gateway",
            "farm",
            "application",
            "agreement",
            "reason",
            "requested_at",
            "granted_at",
            "revoked_at",
            "history",
        ]


class GrantCreateSerializer(serializers.Serializer):
    employee = serializers.IntegerField(required=False, help_text=_("Id der Person"))
    personnel_number = serializers.CharField(
        required=False, help_text=_("oder ihre Personalnummer")
    )
    kind = serializers.ChoiceField(choices=AccessKind.choices)
    application = serializers.PrimaryKeyRelatedField(
        queryset=SpecialistApplication.objects.all(), required=False, allow_null=True
    )
    reason = serializers.CharField(max_length=200, help_text=_("Anlass, z. B. Rufbereitschaft"))
    activate = serializers.BooleanField(default=False, help_text=_("gleich erteilen"))

    def validate(self, attrs):
        if "employee" not in attrs and not attrs.get("personnel_number"):
            raise serializers.ValidationError(
                _("Bitte die Person mit `employee` oder `personnel_number` angeben.")
            )
        return attrs


class GrantRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text=_("Warum der Zugang entzogen wird"))


class CapacitySerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=_("vpn (Gateway) oder terminal_server (Farm)"))
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    capacity = serializers.IntegerField(help_text=_("Lizenzen bzw. Sitzungen"))
    active = serializers.IntegerField()
    requested = serializers.IntegerField()
    waiting = serializers.IntegerField(
        help_text=_("zugestimmte Vereinbarungen noch ohne Zugang (nur Standard-Gateway)")
    )
    planned = serializers.IntegerField()
    warning = serializers.BooleanField(help_text=_("geplant über Kapazität: Hinweis, keine Sperre"))


# --------------------------------------------------------------------------- grants


@extend_schema(tags=[TAG])
@extend_schema_view(
    list=extend_schema(
        summary="Zugänge (nur die für Sie sichtbaren)",
        description="IT und Personalamt sehen alle, Vorgesetzte die ihrer Einheiten, "
        "Beschäftigte ihre eigenen.",
    ),
    retrieve=extend_schema(
        summary="Ein Zugang mit Verlauf", responses=_responses(AccessGrantSerializer, 404)
    ),
)
class AccessGrantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AccessGrantSerializer
    filterset_class = AccessGrantFilter

    def get_queryset(self):
        grants = selectors.grants_visible_to(self.request.user).prefetch_related("history__by")
        return grants.order_by("-requested_at", "-pk")

    def _answer(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.grants_visible_to(self.request.user).prefetch_related("history__by")
        return Response(self.get_serializer(fresh.get(pk=pk)).data, status=status_code)

    @extend_schema(
        summary="Meine Zugänge",
        description="Die Zugänge der angemeldeten Person.",
        responses=_responses(AccessGrantSerializer(many=True)),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def mine(self, request):
        employee_id = scope_for(request.user).employee_id
        grants = self.get_queryset().filter(employee_id=employee_id) if employee_id else []
        return Response(self.get_serializer(grants, many=True).data)

    @extend_schema(
        summary="Zugang ohne Vereinbarung anlegen",
        description="Nur die IT: für einen Anlass wie Rufbereitschaft oder IT-Administration. "
        "Zugänge aus Vereinbarungen entstehen von selbst, sobald die/der Beschäftigte "
        "zustimmt. Mit `activate` gleich erteilt.",
        request=GrantCreateSerializer,
        responses=_responses(AccessGrantSerializer, 400, 403, 404, 409, status_code=201),
    )
    def create(self, request):
        if not selectors.can_manage_grants(request.user):
            raise PermissionDenied("Zugänge erteilt und entzieht die IT.")
        incoming = GrantCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        body = incoming.validated_data
        people = Employee.objects.select_related("unit")
        if "employee" in body:
            employee = get_object_or_404(people, pk=body["employee"])
        else:
            employee = get_object_or_404(people, personnel_number=body["personnel_number"])
        grant = services.grant_request(
            employee=employee,
            kind=body["kind"],
            by=request.user,
            application=body.get("application"),
            reason=body["reason"],
        )
        if body["activate"]:
            services.grant_activate(grant=grant, by=request.user)
        return self._answer(grant.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Zugang erteilen",
        description="Beantragt → aktiv, nur durch die IT. Die Kapazität ist ein Hinweis, keine "
        "Sperre. Danach werden wartende, zugestimmte Vereinbarungen der Person aktiv, wenn alle "
        "Voraussetzungen erfüllt sind. Ein zweites Erteilen antwortet 409.",
        request=None,
        responses=_responses(AccessGrantSerializer, 403, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        grant = self.get_object()
        services.grant_activate(grant=grant, by=request.user)
        return self._answer(grant.pk)

    @extend_schema(
        summary="Zugang entziehen",
        description="Beantragt oder aktiv → entzogen, nur durch die IT, mit Anlass.",
        request=GrantRevokeSerializer,
        responses=_responses(AccessGrantSerializer, 400, 403, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        incoming = GrantRevokeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        grant = self.get_object()
        services.grant_revoke(
            grant=grant, by=request.user, reason=incoming.validated_data["reason"]
        )
        return self._answer(grant.pk)


# --------------------------------------------------------------------------- capacity


@extend_schema(tags=[TAG])
class AccessCapacityViewSet(viewsets.GenericViewSet):
    serializer_class = CapacitySerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return AccessGrant.objects.none()

    @extend_schema(
        summary="Kapazität der Gateways und Farmen",
        description="Für IT und Personalamt: je Gateway bzw. Farm Kapazität, aktive und "
        "beantragte Zugänge, wartende Vereinbarungen und die Warnung, wenn das Geplante die "
        "Kapazität übersteigt.",
        responses=_responses(CapacitySerializer(many=True), 403),
    )
    def list(self, request):
        if not selectors.sees_all_grants(request.user):
            raise PermissionDenied("Die Kapazität sehen IT und Personalamt.")
        return Response(self.get_serializer(selectors.capacity(), many=True).data)


def register(router) -> None:
    router.register("access-grants", AccessGrantViewSet, basename="access-grant")
    router.register("access-capacity", AccessCapacityViewSet, basename="access-capacity")

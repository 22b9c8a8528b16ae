"""The presence plan under /api/v1/presence/: week plans, my week, my wishes.

Scoped like the pages: plans are those of the units one plans (`plannable_units`:
HR every unit, heads and deputies theirs and all below), so a guessed id of another
unit's plan answers 404; "my week" and the wishes are the person's own. Writes go
through the services (`services.wish_set`); a domain rule (the wish deadline, an
absent day) answers 409 with a German `detail`.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from rathausmobil.core.api_schema import OneObjectSchema
from rathausmobil.organisation.models import Employee
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.presence import services
from rathausmobil.presence.models import PlanCell, SwapStatus
from rathausmobil.presence.planning import iso_week, monday_of, parse_iso_week
from rathausmobil.presence.selectors import (
    published_days_of,
    swaps_of,
    week_plans_visible_to,
    wishes_visible_to,
)
from rathausmobil.presence.serializers import (
    MyWeeksSerializer,
    PresenceErrorSerializer,
    WeekPlanSerializer,
    WishCreateSerializer,
    WishSerializer,
    WishUpdateSerializer,
)

TAG = "Anwesenheit"
E404 = OpenApiResponse(PresenceErrorSerializer, description="Nicht gefunden (oder nicht sichtbar)")
E409 = OpenApiResponse(
    PresenceErrorSerializer,
    description="Eine Regel steht entgegen, z. B. die Frist für Wünsche (Text in `detail`)",
)
NO_EMPLOYEE = "Zu Ihrem Konto gehört kein Personaldatensatz."


def _me(request) -> Employee:
    employee_id = scope_for(request.user).employee_id
    if not employee_id:
        raise NotFound(NO_EMPLOYEE)
    return Employee.objects.select_related("unit").get(pk=employee_id)


def _body(serializer_class, request) -> dict:
    incoming = serializer_class(data=request.data)
    incoming.is_valid(raise_exception=True)
    return dict(incoming.validated_data)


# -- week plans ---------------------------------------------------------------------------


@extend_schema(tags=[TAG])
@extend_schema_view(
    list=extend_schema(
        summary="Wochenpläne",
        description="Die Wochenpläne der Einheiten, die Sie planen (Personalamt: alle; "
        "Leitung und Stellvertretung: ihre Einheiten und alle darunter), mit allen Tagen. "
        "Filter: `week` (ISO-Woche, z. B. 2027-W10), `unit` (Kennung der Einheit).",
        parameters=[
            OpenApiParameter("week", OpenApiTypes.STR, description="z. B. 2027-W10"),
            OpenApiParameter("unit", OpenApiTypes.STR, description="Kennung der Einheit"),
        ],
    ),
    retrieve=extend_schema(
        summary="Ein Wochenplan mit allen Tagen", responses={200: WeekPlanSerializer, 404: E404}
    ),
)
class WeekPlanViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = WeekPlanSerializer

    def get_queryset(self):
        plans = week_plans_visible_to(self.request.user).prefetch_related(
            Prefetch(
                "cells",
                queryset=PlanCell.objects.select_related(
                    "employee", "room", "published_room"
                ).order_by("employee__last_name", "employee__first_name", "employee_id", "date"),
            )
        )
        params = self.request.query_params
        if params.get("week"):
            try:
                plans = plans.filter(week_start=parse_iso_week(params["week"]))
            except ValueError as exc:
                raise ValidationError({"week": [str(exc)]}) from None
        if params.get("unit"):
            plans = plans.filter(unit__code=params["unit"])
        return plans.order_by("-week_start", "unit__code")


# -- my week ------------------------------------------------------------------------------


@extend_schema(tags=[TAG])
class MyWeekViewSet(viewsets.ViewSet):
    schema = OneObjectSchema()  # one object, not a list: the schema said array (schemathesis)

    @extend_schema(
        operation_id="presence_my_week_list",
        summary="Meine Woche",
        description="Ihre veröffentlichten Tage dieser und der nächsten Woche (wie auf der "
        "Seite „Meine Woche“). Ein Tag, der noch nicht veröffentlicht ist, hat `kind: null`. "
        "Ohne Personaldatensatz: 404.",
        responses={200: MyWeeksSerializer, 404: E404},
    )
    def list(self, request):
        employee = _me(request)
        this_monday = monday_of(timezone.localdate())
        end = this_monday + dt.timedelta(days=11)
        cells = published_days_of(employee.pk, start=this_monday, end=end)
        open_swaps = {
            swap.cell.date
            for swap in swaps_of(employee.pk, since=this_monday)
            if swap.status == SwapStatus.REQUESTED
        }
        weeks = []
        for monday in (this_monday, this_monday + dt.timedelta(days=7)):
            days = []
            for offset in range(5):
                date = monday + dt.timedelta(days=offset)
                cell = cells.get(date)
                room = cell.published_room if cell else None
                days.append(
                    {
                        "date": date,
                        "kind": cell.published_kind if cell else None,
                        "room": room.code if room else None,
                        "building": room.building.name if room else None,
                        "swap_open": date in open_swaps,
                    }
                )
            weeks.append(
                {
                    "week": iso_week(monday),
                    "week_start": monday,
                    "published": any(day["kind"] for day in days),
                    "days": days,
                }
            )
        data = {
            "personnel_number": employee.personnel_number,
            "unit": employee.unit.code,
            "weeks": weeks,
        }
        return Response(MyWeeksSerializer(data).data)


# -- wishes -------------------------------------------------------------------------------


@extend_schema(tags=[TAG])
@extend_schema_view(
    list=extend_schema(
        summary="Meine Wünsche",
        description="Ihre Wünsche ab dieser Woche (nur Ihre eigenen).",
    ),
    retrieve=extend_schema(summary="Ein Wunsch", responses={200: WishSerializer, 404: E404}),
)
class WishViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = WishSerializer

    def get_queryset(self):
        since = monday_of(timezone.localdate())
        return wishes_visible_to(self.request.user).filter(date__gte=since).order_by("date")

    def _set(self, *, date: dt.date, kind: str | None):
        return services.wish_set(
            employee=_me(self.request), date=date, kind=kind, by=self.request.user
        )

    @extend_schema(
        summary="Wunsch äußern oder ändern",
        description="`kind` home oder office für einen Tag (Montag bis Freitag); gibt es für "
        "den Tag schon einen Wunsch, wird er geändert (200), sonst angelegt (201). "
        "`kind: null` nimmt ihn zurück (204). Nach der Frist der Einheit (12 Uhr, N Tage "
        "vor dem Montag) und an Abwesenheitstagen: 409.",
        request=WishCreateSerializer,
        responses={200: WishSerializer, 201: WishSerializer, 204: None, 400: None, 409: E409},
    )
    def create(self, request):
        body = _body(WishCreateSerializer, request)
        existed = self.get_queryset().filter(date=body["date"]).exists()
        wish = self._set(date=body["date"], kind=body["kind"])
        if wish is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(
            WishSerializer(wish).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Wunsch ändern",
        request=WishUpdateSerializer,
        responses={200: WishSerializer, 400: None, 404: E404, 409: E409},
    )
    def update(self, request, pk=None):
        wish = self.get_object()
        body = _body(WishUpdateSerializer, request)
        wish = self._set(date=wish.date, kind=body["kind"])
        return Response(WishSerializer(wish).data)

    @extend_schema(
        summary="Wunsch ändern",
        request=WishUpdateSerializer,
        responses={200: WishSerializer, 400: None, 404: E404, 409: E409},
    )
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk)

    @extend_schema(
        summary="Wunsch zurücknehmen",
        responses={204: None, 404: E404, 409: E409},
    )
    def destroy(self, request, pk=None):
        wish = self.get_object()
        self._set(date=wish.date, kind=None)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router) -> None:
    router.register("presence/plans", WeekPlanViewSet, basename="presence-plan")
    router.register("presence/my-week", MyWeekViewSet, basename="presence-my-week")
    router.register("presence/wishes", WishViewSet, basename="presence-wish")

"""Serializers of the presence API: representations out, request bodies in.

Bodies are checked for types and presence only (HTTP 400); every rule of the domain
(the wish deadline, absent days, weekends) stays in the services and answers 409.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from rathausmobil.presence.models import PlanCell, WeekPlan, Wish, WishKind
from rathausmobil.presence.planning import iso_week


class PresenceErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("Meldung auf Deutsch"))
    code = serializers.CharField(required=False)


class PlanCellSerializer(serializers.ModelSerializer):
    personnel_number = serializers.CharField(source="employee.personnel_number", read_only=True)
    name = serializers.CharField(source="employee.full_name", read_only=True)
    room = serializers.CharField(source="room.code", read_only=True, default=None, allow_null=True)
    published_room = serializers.CharField(
        source="published_room.code", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = PlanCell
        fields = [
            "id",
            "personnel_number",
            "name",
            "date",
            "kind",
            "room",
            "locked",
            "published_kind",
            "published_room",
        ]


class WeekPlanSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    week = serializers.SerializerMethodField(help_text=_("ISO-Kalenderwoche, z. B. 2027-W10"))
    cells = PlanCellSerializer(many=True, read_only=True)

    class Meta:
        model = WeekPlan
        fields = [
            "id",
            "unit",
            "unit_name",
            "week",
            "week_start",
            "status",
            "solver_status",
            "gap",
            "solve_seconds",
            "shortfalls",
            "stats",
            "planned_at",
            "published_at",
            "cells",
        ]

    def get_week(self, plan: WeekPlan) -> str:
        return iso_week(plan.week_start)


class MyDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.CharField(
        allow_null=True,
        help_text=_("office, home, field, absent; null: noch nicht veröffentlicht"),
    )
    room = serializers.CharField(allow_null=True)
    building = serializers.CharField(allow_null=True)
    swap_open = serializers.BooleanField(help_text=_("ein Tauschwunsch wartet auf Entscheidung"))


class MyWeekSerializer(serializers.Serializer):
    week = serializers.CharField()
    week_start = serializers.DateField()
    published = serializers.BooleanField()
    days = MyDaySerializer(many=True)


class MyWeeksSerializer(serializers.Serializer):
    personnel_number = serializers.CharField()
    unit = serializers.CharField()
    weeks = MyWeekSerializer(many=True)


class WishSerializer(serializers.ModelSerializer):
    week = serializers.SerializerMethodField()

    class Meta:
        model = Wish
        fields = ["id", "date", "week", "kind", "updated_at"]

    def get_week(self, wish: Wish) -> str:
        return iso_week(wish.date)


class WishCreateSerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(
        choices=WishKind.choices,
        allow_null=True,
        help_text=_("home oder office; null nimmt den Wunsch zurück"),
    )


class WishUpdateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=WishKind.choices)

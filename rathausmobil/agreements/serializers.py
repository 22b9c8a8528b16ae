"""Serializers of the workflow API: representations out, request bodies in.

Bodies are checked for types and presence only (HTTP 400, DRF's German
messages). Every rule of the domain stays in the services and answers 409.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rathausmobil.agreements.models import (
    Agreement,
    ChecklistVersion,
    Offer,
    PatternType,
    Pledge,
    ReasonCode,
    WorkKind,
    WorkRequest,
)
from rathausmobil.agreements.prerequisites import prerequisites_of
from rathausmobil.core.models import StatusChange
from rathausmobil.organisation.models import Employee, Role
from rathausmobil.organisation.scoping import scope_for

# --------------------------------------------------------------------------- who may read reasons


def sees_reasons(user, obj: WorkRequest | Offer | Agreement) -> bool:
    """May this user read the reasons and free texts of this record?

    The person, HR, the supervisors of the person's unit (and, for a request, of
    the deciding unit) may; the staff council may for requests (co-determination
    on refusals). Anyone else who can see the record at all (today nobody: the
    selectors keep IT out) gets it without reasons: IT never sees the reasons of
    a decision.
    """
    scope = scope_for(user)
    if scope.has(Role.HR) or scope.employee_id == obj.employee_id:
        return True
    if scope.covers(obj.employee.unit.path):
        return True
    if isinstance(obj, WorkRequest):
        if obj.decider_unit_id and scope.covers(obj.decider_unit.path):
            return True
        return scope.has(Role.STAFF_COUNCIL)
    return False


# --------------------------------------------------------------------------- shared parts


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("Meldung auf Deutsch"))
    code = serializers.CharField(
        required=False,
        help_text=_("Art des Fehlers, z. B. illegal_transition, invalid, not_allowed"),
    )


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="full_name", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = Employee
        fields = ["id", "personnel_number", "name", "unit"]


class HistorySerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(read_only=True)
    by = serializers.CharField(source="by.username", default=None, read_only=True, allow_null=True)

    class Meta:
        model = StatusChange
        fields = ["action", "action_label", "from_status", "to_status", "by", "at", "reason"]


PATTERN_OUT = [
    "kind",
    "kind_label",
    "pattern_type",
    "weekdays",
    "working_days_per_week",
    "share_percent",
    "home_share_percent",
    "pattern_label",
    "start_date",
    "end_date",
    "quota_exception_reason",
]


# The common part of requests, offers and agreements: person, pattern, status,
# history; reasons and free texts blanked for readers without a right to them.
# (Comments, not docstrings: a docstring becomes the schema's description.)
class _WorkflowObjectSerializer(serializers.ModelSerializer):
    employee = PersonSerializer(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    weekdays = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    home_share_percent = serializers.DecimalField(
        max_digits=4, decimal_places=1, coerce_to_string=False, read_only=True
    )
    pattern_label = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    history = HistorySerializer(many=True, read_only=True)

    reason_fields: tuple[str, ...] = ("quota_exception_reason",)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not sees_reasons(request.user, instance):
            for name in self.reason_fields:
                data[name] = [] if isinstance(data[name], list) else ""
            for row in data["history"]:
                row["reason"] = ""
        return data


class WorkRequestSerializer(_WorkflowObjectSerializer):
    """Ein Antrag auf mobiles Arbeiten mit Verlauf (`history`)."""

    decider_unit = serializers.CharField(
        source="decider_unit.code", default=None, read_only=True, allow_null=True
    )
    decided_by = serializers.CharField(
        source="decided_by.username", default=None, read_only=True, allow_null=True
    )
    reason_codes = serializers.ListField(child=serializers.CharField(), read_only=True)
    agreement = serializers.SerializerMethodField(
        help_text=_("Die Vereinbarung aus der Genehmigung (Id)")
    )

    reason_fields = ("text", "reason_codes", "justification", "quota_exception_reason")

    class Meta:
        model = WorkRequest
        fields = [
            "id",
            "employee",
            *PATTERN_OUT,
            "text",
            "status",
            "status_label",
            "decider_unit",
            "escalation_level",
            "submitted_at",
            "due_date",
            "decided_at",
            "decided_by",
            "reason_codes",
            "justification",
            "review_date",
            "agreement",
            "created_at",
            "updated_at",
            "history",
        ]

    def get_agreement(self, obj) -> int | None:
        agreement = getattr(obj, "agreement", None)
        return agreement.pk if agreement else None


class OfferSerializer(_WorkflowObjectSerializer):
    """Ein Angebot des Arbeitgebers mit Verlauf (`history`)."""

    offered_by = serializers.CharField(
        source="offered_by.username", default=None, read_only=True, allow_null=True
    )
    agreement = serializers.SerializerMethodField(
        help_text=_("Die Vereinbarung aus der Annahme (Id)")
    )

    reason_fields = ("text", "decline_note", "quota_exception_reason")

    class Meta:
        model = Offer
        fields = [
            "id",
            "employee",
            *PATTERN_OUT,
            "text",
            "status",
            "status_label",
            "offered_by",
            "answered_at",
            "decline_note",
            "agreement",
            "created_at",
            "history",
        ]

    def get_agreement(self, obj) -> int | None:
        agreement = getattr(obj, "agreement", None)
        return agreement.pk if agreement else None


class PrerequisiteSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    met = serializers.BooleanField()
    detail = serializers.CharField()


class AgreementSerializer(_WorkflowObjectSerializer):
    """Eine Vereinbarung über mobiles Arbeiten mit Verlauf (`history`)."""

    end_kind_label = serializers.CharField(source="get_end_kind_display", read_only=True)
    renewal = serializers.SerializerMethodField(help_text=_("Die Verlängerung (Id)"))

    reason_fields = ("end_reason", "quota_exception_reason")

    class Meta:
        model = Agreement
        fields = [
            "id",
            "employee",
            *PATTERN_OUT,
            "status",
            "status_label",
            "request",
            "offer",
            "renewal_of",
            "renewal",
            "trial_end_date",
            "accepted_at",
            "activated_at",
            "home_address",
            "equipment_list",
            "risk_assessment_date",
            "end_kind",
            "end_kind_label",
            "end_reason",
            "notice_given_at",
            "effective_end_date",
            "created_at",
            "history",
        ]

    def get_renewal(self, obj) -> int | None:
        renewal = getattr(obj, "renewal", None)
        return renewal.pk if renewal else None


class AgreementDetailSerializer(AgreementSerializer):
    """Eine Vereinbarung mit Verlauf und den Voraussetzungen ihrer Aktivierung."""

    prerequisites = serializers.SerializerMethodField(
        help_text=_("Voraussetzungen der Aktivierung und ob sie erfüllt sind")
    )

    class Meta(AgreementSerializer.Meta):
        fields = [*AgreementSerializer.Meta.fields, "prerequisites"]

    @extend_schema_field(PrerequisiteSerializer(many=True))
    def get_prerequisites(self, obj) -> list[dict]:
        return PrerequisiteSerializer(prerequisites_of(obj), many=True).data


class ChecklistItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    text = serializers.CharField()
    mandatory = serializers.BooleanField()


class ChecklistSerializer(serializers.ModelSerializer):
    items = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistVersion
        fields = ["number", "items", "note", "published_at"]


class PledgeSerializer(serializers.ModelSerializer):
    employee = PersonSerializer(read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    answers = serializers.DictField(child=serializers.BooleanField(), read_only=True)

    class Meta:
        model = Pledge
        fields = ["id", "employee", "version", "answers", "is_valid", "signed_at"]


# --------------------------------------------------------------------------- bodies


# Kind, pattern and period of a request or offer. Whether they fit together (at
# least one weekday, start not in the past, quota) is checked by the service.
class PatternInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=WorkKind.choices)
    pattern_type = serializers.ChoiceField(
        choices=PatternType.choices, default=PatternType.WEEKDAYS
    )
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=5),
        default=list,
        help_text=_("Wochentage im Homeoffice: 0 = Montag … 5 = Samstag (Muster „weekdays“)"),
    )
    working_days_per_week = serializers.IntegerField(min_value=1, max_value=6, default=5)
    share_percent = serializers.IntegerField(
        min_value=1,
        max_value=100,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Anteil der Wochenarbeitszeit im Homeoffice (Muster „share“)"),
    )
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True, default=None)


class WorkRequestWriteSerializer(PatternInputSerializer):
    """Art, Muster und Zeitraum eines Antrags. Ob sie zusammenpassen, prüft die Regel (409)."""

    text = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Ihr Anliegen (optional)")
    )


class OfferCreateSerializer(PatternInputSerializer):
    """Ein Angebot an eine Person (`employee` oder `personnel_number`) mit Art, Muster
    und Zeitraum. Ob sie zusammenpassen, prüft die Regel (409)."""

    employee = serializers.IntegerField(
        required=False, help_text=_("Id der/des Beschäftigten (oder personnel_number)")
    )
    personnel_number = serializers.CharField(
        required=False, help_text=_("Personalnummer (oder employee)")
    )
    text = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Hinweise zum Angebot")
    )
    quota_exception_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "Begründung, wenn der Anteil über dem Höchstanteil liegt (außer Pandemie-Angebot)"
        ),
    )

    def validate(self, attrs):
        if ("employee" in attrs) == ("personnel_number" in attrs):
            raise serializers.ValidationError(
                _("Bitte genau eines angeben: employee (Id) oder personnel_number.")
            )
        return attrs


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Begründung (optional)")
    )


class ApproveSerializer(serializers.Serializer):
    quota_exception_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Pflicht (mindestens 20 Zeichen), wenn der Höchstanteil überschritten wird"),
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Anmerkung (optional)")
    )


class RejectSerializer(serializers.Serializer):
    reason_codes = serializers.ListField(
        child=serializers.ChoiceField(choices=ReasonCode.choices),
        default=list,
        help_text=_("Mindestens ein Grund R1 bis R8; R4, R5, R6 brauchen review_date"),
    )
    justification = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Schriftliche Begründung, mindestens 20 Zeichen"),
    )
    review_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Wiedervorlage (Pflicht bei R4, R5, R6; in der Zukunft)"),
    )


class OfferDeclineSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Anmerkung (optional)")
    )


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Schriftliche Begründung, mindestens 20 Zeichen"),
    )
    at_once = serializers.BooleanField(
        default=False, help_text=_("Sofort aus wichtigem Grund (ohne Frist)")
    )


class RenewSerializer(serializers.Serializer):
    end_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Neues Ende (optional, sonst Höchstlaufzeit)"),
    )


class WorkstationSerializer(serializers.Serializer):
    home_address = serializers.CharField(help_text=_("Anschrift des häuslichen Arbeitsplatzes"))
    equipment_list = serializers.CharField(help_text=_("Ausstattung, eine Position je Zeile"))
    risk_assessment_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Erstmalige Gefährdungsbeurteilung am (nicht in der Zukunft)"),
    )


class PledgeSignSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.BooleanField(),
        help_text=_("Jeder Punkt der aktuellen Checkliste: {Kennung: true/false}"),
    )

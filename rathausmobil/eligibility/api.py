"""Assessments under /api/v1/assessments/, scoped and validated like the pages."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from rathausmobil.eligibility.filters import AssessmentFilter
from rathausmobil.eligibility.models import CRITERIA, PositionAssessment
from rathausmobil.eligibility.selectors import assessments_visible_to, positions_for_eligibility
from rathausmobil.eligibility.services import assessment_create


class SharesField(serializers.DictField):
    child = serializers.IntegerField()


class AssessmentSerializer(serializers.ModelSerializer):
    position = serializers.CharField(source="position.number", read_only=True)
    position_title = serializers.CharField(source="position.title", read_only=True)
    unit = serializers.CharField(source="position.unit.code", read_only=True)
    result_label = serializers.CharField(source="get_result_display", read_only=True)
    shares = serializers.SerializerMethodField()
    assessor = serializers.CharField(source="assessor_name", read_only=True)

    class Meta:
        model = PositionAssessment
        fields = [
            "id",
            "position",
            "position_title",
            "unit",
            "result",
            "result_label",
            "movable_share",
            "shares",
            "reasons",
            "assessor",
            "assessed_on",
            "review_date",
            "is_current",
            "superseded_at",
            "created_at",
        ]

    def get_shares(self, assessment) -> dict[str, int]:
        return assessment.shares


class AssessmentCreateSerializer(serializers.Serializer):
    position = serializers.CharField(help_text=_("Stellennummer"))
    shares = SharesField(
        help_text=_(
            "Gebundener Anteil der Arbeitszeit je Kriterium in Prozent, z. B. "
            '{"E1": 40, "E3": 20}; fehlende Kriterien zählen 0.'
        )
    )
    reasons = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Begründung; Pflicht, wenn das Ergebnis nicht „geeignet“ ist."),
    )
    review_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Überprüfungsdatum; Pflicht bei E5 oder E7 > 0, muss in der Zukunft liegen."),
    )


CRITERIA_HELP = "; ".join(f"{c.code}: {c.label}" for c in CRITERIA)


@extend_schema_view(
    list=extend_schema(
        summary="Eignungsbewertungen (nur die für Sie sichtbaren)", tags=["Eignung"]
    ),
    retrieve=extend_schema(summary="Eine Eignungsbewertung", tags=["Eignung"]),
)
class AssessmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter

    def get_queryset(self):
        return assessments_visible_to(self.request.user).order_by(
            "position__number", "-created_at", "-pk"
        )

    @extend_schema(
        summary="Eine Stelle bewerten",
        description=(
            "Legt eine neue Bewertung an; die bisherige wird Teil des Verlaufs. Das Ergebnis "
            "wird aus den Anteilen berechnet. Kriterien: " + CRITERIA_HELP
        ),
        tags=["Eignung"],
        request=AssessmentCreateSerializer,
        responses={
            201: AssessmentSerializer,
            400: OpenApiResponse(description="Eingaben unvollständig oder im falschen Format"),
            404: OpenApiResponse(description="Stelle nicht gefunden (oder nicht sichtbar)"),
            409: OpenApiResponse(description="Eine Regel steht entgegen (Text in `detail`)"),
        },
    )
    def create(self, request, *args, **kwargs):
        incoming = AssessmentCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        position = get_object_or_404(
            positions_for_eligibility(request.user), number=data["position"]
        )
        assessment = assessment_create(
            position=position,
            by=request.user,
            shares=data["shares"],
            reasons=data["reasons"],
            review_date=data["review_date"],
        )
        assessment = self.get_queryset().get(pk=assessment.pk)
        return Response(self.get_serializer(assessment).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    router.register("assessments", AssessmentViewSet, basename="assessment")

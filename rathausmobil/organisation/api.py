"""Read endpoints for the organisation under /api/v1/, scoped like the pages."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from rathausmobil.organisation.filters import EmployeeFilter, OrgUnitFilter
from rathausmobil.organisation.models import Employee, OrgUnit
from rathausmobil.organisation.selectors import employees_visible_to, org_units_visible_to


class OrgUnitSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    head = serializers.SerializerMethodField()

    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "kind", "parent", "depth", "head"]

    def get_head(self, unit) -> str | None:
        return unit.head.full_name if unit.head_id and unit.head else None


class EmployeeSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    position_number = serializers.CharField(
        source="position.number", default=None, read_only=True, allow_null=True
    )
    position_title = serializers.CharField(
        source="position.title", default=None, read_only=True, allow_null=True
    )

    class Meta:
        model = Employee
        fields = [
            "id",
            "personnel_number",
            "last_name",
            "first_name",
            "email",
            "unit",
            "position_number",
            "position_title",
            "weekly_hours",
            "entry_date",
            "exit_date",
            "is_active",
        ]


@extend_schema_view(
    list=extend_schema(summary="Organisationseinheiten", tags=["Organisation"]),
    retrieve=extend_schema(summary="Eine Organisationseinheit", tags=["Organisation"]),
)
class OrgUnitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrgUnitSerializer
    filterset_class = OrgUnitFilter

    def get_queryset(self):
        return org_units_visible_to(self.request.user)


@extend_schema_view(
    list=extend_schema(summary="Beschäftigte (nur die für Sie sichtbaren)", tags=["Organisation"]),
    retrieve=extend_schema(summary="Eine/r Beschäftigte/r", tags=["Organisation"]),
)
class EmployeeViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = EmployeeSerializer
    filterset_class = EmployeeFilter

    def get_queryset(self):
        return employees_visible_to(self.request.user)


def register(router) -> None:
    router.register("org-units", OrgUnitViewSet, basename="org-unit")
    router.register("employees", EmployeeViewSet, basename="employee")

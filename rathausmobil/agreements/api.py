"""The home-office workflow under /api/v1/: requests, offers, agreements, pledges.

Thin like the pages: every list and detail goes through a selector (a record
outside the user's scope answers 404), every action is a POST that calls exactly
one service. Bodies with wrong types or missing fields answer 400 (DRF's German
messages); a rule of the domain or an illegal transition answers 409 and a
missing right 403, both with the service's German message in `detail`.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from rathausmobil.agreements import services
from rathausmobil.agreements.filters import AgreementFilter, OfferFilter, WorkRequestFilter
from rathausmobil.agreements.models import ChecklistVersion
from rathausmobil.agreements.selectors import (
    agreements_visible_to,
    current_checklist,
    offers_visible_to,
    pledges_visible_to,
    requests_visible_to,
)
from rathausmobil.agreements.serializers import (
    AgreementDetailSerializer,
    AgreementSerializer,
    ApproveSerializer,
    ChecklistSerializer,
    ErrorSerializer,
    OfferCreateSerializer,
    OfferDeclineSerializer,
    OfferSerializer,
    PledgeSerializer,
    PledgeSignSerializer,
    ReasonSerializer,
    RejectSerializer,
    RenewSerializer,
    RevokeSerializer,
    WorkRequestSerializer,
    WorkRequestWriteSerializer,
    WorkstationSerializer,
)
from rathausmobil.core.models import StatusChange
from rathausmobil.organisation.selectors import employees_visible_to

TAG = "Mobiles Arbeiten"

ERRORS = {
    400: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="Eingaben unvollständig oder im falschen Format (deutsche Meldungen je Feld)",
    ),
    403: OpenApiResponse(
        ErrorSerializer, description="Dafür fehlt Ihnen die Berechtigung (Text in `detail`)"
    ),
    404: OpenApiResponse(ErrorSerializer, description="Nicht gefunden (oder nicht sichtbar)"),
    409: OpenApiResponse(
        ErrorSerializer,
        description="Der Status oder eine Regel steht entgegen (Text in `detail`, Art in `code`); "
        "auch bei doppeltem Absenden",
    ),
}


def _responses(ok, *codes: int, status_code: int = 200) -> dict:
    return {status_code: ok, **{code: ERRORS[code] for code in codes}}


def _body(serializer_class, request, **kwargs) -> dict:
    incoming = serializer_class(data=request.data, **kwargs)
    incoming.is_valid(raise_exception=True)
    return dict(incoming.validated_data)


HISTORY = Prefetch("history", queryset=StatusChange.objects.select_related("by"))


def _agreements(user):
    return (
        agreements_visible_to(user)
        .select_related("renewal")
        .prefetch_related(HISTORY)
        .order_by("-created_at", "-pk")
    )


# Lists and details from a selector; actions answer with the fresh record. (A
# comment, not a docstring: a view's docstring becomes the schema's description.)
class _WorkflowViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    def _answer(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=pk)
        return Response(self.get_serializer(fresh).data, status=status_code)


# --------------------------------------------------------------------------- requests


@extend_schema(tags=[TAG])
@extend_schema_view(
    list=extend_schema(
        summary="Anträge (nur die für Sie sichtbaren)",
        description="Eigene Anträge, die Ihrer Einheiten und die, über die Sie entscheiden; "
        "das Personalamt sieht alle, der Personalrat die Ablehnungen.",
    ),
    retrieve=extend_schema(
        summary="Ein Antrag mit Verlauf", responses=_responses(WorkRequestSerializer, 404)
    ),
)
class WorkRequestViewSet(_WorkflowViewSet):
    serializer_class = WorkRequestSerializer
    filterset_class = WorkRequestFilter

    def get_queryset(self):
        return (
            requests_visible_to(self.request.user)
            .select_related("agreement")
            .prefetch_related(HISTORY)
            .order_by("-created_at", "-pk")
        )

    @extend_schema(
        summary="Antrag als Entwurf anlegen",
        description="Legt einen Antrag der angemeldeten Person als Entwurf an; eingereicht wird "
        "er mit `submit`. Ob Muster und Zeitraum zusammenpassen (mindestens ein Wochentag, "
        "Beginn nicht in der Vergangenheit, Ende nach Beginn), prüft die Regel: 409.",
        request=WorkRequestWriteSerializer,
        responses=_responses(WorkRequestSerializer, 400, 403, 409, status_code=201),
    )
    def create(self, request):
        body = _body(WorkRequestWriteSerializer, request)
        text = body.pop("text")
        work_request = services.request_create(by=request.user, values=body, text=text)
        return self._answer(work_request.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Entwurf ändern",
        description="Nur die/der Beschäftigte selbst und nur im Status „Entwurf“. Nicht "
        "angegebene Felder bleiben, wie sie sind.",
        request=WorkRequestWriteSerializer,
        responses=_responses(WorkRequestSerializer, 400, 403, 404, 409),
    )
    def partial_update(self, request, pk=None):
        work_request = self.get_object()
        body = _body(WorkRequestWriteSerializer, request, partial=True)
        values = {
            name: body.get(name, getattr(work_request, name)) for name in services.PATTERN_FIELDS
        }
        services.request_update(
            request=work_request,
            by=request.user,
            values=values,
            text=body.get("text", work_request.text),
        )
        return self._answer(work_request.pk)

    @extend_schema(
        summary="Antrag einreichen",
        description="Entwurf → eingereicht. Die zuständige Leitung wird benachrichtigt und "
        "muss innerhalb der Entscheidungsfrist entscheiden.",
        request=None,
        responses=_responses(WorkRequestSerializer, 403, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        work_request = services.request_submit(request=self.get_object(), by=request.user)
        return self._answer(work_request.pk)

    @extend_schema(
        summary="Antrag zurückziehen",
        description="Entwurf oder eingereicht → zurückgezogen; nur die/der Beschäftigte selbst.",
        request=ReasonSerializer,
        responses=_responses(WorkRequestSerializer, 400, 403, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        body = _body(ReasonSerializer, request)
        work_request = services.request_withdraw(
            request=self.get_object(), by=request.user, reason=body["reason"]
        )
        return self._answer(work_request.pk)

    @extend_schema(
        summary="Antrag genehmigen",
        description="Eingereicht → genehmigt, durch die zuständige Leitung. Legt eine "
        "Vereinbarung an (Id in `agreement`), die erst mit Zustimmung der/des Beschäftigten "
        "und gültiger Datenschutzerklärung aktiv wird. Über dem Höchstanteil nur mit "
        "`quota_exception_reason`.",
        request=ApproveSerializer,
        responses=_responses(WorkRequestSerializer, 400, 403, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        body = _body(ApproveSerializer, request)
        agreement = services.request_approve(request=self.get_object(), by=request.user, **body)
        return self._answer(agreement.request_id)

    @extend_schema(
        summary="Antrag ablehnen",
        description="Eingereicht → abgelehnt, durch die zuständige Leitung. Die Beweislast "
        "liegt beim Arbeitgeber: mindestens ein Grund (R1 bis R8) und eine schriftliche "
        "Begründung; R4, R5, R6 sind vorübergehend und brauchen eine Wiedervorlage. "
        "Fehlt etwas davon: 409 mit der Erklärung.",
        request=RejectSerializer,
        responses=_responses(WorkRequestSerializer, 400, 403, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        body = _body(RejectSerializer, request)
        work_request = services.request_reject(request=self.get_object(), by=request.user, **body)
        return self._answer(work_request.pk)


# --------------------------------------------------------------------------- offers


@extend_schema(tags=[TAG])
@extend_schema_view(
    list=extend_schema(summary="Angebote (nur die für Sie sichtbaren)"),
    retrieve=extend_schema(
        summary="Ein Angebot mit Verlauf", responses=_responses(OfferSerializer, 404)
    ),
)
class OfferViewSet(_WorkflowViewSet):
    serializer_class = OfferSerializer
    filterset_class = OfferFilter

    def get_queryset(self):
        return (
            offers_visible_to(self.request.user)
            .select_related("agreement")
            .prefetch_related(HISTORY)
            .order_by("-created_at", "-pk")
        )

    @extend_schema(
        summary="Mobiles Arbeiten anbieten",
        description="Durch die Leitung der Einheit (oder darüber) oder das Personalamt. Die "
        "Person wird mit `employee` (Id) oder `personnel_number` benannt. Ein Angebot bindet "
        "nur mit dem Ja der/des Beschäftigten.",
        request=OfferCreateSerializer,
        responses=_responses(OfferSerializer, 400, 403, 404, 409, status_code=201),
    )
    def create(self, request):
        body = _body(OfferCreateSerializer, request)
        employees = employees_visible_to(request.user)
        if "employee" in body:
            employee = get_object_or_404(employees, pk=body.pop("employee"))
        else:
            employee = get_object_or_404(employees, personnel_number=body.pop("personnel_number"))
        text = body.pop("text")
        exception = body.pop("quota_exception_reason", "")
        offer = services.offer_create(
            employee=employee,
            by=request.user,
            values=body,
            text=text,
            quota_exception_reason=exception,
        )
        return self._answer(offer.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Angebot annehmen",
        description="Angeboten → angenommen; nur die/der Beschäftigte selbst. Die Annahme ist "
        "die Zustimmung zur neuen Vereinbarung, die zurückgegeben wird; aktiv wird sie, "
        "sobald alle Voraussetzungen erfüllt sind.",
        request=None,
        responses=_responses(AgreementDetailSerializer, 403, 404, 409, status_code=201),
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        agreement = services.offer_accept(offer=self.get_object(), by=request.user)
        fresh = _agreements(request.user).get(pk=agreement.pk)
        data = AgreementDetailSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Angebot ablehnen",
        description="Angeboten → abgelehnt; braucht keinen Grund und wird nur vermerkt.",
        request=OfferDeclineSerializer,
        responses=_responses(OfferSerializer, 400, 403, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        body = _body(OfferDeclineSerializer, request)
        offer = services.offer_decline(offer=self.get_object(), by=request.user, note=body["note"])
        return self._answer(offer.pk)


# --------------------------------------------------------------------------- agreements


@extend_schema(tags=[TAG])
@extend_schema_view(
    list=extend_schema(summary="Vereinbarungen (nur die für Sie sichtbaren)"),
    retrieve=extend_schema(
        summary="Eine Vereinbarung mit Voraussetzungen und Verlauf",
        responses=_responses(AgreementDetailSerializer, 404),
    ),
)
class AgreementViewSet(_WorkflowViewSet):
    filterset_class = AgreementFilter

    def get_queryset(self):
        return _agreements(self.request.user)

    def get_serializer_class(self):
        return AgreementSerializer if self.action == "list" else AgreementDetailSerializer

    @extend_schema(
        summary="Vereinbarung zustimmen",
        description="Die ausdrückliche Zustimmung der/des Beschäftigten. Aktiv wird die "
        "Vereinbarung, sobald auch die übrigen Voraussetzungen erfüllt sind (`prerequisites`).",
        request=None,
        responses=_responses(AgreementDetailSerializer, 403, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        agreement = services.agreement_accept(agreement=self.get_object(), by=request.user)
        return self._answer(agreement.pk)

    @extend_schema(
        summary="Vereinbarung ablehnen",
        description="Wartend → abgelehnt, solange noch nicht zugestimmt wurde; wird nur vermerkt.",
        request=ReasonSerializer,
        responses=_responses(AgreementDetailSerializer, 400, 403, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        body = _body(ReasonSerializer, request)
        agreement = services.agreement_decline(
            agreement=self.get_object(), by=request.user, reason=body["reason"]
        )
        return self._answer(agreement.pk)

    @extend_schema(
        summary="Rückkehr ins Büro",
        description="Die/der Beschäftigte kündigt mit der Frist (Standard 4 Wochen): "
        "aktiv → gekündigt, läuft aus.",
        request=ReasonSerializer,
        responses=_responses(AgreementDetailSerializer, 400, 403, 404, 409),
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_to_office(self, request, pk=None):
        body = _body(ReasonSerializer, request)
        agreement = services.agreement_return(
            agreement=self.get_object(), by=request.user, reason=body["reason"]
        )
        return self._answer(agreement.pk)

    @extend_schema(
        summary="Vereinbarung widerrufen",
        description="Durch Leitung oder Personalamt, immer schriftlich begründet: mit Frist "
        "(Standard 3 Monate) oder mit `at_once` sofort aus wichtigem Grund.",
        request=RevokeSerializer,
        responses=_responses(AgreementDetailSerializer, 400, 403, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        body = _body(RevokeSerializer, request)
        agreement = services.agreement_revoke(agreement=self.get_object(), by=request.user, **body)
        return self._answer(agreement.pk)

    @extend_schema(
        summary="Vereinbarung verlängern",
        description="Durch Leitung oder Personalamt: eine Folgevereinbarung ab dem Tag nach "
        "dem Ende, der die/der Beschäftigte wieder zustimmen muss. Gibt die neue "
        "Vereinbarung zurück.",
        request=RenewSerializer,
        responses=_responses(AgreementDetailSerializer, 400, 403, 404, 409, status_code=201),
    )
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        body = _body(RenewSerializer, request)
        renewal = services.agreement_renew(agreement=self.get_object(), by=request.user, **body)
        return self._answer(renewal.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Telearbeitsplatz angeben",
        description="Nur Telearbeit: Anschrift, Ausstattung und erstmalige "
        "Gefährdungsbeurteilung, durch die Person selbst, die Leitung oder das Personalamt.",
        request=WorkstationSerializer,
        responses=_responses(AgreementDetailSerializer, 400, 403, 404, 409),
    )
    @action(detail=True, methods=["post"])
    def workstation(self, request, pk=None):
        body = _body(WorkstationSerializer, request)
        agreement = services.agreement_set_workstation(
            agreement=self.get_object(), by=request.user, **body
        )
        return self._answer(agreement.pk)


# --------------------------------------------------------------------------- pledge and checklist


@extend_schema(tags=[TAG])
@extend_schema_view(
    list=extend_schema(summary="Datenschutzerklärungen (eigene und die sichtbaren)"),
    retrieve=extend_schema(
        summary="Eine Datenschutzerklärung", responses=_responses(PledgeSerializer, 404)
    ),
)
class PledgeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PledgeSerializer

    def get_queryset(self):
        return pledges_visible_to(self.request.user).order_by("-signed_at", "-pk")

    @extend_schema(
        summary="Datenschutzerklärung abgeben",
        description="Beantwortet jeden Punkt der aktuellen Checkliste (`GET "
        "/api/v1/checklists/current/`). Gültig (`is_valid`) nur, wenn alle Pflichtpunkte "
        "bestätigt sind; eine gültige Erklärung aktiviert wartende Vereinbarungen, deren "
        "übrige Voraussetzungen erfüllt sind. Erneutes Abgeben ersetzt die Antworten zur "
        "selben Version.",
        request=PledgeSignSerializer,
        responses=_responses(PledgeSerializer, 400, 403, 409, status_code=201),
    )
    def create(self, request):
        body = _body(PledgeSignSerializer, request)
        pledge = services.pledge_sign(by=request.user, answers=body["answers"])
        fresh = self.get_queryset().get(pk=pledge.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=[TAG])
class ChecklistViewSet(viewsets.GenericViewSet):
    serializer_class = ChecklistSerializer
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        return ChecklistVersion.objects.none()

    @extend_schema(
        summary="Aktuelle Checkliste Datenschutz",
        description="Die Punkte, die eine Datenschutzerklärung beantworten muss, mit Version.",
        responses=_responses(ChecklistSerializer, 404),
    )
    @action(detail=False, methods=["get"])
    def current(self, request):
        version = current_checklist()
        if version is None:
            raise NotFound("Es ist noch keine Checkliste veröffentlicht.")
        return Response(self.get_serializer(version).data)


def register(router) -> None:
    router.register("requests", WorkRequestViewSet, basename="work-request")
    router.register("offers", OfferViewSet, basename="offer")
    router.register("agreements", AgreementViewSet, basename="agreement")
    router.register("pledges", PledgeViewSet, basename="pledge")
    router.register("checklists", ChecklistViewSet, basename="checklist")

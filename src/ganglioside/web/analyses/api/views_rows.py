"""The rows of an analysis through the API: its compounds, RT models and fragment events, and the
curator's decisions about rows."""

from __future__ import annotations

from typing import Any

from django.db.models.functions import Abs
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import filters, generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ganglioside.web.common.api import ErrorSerializer, error_responses, signed_in
from ganglioside.web.common.pagination import CompoundPagination

from .. import selectors
from ..models import Analysis, Compound
from ..services import curation
from .filters import CompoundFilter, CompoundOrderingFilter
from .owned import PAGE_NOT_FOUND, OwnedAnalysisMixin
from .serializers import (
    CompoundSerializer,
    DecisionCreateSerializer,
    DecisionSerializer,
    FragmentEventSerializer,
    PlainRowSerializer,
    RTModelSerializer,
)


class _AnalysisChildListView(OwnedAnalysisMixin, generics.ListAPIView):
    serializer_class: type[PlainRowSerializer]

    def get_analysis(self) -> Analysis:
        # Only the ownership check and the id: these views never show the analysis itself.
        if not hasattr(self, "_analysis"):
            self._analysis = selectors.analysis_get(
                user=signed_in(self.request), analysis_id=self.kwargs["pk"], only_id=True
            )
        return self._analysis

    def get_serializer_context(self) -> dict[str, Any]:
        return {"request": self.request}

    def rows(self, queryset: Any) -> Any:
        """The rows as dictionaries shaped like the output (no model instances)."""
        return queryset.values(*self.serializer_class.row_names())


class CompoundListView(_AnalysisChildListView):
    """The per-row records of an analysis, filtered, ordered and paginated."""

    serializer_class = CompoundSerializer
    pagination_class = CompoundPagination
    filter_backends = [DjangoFilterBackend, filters.SearchFilter, CompoundOrderingFilter]
    filterset_class = CompoundFilter
    search_fields = ["name"]
    ordering_fields = [
        "row",
        "name",
        "rt",
        "volume",
        "log_p",
        "status",
        "category",
        "group_key",
        "predicted_rt",
        "residual",
        "z",
        "mass",
        "sugar_count",
        "volume_consolidated",
        "identification_level",
        "mz_error_ppm",
        "abs_z",  # |z|: the size of the deviation, whatever its sign
    ]
    ordering = ["row"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no analysis
            return Compound.objects.none()
        compounds = selectors.compound_list(analysis=self.get_analysis())
        return self.rows(compounds.annotate(abs_z=Abs("z")))

    @extend_schema(
        operation_id="analyses_compounds",
        tags=["results"],
        parameters=[
            OpenApiParameter(
                "rows",
                OpenApiTypes.STR,
                description="row numbers and ranges, e.g. 70, 72, 100-120",
            ),
            OpenApiParameter(
                "ordering",
                OpenApiTypes.STR,
                description="a column to order by, '-' first for descending: "
                + ", ".join(ordering_fields)
                + " (abs_z is |z|); rows without a value come last, ties by row; another "
                "column answers 400",
            ),
        ],
        responses={
            200: CompoundSerializer(many=True),
            **error_responses(400, 401, 429, 503),
            404: PAGE_NOT_FOUND,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class RTModelListView(_AnalysisChildListView):
    """The retention-time models fitted by an analysis."""

    serializer_class = RTModelSerializer
    filter_backends: list[Any] = []

    def get_queryset(self):
        return self.rows(selectors.rt_model_list(analysis=self.get_analysis()))

    @extend_schema(
        operation_id="analyses_models",
        tags=["results"],
        responses={
            200: RTModelSerializer(many=True),
            **error_responses(400, 401, 429, 503),
            404: PAGE_NOT_FOUND,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class FragmentListView(_AnalysisChildListView):
    """The in-source fragment links found by an analysis."""

    serializer_class = FragmentEventSerializer
    filter_backends: list[Any] = []

    def get_queryset(self):
        return self.rows(selectors.fragment_list(analysis=self.get_analysis()))

    @extend_schema(
        operation_id="analyses_fragments",
        tags=["results"],
        responses={
            200: FragmentEventSerializer(many=True),
            **error_responses(400, 401, 429, 503),
            404: PAGE_NOT_FOUND,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class DecisionListCreateView(OwnedAnalysisMixin, APIView):
    """The decisions about an analysis's rows (its audit trail, oldest first), or a new one."""

    @extend_schema(
        operation_id="analyses_decisions_list",
        responses={200: DecisionSerializer(many=True), **error_responses(401, 404, 429)},
        tags=["curation"],
    )
    def get(self, request: Request, pk: int) -> Response:
        decisions = curation.decision_list(analysis=self.get_analysis())
        return Response(DecisionSerializer(decisions, many=True).data)

    @extend_schema(
        operation_id="analyses_decisions_create",
        request=DecisionCreateSerializer,
        responses={
            201: DecisionSerializer,
            **error_responses(400, 401, 404, 429),
            409: OpenApiResponse(ErrorSerializer, description="the analysis has not succeeded"),
        },
        tags=["curation"],
    )
    def post(self, request: Request, pk: int) -> Response:
        analysis = self.get_analysis()
        data = DecisionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = curation.decision_create(
            analysis=analysis,
            user=signed_in(request),
            row=data.validated_data["row"],
            action=data.validated_data["action"],
            status=data.validated_data.get("status", ""),
            reason=data.validated_data["reason"],
        )
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


#: The content type of each download format (a name of the core's output registry), as the
#: worker stores it (without its charset).

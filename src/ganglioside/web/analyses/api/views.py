"""API views: parse, check ownership through the selectors, call one service, shape the answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import authenticate
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models.functions import Abs
from django.http import HttpResponse, HttpResponseBase
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import filters, generics, status
from rest_framework.exceptions import APIException, Throttled, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ganglioside import report
from ganglioside.web.common.api import (
    DownloadRenderer,
    ErrorSerializer,
    error_responses,
    page_not_found,
    signed_in,
)
from ganglioside.web.common.pagination import CompoundPagination
from ganglioside.web.common.parameters import given_parameters
from ganglioside.web.common.schema import FileAnswerMixin, file_responses
from ganglioside.web.common.throttles import AuthRateThrottle, UploadRateThrottle

from ...methods.selectors import method_get
from .. import comparison, selectors
from ..file_responses import export_response
from ..models import Analysis, AnalysisStatus, Compound
from ..services import curation, deletion, downloads, submission
from .filters import AnalysisFilter, CompoundFilter, CompoundOrderingFilter
from .serializers import (
    EXPORT_FORMATS,
    AnalysisCreateSerializer,
    AnalysisDetailSerializer,
    AnalysisListSerializer,
    AnalysisRerunSerializer,
    ComparisonSerializer,
    CompoundSerializer,
    DecisionCreateSerializer,
    DecisionSerializer,
    FragmentEventSerializer,
    PlainRowSerializer,
    RTModelSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
    comparison_data,
)

if TYPE_CHECKING:
    pass

#: Changed rows per page of a comparison.
COMPARE_PAGE_SIZE = 100

#: A list's page past the last one (``?page=``).
PAGE_NOT_FOUND = page_not_found("analysis")


class TokenView(APIView):
    """Exchange a username and password for an API token."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [AuthRateThrottle]

    @extend_schema(
        operation_id="auth_token",
        auth=[],  # no security requirement: a generated client asks with no token yet
        request=TokenInputSerializer,
        responses={200: TokenOutputSerializer, **error_responses(400, 429, 503)},
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        from rest_framework.authtoken.models import Token

        data = TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise ValidationError({"non_field_errors": ["wrong username or password"]})
        token, _ = Token.objects.get_or_create(user=user)
        return Response(TokenOutputSerializer({"token": token.key}).data)


def count_upload(request: Request, view: APIView) -> None:
    """Count a request that starts an analysis against the upload limit (429 when over it).

    Called once the request is known to be acceptable, so a rejected one costs nothing.
    """
    throttle = UploadRateThrottle()
    if not throttle.allow_request(request, view):
        raise Throttled(wait=throttle.wait())


class _OwnedAnalysisMixin(APIView):
    """Resolve ``pk`` to an analysis of the requesting user (404 otherwise)."""

    def get_analysis(self) -> Analysis:
        if not hasattr(self, "_analysis"):
            self._analysis = selectors.analysis_get(
                user=signed_in(self.request), analysis_id=self.kwargs["pk"]
            )
        return self._analysis


class AnalysisListCreateView(generics.GenericAPIView):
    """List your analyses, or upload a table to analyse."""

    serializer_class = AnalysisListSerializer
    filterset_class = AnalysisFilter
    search_fields = ["name", "input_filename"]
    ordering_fields = ["created_at", "finished_at", "name", "status", "duration_seconds"]
    ordering = ["-created_at", "-id"]
    parser_classes = [MultiPartParser]  # an upload: the only body is the multipart form

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Analysis.objects.none()
        return selectors.analysis_list(user=signed_in(self.request))

    @extend_schema(
        operation_id="analyses_list",
        responses={
            200: AnalysisListSerializer(many=True),
            **error_responses(400, 401, 429, 503),
            404: PAGE_NOT_FOUND,
        },
        tags=["analyses"],
    )
    def get(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        data = AnalysisListSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)

    @extend_schema(
        operation_id="analyses_create",
        request={"multipart/form-data": AnalysisCreateSerializer},
        responses={
            202: OpenApiResponse(
                AnalysisDetailSerializer, description="queued; follow its status or WebSocket"
            ),
            **error_responses(400, 401, 404, 429, 503),
        },
        tags=["analyses"],
    )
    def post(self, request: Request) -> Response:
        data = AnalysisCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        owner = signed_in(request)
        method_id = data.validated_data.get("method")
        checked = submission.upload_check(
            file=data.validated_data["file"],
            parameters=given_parameters(data.validated_data),
            sample=data.validated_data.get("sample") or None,
            columns=data.validated_data.get("columns") or None,
            method=method_get(owner=owner, method_id=method_id) if method_id else None,
        )
        count_upload(request, self)  # only an accepted upload counts against the limit
        analysis = submission.analysis_create_checked(
            owner=owner, upload=checked, name=data.validated_data.get("name", "")
        )
        body = AnalysisDetailSerializer(analysis, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED)


class AnalysisDetailView(_OwnedAnalysisMixin, APIView):
    """One analysis: status, progress, parameters, summary; or delete it."""

    @extend_schema(
        operation_id="analyses_retrieve",
        responses={200: AnalysisDetailSerializer, **error_responses(401, 404, 429, 503)},
        tags=["analyses"],
    )
    def get(self, request: Request, pk: int) -> Response:
        analysis = self.get_analysis()
        return Response(AnalysisDetailSerializer(analysis, context={"request": request}).data)

    @extend_schema(
        operation_id="analyses_destroy",
        responses={
            204: None,
            **error_responses(401, 404, 429, 503),
            409: OpenApiResponse(
                ErrorSerializer,
                description="its results are being stored right now; Retry-After says when to "
                "try again",
            ),
        },
        tags=["analyses"],
    )
    def delete(self, request: Request, pk: int) -> Response:
        deletion.analysis_delete(analysis=self.get_analysis())
        return Response(status=status.HTTP_204_NO_CONTENT)


class AnalysisRerunView(_OwnedAnalysisMixin, APIView):
    """Analyse the same file again with some parameters changed (a new analysis, which carries
    the decisions about rows; named after what changed unless a name is given)."""

    @extend_schema(
        operation_id="analyses_rerun",
        request=AnalysisRerunSerializer,
        responses={202: AnalysisDetailSerializer, **error_responses(400, 401, 404, 429, 503)},
        tags=["analyses"],
    )
    def post(self, request: Request, pk: int) -> Response:
        original = self.get_analysis()
        data = AnalysisRerunSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = given_parameters(data.validated_data)
        submission.rerun_config(analysis=original, changes=changes)  # ConfigError: 400
        count_upload(request, self)  # only an accepted re-run counts against the limit
        with transaction.atomic():
            analysis = submission.analysis_rerun(
                analysis=original, changes=changes, name=data.validated_data.get("name", "")
            )
        body = AnalysisDetailSerializer(analysis, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED)


class _AnalysisChildListView(_OwnedAnalysisMixin, generics.ListAPIView):
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


class DecisionListCreateView(_OwnedAnalysisMixin, APIView):
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
EXPORT_CONTENT_TYPES = {name: o.media_type.split(";")[0] for name, o in report.OUTPUTS.items()}


class ExportView(FileAnswerMixin, _OwnedAnalysisMixin, APIView):
    """Download a finished analysis as CSV, XLSX (workbook), JSON, an HTML or a PDF report."""

    renderer_classes = [JSONRenderer, DownloadRenderer]

    @extend_schema(
        operation_id="analyses_export",
        parameters=[
            OpenApiParameter(
                "export_format", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(EXPORT_FORMATS)
            )
        ],
        description="Download a finished analysis as one file: "
        + ", ".join(f"{kind} as {EXPORT_CONTENT_TYPES[kind]}" for kind in EXPORT_FORMATS)
        + "; application/octet-stream when the Accept header asks for it first.",
        responses={
            **file_responses(*(EXPORT_CONTENT_TYPES[kind] for kind in EXPORT_FORMATS)),
            **error_responses(401, 404, 429, 503),
            202: OpenApiResponse(
                ErrorSerializer,
                description="the file is being written (the PDF on its first request, any "
                "export after a curation decision): ask again at Location after Retry-After "
                "seconds",
            ),
            409: OpenApiResponse(ErrorSerializer, description="the analysis has not succeeded"),
            422: OpenApiResponse(
                ErrorSerializer,
                description="writing this export failed; the message says why, and a POST to "
                "this URL has it written again",
            ),
        },
        tags=["results"],
    )
    def get(self, request: Request, pk: int, export_format: str) -> HttpResponseBase:
        # An unknown format, an unfinished analysis, a file being written or one whose writing
        # failed: answered by errors.exception_handler (404, 409, 202 with Location, 422).
        artifact = downloads.analysis_download(analysis=self.get_analysis(), kind=export_format)
        return export_response(artifact)

    @extend_schema(
        operation_id="analyses_export_again",
        parameters=[
            OpenApiParameter(
                "export_format", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(EXPORT_FORMATS)
            )
        ],
        request=None,
        description="Write an export again (after it failed): 202 while it is written, then "
        "GET the same URL.",
        responses={
            **file_responses(*(EXPORT_CONTENT_TYPES[kind] for kind in EXPORT_FORMATS)),
            **error_responses(401, 404, 429, 503),
            202: OpenApiResponse(ErrorSerializer, description="being written; GET Location"),
            409: OpenApiResponse(ErrorSerializer, description="the analysis has not succeeded"),
            422: OpenApiResponse(ErrorSerializer, description="writing it failed again"),
        },
        tags=["results"],
    )
    def post(self, request: Request, pk: int, export_format: str) -> HttpResponseBase:
        analysis = self.get_analysis()
        artifact = downloads.analysis_export_again(analysis=analysis, kind=export_format)
        return export_response(artifact)


class NotReady(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "not_ready"
    default_detail = "both analyses must have succeeded"


class CompareView(APIView):
    """Compare two of your analyses: matching, counts, parameters, abundances, changed rows."""

    @extend_schema(
        operation_id="analyses_compare",
        parameters=[
            OpenApiParameter("a", OpenApiTypes.INT, required=True, description="analysis A"),
            OpenApiParameter("b", OpenApiTypes.INT, required=True, description="analysis B"),
            OpenApiParameter("page", OpenApiTypes.INT, description="page of changed rows (100)"),
        ],
        responses={
            200: ComparisonSerializer,
            **error_responses(400, 401, 404, 429),
            409: OpenApiResponse(ErrorSerializer, description="an analysis has not succeeded"),
        },
        tags=["results"],
    )
    def get(self, request: Request) -> Response:
        user = signed_in(request)
        ids = [request.query_params.get(side, "") for side in ("a", "b")]
        if not all(ids):
            raise ValidationError({"a": ["give two analyses: ?a=<id>&b=<id>"]})
        a, b = (selectors.analysis_get(user=user, analysis_id=i) for i in ids)
        if a.status != AnalysisStatus.SUCCEEDED or b.status != AnalysisStatus.SUCCEEDED:
            raise NotReady()
        result = comparison.compare(a, b)
        page = Paginator(result.changes, COMPARE_PAGE_SIZE).get_page(
            request.query_params.get("page")
        )
        return Response(ComparisonSerializer(comparison_data(request, result, page)).data)


class AuditView(FileAnswerMixin, _OwnedAnalysisMixin, APIView):
    """The audit trail of an analysis as a CSV file (one line per decision)."""

    renderer_classes = [JSONRenderer, DownloadRenderer]

    @extend_schema(
        operation_id="analyses_decisions_audit",
        responses={**file_responses("text/csv"), **error_responses(401, 404, 429)},
        tags=["curation"],
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        analysis = self.get_analysis()
        response = HttpResponse(
            curation.audit_csv(analysis), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="analysis_{analysis.pk}_audit.csv"'
        return response

"""The analyses API: a token, the list of analyses, one analysis (read, delete, run again) and
the comparison of two (the rows in :mod:`.views_rows`, the files in :mod:`.views_files`).

Each view parses, checks ownership through the selectors, calls one service and shapes the
answer."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.core.paginator import Paginator
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ganglioside.web.common.api import ErrorSerializer, error_responses, signed_in
from ganglioside.web.common.parameters import given_parameters
from ganglioside.web.common.throttles import AuthRateThrottle

from ...methods.selectors import method_get
from .. import comparison, selectors
from ..models import Analysis, AnalysisStatus
from ..services import deletion, submission
from .filters import AnalysisFilter
from .owned import PAGE_NOT_FOUND, OwnedAnalysisMixin, count_upload
from .serializers import (
    AnalysisCreateSerializer,
    AnalysisDetailSerializer,
    AnalysisListSerializer,
    AnalysisRerunSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
)
from .serializers_compare import ComparisonSerializer, comparison_data


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


class AnalysisDetailView(OwnedAnalysisMixin, APIView):
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


class AnalysisRerunView(OwnedAnalysisMixin, APIView):
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


#: Changed rows per page of a comparison.
COMPARE_PAGE_SIZE = 100


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

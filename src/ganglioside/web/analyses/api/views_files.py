"""The files of an analysis through the API: its exports (written once by the worker) and the
audit trail of the decisions."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from ganglioside import report
from ganglioside.web.common.api import DownloadRenderer, ErrorSerializer, error_responses
from ganglioside.web.common.schema import FileAnswerMixin, file_responses

from ..file_responses import export_response
from ..services import curation, downloads
from .owned import OwnedAnalysisMixin
from .serializers import EXPORT_FORMATS

EXPORT_CONTENT_TYPES = {name: o.media_type.split(";")[0] for name, o in report.OUTPUTS.items()}


class ExportView(FileAnswerMixin, OwnedAnalysisMixin, APIView):
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
        # failed: answered by common.errors.exception_handler (404, 409, 202 with Location, 422).
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


class AuditView(FileAnswerMixin, OwnedAnalysisMixin, APIView):
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

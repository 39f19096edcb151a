"""Studies API views: parse, check ownership through the selectors, call one service, answer."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import APIException, Throttled, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ganglioside.studies.compare import AGREEMENTS, rows_csv
from ganglioside.web.common.api import (
    DownloadRenderer,
    ErrorSerializer,
    error_responses,
    page_not_found,
    signed_in,
)
from ganglioside.web.common.schema import FileAnswerMixin, file_responses
from ganglioside.web.common.throttles import UploadRateThrottle

from .. import selectors
from ..models import Study
from ..services import actions, creation
from ..services.outputs import CONTENT_TYPES
from ..views_compare import csv_response
from .serializers import (
    FinishSerializer,
    MatrixSerializer,
    StatisticsSerializer,
    StudyComparisonSerializer,
    StudyCreateSerializer,
    StudyDetailSerializer,
    StudyListSerializer,
    StudySampleSerializer,
    study_comparison_data,
)

TAGS = ["studies"]
#: Compounds per page of a comparison of two studies.
COMPARE_PAGE_SIZE = 200


class _OwnedStudyMixin(APIView):
    """Resolve ``pk`` to a study of the requesting user (404 otherwise)."""

    def get_study(self) -> Study:
        if not hasattr(self, "_study"):
            self._study = selectors.study_get(
                user=signed_in(self.request), study_id=self.kwargs["pk"]
            )
        return self._study


def _detail(study: Study, request: Request) -> dict[str, Any]:
    fresh = selectors.study_with_samples(study=study)
    return StudyDetailSerializer(fresh, context={"request": request}).data


class StudyListCreateView(generics.GenericAPIView):
    """List your studies, or start one: upload tables and a design, or one multi-sample export
    whose metadata rows give the design."""

    serializer_class = StudyListSerializer
    parser_classes = [MultiPartParser]  # an upload: the only body is the multipart form
    search_fields = ["name", "design_filename"]
    ordering_fields = ["created_at", "finished_at", "name", "status"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Study.objects.none()
        return selectors.study_list(user=signed_in(self.request))

    @extend_schema(
        operation_id="studies_list",
        responses={
            200: StudyListSerializer(many=True),
            **error_responses(400, 401, 429, 503, thing="study"),
            404: page_not_found("study"),
        },
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = StudyListSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)

    @extend_schema(
        operation_id="studies_create",
        request={"multipart/form-data": StudyCreateSerializer},
        responses={
            202: OpenApiResponse(StudyDetailSerializer, description="queued; follow its status"),
            **error_responses(400, 401, 429, thing="study"),
        },
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        data = StudyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        # Counted once the request is well-formed, taken back when its files are refused
        # (unreadable, no design ...): only a study that starts uses up the upload limit.
        throttle = UploadRateThrottle()
        if not throttle.allow_request(request, self):
            raise Throttled(wait=throttle.wait())
        try:
            if values.get("export") is not None:
                study = creation.study_create_from_export(
                    owner=signed_in(request),
                    export=values["export"],
                    name=values.get("name", ""),
                    parameters=values.get("parameters") or {},
                )
            else:
                study = creation.study_create(
                    owner=signed_in(request),
                    files=values["files"],
                    design=values.get("design_file") or values.get("design", ""),
                    name=values.get("name", ""),
                    parameters=values.get("parameters") or {},
                )
        except Exception:
            throttle.refund()
            raise
        return Response(_detail(study, request), status=status.HTTP_202_ACCEPTED)


class StudyDetailView(_OwnedStudyMixin, APIView):
    """One study: status, progress per sample, summary, files; or delete it."""

    @extend_schema(
        operation_id="studies_retrieve",
        responses={200: StudyDetailSerializer, **error_responses(401, 404, 429, thing="study")},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(self.get_study(), request))

    @extend_schema(
        operation_id="studies_destroy",
        responses={204: None, **error_responses(401, 404, 429, thing="study")},
        tags=TAGS,
    )
    def delete(self, request: Request, pk: int) -> Response:
        actions.study_delete(study=self.get_study())
        return Response(status=status.HTTP_204_NO_CONTENT)


class StudySampleListView(_OwnedStudyMixin, APIView):
    """The study's samples with their status, error and counts."""

    @extend_schema(
        operation_id="studies_samples",
        responses={
            200: StudySampleSerializer(many=True),
            **error_responses(401, 404, 429, thing="study"),
        },
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        rows = selectors.sample_list(study=self.get_study())
        return Response(StudySampleSerializer(rows, many=True).data)


class StudySampleRerunView(_OwnedStudyMixin, APIView):
    """Run a failed sample again; the study step follows when every sample is done."""

    @extend_schema(
        operation_id="studies_sample_rerun",
        request=None,
        responses={
            202: StudySampleSerializer,
            **error_responses(400, 401, 404, 429, thing="study"),
        },
        tags=TAGS,
    )
    def post(self, request: Request, pk: int, sample_id: int) -> Response:
        sample = selectors.sample_get(study=self.get_study(), sample_id=sample_id)
        sample = actions.study_sample_rerun(sample=sample)
        return Response(StudySampleSerializer(sample).data, status=status.HTTP_202_ACCEPTED)


class StudyFinishView(_OwnedStudyMixin, APIView):
    """Finish a study without its failed samples (every group must keep two or more)."""

    @extend_schema(
        operation_id="studies_finish",
        request=FinishSerializer,
        responses={
            202: StudyDetailSerializer,
            **error_responses(400, 401, 404, 429, thing="study"),
        },
        tags=TAGS,
    )
    def post(self, request: Request, pk: int) -> Response:
        study = actions.study_finish_without_failed(study=self.get_study())
        return Response(_detail(study, request), status=status.HTTP_202_ACCEPTED)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Content-Length"] = str(len(content))
    return response


class StudySampleCompoundsView(FileAnswerMixin, _OwnedStudyMixin, APIView):
    """A sample's own analysis: its ``compounds.csv`` as its worker stored it."""

    renderer_classes = [JSONRenderer, DownloadRenderer]

    @extend_schema(
        operation_id="studies_sample_compounds",
        responses={
            **file_responses("text/csv"),
            **error_responses(401, 404, 429, thing="study"),
        },
        tags=TAGS,
    )
    def get(self, request: Request, pk: int, sample_id: int) -> HttpResponse:
        sample = selectors.sample_get(study=self.get_study(), sample_id=sample_id)
        if sample.compounds is None:
            return Response(
                {
                    "error": {
                        "code": "not_found",
                        "message": "the sample has no analysis",
                        "details": {},
                    }
                },
                status=status.HTTP_404_NOT_FOUND,
            )
        return _download(
            bytes(sample.compounds), "text/csv; charset=utf-8", f"{sample.sample}_compounds.csv"
        )


class StudyDesignView(FileAnswerMixin, _OwnedStudyMixin, APIView):
    """The study's design as it was sent, or as it was built from the export's metadata rows
    (``design.csv``: edit it and send it again, or run it with ``ganglioside study``)."""

    renderer_classes = [JSONRenderer, DownloadRenderer]

    @extend_schema(
        operation_id="studies_design",
        responses={
            **file_responses(
                *dict.fromkeys(t.split(";")[0] for t in selectors.DESIGN_TYPES.values())
            ),
            **error_responses(401, 404, 429, thing="study"),
        },
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        name, content, kind = selectors.design_file(study=self.get_study())
        return _download(content, kind, name)


#: The content type of each file of a study (without its charset).
FILE_TYPES = {name: kind.split(";")[0] for name, kind in CONTENT_TYPES.items()}


class StudyFileView(FileAnswerMixin, _OwnedStudyMixin, APIView):
    """Download one file of a finished study, as stored."""

    renderer_classes = [JSONRenderer, DownloadRenderer]

    @extend_schema(
        operation_id="studies_file",
        description="Download one file of a finished study, as stored: "
        + ", ".join(f"{name} as {kind}" for name, kind in FILE_TYPES.items())
        + "; application/octet-stream when the Accept header asks for it first.",
        parameters=[
            OpenApiParameter(
                "name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(CONTENT_TYPES)
            )
        ],
        responses={
            **file_responses(*dict.fromkeys(FILE_TYPES.values())),
            **error_responses(401, 404, 429, thing="study"),
        },
        tags=TAGS,
    )
    def get(self, request: Request, pk: int, name: str) -> HttpResponse:
        stored = selectors.study_file(study=self.get_study(), name=name)
        return _download(bytes(stored.content), stored.content_type, stored.name)


def _rows(frame: Any) -> dict[str, Any]:
    return {
        "count": len(frame),
        "columns": [str(c) for c in frame.columns],
        "rows": selectors.records(frame),
    }


class StudyMatrixView(_OwnedStudyMixin, APIView):
    """The aligned compounds × samples matrix (the chosen quantity; null = missing)."""

    @extend_schema(
        operation_id="studies_matrix",
        responses={200: MatrixSerializer, **error_responses(401, 404, 429, thing="study")},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_rows(selectors.table_of(study=self.get_study(), name="matrix.csv")))


class StudyStatisticsView(_OwnedStudyMixin, APIView):
    """Per compound and contrast: fold change, tests, q values, QC filter; filtered."""

    @extend_schema(
        operation_id="studies_statistics",
        parameters=[
            OpenApiParameter("search", OpenApiTypes.STR, description="in the name or species"),
            OpenApiParameter("category", OpenApiTypes.STR, description="GM, GD, GT, GQ, GA …"),
            OpenApiParameter("q_max", OpenApiTypes.FLOAT, description="q value at most"),
            OpenApiParameter("direction", OpenApiTypes.STR, enum=["up", "down"]),
            OpenApiParameter(
                "contrast", OpenApiTypes.STR, description="one contrast, e.g. disease/control"
            ),
        ],
        responses={
            200: StatisticsSerializer,
            **error_responses(400, 401, 404, 429, thing="study"),
        },
        tags=TAGS,
    )
    def get(self, request: Request, pk: int) -> Response:
        frame = selectors.species_rows(
            study=self.get_study(), **species_filters(request.query_params)
        )
        return Response(_rows(frame))


def species_filters(params: Any) -> dict[str, Any]:
    """The species-table filters from query parameters (a bad q_max is a 400)."""

    q_text = (params.get("q_max") or "").strip()
    try:
        q_max = float(q_text) if q_text else None
    except ValueError:
        raise ValidationError({"q_max": [f"expected a number, got {q_text!r}"]}) from None
    direction = params.get("direction") or ""
    if direction not in ("", "up", "down"):
        raise ValidationError({"direction": ["expected up or down"]})
    return {
        "search": (params.get("search") or "").strip(),
        "category": (params.get("category") or "").strip(),
        "q_max": q_max,
        "direction": direction,
        "contrast": (params.get("contrast") or "").strip(),
    }


class StudiesNotReady(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "not_ready"
    default_detail = "both studies must have succeeded to be compared"


def _compared(request: Request, pk: int, other_id: int) -> tuple[Study, Study, Any]:
    try:
        return selectors.study_comparison(user=signed_in(request), study_id=pk, other_id=other_id)
    except selectors.StudyNotReady as exc:
        raise StudiesNotReady(str(exc)) from None


_COMPARE_ERRORS = {
    **error_responses(401, 404, 429, thing="study"),
    409: OpenApiResponse(ErrorSerializer, description="a study has not succeeded"),
}


class StudyCompareView(APIView):
    """Compare two of your studies: matching, counts per agreement label, correlation of the
    fold changes, parameter differences and a page of compounds."""

    @extend_schema(
        operation_id="studies_compare",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="study A"),
            OpenApiParameter(
                "other_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="study B"
            ),
            OpenApiParameter(
                "agreement", OpenApiTypes.STR, enum=list(AGREEMENTS), description="only this label"
            ),
            OpenApiParameter(
                "page", OpenApiTypes.INT, description=f"page of compounds ({COMPARE_PAGE_SIZE})"
            ),
        ],
        responses={
            200: StudyComparisonSerializer,
            400: OpenApiResponse(ErrorSerializer, description="unknown agreement label"),
            **_COMPARE_ERRORS,
        },
        tags=TAGS,
    )
    def get(self, request: Request, pk: int, other_id: int) -> Response:
        agreement = request.query_params.get("agreement", "")
        if agreement and agreement not in AGREEMENTS:
            raise ValidationError({"agreement": [f"expected one of {', '.join(AGREEMENTS)}"]})
        a, b, result = _compared(request, pk, other_id)
        frame = selectors.comparison_rows(result, agreement)
        page = Paginator(frame, COMPARE_PAGE_SIZE).get_page(request.query_params.get("page"))
        data = study_comparison_data(request, a, b, result, page)
        return Response(StudyComparisonSerializer(data).data)


class StudyCompareCsvView(FileAnswerMixin, APIView):
    """The comparison of two of your studies as CSV: every compound, every column."""

    renderer_classes = [JSONRenderer, DownloadRenderer]

    @extend_schema(
        operation_id="studies_compare_csv",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="study A"),
            OpenApiParameter(
                "other_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="study B"
            ),
        ],
        responses={**file_responses("text/csv"), **_COMPARE_ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request, pk: int, other_id: int) -> HttpResponse:
        a, b, result = _compared(request, pk, other_id)
        return csv_response(rows_csv(result), a, b)

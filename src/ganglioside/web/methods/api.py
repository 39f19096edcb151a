"""The API of the methods app: a user's methods (CRUD); another user's method is a 404."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from ganglioside.web.common.api import error_responses, signed_in

from . import selectors, services
from .models import Method


class CalibrantSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="the standard, e.g. GM3 36:1;O2")
    rt = serializers.FloatField(
        required=False, allow_null=True, help_text="expected RT (min); null: the strongest row"
    )
    tolerance = serializers.FloatField(required=False, help_text="min; default 0.5")


class MethodSerializer(serializers.ModelSerializer):
    calibrants = CalibrantSerializer(many=True, required=False)
    parameters = serializers.DictField(
        required=False, help_text="analysis parameters that differ from the defaults"
    )

    class Meta:
        model = Method
        fields = [
            "id",
            "name",
            "description",
            "calibrants",
            "parameters",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return error_responses(
        *codes,
        thing="method",
        invalid="invalid request (a calibrant row or a parameter; the message names it)",
    )


@extend_schema_view(
    list=extend_schema(
        tags=["methods"],
        summary="Your methods",
        responses={200: MethodSerializer(many=True), **_errors(401, 429)},
    ),
    retrieve=extend_schema(
        tags=["methods"],
        summary="One of your methods",
        responses={200: MethodSerializer, **_errors(401, 404, 429)},
    ),
    create=extend_schema(
        tags=["methods"],
        summary="Save a method (calibrants and parameters)",
        responses={201: MethodSerializer, **_errors(400, 401, 429)},
    ),
    update=extend_schema(
        tags=["methods"],
        summary="Replace a method",
        responses={200: MethodSerializer, **_errors(400, 401, 404, 429)},
    ),
    partial_update=extend_schema(
        tags=["methods"],
        summary="Change part of a method",
        responses={200: MethodSerializer, **_errors(400, 401, 404, 429)},
    ),
    destroy=extend_schema(
        tags=["methods"], summary="Delete a method", responses={204: None, **_errors(401, 404, 429)}
    ),
)
class MethodViewSet(viewsets.ModelViewSet):
    """Methods: calibrant lists and parameters, chosen at upload with ``method``."""

    serializer_class = MethodSerializer
    pagination_class = None
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Method.objects.none()
        return selectors.method_list(owner=signed_in(self.request))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        method = services.method_save(owner=signed_in(request), **self._given(data.validated_data))
        return Response(self.get_serializer(method).data, status=201)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        method = self.get_object()
        partial = kwargs.get("partial", False)
        data = self.get_serializer(method, data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        given = self._given(data.validated_data)
        if partial:
            given.setdefault("name", method.name)
            given.setdefault("description", method.description)
            given.setdefault("parameters", method.parameters)
        saved = services.method_save(owner=signed_in(request), method=method, **given)
        return Response(self.get_serializer(saved).data)

    def perform_destroy(self, instance: Method) -> None:
        services.method_delete(method=instance)

    @staticmethod
    def _given(validated: dict[str, Any]) -> dict[str, Any]:
        keys = ("name", "description", "parameters")
        given: dict[str, Any] = {k: validated[k] for k in keys if k in validated}
        if "calibrants" in validated:
            given["calibrants"] = validated["calibrants"]
        return given

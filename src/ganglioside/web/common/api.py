"""What every API view of the platform shares (analyses, methods, studies): the signed-in user,
the error shape and its documented answers, and a renderer for file downloads."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

if TYPE_CHECKING:  # pragma: no cover
    from django.contrib.auth.models import User


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="machine-readable, e.g. invalid_input, not_found")
    message = serializers.CharField(help_text="what went wrong, in plain words")
    details = serializers.JSONField(
        help_text="more about it, e.g. {file, row, column, value} for an input error"
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


_DESCRIBED = {
    400: "invalid request",
    401: "not signed in",
    429: "rate limit reached",
    503: "briefly unavailable (Redis unreachable); Retry-After says when to try again",
}


def signed_in(request: Request) -> User:
    """The requesting user (the default permission, ``IsAuthenticated``, admits no one else)."""
    user = request.user
    if isinstance(user, AnonymousUser):
        raise NotAuthenticated()
    return user


def error_responses(
    *codes: int, thing: str = "analysis", invalid: str | None = None
) -> dict[int, OpenApiResponse]:
    """The documented error answers ``codes`` of a view about a ``thing`` (404: no such thing,
    or not yours); ``invalid`` words the 400 more precisely."""
    described = {**_DESCRIBED, 404: f"no such {thing} (or not yours)"}
    if invalid:
        described[400] = invalid
    return {code: OpenApiResponse(ErrorSerializer, description=described[code]) for code in codes}


def page_not_found(thing: str) -> OpenApiResponse:
    """The 404 of a list's page past the last one (``?page=``) or of a missing parent."""
    return OpenApiResponse(
        ErrorSerializer, description=f"no such page (past the last), or no such {thing}"
    )


class DownloadRenderer(BaseRenderer):
    """Lets a client ask for the file's own media type; errors still go out as JSON."""

    media_type = "*/*"
    format = "download"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None):
        if isinstance(data, bytes | bytearray):
            return bytes(data)
        return json.dumps(data).encode("utf-8")

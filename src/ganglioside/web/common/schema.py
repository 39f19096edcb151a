"""What the API's OpenAPI schema says beyond its serializers, so that a client generated from it
works as it is: file answers a client reads as bytes, and nullable references that OpenAPI 3.0
validators read.  Shared by every API of the platform (analyses, methods, studies)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

OCTET_STREAM = "application/octet-stream"


def file_responses(*media_types: str) -> dict[Any, Any]:
    """The 200 answer of a file endpoint: ``application/octet-stream`` first, then the file's
    own content types.

    A generated client reads the body the way the first content type says: bytes for
    ``application/octet-stream``, whatever the format (a client generated from ``text/csv``
    alone reads text; from ``application/json``, parsed JSON).  The server answers with the
    file's own content type, or ``application/octet-stream`` when the request's Accept header
    asks for it first (:class:`FileAnswerMixin`).
    """
    responses: dict[Any, Any] = {(200, OCTET_STREAM): OpenApiTypes.BINARY}
    for media_type in media_types:
        json = media_type == "application/json"
        responses[(200, media_type)] = OpenApiTypes.OBJECT if json else OpenApiTypes.BINARY
    return responses


def _prefers_octet_stream(request: Request) -> bool:
    first = request.META.get("HTTP_ACCEPT", "").split(",")[0]
    return first.split(";")[0].strip().lower() == OCTET_STREAM


class FileAnswerMixin:
    """For views that answer a file: the file goes out with its own content type, or as
    ``application/octet-stream`` when the Accept header asks for that first; every other
    answer (an error) is JSON, whatever the Accept header said."""

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if isinstance(response, Response):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = "application/json"
        elif response.status_code == 200 and _prefers_octet_stream(request):
            response["Content-Type"] = OCTET_STREAM
        return response


#: The null branch of a nullable reference: OpenAPI 3.0 reads ``nullable`` only beside a
#: ``type`` in the same schema object.
_NULL = {"type": "object", "nullable": True, "enum": [None]}


def _nullable_reference(node: dict[str, Any]) -> dict[str, Any]:
    """``{allOf: [{$ref}], nullable: true, …}`` as ``{oneOf: [{$ref}, null], …}``."""
    if node.get("nullable") is not True or "type" in node:
        return node
    parts = node.get("allOf")
    if not (isinstance(parts, list) and len(parts) == 1 and "$ref" in parts[0]):
        return node
    rest = {k: v for k, v in node.items() if k not in ("allOf", "nullable")}
    return {"oneOf": [parts[0], dict(_NULL)], **rest}


def _rewrite(node: Any) -> Any:
    if isinstance(node, dict):
        return _nullable_reference({k: _rewrite(v) for k, v in node.items()})
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    return node


def nullable_references(result: dict[str, Any], **_: Any) -> dict[str, Any]:
    """drf-spectacular post-processing hook: every nullable reference (drf-spectacular writes
    ``nullable: true`` beside a bare ``allOf``, which strict OpenAPI 3.0 validators ignore, so
    that a ``null`` fails them) becomes a ``oneOf`` of the reference and an explicit null."""
    return _rewrite(result)

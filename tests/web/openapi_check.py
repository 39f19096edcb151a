"""A strict check of the API's answers against its OpenAPI document, with openapi-core: OpenAPI
3.0 read as written (``nullable`` counts only beside a ``type``), every status code and content
type must be documented, and every JSON body must match its schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


@dataclass
class _Request:
    host_url: str
    path: str
    method: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters = field(default_factory=RequestParameters)


@dataclass
class _Response:
    status_code: int
    content_type: str
    headers: Headers
    data: bytes | None


class StrictChecker:
    """Checks answers against one OpenAPI document; counts what it checked."""

    def __init__(self, spec: dict[str, Any] | None = None) -> None:
        self.spec = spec if spec is not None else yaml.safe_load(COMMITTED.read_text())
        self.openapi = OpenAPI.from_dict(self.spec)
        self.checked: list[tuple[str, str, int]] = []

    def check(
        self,
        method: str,
        url: str,
        status: int,
        headers: dict[str, str],
        body: bytes,
    ) -> None:
        """Raise if the answer ``status``/``headers``/``body`` to ``method url`` is not what the
        document says (openapi-core's error names the operation and the problem)."""
        parts = urlsplit(url)
        request = _Request(
            host_url=f"{parts.scheme or 'http'}://{parts.netloc or 'testserver'}",
            path=parts.path,
            method=method.lower(),
            body=None,
            content_type="",
            parameters=RequestParameters(query=ImmutableMultiDict(parse_qs(parts.query))),
        )
        response = _Response(
            status_code=status,
            content_type=headers.get("content-type", ""),
            headers=Headers(list(headers.items())),
            data=body,
        )
        self.openapi.validate_response(request, response)
        self.checked.append((method.upper(), parts.path, status))

    def check_httpx(self, response: Any) -> None:
        """An ``httpx.Response`` (read first)."""
        response.read()
        headers = {k.lower(): v for k, v in response.headers.items()}
        self.check(
            response.request.method, str(response.url), response.status_code, headers,
            response.content,
        )  # fmt: skip

    def check_django(self, method: str, path: str, response: Any) -> None:
        """A response of Django's or DRF's test client to ``method path``."""
        headers = {k.lower(): v for k, v in response.items()}
        body = b"".join(response.streaming_content) if response.streaming else response.content
        self.check(method, f"http://testserver{path}", response.status_code, headers, body)

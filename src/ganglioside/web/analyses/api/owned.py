"""What the analyses' API views share: the analysis of the requesting user, the upload count
and the answer to a page past the last one."""

from __future__ import annotations

from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.views import APIView

from ganglioside.web.common.api import page_not_found, signed_in
from ganglioside.web.common.throttles import UploadRateThrottle

from .. import selectors
from ..models import Analysis

#: A list's page past the last one (``?page=``).
PAGE_NOT_FOUND = page_not_found("analysis")


def count_upload(request: Request, view: APIView) -> None:
    """Count a request that starts an analysis against the upload limit (429 when over it).

    Called once the request is known to be acceptable, so a rejected one costs nothing.
    """
    throttle = UploadRateThrottle()
    if not throttle.allow_request(request, view):
        raise Throttled(wait=throttle.wait())


class OwnedAnalysisMixin(APIView):
    """Resolve ``pk`` to an analysis of the requesting user (404 otherwise)."""

    def get_analysis(self) -> Analysis:
        if not hasattr(self, "_analysis"):
            self._analysis = selectors.analysis_get(
                user=signed_in(self.request), analysis_id=self.kwargs["pk"]
            )
        return self._analysis

"""The errors the analyses' services raise on purpose and how the web answers them (added to
:data:`ganglioside.web.common.errors.SERVICE_ERRORS` when the app starts)."""

from __future__ import annotations

from rest_framework import status

from ..common.errors import ErrorAnswer
from .services.curation import CurationNotReady, DecisionError
from .services.deletion import AnalysisBusy
from .services.exports import ExportFailed, ExportNotReady, ExportPending, UnknownExportFormat

ANALYSIS_ERRORS: tuple[tuple[type[Exception], ErrorAnswer], ...] = (
    (UnknownExportFormat, ErrorAnswer(status.HTTP_404_NOT_FOUND, "not_found")),
    (ExportNotReady, ErrorAnswer(status.HTTP_409_CONFLICT, "not_ready")),
    (DecisionError, ErrorAnswer(status.HTTP_400_BAD_REQUEST, "invalid_decision")),
    (CurationNotReady, ErrorAnswer(status.HTTP_409_CONFLICT, "not_ready")),
    # A file being written is a job under way: 202, Retry-After and where to ask again.
    (ExportPending, ErrorAnswer(status.HTTP_202_ACCEPTED, "being_written")),
    # Writing it failed: the stored reason, until a POST asks for it again.
    (ExportFailed, ErrorAnswer(status.HTTP_422_UNPROCESSABLE_ENTITY, "export_failed")),
    (AnalysisBusy, ErrorAnswer(status.HTTP_409_CONFLICT, "busy")),
)

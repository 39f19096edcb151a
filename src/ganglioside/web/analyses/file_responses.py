"""An export file as an HTTP response: a file transfer, never a render.

With ``GANGLIOSIDE_ACCEL_REDIRECT`` set (production behind nginx, deploy/nginx), the response is
empty and names the file in ``X-Accel-Redirect``: nginx sends it from its internal location
over the exports folder, and the application process is free at once.  Without it (a laptop,
tests), Django streams the file in blocks (``FileResponse``).
"""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseBase

from .models import Artifact
from .services.exports import EXPORTS_FOLDER, export_path


def export_response(artifact: Artifact) -> HttpResponseBase:
    """The export ``artifact`` as a download named ``artifact.filename``."""
    prefix = settings.GANGLIOSIDE_ACCEL_REDIRECT
    disposition = f'attachment; filename="{artifact.filename}"'
    if prefix:
        inside = PurePath(artifact.path).relative_to(EXPORTS_FOLDER)
        response: HttpResponseBase = HttpResponse(content_type=artifact.content_type)
        response["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{inside.as_posix()}"
    else:
        response = FileResponse(
            export_path(artifact).open("rb"), content_type=artifact.content_type
        )
        response["Content-Length"] = str(artifact.size)
    response["Content-Disposition"] = disposition
    return response

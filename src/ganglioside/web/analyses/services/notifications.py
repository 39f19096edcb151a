"""The e-mail to the owner when an analysis ends (``GANGLIOSIDE_NOTIFY_BY_EMAIL``)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import NoReverseMatch, reverse

from ..models import Analysis, AnalysisStatus

log = logging.getLogger(__name__)


def analysis_notify_owner(*, analysis: Analysis) -> bool:
    """E-mail the owner that the analysis finished; ``False`` when no mail was sent."""
    if not settings.GANGLIOSIDE_NOTIFY_BY_EMAIL or not analysis.owner.email:
        return False
    link = settings.GANGLIOSIDE_SITE_URL + _analysis_page(analysis.pk)
    if analysis.status == AnalysisStatus.SUCCEEDED:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(analysis.status_counts.items()))
        subject = f"Analysis “{analysis.name}” finished"
        body = (
            f"Your analysis “{analysis.name}” of {analysis.input_filename} finished in "
            f"{analysis.duration_seconds or 0:.1f} s.\n\n"
            f"{analysis.n_compounds} rows: {counts}.\n\nResults: {link}\n"
        )
    else:
        subject = f"Analysis “{analysis.name}” failed"
        body = (
            f"Your analysis “{analysis.name}” of {analysis.input_filename} failed:\n\n"
            f"{analysis.error_message}\n\nDetails: {link}\n"
        )
    try:
        send_mail(subject, body, None, [analysis.owner.email])
    except Exception:
        log.warning(
            "could not e-mail %s about analysis %s", analysis.owner, analysis.pk, exc_info=True
        )
        return False
    return True


def _analysis_page(analysis_id: int) -> str:
    for name, args in (("pages:analysis", [analysis_id]), ("pages:home", [])):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return "/"

"""Reads of the methods app."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from .models import Method


def method_get(*, owner: Any, method_id: int) -> Method:
    """One of ``owner``'s methods; 404 for a missing one and for another user's alike."""
    method = Method.objects.filter(owner=owner, pk=method_id).first()
    if method is None:
        raise Http404(f"no method {method_id}")
    return method

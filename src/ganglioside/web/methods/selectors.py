"""Reads of the methods app."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from .models import Method


def method_list(*, owner: Any) -> QuerySet[Method]:
    """``owner``'s methods."""
    return Method.objects.filter(owner=owner)


def method_find(*, owner: Any, method_id: int | None) -> Method | None:
    """One of ``owner``'s methods, or ``None`` (no id, a missing one, another user's)."""
    if method_id is None:
        return None
    return Method.objects.filter(owner=owner, pk=method_id).first()


def method_get(*, owner: Any, method_id: int) -> Method:
    """One of ``owner``'s methods; 404 for a missing one and for another user's alike."""
    method = Method.objects.filter(owner=owner, pk=method_id).first()
    if method is None:
        raise Http404(f"no method {method_id}")
    return method

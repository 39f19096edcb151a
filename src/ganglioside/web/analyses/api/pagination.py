from __future__ import annotations

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """``{count, next, previous, results}``; ``?page=`` and ``?page_size=`` (at most 1000)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


class CompoundPagination(PageNumberPagination):
    page_size = 100

"""Page views: parse, check permission, call a selector or service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's analyses, newest first."""
    analyses = selectors.analysis_list(user=request.user)
    page = Paginator(analyses, 25).get_page(request.GET.get("page"))
    return render(request, "analyses/home.html", {"page": page})

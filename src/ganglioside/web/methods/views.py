"""Pages of the methods app: the Methods page (list, new, edit, delete)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ganglioside import ConfigError, InputError
from ganglioside.web.common.auth import SignedInRequest

from . import selectors, services
from .forms import MethodForm
from .models import Method

if TYPE_CHECKING:
    pass


# -- the Methods page --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def method_list(request: SignedInRequest) -> HttpResponse:
    methods = selectors.method_list(owner=request.user)
    return render(request, "methods/list.html", {"methods": methods})


@login_required
@require_http_methods(["GET", "POST"])
def method_edit(request: SignedInRequest, method_id: int | None = None) -> HttpResponse:
    """Create a method (no id) or edit one of the user's methods."""
    method = _owned(request, method_id) if method_id is not None else None
    input_error = None
    if request.method == "POST":
        form = MethodForm(request.POST, request.FILES, editing=method is not None)
        if form.is_valid():
            try:
                saved = _save_method(request, form, method)
            except InputError as exc:
                input_error = exc.to_dict()
            except ConfigError as exc:
                message = str(exc)
                field = message.split(":", 1)[0]
                form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, f"Method {saved.name!r} saved.")
                return redirect("methods:list")
        status = 400
    else:
        form = MethodForm(initial=_initial(method), editing=method is not None)
        status = 200
    context = {"form": form, "method": method, "input_error": input_error}
    return render(request, "methods/edit.html", context, status=status)


@login_required
@require_POST
def method_delete(request: SignedInRequest, method_id: int) -> HttpResponse:
    method = _owned(request, method_id)
    services.method_delete(method=method)
    messages.success(request, f"Method {method.name!r} deleted.")
    return redirect("methods:list")


def _owned(request: SignedInRequest, method_id: int) -> Method:
    return get_object_or_404(Method, pk=method_id, owner=request.user)


def _initial(method: Method | None) -> dict[str, Any]:
    if method is None:
        return {}
    return {"name": method.name, "description": method.description, **method.parameters}


def _save_method(request: SignedInRequest, form: MethodForm, method: Method | None) -> Method:
    upload = form.cleaned_data.get("calibrants_file")
    calibrants = services.calibrants_from_file(upload) if upload else None
    if method is None and calibrants is None:
        calibrants = []
    return services.method_save(
        owner=request.user,
        name=form.cleaned_data["name"],
        description=form.cleaned_data.get("description") or "",
        calibrants=calibrants,
        parameters=form.parameters(),
        method=method,
    )

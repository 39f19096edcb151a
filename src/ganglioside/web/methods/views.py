"""Pages of the methods app: the Methods page (list, new, edit, delete) and the step after an
upload that still needs a choice (the sample of an export, or a column mapping)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ganglioside import ConfigError, InputError

from ..analyses.api.throttles import UploadRateThrottle, upload_limit_message
from ..analyses.services import submission
from . import services
from .forms import ALL_SAMPLES, ColumnMappingForm, MethodForm, SampleChoiceForm
from .models import Method
from .reading import ColumnsNeeded, SampleChoiceNeeded

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class SignedInRequest(HttpRequest):
    """The request a view behind ``login_required`` gets: its user is signed in."""

    user: User


#: Session key of the uploads waiting for a choice, by token.
PENDING_KEY = "pending_uploads"
#: How many uploads may wait for a choice per session (the oldest is forgotten first).
PENDING_KEPT = 10


# -- the Methods page --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def method_list(request: SignedInRequest) -> HttpResponse:
    methods = Method.objects.filter(owner=request.user)
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


# -- an upload waiting for a choice ------------------------------------------------------------


def ask_choice(
    request: HttpRequest,
    need: SampleChoiceNeeded | ColumnsNeeded,
    *,
    file: Any,
    name: str,
    parameters: dict[str, Any],
    method: Method | None,
) -> HttpResponse:
    """Keep the upload and send the user to the page that asks for the missing choice."""
    file.seek(0)
    path = services.pending_store(content=file.read(), filename=need.file or file.name)
    token = uuid.uuid4().hex
    pending = dict(request.session.get(PENDING_KEY, {}))
    pending[token] = {
        "path": path,
        "name": name,
        "parameters": parameters,
        "method": method.pk if method is not None else None,
        "format": getattr(need, "format", ""),
        "samples": list(getattr(need, "samples", ())),
        "header": list(getattr(need, "header", ())),
        "message": need.message,
    }
    for old in list(pending)[:-PENDING_KEPT]:
        services.pending_discard(pending.pop(old)["path"])
    request.session[PENDING_KEY] = pending
    return redirect("methods:upload-choice", token=token)


@login_required
@require_http_methods(["GET", "POST"])
def upload_choice(request: SignedInRequest, token: str) -> HttpResponse:
    """Ask which sample to analyse, or which column gives what, then queue the analyses."""
    pending = request.session.get(PENDING_KEY, {}).get(token)
    if pending is None:
        raise Http404("no upload waits for a choice here")
    form: SampleChoiceForm | ColumnMappingForm
    if pending["samples"]:
        form = SampleChoiceForm(request.POST or None, samples=pending["samples"])
    else:
        offered = services.mapping_offered(owner=request.user, header=pending["header"])
        form = ColumnMappingForm(request.POST or None, header=pending["header"], initial=offered)
    input_error = None
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        # The upload counts against the limit when its analyses start, not when it was kept
        # to ask; a file refused here (unreadable with this sample or mapping) is taken back.
        throttle = UploadRateThrottle()
        if not throttle.allow_request(request, None):
            form.add_error(None, upload_limit_message(throttle.wait()))
            status = 429
        else:
            try:
                return _finish(request, token, pending, form)
            except InputError as exc:
                input_error = exc.to_dict()
            except ConfigError as exc:
                form.add_error(None, str(exc))
            throttle.refund()
    context = {"form": form, "pending": pending, "input_error": input_error}
    return render(request, "methods/choice.html", context, status=status)


def _finish(
    request: SignedInRequest, token: str, pending: dict[str, Any], form: Any
) -> HttpResponse:
    method = Method.objects.filter(owner=request.user, pk=pending["method"]).first()
    common: dict[str, Any] = {
        "owner": request.user,
        "file": services.pending_open(pending["path"]),
        "name": pending["name"],
        "parameters": pending["parameters"],
        "method": method,
    }
    if isinstance(form, ColumnMappingForm):
        columns = form.columns()
        created = [submission.analysis_create(**common, columns=columns)]
        services.mapping_remember(owner=request.user, header=pending["header"], columns=columns)
    elif form.cleaned_data["sample"] == ALL_SAMPLES:
        created = submission.analyses_create_per_sample(**common)
    else:
        created = [submission.analysis_create(**common, sample=form.cleaned_data["sample"])]
    services.pending_discard(pending["path"])
    sessions = dict(request.session.get(PENDING_KEY, {}))
    sessions.pop(token, None)
    request.session[PENDING_KEY] = sessions
    if len(created) == 1:
        return redirect("pages:analysis", analysis_id=created[0].pk)
    messages.success(request, f"{len(created)} analyses queued, one per sample.")
    return redirect("pages:history")

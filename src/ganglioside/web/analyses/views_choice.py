"""The step after an upload that still needs a choice (the sample of an export, or a column
mapping): the upload is kept, the choice asked, then the analyses are queued."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ganglioside import ConfigError, InputError
from ganglioside.web.common.auth import SignedInRequest
from ganglioside.web.common.throttles import UploadRateThrottle, upload_limit_message
from ganglioside.web.methods import selectors, services
from ganglioside.web.methods.forms import ALL_SAMPLES, ColumnMappingForm, SampleChoiceForm
from ganglioside.web.methods.models import Method
from ganglioside.web.methods.reading import ColumnsNeeded, SampleChoiceNeeded

from .services import submission

#: Session key of the uploads waiting for a choice, by token.
PENDING_KEY = "pending_uploads"
#: How many uploads may wait for a choice per session (the oldest is forgotten first).
PENDING_KEPT = 10


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
        "analysed": list(getattr(need, "analysed", ())),
        "header": list(getattr(need, "header", ())),
        "message": need.message,
    }
    for old in list(pending)[:-PENDING_KEPT]:
        services.pending_discard(pending.pop(old)["path"])
    request.session[PENDING_KEY] = pending
    return redirect("pages:upload-choice", token=token)


@login_required
@require_http_methods(["GET", "POST"])
def upload_choice(request: SignedInRequest, token: str) -> HttpResponse:
    """Ask which sample to analyse, or which column gives what, then queue the analyses."""
    pending = request.session.get(PENDING_KEY, {}).get(token)
    if pending is None:
        raise Http404("no upload waits for a choice here")
    form: SampleChoiceForm | ColumnMappingForm
    if pending["samples"]:
        form = SampleChoiceForm(
            request.POST or None,
            samples=pending["samples"],
            analysed=pending.get("analysed") or pending["samples"],
        )
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
    return render(request, "analyses/choice.html", context, status=status)


def _finish(
    request: SignedInRequest, token: str, pending: dict[str, Any], form: Any
) -> HttpResponse:
    method = selectors.method_find(owner=request.user, method_id=pending["method"])
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

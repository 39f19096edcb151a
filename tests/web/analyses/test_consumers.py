"""The live-progress WebSocket /ws/analyses/<id>/ through the real ASGI application."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from ganglioside.web.analyses.services import running, submission
from ganglioside.web.asgi import application
from tests.web.conftest import make_upload
from tests.web.ws import WebsocketClient, socket_to
from tests.web.ws import token_of as _token

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@database_sync_to_async
def _queued(user, content: bytes):
    return submission.analysis_create(owner=user, file=make_upload(content), start=False)


def _socket(analysis_id: int, token: str | None = None, origin: str | None = None):
    return socket_to(f"/ws/analyses/{analysis_id}/", token, origin)


@pytest.mark.slow
async def test_the_owner_receives_the_state_then_every_step_and_the_final_status(
    user, sample_bytes
):
    analysis = await _queued(user, sample_bytes)
    socket = _socket(analysis.pk, await _token(user))
    connected, _ = await socket.connect()
    assert connected
    state = await socket.receive_json_from(timeout=5)
    assert state["type"] == "state"
    assert state["status"] == "queued" and state["analysis"] == analysis.pk

    await database_sync_to_async(running.analysis_run)(analysis_id=analysis.pk)
    messages = []
    while True:
        message = await socket.receive_json_from(timeout=10)
        messages.append(message)
        if message["type"] == "status" and message["status"] in ("succeeded", "failed"):
            break
    await socket.disconnect()

    assert messages[0] == {**messages[0], "type": "status", "status": "running"}
    steps = [m["step"] for m in messages if m["type"] == "progress"]
    from ganglioside.result import PROGRESS_STEPS

    assert [s for s in PROGRESS_STEPS if s in steps] == list(PROGRESS_STEPS)
    fractions = [m["fraction"] for m in messages if m["type"] == "progress"]
    assert all(0.0 <= f <= 1.0 for f in fractions)
    final = messages[-1]
    assert final["status"] == "succeeded"
    assert final["n_compounds"] == 323
    assert sum(final["status_counts"].values()) == 323


@pytest.mark.slow
async def test_a_finished_analysis_reports_its_final_state_on_connect(user, sample_bytes):
    analysis = await _queued(user, sample_bytes)
    await database_sync_to_async(running.analysis_run)(analysis_id=analysis.pk)
    socket = _socket(analysis.pk, await _token(user))
    connected, _ = await socket.connect()
    assert connected
    state = await socket.receive_json_from(timeout=5)
    assert state["status"] == "succeeded" and state["fraction"] == 1.0
    await socket.disconnect()


async def test_another_users_analysis_is_closed_like_a_missing_one(user, other_user, sample_bytes):
    analysis = await _queued(user, sample_bytes)
    for target in (analysis.pk, 987654):
        socket = _socket(target, await _token(other_user))
        connected, _ = await socket.connect()
        assert connected
        closed = await socket.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": 4404}
        await socket.disconnect()


async def test_an_anonymous_socket_is_closed_with_4401(user, sample_bytes):
    analysis = await _queued(user, sample_bytes)
    socket = _socket(analysis.pk)
    connected, _ = await socket.connect()
    assert connected
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    await socket.disconnect()


async def test_a_browser_on_another_site_is_refused(user, sample_bytes):
    analysis = await _queued(user, sample_bytes)
    socket = _socket(analysis.pk, await _token(user), origin="https://evil.example")
    connected, _ = await socket.connect()
    assert not connected


async def test_a_browser_on_this_site_signs_in_with_its_session_cookie(user, sample_bytes, client):
    analysis = await _queued(user, sample_bytes)
    await database_sync_to_async(client.force_login)(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    socket = WebsocketClient(
        application,
        f"/ws/analyses/{analysis.pk}/",
        headers=[(b"cookie", cookie), (b"origin", b"http://localhost")],
    )
    connected, _ = await socket.connect()
    assert connected
    state = await socket.receive_json_from(timeout=5)
    assert state["analysis"] == analysis.pk
    await socket.disconnect()

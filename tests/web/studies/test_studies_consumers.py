"""The live-progress WebSocket /ws/studies/<id>/ through the real ASGI application: the owner
follows a real run sample by sample; anyone else is refused like for analyses."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from ganglioside.web.studies.services import creation, running
from tests.web.studies_data import broken, study_files, uploads
from tests.web.ws import WebsocketClient, socket_to
from tests.web.ws import token_of as _token

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True), pytest.mark.slow]

SAMPLES = ["C01", "C02", "C03", "D01", "D02", "D03"]


@database_sync_to_async
def _queued_study(user, tables: dict[str, bytes]):
    _, design = study_files()
    return creation.study_create(owner=user, files=uploads(tables), design=design, start=False)


def _socket(study_id: int, token: str | None = None, origin: str | None = None):
    return socket_to(f"/ws/studies/{study_id}/", token, origin)


async def _until_settled(socket) -> list[dict]:
    messages = []
    while True:
        message = await socket.receive_json_from(timeout=60)
        messages.append(message)
        if message["type"] == "status" and message["status"] in ("succeeded", "failed", "waiting"):
            return messages


async def _connected_owner(user, study) -> WebsocketClient:
    socket = _socket(study.pk, await _token(user))
    connected, _ = await socket.connect()
    assert connected
    return socket


async def test_the_owner_follows_every_sample_then_the_study_step_in_order(user):
    tables, _ = study_files()
    study = await _queued_study(user, tables)
    socket = await _connected_owner(user, study)
    state = await socket.receive_json_from(timeout=5)
    assert state["type"] == "state" and state["study"] == study.pk
    assert state["status"] == "queued" and state["error"] is None
    assert [s["sample"] for s in state["samples"]] == SAMPLES
    assert {s["status"] for s in state["samples"]} == {"queued"}

    # The inline executor runs the samples one after the other, then the study step.
    await database_sync_to_async(running.study_send)(study_id=study.pk)
    messages = await _until_settled(socket)
    await socket.disconnect()

    seen = [(m["type"], m.get("sample"), m["status"]) for m in messages]
    expected = [("sample", s, status) for s in SAMPLES for status in ("running", "succeeded")]
    expected += [("status", None, "combining"), ("status", None, "succeeded")]
    assert seen == expected
    assert all(m["study"] == study.pk for m in messages)
    ids = {s["sample"]: s["sample_id"] for s in state["samples"]}
    done = [m for m in messages if m["type"] == "sample" and m["status"] == "succeeded"]
    assert all(m["sample_id"] == ids[m["sample"]] for m in done)
    assert all(m["n_compounds"] > 10 and m["duration_seconds"] > 0 for m in done)
    assert all(m["error"] is None and m["label"] == "Succeeded" for m in done)
    assert messages[-1]["label"] == "Succeeded" and messages[-1]["error"] is None


async def test_a_failed_sample_is_sent_with_its_reason_then_the_study_waits(user):
    tables, _ = study_files()
    study = await _queued_study(user, broken(tables, "D02.csv"))
    socket = await _connected_owner(user, study)
    await socket.receive_json_from(timeout=5)  # the state

    await database_sync_to_async(running.study_send)(study_id=study.pk)
    messages = await _until_settled(socket)

    failed = [m for m in messages if m["type"] == "sample" and m["status"] == "failed"]
    assert [m["sample"] for m in failed] == ["D02"]
    assert failed[0]["error"] and "D02.csv" in failed[0]["error"]
    assert messages[-1] == {**messages[-1], "type": "status", "status": "waiting"}
    assert not [m for m in messages if m.get("status") == "combining"]

    # A client message is answered with the state, the failed sample's reason included.
    await socket.send_json_to({"state": True})
    state = await socket.receive_json_from(timeout=5)
    assert state["type"] == "state" and state["status"] == "waiting"
    by_name = {s["sample"]: s for s in state["samples"]}
    assert by_name["D02"]["status"] == "failed" and by_name["D02"]["error"] == failed[0]["error"]
    await socket.disconnect()


async def test_another_users_study_is_closed_like_a_missing_one(user, other_user):
    tables, _ = study_files()
    study = await _queued_study(user, tables)
    for target in (study.pk, 987654):
        socket = _socket(target, await _token(other_user))
        connected, _ = await socket.connect()
        assert connected
        assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4404}
        await socket.disconnect()


async def test_another_user_receives_nothing_of_a_run_they_cannot_see(user, other_user):
    tables, _ = study_files()
    study = await _queued_study(user, tables)
    outsider = _socket(study.pk, await _token(other_user))
    await outsider.connect()
    assert (await outsider.receive_output(timeout=5))["code"] == 4404
    owner = await _connected_owner(user, study)
    await owner.receive_json_from(timeout=5)

    await database_sync_to_async(running.study_send)(study_id=study.pk)
    await _until_settled(owner)
    # The refused socket left the study's group: nothing of the run reached it.
    assert await outsider.receive_nothing(timeout=0.5)
    await owner.disconnect()
    # Closed by the server, the refused consumer still listens on its channel until the client
    # goes: say so, or the event loop's teardown has to cancel a pending channel-layer read
    # (with Redis that cancel hung the suite once).
    await outsider.disconnect()


async def test_an_anonymous_socket_is_closed_with_4401(user):
    tables, _ = study_files()
    study = await _queued_study(user, tables)
    socket = _socket(study.pk)
    connected, _ = await socket.connect()
    assert connected
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    await socket.disconnect()


async def test_a_browser_on_another_site_is_refused(user):
    tables, _ = study_files()
    study = await _queued_study(user, tables)
    socket = _socket(study.pk, await _token(user), origin="https://evil.example")
    connected, _ = await socket.connect()
    assert not connected

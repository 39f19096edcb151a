"""A stand-in for the application behind nginx in tests/deploy/test_nginx.py.

It answers every HTTP request with what it received (method, path, headers, body size) and sets
the same security headers as Django, with different values, so the test can see that nginx
replaces them; it echoes WebSocket messages.  The nginx tests check the proxy's own behaviour,
which does not depend on what the application does with a request.
"""

from __future__ import annotations

import json


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].removeprefix("lifespan.")
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            await send({"type": "websocket.send", "text": "echo:" + message.get("text", "")})
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    if scope["path"].startswith("/download/"):
        # As the application answers a download: headers only, the file named for nginx.
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/csv; charset=utf-8"),
                    (b"content-disposition", b'attachment; filename="analysis_1_compounds.csv"'),
                    (b"x-accel-redirect", b"/_exports/" + scope["path"][10:].encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})
        return
    body = json.dumps(
        {
            "method": scope["method"],
            "path": scope["path"],
            "scheme": scope["scheme"],
            "client": scope["client"][0] if scope.get("client") else None,
            "headers": {k.decode(): v.decode() for k, v in scope["headers"]},
            "body_size": size,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"strict-transport-security", b"max-age=60"),
                (b"x-frame-options", b"SAMEORIGIN"),
                (b"content-security-policy", b"default-src 'self'"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

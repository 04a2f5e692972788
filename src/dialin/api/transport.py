"""SigOpt's transport quirks as ASGI middleware: ``//v1`` paths, ``OPTIONS``, skipped bodies."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SigOptTransport"]

_SLASHES = re.compile(r"/{2,}")


class SigOptTransport:
    """The client joins ``api_url`` and ``v1`` with a slash, so ``https://host/`` gives
    ``//v1/...``; collapse such runs before routing. ``X-Response-Content: skip`` turns any
    success into an empty 204, which the client expects on run logging."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if "//" in path:
            scope = {**scope, "path": _SLASHES.sub("/", path), "raw_path": None}
        if scope["method"] == "OPTIONS" and scope["path"].startswith("/v1"):
            await _send_json(send, 200, b"{}")
            return
        headers = dict(scope.get("headers") or [])
        if headers.get(b"x-response-content", b"").lower() != b"skip":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _skipping(send))


def _skipping(send: Send) -> Send:
    state = {"skip": False}

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
            state["skip"] = True
            await send({"type": "http.response.start", "status": 204, "headers": []})
            return
        if state["skip"]:
            if not message.get("more_body", False):
                await send({"type": "http.response.body", "body": b""})
            return
        await send(message)

    return wrapped


async def _send_json(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

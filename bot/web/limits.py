"""Bounds on what /api reads: a request body of at most MAX_BODY_BYTES, JSON only where a body is expected.

The body is read here, before any route, so a large body is refused with 413 after at most
MAX_BODY_BYTES + one chunk has been read, whether or not the client sent a Content-Length.
"""

from __future__ import annotations

from email.message import Message

from bot.web.throttle import send_json

MAX_BODY_BYTES = 64 * 1024
BODY_METHODS = {"POST", "PUT", "PATCH"}


def too_large_message(limit: int = MAX_BODY_BYTES) -> str:
    return f"the request body is larger than {limit // 1024} KB; send a shorter question and history"


def is_json(content_type: str | None) -> bool:
    """Whether a Content-Type names JSON (application/json or application/*+json, any parameters)."""
    if not content_type:
        return False
    msg = Message()
    msg["content-type"] = content_type
    sub = msg.get_content_subtype()
    return msg.get_content_maintype() == "application" and (sub == "json" or sub.endswith("+json"))


class BodyLimitMiddleware:
    """ASGI middleware: 413 for a body over the limit, 415 for a body sent as another type than JSON."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            return await send_json(send, 413, {"error": too_large_message(self.limit)})
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.limit:
                return await send_json(send, 413, {"error": too_large_message(self.limit)})
            chunks.append(body)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        content_type = headers.get("content-type")
        if body and scope["method"] in BODY_METHODS and content_type and not is_json(content_type):
            return await send_json(send, 415, {"error": "the body must be JSON: send it with "
                                                        "Content-Type: application/json"})
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

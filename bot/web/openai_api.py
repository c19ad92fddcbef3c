"""Planbot as an OpenAI-compatible model: POST /v1/chat/completions and GET /v1/models on the chat server.

Open WebUI, LibreChat or any OpenAI client can use Planbot as a model named "planbot". The last user message
is the question; the earlier user messages are the conversation a follow-up is rewritten from
(bot.web.followup). The reply is Planbot's answer (generated and checked with PLANBOT_LLM, else extractive)
with its citations appended as text ("[1] title — section") and, as structured data, in the extra fields
`citations` and `planbot` (the `planbot ask --json` object). With `stream: true` it comes as server-sent
chat.completion.chunk events; the answer is complete before the first piece is sent (every sentence is
checked first), then sent in pieces.

Same login as /api (basic auth with PLANBOT_AUTH_USER/PASSWORD, wrong passwords throttled), and also the
password as a bearer token (`api_key` of an OpenAI client). Errors are OpenAI's shape: {"error": {"message",
"type", "code"}}.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from collections.abc import Iterator

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.citation_check import citations_in
from bot.question_input import require_question
from bot.records import Answer
from bot.web.api import credentials_checker, validation_error
from bot.web.followup import rewrite
from bot.web.limits import BodyLimitMiddleware
from bot.web.throttle import LoginThrottle
from planbot.errors import EmbeddingServiceError, PlanbotError, StoreUnavailable
from planbot.settings import Settings

log = logging.getLogger(__name__)

MODEL_ID = "planbot"
MAX_CHAT_BODY_BYTES = 512 * 1024  # a long conversation's history, not documents
MAX_MESSAGES = 200
STREAM_PIECE_CHARS = 40
ROUTES = "POST /v1/chat/completions, GET /v1/models"


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str = Field(..., max_length=40)
    content: str | list[dict] | None = None

    def text(self) -> str:
        """The message's text (the text parts of a multi-part message, joined)."""
        if isinstance(self.content, str):
            return self.content
        parts = [p.get("text", "") for p in self.content or [] if isinstance(p, dict) and p.get("type") == "text"]
        return " ".join(str(p) for p in parts)


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens, ...: accepted, not used

    model: str = Field(MODEL_ID, max_length=200)
    messages: list[ChatMessage] = Field(..., min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False


def sources_text(answer: Answer) -> str:
    """The citations the answer uses, one a line: '[1] title — section, p. 4'."""
    used = citations_in(answer.answer)
    cited = [c for c in answer.citations if c.n in used] or answer.citations
    if not cited:
        return ""
    lines = []
    for c in cited:
        where = ", ".join(x for x in (c.section, f"hlm. {c.page}" if c.page and answer.language == "id"
                                      else f"p. {c.page}" if c.page else None) if x)
        lines.append(f"[{c.n}] {c.title}" + (f" — {where}" if where else ""))
    return ("Sumber:" if answer.language == "id" else "Sources:") + "\n" + "\n".join(lines)


def structured_citations(answer: Answer) -> list[dict]:
    return [{"n": c.n, "title": c.title, "section": c.section, "page": c.page, "region": c.region,
             "source": c.source, "doc_id": c.doc_id, "start": c.start, "end": c.end, "text": c.text}
            for c in answer.citations]


def reply_text(answer: Answer) -> str:
    sources = sources_text(answer)
    return f"{answer.answer}\n\n{sources}" if sources else answer.answer


def _pieces(text: str, size: int = STREAM_PIECE_CHARS) -> Iterator[str]:
    """The text in pieces of about `size` characters, cut after a space where one is near."""
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        cut = text.rfind(" ", start + size // 2, end) if end < len(text) else -1
        end = cut + 1 if cut > 0 else end
        yield text[start:end]
        start = end


def _error(status: int, message: str, kind: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "code": None}}, status_code=status,
                        headers=headers)


def install_openai_error_handlers(app: FastAPI) -> None:
    """OpenAI-shaped errors, never a stack trace nor the caller's input."""

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        status, message = validation_error(exc)
        return _error(status, message.replace('{"question": "Apa visi Kota Bekasi?"}',
                                              '{"model": "planbot", "messages": [{"role": "user", "content": "..."}]}'),
                      "invalid_request_error")

    @app.exception_handler(PlanbotError)
    async def refused(_: Request, exc: PlanbotError) -> JSONResponse:
        return _error(400, str(exc), "invalid_request_error")

    @app.exception_handler(StoreUnavailable)
    async def unavailable(_: Request, exc: StoreUnavailable) -> JSONResponse:
        return _error(503, str(exc), "server_error", {"Retry-After": "1"})

    @app.exception_handler(EmbeddingServiceError)
    async def embedding_unavailable(_: Request, exc: EmbeddingServiceError) -> JSONResponse:
        return _error(503, str(exc), "server_error", {"Retry-After": "5"})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404 and exc.detail == "Not Found":
            message = f"no such route; Planbot's OpenAI-compatible API has {ROUTES}"
        elif exc.status_code == 405:
            message = "this route does not take that method"
        else:
            message = str(exc.detail)
        kind = {401: "authentication_error", 429: "rate_limit_error"}.get(exc.status_code, "invalid_request_error")
        return _error(exc.status_code, message, kind, exc.headers)

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed: %r", request.method, request.url.path, exc)
        return _error(500, "the server failed to answer this request; it is logged, try again later", "server_error")


def chat_auth(settings: Settings, throttle: LoginThrottle | None = None):
    """The /api login: basic credentials, or the password as a bearer token (what OpenAI clients send)."""
    verify = credentials_checker(settings, throttle)

    def check(request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        username = password = None
        if scheme.lower() == "bearer" and value.strip():
            username, password = settings.auth_user, value.strip()
        elif scheme.lower() == "basic" and value.strip():
            try:
                username, _, password = base64.b64decode(value.strip()).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                username = password = None
        verify(request, username, password)

    return check


def openai_app(bot, settings: Settings, throttle: LoginThrottle | None = None) -> FastAPI:
    """The routes to mount at /v1."""
    app = FastAPI(title="Planbot (OpenAI-compatible)", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(BodyLimitMiddleware, limit=MAX_CHAT_BODY_BYTES)
    install_openai_error_handlers(app)
    auth = [Depends(chat_auth(settings, throttle))]
    created = int(time.time())

    @app.get("/models", dependencies=auth)
    async def models() -> dict:
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": created,
                                            "owned_by": "planbot"}]}

    @app.get("/models/{model}", dependencies=auth)
    async def model(model: str) -> dict:
        if model != MODEL_ID:
            raise HTTPException(404, f"no model {model[:80]!r}; this server has {MODEL_ID!r}")
        return {"id": MODEL_ID, "object": "model", "created": created, "owned_by": "planbot"}

    @app.post("/chat/completions", dependencies=auth)
    async def chat(req: ChatRequest):
        users = [m.text() for m in req.messages if m.role == "user"]
        if not users:
            raise HTTPException(400, "messages holds no user message; the last user message is the question")
        question = require_question(users[-1])
        history = [{"role": "user", "content": u} for u in users[:-1] if u.strip()]
        asked = rewrite(question, history, bot.corpus.regions).question if history else question
        answer = await run_in_threadpool(bot.ask, asked, asked_as=question if asked != question else None)
        content = reply_text(answer)
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        extra = {"citations": structured_citations(answer), "planbot": answer.as_dict()}
        if not req.stream:
            return JSONResponse({
                "id": completion_id, "object": "chat.completion", "created": int(time.time()), "model": MODEL_ID,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                             "finish_reason": "stop", "logprobs": None}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                **extra,
            })

        def events() -> Iterator[str]:
            def chunk(delta: dict, finish: str | None = None, **more) -> str:
                body = {"id": completion_id, "object": "chat.completion.chunk", "created": int(time.time()),
                        "model": MODEL_ID, "choices": [{"index": 0, "delta": delta, "finish_reason": finish,
                                                        "logprobs": None}], **more}
                return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

            yield chunk({"role": "assistant", "content": ""})
            for piece in _pieces(content):
                yield chunk({"content": piece})
            yield chunk({}, "stop", **extra)
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    return app


def mount_openai(app: FastAPI, bot, settings: Settings, throttle: LoginThrottle | None = None) -> None:
    """Mount the OpenAI-compatible routes at /v1 (before the page at /)."""
    app.mount("/v1", openai_app(bot, settings, throttle))

"""The JSON API beside the chat page: POST /api/ask, GET /api/health, GET /api/source, and its docs.

/api/ask returns exactly the `planbot ask --json` object (Answer.as_dict()). The API is a FastAPI app of its
own, mounted at /api, so that everything it answers with an error is {"error": message}: unknown routes
(404), wrong methods (405), a body over 64 KB (413), a body that is not JSON (415), a malformed body or
field (400/422), a refused question (400) and an unexpected failure (500). Messages never repeat what the
caller sent. The blocking ask runs in the threadpool so the event loop keeps serving the page.

With `"stream": true`, /api/ask answers with server-sent events (text/event-stream): `event: text` with
{"text": the answer so far, "delta": what came since} while a chat model (PLANBOT_LLM) writes, then one
`event: answer` with the whole checked answer (the same object as without stream), then `event: done`. Without
a model (or for a refusal) only the answer and done come. A request that is refused, or fails before anything
is sent, gets the same JSON error as without stream; a failure after that ends with `event: error` {"error": ...}.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.question_input import require_question
from bot.web.followup import rewrite
from bot.web.limits import MAX_BODY_BYTES, BodyLimitMiddleware
from bot.web.plans import source_text
from bot.web.throttle import LoginThrottle, retry_after, too_many_message
from planbot.errors import EmbeddingServiceError, PlanbotError, StoreUnavailable
from planbot.settings import Settings

log = logging.getLogger(__name__)

MAX_K = 50
MAX_MESSAGE_CHARS = 300
ROUTES = "POST /api/ask, GET /api/health, GET /api/source, GET /api/docs"
NOT_UNICODE = "holds a character that is not valid Unicode text (a lone surrogate such as \\ud800); send UTF-8 text"


class Turn(BaseModel):
    """One turn of an earlier conversation; only the user's turns shape a follow-up."""

    role: Literal["user", "assistant", "system", "bot"] = "user"
    content: str = ""


class AskRequest(BaseModel):
    question: str = Field(..., description="The question, Indonesian or English.", max_length=2000)
    k: int | None = Field(None, ge=1, le=MAX_K, description="Passages to cite (default: settings.top_k).")
    region: str | None = Field(None, description="Only search this region, e.g. 'Kota Metro'.", max_length=200)
    doc_id: str | None = Field(None, description="Only search this document.", max_length=500)
    history: list[str | Turn] = Field(
        default_factory=list, description="Earlier user questions (strings) or {role, content} turns, oldest first."
    )
    stream: bool = Field(False, description="Answer with server-sent events: the text as it is written, then "
                                            "the checked answer (event: answer), then event: done.")

    def not_unicode(self) -> str | None:
        """The first field holding a lone surrogate (which no response could encode), else None."""
        fields = {"question": self.question, "region": self.region, "doc_id": self.doc_id}
        for i, h in enumerate(self.history):
            fields[f"history.{i}"] = h if isinstance(h, str) else h.content
        return next((name for name, value in fields.items() if value and not _encodable(value)), None)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def credentials_checker(settings: Settings, throttle: LoginThrottle | None = None):
    """A function (request, user name, password) that raises 401/429 unless they are PLANBOT_AUTH_USER's
    (nothing to check when no login is set). Wrong passwords count against the client in `throttle`; while
    it must wait, it gets 429 with Retry-After."""
    user = settings.auth_user
    password = settings.auth_password.get_secret_value() if settings.auth_password else None
    throttle = throttle or LoginThrottle()
    login = {"WWW-Authenticate": 'Basic realm="Planbot"'}

    def verify(request: Request, username: str | None, given: str | None) -> None:
        if not user:
            return
        if username is None or given is None:
            raise HTTPException(401, "login required: use the PLANBOT_AUTH_USER credentials", headers=login)
        client = request.client.host if request.client else "unknown"
        wait = throttle.wait_s(client)
        if wait > 0:
            raise HTTPException(429, too_many_message(wait), headers={"Retry-After": str(retry_after(wait))})
        user_ok = secrets.compare_digest(username.encode(), user.encode())
        password_ok = secrets.compare_digest(given.encode(), (password or "").encode())
        if not (user_ok and password_ok):
            throttle.failed(client)
            raise HTTPException(401, "wrong user name or password", headers=login)
        throttle.succeeded(client)

    return verify


def basic_auth(settings: Settings, throttle: LoginThrottle | None = None):
    """A dependency that checks HTTP basic credentials when PLANBOT_AUTH_USER/PASSWORD are set.

    Wrong passwords count against the client in `throttle`; while it must wait, it gets 429 with Retry-After.
    """
    security = HTTPBasic(auto_error=False, realm="Planbot")
    verify = credentials_checker(settings, throttle)

    def check(request: Request, credentials: HTTPBasicCredentials | None = Depends(security)) -> None:  # noqa: B008
        verify(request, credentials.username if credentials else None, credentials.password if credentials else None)

    return check


def _short(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def validation_error(exc: RequestValidationError) -> tuple[int, str]:
    """Status and message for a request FastAPI could not read, built from error types and field names only."""
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        err = next(e for e in errors if e.get("type") == "json_invalid")
        where = next((x for x in err.get("loc", ()) if isinstance(x, int)), None)
        reason = str((err.get("ctx") or {}).get("error") or "JSON decode error")
        at = f" at character {where}" if where is not None else ""
        return 400, _short(f"the body is not valid JSON ({reason}{at}); send an object like "
                           '{"question": "Apa visi Kota Bekasi?"}')
    parts, status = [], 422
    for err in errors[:3]:
        where = ".".join(_short(str(x), 40) for x in err.get("loc", ()) if x != "body")
        if err.get("type") == "string_unicode":
            status, msg = 400, NOT_UNICODE
        elif err.get("type") in ("model_attributes_type", "dict_type", "model_type"):
            msg = 'the body must be a JSON object like {"question": "Apa visi Kota Bekasi?"}'
        else:
            msg = str(err.get("msg") or "invalid")
        parts.append(f"{where}: {msg}" if where else msg)
    return status, _short("; ".join(parts) or "invalid request")


def _http_message(exc: StarletteHTTPException) -> str:
    if exc.status_code == 404 and exc.detail == "Not Found":
        return f"no such API route; the API has {ROUTES}"
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow") or (exc.headers or {}).get("allow") or "another method"
        return f"this API route takes {allowed} only"
    return _short(str(exc.detail))


def install_error_handlers(app: FastAPI) -> None:
    """Clear JSON errors for API callers: {"error": message}, never a stack trace nor the caller's input."""

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        status, message = validation_error(exc)
        return JSONResponse({"error": message}, status_code=status)

    @app.exception_handler(PlanbotError)
    async def refused(_: Request, exc: PlanbotError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(StoreUnavailable)  # the index could not be read: the next request reopens it
    async def unavailable(_: Request, exc: StoreUnavailable) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(EmbeddingServiceError)  # the embedding service is down or failing: it may come back
    async def embedding_unavailable(_: Request, exc: EmbeddingServiceError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": _http_message(exc)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed: %r", request.method, request.url.path, exc)
        return JSONResponse({"error": "the server failed to answer this request; it is logged, try again later"},
                            status_code=500)


def sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def sse_events(first, updates: Iterator) -> Iterator[str]:
    """The events of a streamed answer: text (so far and delta) while it is written, then answer, then done."""
    shown = ""
    try:
        for update in _chain(first, updates):
            if isinstance(update, str):
                delta = update.removeprefix(shown)
                shown = update
                yield sse("text", {"text": update, "delta": delta})
            else:
                yield sse("answer", update.as_dict())
                break
        yield sse("done", {})
    except Exception as exc:  # noqa: BLE001 - the status line is sent already: the error is the last event
        log.error("POST /api/ask stream failed: %r", exc)
        message = str(exc) if isinstance(exc, PlanbotError | StoreUnavailable | EmbeddingServiceError) else (
            "the server failed to answer this request; it is logged, try again later")
        yield sse("error", {"error": _short(message)})
    finally:
        close = getattr(updates, "close", None)
        if close:
            close()


def _chain(first, rest: Iterator) -> Iterator:
    yield first
    yield from rest


def api_router(bot, settings: Settings, throttle: LoginThrottle | None = None) -> APIRouter:
    """The /api routes (relative to the mount) over one shared Planbot (model, store and indexes loaded once)."""
    router = APIRouter(dependencies=[Depends(basic_auth(settings, throttle))])

    @router.post("/ask")
    async def ask(req: AskRequest) -> JSONResponse:
        bad = req.not_unicode()
        if bad:
            raise HTTPException(400, f"{bad}: {NOT_UNICODE}")
        question = require_question(req.question)
        if req.region and req.region not in bot.corpus.regions:
            raise PlanbotError(f"unknown region; the corpus has: {', '.join(bot.corpus.regions)}")
        if req.doc_id and not bot.manifest.get(req.doc_id):
            raise PlanbotError("unknown doc_id: no ingested document has this id (the Documents tab lists them)")
        history = [h if isinstance(h, str) else h.model_dump() for h in req.history]
        asked = rewrite(question, history, bot.corpus.regions, region_filter=req.region).question
        options = {"k": req.k, "region": req.region or None, "doc_id": req.doc_id or None,
                   "asked_as": question if asked != question else None}
        if req.stream:
            updates = bot.ask_stream(asked, **options)
            first = await run_in_threadpool(next, updates)  # a failure before anything is sent is a JSON error
            return StreamingResponse(sse_events(first, updates), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        answer = await run_in_threadpool(bot.ask, asked, **options)
        return JSONResponse(answer.as_dict())

    @router.get("/health")
    async def health() -> dict:
        await run_in_threadpool(bot.refresh_if_changed)  # counts as of now, also after an outside ingest
        docs = bot.manifest.summaries()  # counts from SQLite: no text or chunk id is read
        return {
            "status": "ok" if bot.chunk_count else "empty",
            "collection": settings.collection,
            "documents": sum(1 for d in docs if d.chunks),
            "chunks": bot.chunk_count,
            "regions": list(bot.corpus.regions),
            "model": bot.embedder.model_name,
        }

    @router.get("/source")
    async def source(doc_id: Annotated[str, Query(min_length=1, max_length=500)],
                     start: Annotated[int, Query(ge=0)], end: Annotated[int, Query(ge=0)]) -> dict:
        try:
            return await run_in_threadpool(source_text, bot, doc_id, start, end)
        except LookupError as exc:
            raise HTTPException(404, exc.args[0] if exc.args else "not found") from exc

    return router


def api_app(bot, settings: Settings, throttle: LoginThrottle | None = None) -> FastAPI:
    """The API as an app to mount at /api: routes, docs behind the same login, body limit, JSON errors."""
    api = FastAPI(title="Planbot API", docs_url=None, redoc_url=None, openapi_url=None)
    api.add_middleware(BodyLimitMiddleware, limit=MAX_BODY_BYTES)
    install_error_handlers(api)
    api.include_router(api_router(bot, settings, throttle))
    auth = [Depends(basic_auth(settings, throttle))]

    @api.get("/openapi.json", include_in_schema=False, dependencies=auth)
    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse({**api.openapi(), "servers": [{"url": request.scope.get("root_path") or "/api"}]})

    @api.get("/docs", include_in_schema=False, dependencies=auth)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path") or "/api"
        return get_swagger_ui_html(openapi_url=f"{root}/openapi.json", title="Planbot API")

    return api


def mount_api(app: FastAPI, bot, settings: Settings, throttle: LoginThrottle | None = None) -> None:
    """Mount the API at /api (before the page at /), with /api itself a JSON 404 too."""

    async def api_root(_: Request) -> JSONResponse:
        return JSONResponse({"error": f"no such API route; the API has {ROUTES}"}, status_code=404)

    app.add_route("/api", api_root, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
                  include_in_schema=False)
    app.mount("/api", api_app(bot, settings, throttle))

"""The JSON API beside the chat page: POST /api/ask, GET /api/health, GET /api/source.

/api/ask returns exactly the `planbot ask --json` object (Answer.as_dict()). Mistakes by the caller
(an empty question, an unknown region, k out of range) get a 400/422 with {"error": ...}; the blocking
ask runs in the threadpool so the event loop keeps serving the page while the model works.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field

from bot.web.followup import rewrite
from bot.web.plans import source_text
from planbot.errors import PlanbotError
from planbot.settings import Settings

MAX_K = 50


class Turn(BaseModel):
    """One turn of an earlier conversation; only the user's turns shape a follow-up."""

    role: Literal["user", "assistant", "system", "bot"] = "user"
    content: str = ""


class AskRequest(BaseModel):
    question: str = Field(..., description="The question, Indonesian or English.", max_length=2000)
    k: int | None = Field(None, ge=1, le=MAX_K, description="Passages to cite (default: settings.top_k).")
    region: str | None = Field(None, description="Only search this region, e.g. 'Kota Metro'.")
    doc_id: str | None = Field(None, description="Only search this document.")
    history: list[str | Turn] = Field(
        default_factory=list, description="Earlier user questions (strings) or {role, content} turns, oldest first."
    )


def basic_auth(settings: Settings):
    """A dependency that checks HTTP basic credentials when PLANBOT_AUTH_USER/PASSWORD are set."""
    security = HTTPBasic(auto_error=False, realm="Planbot")
    user = settings.auth_user
    password = settings.auth_password.get_secret_value() if settings.auth_password else None

    def check(credentials: HTTPBasicCredentials | None = Depends(security)) -> None:  # noqa: B008
        if not user:
            return
        ok = credentials is not None and secrets.compare_digest(credentials.username.encode(), user.encode()) and \
            secrets.compare_digest(credentials.password.encode(), (password or "").encode())
        if not ok:
            raise HTTPException(401, "login required: use the PLANBOT_AUTH_USER credentials",
                                headers={"WWW-Authenticate": 'Basic realm="Planbot"'})

    return check


def _first_error(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Clear JSON errors for API callers: {"error": message}, never a stack trace."""

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"error": _first_error(exc), "detail": exc.errors()}, status_code=422)

    @app.exception_handler(PlanbotError)
    async def refused(_: Request, exc: PlanbotError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)


def api_router(bot, settings: Settings) -> APIRouter:
    """/api routes over one shared Planbot (model, store and indexes loaded once per process)."""
    router = APIRouter(prefix="/api", dependencies=[Depends(basic_auth(settings))])

    @router.post("/ask")
    async def ask(req: AskRequest) -> JSONResponse:
        question = " ".join(req.question.split())
        if not question:
            raise PlanbotError("the question is empty: ask something about the plans, e.g. 'Apa visi Kota Bekasi?'")
        if req.doc_id and not bot.manifest.get(req.doc_id):
            raise PlanbotError(f"unknown doc_id {req.doc_id!r}; GET /api/health lists what is ingested")
        history = [h if isinstance(h, str) else h.model_dump() for h in req.history]
        asked = rewrite(question, history, bot.corpus.regions, region_filter=req.region).question
        answer = await run_in_threadpool(bot.ask, asked, k=req.k, region=req.region or None, doc_id=req.doc_id or None)
        return JSONResponse(answer.as_dict())

    @router.get("/health")
    async def health() -> dict:
        docs = bot.manifest.documents()
        return {
            "status": "ok" if bot.visible else "empty",
            "collection": settings.collection,
            "documents": sum(1 for d in docs if d.chunk_ids),
            "chunks": len(bot.visible),
            "regions": list(bot.corpus.regions),
            "model": bot.embedder.model_name,
        }

    @router.get("/source")
    async def source(doc_id: Annotated[str, Query(min_length=1)], start: Annotated[int, Query(ge=0)],
                     end: Annotated[int, Query(ge=0)]) -> dict:
        try:
            return await run_in_threadpool(source_text, bot, doc_id, start, end)
        except LookupError as exc:
            raise HTTPException(404, exc.args[0] if exc.args else "not found") from exc

    return router

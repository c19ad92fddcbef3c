"""A client for an OpenAI-compatible chat service (`PLANBOT_LLM=openai:http://host:port/v1`).

`POST {url}/chat/completions`, plain or streamed as server-sent events, with one deadline for the whole answer
(`llm_timeout`), bounded retries of failed connections and 5xx/429 answers (`llm_retries`, backoff 0.5 s, 1 s,
...), and the model named by `llm_model` or else the first the service lists at `GET {url}/models`. Whatever
still fails is one LLMServiceError naming the URL; the caller shows the extractive answer instead.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

from index.embedders import service_error_detail
from planbot.errors import ConfigError, LLMServiceError
from planbot.settings import Settings

BACKOFF_S = 0.5  # first pause before a retry; doubled for each next one
MAX_ANSWER_CHARS = 20_000  # a model that rambles past this is cut off


def llm_url(setting: str) -> str:
    """The base URL of PLANBOT_LLM=openai:URL (ConfigError for anything else)."""
    kind, _, url = setting.partition(":")
    base = url.strip().rstrip("/")
    parsed = urlparse(base)
    if kind != "openai" or parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"PLANBOT_LLM={setting} is not openai:http(s)://host:port/v1 "
                          "(for Ollama: openai:http://localhost:11434/v1)")
    return base


class ChatClient:
    """One per service; thread-safe (httpx.Client is), so the web server's requests share it."""

    def __init__(self, settings: Settings):
        import httpx

        if not settings.llm:
            raise ConfigError("PLANBOT_LLM is not set")
        self.url = llm_url(settings.llm)
        headers = {}
        if settings.llm_api_key is not None:
            headers["Authorization"] = f"Bearer {settings.llm_api_key.get_secret_value()}"
        self.timeout = settings.llm_timeout
        self.retries = settings.llm_retries
        self.stream_default = settings.llm_stream
        self._model = settings.llm_model
        self._client = httpx.Client(base_url=self.url, headers=headers,
                                    timeout=httpx.Timeout(settings.llm_timeout, connect=min(5.0, settings.llm_timeout)))

    @property
    def model(self) -> str:
        """The model to ask: the configured one, else the first the service lists (asked once)."""
        if not self._model:
            response = self._send("GET", "/models", None, time.monotonic() + self.timeout)
            try:
                listed = [m["id"] for m in response.json()["data"] if isinstance(m, dict) and m.get("id")]
            except (ValueError, KeyError, TypeError) as exc:
                raise LLMServiceError(f"the chat service at {self.url} lists no models at {self.url}/models; "
                                      "name one with PLANBOT_LLM_MODEL") from exc
            if not listed:
                raise LLMServiceError(f"the chat service at {self.url} lists no models; pull one (for Ollama: "
                                      "`ollama pull qwen2.5:7b`) or name it with PLANBOT_LLM_MODEL")
            self._model = listed[0]
        return self._model

    def complete(self, messages: list[dict], *, stream: bool | None = None, max_tokens: int = 600) -> str:
        """The model's whole reply to `messages` (streamed pieces joined when streaming)."""
        return "".join(self.pieces(messages, stream=stream, max_tokens=max_tokens))

    def pieces(self, messages: list[dict], *, stream: bool | None = None, max_tokens: int = 600) -> Iterator[str]:
        """The reply as it arrives: one piece for a plain request, the deltas of a streamed one."""
        stream = self.stream_default if stream is None else stream
        deadline = time.monotonic() + self.timeout
        payload = {"model": self.model, "messages": messages, "temperature": 0, "max_tokens": max_tokens,
                   "stream": stream}
        if not stream:
            response = self._send("POST", "/chat/completions", payload, deadline)
            yield self._content(response)
            return
        yield from self._streamed(payload, deadline)

    def _content(self, response: Any) -> str:
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LLMServiceError(f"the chat service at {self.url} answered with something that is not a chat "
                                  f"completion ({type(exc).__name__}); is the URL that of a chat service?") from exc
        return (content or "")[:MAX_ANSWER_CHARS]

    def _streamed(self, payload: dict, deadline: float) -> Iterator[str]:
        """Deltas of a `stream: true` answer, read line by line as SSE; the deadline bounds the whole stream."""
        import httpx

        for attempt in range(self.retries + 1):
            self._pause(attempt, deadline)
            received = 0
            try:
                with self._client.stream("POST", "/chat/completions", json=payload,
                                         timeout=self._left(deadline)) as response:
                    if response.status_code == 429 or response.status_code >= 500:
                        response.read()
                        if attempt < self.retries:
                            continue
                    if response.status_code != 200:
                        response.read()
                        raise LLMServiceError(f"the chat service at {self.url} answered HTTP "
                                              f"{response.status_code}{service_error_detail(response)}")
                    if not response.headers.get("content-type", "").startswith("text/event-stream"):
                        response.read()  # a service that ignores `stream` answers in one piece
                        yield self._content(response)
                        return
                    for line in response.iter_lines():
                        if time.monotonic() > deadline:
                            raise LLMServiceError(f"the chat service at {self.url} did not finish its answer "
                                                  f"within {self.timeout:g} s")
                        piece = _sse_delta(line, self.url)
                        if piece is None:
                            return
                        if piece:
                            received += len(piece)
                            if received > MAX_ANSWER_CHARS:
                                return
                            yield piece
                    return
            except httpx.TimeoutException as exc:
                raise LLMServiceError(f"the chat service at {self.url} did not answer within {self.timeout:g} s") from exc
            except httpx.TransportError as exc:
                if received or attempt >= self.retries:
                    raise LLMServiceError(f"the chat service at {self.url} cannot be reached "
                                          f"({exc or type(exc).__name__})") from exc
        raise LLMServiceError(f"the chat service at {self.url} failed ({self.retries + 1} tries)")

    def _send(self, method: str, path: str, payload: dict | None, deadline: float) -> Any:
        """A plain request, retried on connection errors and 5xx/429 within the deadline; never on a timeout."""
        import httpx

        problem = ""
        for attempt in range(self.retries + 1):
            self._pause(attempt, deadline)
            try:
                response = self._client.request(method, path, json=payload, timeout=self._left(deadline))
            except httpx.TimeoutException as exc:
                raise LLMServiceError(f"the chat service at {self.url} did not answer within {self.timeout:g} s") from exc
            except httpx.TransportError as exc:
                problem = f"cannot be reached ({exc or type(exc).__name__})"
                continue
            if response.status_code == 429 or response.status_code >= 500:
                problem = f"answered HTTP {response.status_code}{service_error_detail(response)}"
                continue
            if response.status_code != 200:
                raise LLMServiceError(f"the chat service at {self.url} answered HTTP {response.status_code}"
                                      f"{service_error_detail(response)}")
            return response
        tries = self.retries + 1
        raise LLMServiceError(f"the chat service at {self.url} {problem} ({tries} {'try' if tries == 1 else 'tries'})")

    def _left(self, deadline: float) -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise LLMServiceError(f"the chat service at {self.url} did not answer within {self.timeout:g} s")
        return left

    def _pause(self, attempt: int, deadline: float) -> None:
        if attempt:
            time.sleep(min(BACKOFF_S * 2 ** (attempt - 1), max(0.0, deadline - time.monotonic())))

    def close(self) -> None:
        self._client.close()


def _sse_delta(line: str, url: str) -> str | None:
    """The content of one SSE line of a streamed chat completion: '' for lines without content, None at [DONE]."""
    line = line.strip()
    if not line.startswith("data:"):
        return ""
    data = line[5:].strip()
    if data == "[DONE]":
        return None
    try:
        chunk = json.loads(data)
        if "error" in chunk:
            raise LLMServiceError(f"the chat service at {url} failed mid-answer: {str(chunk['error'])[:200]}")
        choices = chunk.get("choices") or []
        return (choices[0].get("delta") or {}).get("content") or "" if choices else ""
    except (ValueError, AttributeError, TypeError) as exc:
        raise LLMServiceError(f"the chat service at {url} streamed something that is not a chat completion "
                              "chunk") from exc

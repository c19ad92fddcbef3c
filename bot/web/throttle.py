"""Failed logins slow down: after a few wrong passwords a client waits, twice as long after each further one.

One LoginThrottle per server is shared by the page's login form (Gradio's POST /login) and /api's basic
auth, so alternating between them gains nothing. Clients are told apart by their address. While a client
waits, its attempts are answered 429 with Retry-After and not checked at all (even a right password), so
the waiting cannot be used to keep guessing; a successful login clears the client's record.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

FREE_FAILURES = 5  # wrong passwords allowed before the first wait
FIRST_DELAY_S = 1.0  # the first wait; each further failure doubles it
MAX_DELAY_S = 15 * 60.0
FORGET_AFTER_S = 60 * 60.0  # a client with no failure for this long starts afresh
MAX_CLIENTS = 10_000  # records kept (oldest dropped), so a flood of addresses cannot fill the memory
LOGIN_PATHS = ("/login", "/login/")


@dataclass
class _Record:
    failures: int = 0
    last_failure: float = 0.0
    locked_until: float = 0.0


class LoginThrottle:
    """Per-client count of failed logins and the time until its next attempt is checked."""

    def __init__(self, *, free_failures: int = FREE_FAILURES, first_delay_s: float = FIRST_DELAY_S,
                 max_delay_s: float = MAX_DELAY_S, clock: Callable[[], float] = time.monotonic):
        self.free_failures = free_failures
        self.first_delay_s = first_delay_s
        self.max_delay_s = max_delay_s
        self.clock = clock
        self._records: OrderedDict[str, _Record] = OrderedDict()
        self._lock = threading.Lock()

    def wait_s(self, client: str) -> float:
        """Seconds this client must wait before its next login is checked (0: check it now)."""
        with self._lock:
            rec = self._records.get(client)
            return max(0.0, rec.locked_until - self.clock()) if rec else 0.0

    def failed(self, client: str) -> float:
        """Record a wrong password; returns the wait it starts (0 while within the free failures)."""
        now = self.clock()
        with self._lock:
            rec = self._records.pop(client, None)
            if rec is None or now - rec.last_failure > FORGET_AFTER_S:
                rec = _Record()
            rec.failures += 1
            rec.last_failure = now
            extra = rec.failures - self.free_failures
            delay = min(self.max_delay_s, self.first_delay_s * 2 ** (extra - 1)) if extra > 0 else 0.0
            rec.locked_until = now + delay
            self._records[client] = rec
            while len(self._records) > MAX_CLIENTS:
                self._records.popitem(last=False)
            return delay

    def succeeded(self, client: str) -> None:
        """A right password: forget the client's failures."""
        with self._lock:
            self._records.pop(client, None)


def too_many_message(wait_s: float) -> str:
    return f"too many failed logins from this address: try again in {retry_after(wait_s)} s"


def retry_after(wait_s: float) -> int:
    """The Retry-After header value for a wait (whole seconds, at least 1)."""
    return max(1, math.ceil(wait_s))


def client_address(scope) -> str:
    """The address a request came from (the peer of the TCP connection)."""
    client = scope.get("client")
    return client[0] if client else "unknown"


class LoginThrottleMiddleware:
    """ASGI middleware around the page's login form (POST /login): 429 while waiting, failures counted."""

    def __init__(self, app, throttle: LoginThrottle):
        self.app = app
        self.throttle = throttle

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in LOGIN_PATHS:
            return await self.app(scope, receive, send)
        client = client_address(scope)
        wait = self.throttle.wait_s(client)
        if wait > 0:
            return await send_json(send, 429, {"error": too_many_message(wait)},
                                   headers=[(b"retry-after", str(retry_after(wait)).encode())])
        status: list[int] = []

        async def watch(message):
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status and status[0] == 200:
            self.throttle.succeeded(client)
        elif status and status[0] in (400, 401):  # Gradio answers a wrong password with 400
            self.throttle.failed(client)


async def send_json(send, status: int, body: dict, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Send a whole JSON response from ASGI middleware."""
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": data})

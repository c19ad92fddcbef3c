"""A scripted OpenAI-compatible chat service on a real socket: the test double of a model (none runs here).

It serves GET /v1/models and POST /v1/chat/completions, plain or `stream: true` (server-sent events sent in
pieces, flushed one by one), with the replies a test scripts: `server.reply("text [1].")`, or a function of the
request's messages. `delay_s` holds the answer back (a slow service); `status` answers an error instead. Every
request body is recorded in `server.requests`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = "scripted-7b"
# A faithful reply about a seed passage, and a sentence with a figure no passage holds.
VISION = "Visi Kota Bekasi periode 2013–2018 adalah “Bekasi Maju, Sejahtera dan Ihsan” [1]."
INVENTED = " Visi ini didukung anggaran Rp 750 miliar per tahun [1]."


class ScriptedLLM:
    def __init__(self) -> None:
        self.script: Callable[[list[dict]], str] = lambda _: "Tidak ada jawaban."
        self.requests: list[dict] = []
        self.delay_s = 0.0
        self.status = 200
        self.piece_chars = 7  # characters per streamed chunk
        self.piece_delay_s = 0.01
        self.url = ""

    def reply(self, text: str | Callable[[list[dict]], str]) -> None:
        self.script = text if callable(text) else (lambda _: text)
        self.delay_s, self.status = 0.0, 200

    def pieces(self, text: str) -> Iterator[str]:
        for i in range(0, len(text), self.piece_chars):
            yield text[i:i + self.piece_chars]


def _handler(llm: ScriptedLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args) -> None:
            pass

        def _json(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout under test)

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/v1/models":
                self._json(200, {"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "test"},
                                                            {"id": "other-model", "object": "model"}]})
            else:
                self._json(404, {"error": {"message": "not found"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            llm.requests.append(body)
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._json(404, {"error": {"message": "not found"}})
                return
            if llm.delay_s:
                time.sleep(llm.delay_s)
            if llm.status != 200:
                self._json(llm.status, {"error": {"message": "scripted failure"}})
                return
            text = llm.script(body.get("messages") or [])
            if not body.get("stream"):
                self._json(200, {"id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()),
                                 "model": body.get("model"),
                                 "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                              "finish_reason": "stop"}]})
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()

            def event(delta: dict, finish: str | None = None) -> None:
                chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": int(time.time()),
                         "model": body.get("model"), "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()

            self.close_connection = True
            try:
                event({"role": "assistant", "content": ""})
                for piece in llm.pieces(text):
                    event({"content": piece})
                    time.sleep(llm.piece_delay_s)
                event({}, "stop")
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout under test)

    return Handler


@contextmanager
def scripted_llm() -> Iterator[ScriptedLLM]:
    """A ScriptedLLM listening on a free loopback port; `llm.url` is its base URL (…/v1)."""
    llm = ScriptedLLM()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(llm))
    server.daemon_threads = True
    llm.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield llm
    finally:
        server.shutdown()
        server.server_close()

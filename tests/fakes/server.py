"""A tiny real HTTP server on 127.0.0.1 that the platform fakes build on.

Each fake registers handlers by method and path; the base adds what every platform
test needs: a request log, and one-shot faults queued per path prefix (a status with
headers such as 429 + Retry-After, a 500, a response slower than the client's timeout,
malformed JSON).  It is a working fake, not a mock: the real client libraries talk
HTTP to it.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclasses.dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclasses.dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    raw: bytes | None = None
    content_type: str = "application/json"


@dataclasses.dataclass
class Fault:
    """Served instead of the real answer, once, to the next request under `prefix`."""

    prefix: str
    status: int = 500
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    delay: float = 0.0
    malformed: bool = False
    # Only requests this accepts (e.g. "the second page") trigger the fault.
    when: Callable[[Request], bool] | None = None


Handler = Callable[[Request], Response]


class FakeServer:
    """Threads serving registered routes on an ephemeral 127.0.0.1 port."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, str, Handler]] = []
        self.faults: list[Fault] = []
        self.log: list[Request] = []
        self._lock = threading.Lock()
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                req = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                resp = fake.dispatch(req)
                if resp.raw is not None:
                    payload = resp.raw
                elif resp.body is None:
                    payload = b""
                elif isinstance(resp.body, bytes):
                    payload = resp.body
                else:
                    payload = json.dumps(resp.body).encode()
                try:
                    self.send_response(resp.status)
                    if resp.status != 304:
                        self.send_header("Content-Type", resp.content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    for k, v in resp.headers.items():
                        self.send_header(k, v)
                    # One request per connection: pooled keep-alive sockets racing a
                    # server thread made the fakes flaky, and no test is about reuse.
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def route(self, method: str, path: str, handler: Handler) -> None:
        self.routes.append((method, path, handler))

    def fail(self, prefix: str, **kwargs: Any) -> None:
        """Queue a one-shot fault for the next request whose path starts with `prefix`."""
        with self._lock:
            self.faults.append(Fault(prefix=prefix, **kwargs))

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.log if r.path == path]

    def dispatch(self, req: Request) -> Response:
        with self._lock:
            self.log.append(req)
            fault = next(
                (f for f in self.faults if req.path.startswith(f.prefix) and (f.when is None or f.when(req))),
                None,
            )
            if fault is not None:
                self.faults.remove(fault)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.malformed:
                return Response(200, raw=b'{"data": {"children": [ {"kind"')
            body = {"title": "fault", "status": fault.status, "detail": "injected"}
            return Response(fault.status, body=body, headers=fault.headers)
        for method, path, handler in self.routes:
            if method == req.method and (
                path == req.path or (path.endswith("*") and req.path.startswith(path[:-1]))
            ):
                return handler(req)
        return Response(404, body={"error": "not found", "path": req.path})

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

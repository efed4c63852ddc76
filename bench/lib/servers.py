"""Local HTTP servers a bench starts, each in a process of its own so that its CPU is
never in the client's figures: ``BenchHandler`` (a quiet handler that answers the admin
paths /_stats and /_shutdown), ``serve()`` (run a handler on 127.0.0.1, on an ephemeral
port sent back over a pipe), ``server_process()`` (start such a process and stop it at
the end), ``ServerControl`` (the admin endpoint, over HTTP); and the two servers:
``serve_feeds()`` (RSS feeds with ETag / Last-Modified and 304s, for bench/ingest.py)
and ``serve_photos()`` (JPEG files, for bench/images.py). The Django site under
gunicorn is in lib/gunicorn.py.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from email.utils import parsedate_to_datetime
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lib.feeds import generate_feeds


class BenchServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer on 127.0.0.1 (ephemeral port) that counts what it serves."""

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.stats: Counter[str] = Counter()
        self.lock = threading.Lock()


class BenchHandler(BaseHTTPRequestHandler):
    """Base request handler of a bench server: looks like nginx, logs nothing, and
    answers the admin paths /_stats (the server's counts and CPU) and /_shutdown."""

    protocol_version = "HTTP/1.0"
    server_version = "nginx"
    sys_version = ""
    server: BenchServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _json(self, data: object) -> None:
        body = json.dumps(data).encode()
        self._send(
            200, {"Content-Type": "application/json", "Content-Length": str(len(body))}, body
        )

    def count(self, increments: Mapping[str, int]) -> None:
        with self.server.lock:
            self.server.stats.update(increments)

    def admin(self, path: str) -> bool:
        """Answer an admin path; False if ``path`` is not one."""
        if path == "/_stats":
            with self.server.lock:
                data = dict(self.server.stats)
            self._json({**data, "cpu": time.process_time()})
            return True
        if path == "/_shutdown":
            self._json({"bye": True})
            threading.Thread(target=self.server.shutdown, daemon=True).start()
            return True
        return False


def serve(handler: type[BenchHandler], conn: Any, **hello: Any) -> None:
    """Server process: send {"port": ..., **hello} over ``conn``, then serve until
    /_shutdown."""
    server = BenchServer(handler)
    conn.send({"port": server.server_address[1], **hello})
    conn.close()
    server.serve_forever(poll_interval=0.2)
    server.server_close()


class ServerControl:
    """The admin endpoint of a bench server, over HTTP."""

    def __init__(self, port: int) -> None:
        self.port = port

    def get(self, path: str) -> dict[str, Any]:
        connection = HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path)
            return json.loads(connection.getresponse().read() or b"{}")
        finally:
            connection.close()

    def stats(self) -> dict[str, Any]:
        return self.get("/_stats")


@contextlib.contextmanager
def server_process(
    ctx: Any, target: Callable[..., None], *args: Any
) -> Iterator[tuple[ServerControl, dict[str, Any]]]:
    """Run ``target(*args, conn)`` in a daemon process; it must send a hello dict with
    the "port" it serves on over ``conn`` (as ``serve()`` does). Yields the server's
    control and its hello; at the end asks it to shut down, or terminates it."""
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=target, args=(*args, child), daemon=True)
    process.start()
    child.close()
    server: ServerControl | None = None
    try:
        hello = parent.recv()
        server = ServerControl(hello["port"])
        yield server, hello
    finally:
        if server is not None:
            with contextlib.suppress(OSError):
                server.get("/_shutdown")
        process.join(5)
        if process.is_alive():
            process.terminate()


# --------------------------------------------------------------------------- feeds


def serve_feeds(
    directory: str, outlets: int, entries: int, seed: int, use_gzip: bool, conn: Any
) -> None:
    """Server process: generate the corpus, then serve it until /_shutdown."""
    index = generate_feeds(Path(directory), outlets, entries, seed)
    feeds: dict[str, tuple[bytes, bytes | None, str, str]] = {}
    for feed in index["feeds"]:
        body = (Path(directory) / f"{feed['name']}.xml").read_bytes()
        packed = gzip.compress(body, 6, mtime=0) if use_gzip else None
        feeds[feed["path"]] = (body, packed, feed["etag"], feed["last_modified"])
    state = {"conditional": True}

    class Handler(BenchHandler):
        def _not_modified(self, etag: str, last_modified: str) -> bool:
            if_none_match = self.headers.get("If-None-Match")
            if if_none_match is not None:
                tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
                return etag in tags or "*" in tags
            since = self.headers.get("If-Modified-Since")
            if since:
                try:
                    return parsedate_to_datetime(since) >= parsedate_to_datetime(last_modified)
                except (TypeError, ValueError):
                    return False
            return False

        def do_GET(self) -> None:  # noqa: N802
            path = urlsplit(self.path).path
            if self.admin(path):
                return
            if path.startswith("/_conditional/"):
                state["conditional"] = path.endswith("/on")
                self._json(state)
                return
            feed = feeds.get(path)
            if feed is None:
                self._send(404, {"Content-Length": "0"})
                return
            body, packed, etag, last_modified = feed
            validators = {"ETag": etag, "Last-Modified": last_modified}
            if state["conditional"] and self._not_modified(etag, last_modified):
                self.count({"304": 1})
                self._send(304, validators)
                return
            headers = {"Content-Type": "application/rss+xml; charset=UTF-8", **validators}
            if packed is not None and "gzip" in self.headers.get("Accept-Encoding", ""):
                body = packed
                headers["Content-Encoding"] = "gzip"
            headers["Content-Length"] = str(len(body))
            self.count({"200": 1, "bytes": len(body)})
            self._send(200, headers, body)

    serve(Handler, conn, index=index)


# --------------------------------------------------------------------------- photos


def serve_photos(directory: str, conn: Any) -> None:
    """Server process: serve the photos in ``directory`` until /_shutdown."""
    root = Path(directory)

    class Handler(BenchHandler):
        def do_GET(self) -> None:  # noqa: N802
            path = urlsplit(self.path).path
            if self.admin(path):
                return
            name = path.rsplit("/", 1)[-1]
            file = root / name
            if not (name.startswith("photo-") and name.endswith(".jpg") and file.is_file()):
                self._send(404, {"Content-Length": "0"})
                return
            body = file.read_bytes()
            self.count(
                {"200": 1, "bytes": len(body), "referer": bool(self.headers.get("Referer"))}
            )
            headers = {
                "Content-Type": "image/jpeg",
                "Content-Length": str(len(body)),
                "Cache-Control": "max-age=31536000",
                "Last-Modified": "Fri, 10 Jan 2025 09:00:00 GMT",
            }
            self._send(200, headers, body)

    serve(Handler, conn)

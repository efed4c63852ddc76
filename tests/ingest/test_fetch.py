"""The guarded HTTP client (articles/fetch.py) against real local servers.

pytest-httpserver serves the well-behaved cases. What it cannot do (drip bytes, never
answer, stream chunked bodies, count bare TCP connections) is done by ``RawServer``, a
small threaded socket server bound to 127.0.0.1 (or ::1) on an ephemeral port. Nothing
here leaves the machine.

tests/conftest.py turns FETCH_ALLOW_PRIVATE_ADDRESSES on for every test so local servers
can be reached; the guard's tests pass ``allow_private=False`` or set the setting back to
False.
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator

import pytest
from pytest_httpserver import HTTPServer

from articles.lib.http import MAX_REDIRECTS, FetchError, fetch_url, is_public_address

FEED = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
    b"<title>Hespress</title><item><title>\xd8\xae\xd8\xa8\xd8\xb1</title></item>"
    b"</channel></rss>\n"
)
LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT"


# --- a bare socket server -------------------------------------------------------------


class RawServer:
    """Accepts TCP connections and hands each one to ``handler(conn, server)`` in a thread.

    ``connections`` counts accepted connections and ``requests`` holds the raw request
    heads read with ``read_request``; ``stopped`` is set at teardown so handlers that wait
    or drip can end.
    """

    def __init__(
        self, handler: Callable[[socket.socket, RawServer], None], host: str, port: int
    ) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        self.listener.bind((host, port))
        self.listener.listen(16)
        self.listener.settimeout(0.05)
        self.port: int = self.listener.getsockname()[1]
        self.handler = handler
        self.stopped = threading.Event()
        self.connections = 0
        self.requests: list[bytes] = []
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._serve, daemon=True)
        self._acceptor.start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _peer = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            # The client gave up and hung up: what most of these tests expect.
            with contextlib.suppress(OSError):
                self.handler(conn, self)

    def read_request(self, conn: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        self.requests.append(data)
        return data

    def drip(self, conn: socket.socket, byte: bytes, times: int, every: float = 0.2) -> bool:
        """Send ``byte`` ``times`` times, ``every`` seconds apart; False if stopped."""
        for _ in range(times):
            if self.stopped.wait(every):
                return False
            conn.sendall(byte)
        return True

    def close(self) -> None:
        self.stopped.set()
        self._acceptor.join(2)
        self.listener.close()
        for thread in self._threads:
            thread.join(2)


StartServer = Callable[..., RawServer]


@pytest.fixture
def raw_server() -> Iterator[StartServer]:
    servers: list[RawServer] = []

    def start(
        handler: Callable[[socket.socket, RawServer], None],
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> RawServer:
        server = RawServer(handler, host, port)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def answer_ok(conn: socket.socket, server: RawServer) -> None:
    server.read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")


def never_answer(conn: socket.socket, server: RawServer) -> None:
    server.read_request(conn)
    server.stopped.wait(30)


def fetch_error(url: str, **kwargs: object) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetch_url(url, **kwargs)  # type: ignore[arg-type]
    return caught.value


def redirect(httpserver: HTTPServer, path: str, location: str, status: int = 302) -> None:
    httpserver.expect_request(path).respond_with_data(
        b"", status=status, headers={"Location": location}
    )


def paths_seen(httpserver: HTTPServer) -> list[str]:
    return [request.path for request, _response in httpserver.log]


# --- ordinary responses ---------------------------------------------------------------


def test_returns_body_final_url_and_validators(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(
        FEED,
        content_type="application/rss+xml",
        headers={"ETag": '"v1"', "Last-Modified": LAST_MODIFIED},
    )

    result = fetch_url(httpserver.url_for("/feed.xml"))

    assert result.status == 200
    assert result.body == FEED
    assert result.url == httpserver.url_for("/feed.xml")
    assert result.etag == '"v1"'
    assert result.last_modified == LAST_MODIFIED
    assert not result.is_not_modified


def test_sends_identifying_user_agent(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(FEED)

    fetch_url(httpserver.url_for("/feed.xml"))

    ((request, _response),) = httpserver.log
    assert "NewsroomBot" in request.headers["User-Agent"]
    assert "If-None-Match" not in request.headers
    assert "If-Modified-Since" not in request.headers


def test_conditional_get_returns_not_modified(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/feed.xml", headers={"If-None-Match": '"v1"', "If-Modified-Since": LAST_MODIFIED}
    ).respond_with_data(b"", status=304, headers={"ETag": '"v1"'})

    result = fetch_url(httpserver.url_for("/feed.xml"), etag='"v1"', last_modified=LAST_MODIFIED)

    ((request, _response),) = httpserver.log
    assert request.headers["If-None-Match"] == '"v1"'
    assert request.headers["If-Modified-Since"] == LAST_MODIFIED
    assert result.status == 304
    assert result.is_not_modified
    assert result.body == b""
    assert result.etag == '"v1"'


def test_gzip_body_is_decompressed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(
        gzip.compress(FEED), headers={"Content-Encoding": "gzip"}
    )

    result = fetch_url(httpserver.url_for("/feed.xml"))

    ((request, _response),) = httpserver.log
    assert "gzip" in request.headers["Accept-Encoding"]
    assert result.body == FEED


def test_deflate_body_is_decompressed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(
        zlib.compress(FEED), headers={"Content-Encoding": "deflate"}
    )

    assert fetch_url(httpserver.url_for("/feed.xml")).body == FEED


def test_corrupt_gzip_body_fails_bad_encoding(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(
        b"\x1f\x8b\x08\x00garbage that is not deflate data" * 4,
        headers={"Content-Encoding": "gzip"},
    )

    assert fetch_error(httpserver.url_for("/feed.xml")).code == "bad_encoding"


def test_http_404_fails_with_code(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone.xml").respond_with_data(b"<h1>secret</h1>", status=404)

    error = fetch_error(httpserver.url_for("/gone.xml"))

    assert error.code == "http_404"
    assert error.http_status == 404
    assert "secret" not in str(error)


def test_http_500_fails_with_code(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(b"Traceback ...", status=500)

    error = fetch_error(httpserver.url_for("/feed.xml"))

    assert error.code == "http_500"
    assert error.http_status == 500


# --- redirects ------------------------------------------------------------------------


def test_follows_three_redirects_including_relative_locations(httpserver: HTTPServer) -> None:
    redirect(httpserver, "/start", httpserver.url_for("/feeds/second"), status=301)
    redirect(httpserver, "/feeds/second", "third", status=302)  # relative to /feeds/
    redirect(httpserver, "/feeds/third", "/final.xml", status=307)
    httpserver.expect_request("/final.xml").respond_with_data(FEED)

    result = fetch_url(httpserver.url_for("/start"))

    assert result.status == 200
    assert result.body == FEED
    assert result.url == httpserver.url_for("/final.xml")
    assert paths_seen(httpserver) == ["/start", "/feeds/second", "/feeds/third", "/final.xml"]


def test_follows_exactly_max_redirects(httpserver: HTTPServer) -> None:
    assert MAX_REDIRECTS == 5
    for hop in range(5):
        redirect(httpserver, f"/hop{hop}", f"/hop{hop + 1}")
    httpserver.expect_request("/hop5").respond_with_data(FEED)

    assert fetch_url(httpserver.url_for("/hop0")).url == httpserver.url_for("/hop5")


def test_six_redirects_fail_too_many_redirects(httpserver: HTTPServer) -> None:
    for hop in range(6):
        redirect(httpserver, f"/hop{hop}", f"/hop{hop + 1}")
    httpserver.expect_request("/hop6").respond_with_data(FEED)

    assert fetch_error(httpserver.url_for("/hop0")).code == "too_many_redirects"
    assert "/hop6" not in paths_seen(httpserver)


def test_redirect_loop_fails_too_many_redirects(httpserver: HTTPServer) -> None:
    redirect(httpserver, "/loop", "/loop", status=303)

    assert fetch_error(httpserver.url_for("/loop")).code == "too_many_redirects"
    assert paths_seen(httpserver) == ["/loop"] * (MAX_REDIRECTS + 1)


def test_redirect_without_location_fails_bad_redirect(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(b"", status=302)

    assert fetch_error(httpserver.url_for("/feed.xml")).code == "bad_redirect"


# --- size caps ------------------------------------------------------------------------


def test_body_exactly_at_cap_is_accepted(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(b"x" * 1000)

    assert len(fetch_url(httpserver.url_for("/feed.xml"), max_bytes=1000).body) == 1000


def test_declared_content_length_over_cap_fails_too_large(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big.xml").respond_with_data(b"x" * 5000)

    assert fetch_error(httpserver.url_for("/big.xml"), max_bytes=1000).code == "too_large"


def _chunked_body(chunks: int, size: int) -> Callable[[socket.socket, RawServer], None]:
    def handler(conn: socket.socket, server: RawServer) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(chunks):
            conn.sendall(b"%x\r\n%s\r\n" % (size, b"x" * size))
        conn.sendall(b"0\r\n\r\n")

    return handler


def test_chunked_body_within_cap_is_read_whole(raw_server: StartServer) -> None:
    server = raw_server(_chunked_body(chunks=20, size=1000))

    result = fetch_url(f"http://127.0.0.1:{server.port}/feed.xml", max_bytes=20_000)

    assert "content-length" not in result.headers
    assert result.body == b"x" * 20_000


def test_chunked_body_over_cap_fails_too_large(raw_server: StartServer) -> None:
    server = raw_server(_chunked_body(chunks=200, size=1000))

    error = fetch_error(f"http://127.0.0.1:{server.port}/feed.xml", max_bytes=10_000)

    assert error.code == "too_large"


def test_gzip_bomb_fails_too_large_fast_with_bounded_memory(httpserver: HTTPServer) -> None:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip framing
    megabyte_of_zeros = bytes(1024 * 1024)
    bomb = b"".join(compressor.compress(megabyte_of_zeros) for _ in range(50))
    bomb += compressor.flush()
    assert len(bomb) < 100_000  # 50 MB of zeros in ~50 KB
    httpserver.expect_request("/bomb.xml").respond_with_data(
        bomb, headers={"Content-Encoding": "gzip"}
    )
    cap = 1024 * 1024

    tracemalloc.start()
    started = time.monotonic()
    try:
        error = fetch_error(httpserver.url_for("/bomb.xml"), max_bytes=cap)
        elapsed = time.monotonic() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert error.code == "too_large"
    assert elapsed < 3
    assert peak < 3 * cap


# --- deadlines ------------------------------------------------------------------------


def test_slow_drip_body_fails_timeout_within_deadline(raw_server: StartServer) -> None:
    def drip_body(conn: socket.socket, server: RawServer) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        server.drip(conn, b"x", times=50)

    server = raw_server(drip_body)

    started = time.monotonic()
    error = fetch_error(f"http://127.0.0.1:{server.port}/feed.xml", timeout=1.5)

    assert error.code == "timeout"
    assert time.monotonic() - started < 1.5 + 1


def test_slow_drip_headers_fails_timeout_within_deadline(raw_server: StartServer) -> None:
    # One header byte every 0.2 s for 5 s, then a complete small response.
    def drip_headers(conn: socket.socket, server: RawServer) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Drip: ")
        if server.drip(conn, b"a", times=25):
            conn.sendall(b"\r\nContent-Length: 2\r\n\r\nok")

    server = raw_server(drip_headers)

    started = time.monotonic()
    error = fetch_error(f"http://127.0.0.1:{server.port}/feed.xml", timeout=1.5)

    assert error.code == "timeout"
    assert time.monotonic() - started < 1.5 + 1


def test_slow_drip_chunk_size_line_fails_timeout_within_deadline(
    raw_server: StartServer,
) -> None:
    # A chunked body whose chunk-size line ("000...0") arrives one byte every 0.2 s.
    def drip_chunk_size(conn: socket.socket, server: RawServer) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        if server.drip(conn, b"0", times=25):
            conn.sendall(b"\r\n\r\n")

    server = raw_server(drip_chunk_size)

    started = time.monotonic()
    error = fetch_error(f"http://127.0.0.1:{server.port}/feed.xml", timeout=1.5)

    assert error.code == "timeout"
    assert time.monotonic() - started < 1.5 + 1


def test_server_that_never_answers_fails_timeout(raw_server: StartServer) -> None:
    server = raw_server(never_answer)

    started = time.monotonic()
    error = fetch_error(f"http://127.0.0.1:{server.port}/feed.xml", timeout=1.0)

    assert error.code == "timeout"
    assert time.monotonic() - started < 1.0 + 1
    assert server.connections == 1


def test_deadline_covers_the_whole_redirect_chain(raw_server: StartServer) -> None:
    # Each hop answers after 0.6 s: every single hop is within 1.5 s, the chain is not.
    def slow_redirect(conn: socket.socket, server: RawServer) -> None:
        server.read_request(conn)
        if server.stopped.wait(0.6):
            return
        hop = len(server.requests)
        conn.sendall(
            b"HTTP/1.1 302 Found\r\nLocation: /hop%d\r\nContent-Length: 0\r\n"
            b"Connection: close\r\n\r\n" % hop
        )

    server = raw_server(slow_redirect)

    started = time.monotonic()
    error = fetch_error(f"http://127.0.0.1:{server.port}/hop0", timeout=1.5)

    assert error.code == "timeout"
    assert time.monotonic() - started < 1.5 + 1
    assert server.connections == 3


# --- schemes and addresses ------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    ["file:///etc/passwd", "gopher://127.0.0.1:{port}/_GET", "ftp://127.0.0.1:{port}/feed.xml"],
    ids=["file", "gopher", "ftp"],
)
def test_non_http_scheme_fails_bad_scheme(raw_server: StartServer, template: str) -> None:
    server = raw_server(answer_ok)

    assert fetch_error(template.format(port=server.port)).code == "bad_scheme"
    assert server.connections == 0


@pytest.fixture
def loopback_listeners(raw_server: StartServer) -> tuple[RawServer, RawServer | None]:
    """A server on 127.0.0.1 and, when IPv6 is there, one on [::1] with the same port."""
    v4 = raw_server(answer_ok)
    try:
        v6: RawServer | None = raw_server(answer_ok, host="::1", port=v4.port)
    except OSError:
        v6 = None
    return v4, v6


BYPASS_URLS = [
    "http://127.0.0.1:{port}/",
    "https://127.0.0.1:{port}/",
    "http://2130706433:{port}/",  # decimal 127.0.0.1
    "http://0x7f.1:{port}/",  # hex, two-part form: getaddrinfo reads it as 127.0.0.1
    "http://127.1:{port}/",
    "http://0177.0.0.1:{port}/",  # octal
    "http://[::ffff:127.0.0.1]:{port}/",  # IPv4-mapped IPv6
    "http://[::1]:{port}/",
    "http://localhost:{port}/",
    "http://0.0.0.0:{port}/",
    "http://[::]:{port}/",
    "http://[64:ff9b::7f00:1]:{port}/",  # NAT64 of 127.0.0.1
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://100.64.0.1/",  # CGNAT
    "http://10.0.0.1/",
]


@pytest.mark.parametrize("template", BYPASS_URLS)
def test_private_address_is_refused_without_connecting(
    loopback_listeners: tuple[RawServer, RawServer | None], template: str
) -> None:
    v4, v6 = loopback_listeners

    error = fetch_error(template.format(port=v4.port), allow_private=False, timeout=5)

    assert error.code == "blocked_address"
    assert v4.connections == 0 and v4.requests == []
    assert v6 is None or (v6.connections == 0 and v6.requests == [])


def test_private_address_is_refused_by_default_setting(
    raw_server: StartServer, settings: object
) -> None:
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False  # type: ignore[attr-defined]
    server = raw_server(answer_ok)

    assert fetch_error(f"http://127.0.0.1:{server.port}/").code == "blocked_address"
    assert server.connections == 0


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_private_address_is_reached_when_allowed(raw_server: StartServer, host: str) -> None:
    server = raw_server(answer_ok)

    result = fetch_url(f"http://{host}:{server.port}/feed.xml", allow_private=True)

    assert result.body == b"ok"
    assert server.connections == 1
    assert server.requests[0].startswith(b"GET /feed.xml HTTP/1.1\r\n")


# Every hop goes through the same _split_url + _connect as the first one. A true "public
# name that redirects to loopback" needs a public first hop, which a test without the
# internet cannot have (and mocking our own resolver/check is not allowed). The tests
# below show the per-hop guard instead: a redirect to a bad scheme, to an unresolvable
# name, and to an address refused even when private addresses are allowed (0.0.0.0 and
# [::] reach local services on Linux) each fail with the guard's code on the second hop.


def test_redirect_to_gopher_fails_bad_scheme(
    httpserver: HTTPServer, raw_server: StartServer
) -> None:
    target = raw_server(answer_ok)
    redirect(httpserver, "/feed.xml", f"gopher://127.0.0.1:{target.port}/_GET")

    assert fetch_error(httpserver.url_for("/feed.xml")).code == "bad_scheme"
    assert paths_seen(httpserver) == ["/feed.xml"]
    assert target.connections == 0


def test_redirect_to_unresolvable_name_fails_dns_error(httpserver: HTTPServer) -> None:
    redirect(httpserver, "/feed.xml", "http://nonexistent.invalid/feed.xml")

    assert fetch_error(httpserver.url_for("/feed.xml")).code == "dns_error"
    assert paths_seen(httpserver) == ["/feed.xml"]


@pytest.mark.parametrize("host", ["0.0.0.0", "[::]"])
def test_redirect_to_unspecified_address_is_refused_on_second_hop(
    httpserver: HTTPServer, raw_server: StartServer, host: str
) -> None:
    target = raw_server(answer_ok)
    redirect(httpserver, "/feed.xml", f"http://{host}:{target.port}/")

    error = fetch_error(httpserver.url_for("/feed.xml"), allow_private=True)

    assert error.code == "blocked_address"
    assert paths_seen(httpserver) == ["/feed.xml"]
    assert target.connections == 0


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),  # CGNAT
        ("169.254.169.254", False),  # link-local, cloud metadata
        ("0.0.0.0", False),  # unspecified
        ("224.0.0.1", False),  # multicast
        ("255.255.255.255", False),
        ("240.0.0.1", False),  # reserved
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fe80::1%eth0", False),  # link-local with a scope id
        ("fc00::1", False),  # unique local
        ("fd00:ec2::254", False),  # AWS metadata over IPv6
        ("ff02::1", False),
        ("ff0e::1", False),  # global-scope multicast
        ("::ffff:127.0.0.1", False),  # IPv4-mapped
        ("::ffff:169.254.169.254", False),
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::", False),  # 6to4 of 169.254.169.254
        ("2001:db8::1", False),  # documentation
        ("8.8.8.8", True),
        ("1.1.1.1", True),
        ("2606:4700::1111", True),
        ("2001:4860:4860::8888", True),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def test_body_shorter_than_its_content_length_fails_truncated(raw_server: StartServer) -> None:
    def cut_short(conn: socket.socket, server: RawServer) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n<rss>")
        conn.shutdown(socket.SHUT_RDWR)

    server = raw_server(cut_short)

    assert fetch_error(f"http://127.0.0.1:{server.port}/feed.xml").code == "truncated"


def test_a_closed_port_fails_connection_refused() -> None:
    with socket.socket() as probe:  # find a free port, then leave it closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    assert fetch_error(f"http://127.0.0.1:{port}/feed.xml").code == "connection_refused"


def test_slow_name_lookups_are_bounded_and_hold_up_no_other_fetch(
    monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer
) -> None:
    real_getaddrinfo = socket.getaddrinfo

    def resolver(host: str, *args: object, **kwargs: object) -> object:
        if host.startswith("slow-dns"):
            time.sleep(5)  # a resolver that takes its time, as a hostile DNS server can
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    # Stands in for the system resolver only (no DNS server can be run here).
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    httpserver.expect_request("/feed.xml").respond_with_data("<rss/>")
    started = time.monotonic()

    codes = [
        fetch_error(f"http://slow-dns-{n}.example.ma/feed.xml", timeout=0.3).code for n in range(6)
    ]
    after = fetch_url(httpserver.url_for("/feed.xml").replace("127.0.0.1", "localhost"))

    assert codes == ["timeout"] * 6
    assert time.monotonic() - started < 6 * 0.3 + 2
    assert after.body == b"<rss/>"

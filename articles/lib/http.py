"""Guarded HTTP fetching of feeds, pages and images from untrusted servers.

``fetch_url`` is the only way Newsroom talks to the outside world. It allows http and
https only, follows at most ``MAX_REDIRECTS`` redirects, checks the address it actually
connects to on every hop against private, loopback, link-local, reserved and CGNAT
ranges (unless ``FETCH_ALLOW_PRIVATE_ADDRESSES``), enforces one total deadline over
the whole exchange and a byte cap on the decompressed body. Failures raise
``FetchError`` with a short, fixed code; raw server text never leaves this module.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.conf import settings

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK_SIZE = 64 * 1024
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)

# Prefixes that embed an IPv4 address inside IPv6 (NAT64, 6to4); the embedded address
# is what the packet finally reaches, so it is checked as well.
NAT64_NETWORKS = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


class FetchError(Exception):
    """A fetch failed; ``code`` is short and safe to store and show to staff."""

    def __init__(self, code: str, *, http_status: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.http_status = http_status


@dataclass(frozen=True)
class FetchResult:
    url: str
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    bytes_received: int = 0

    @property
    def is_not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str:
        return self.headers.get("etag", "")[:500]

    @property
    def last_modified(self) -> str:
        return self.headers.get("last-modified", "")[:100]


def is_public_address(address: str) -> bool:
    """True if ``address`` is a globally routable unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            candidates.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            candidates.append(ip.sixtofour)
        if any(ip in net for net in NAT64_NETWORKS):
            candidates.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return all(c.is_global and not c.is_multicast for c in candidates)


def _is_allowed_address(address: str, allow_private: bool) -> bool:
    if allow_private:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        return not (ip.is_unspecified or ip.is_multicast)
    return is_public_address(address)


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.expires = time.monotonic() + seconds

    def is_past(self) -> bool:
        return time.monotonic() >= self.expires

    def remaining(self) -> float:
        left = self.expires - time.monotonic()
        if left <= 0:
            raise FetchError("timeout")
        return left


def _resolve(host: str, port: int, deadline: _Deadline) -> list[Any]:
    """getaddrinfo within the fetch deadline. It has no timeout of its own (the system
    resolver may spend 5 s per try and server), so it runs in a thread of its own: a
    lookup that hangs is abandoned and holds up no other fetch."""
    outcome: list[Any] = []

    def lookup() -> None:
        try:
            outcome.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as exc:
            outcome.append(exc)

    thread = threading.Thread(target=lookup, name=f"resolve {host}", daemon=True)
    thread.start()
    thread.join(deadline.remaining())
    if not outcome:
        raise FetchError("timeout")
    if isinstance(outcome[0], BaseException):
        raise FetchError("dns_error") from outcome[0]
    return list(outcome[0])


def _connect(host: str, port: int, deadline: _Deadline, allow_private: bool) -> socket.socket:
    """Resolve ``host`` and connect to the first allowed address, checking each one."""
    infos = _resolve(host, port, deadline)
    allowed = [info for info in infos if _is_allowed_address(str(info[4][0]), allow_private)]
    if not allowed:
        raise FetchError("blocked_address")
    last_error: OSError | None = None
    for family, socktype, proto, _canon, sockaddr in allowed:
        sock = socket.socket(family, socktype, proto)
        sock.settimeout(deadline.remaining())
        try:
            sock.connect(sockaddr)
        except OSError as exc:
            sock.close()
            last_error = exc
            continue
        # Check what we are really connected to, not what we meant to reach.
        if not _is_allowed_address(str(sock.getpeername()[0]), allow_private):
            sock.close()
            raise FetchError("blocked_address")
        return sock
    if isinstance(last_error, TimeoutError):
        raise FetchError("timeout") from last_error
    if isinstance(last_error, ConnectionRefusedError):
        raise FetchError("connection_refused") from last_error
    raise FetchError("connection_error") from last_error


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, deadline: _Deadline, allow_private: bool) -> None:
        super().__init__(host, port, timeout=deadline.remaining())
        self._deadline = deadline
        self._allow_private = allow_private

    def connect(self) -> None:
        self.sock = _connect(self.host, self.port, self._deadline, self._allow_private)


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, deadline: _Deadline, allow_private: bool) -> None:
        super().__init__(host, port, timeout=deadline.remaining(), context=_tls_context())
        self._deadline = deadline
        self._allow_private = allow_private

    def connect(self) -> None:
        sock = _connect(self.host, self.port, self._deadline, self._allow_private)
        self.sock = _tls_context().wrap_socket(sock, server_hostname=self.host)


_TLS_CONTEXT: ssl.SSLContext | None = None


def _tls_context() -> ssl.SSLContext:
    global _TLS_CONTEXT
    if _TLS_CONTEXT is None:
        _TLS_CONTEXT = ssl.create_default_context()
    return _TLS_CONTEXT


def fetch_url(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    referer: str = "",
    accept: str = FEED_ACCEPT,
    timeout: float | None = None,
    max_bytes: int | None = None,
    allow_private: bool | None = None,
) -> FetchResult:
    """GET ``url`` under the guards described in the module docstring.

    Returns a 2xx or 304 result; any other outcome raises ``FetchError``.
    """
    deadline = _Deadline(timeout if timeout is not None else settings.FETCH_TIMEOUT_SECONDS)
    cap = max_bytes if max_bytes is not None else settings.FETCH_MAX_BYTES
    private_ok = settings.FETCH_ALLOW_PRIVATE_ADDRESSES if allow_private is None else allow_private
    headers = {
        "User-Agent": settings.FETCH_USER_AGENT,
        "Accept": accept,
        "Accept-Encoding": "gzip, deflate",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    if referer:
        headers["Referer"] = referer

    for _hop in range(MAX_REDIRECTS + 1):
        status, response_headers, body, received = _request(
            url, headers, deadline, cap, private_ok
        )
        if status in REDIRECT_STATUSES:
            location = response_headers.get("location", "")
            if not location:
                raise FetchError("bad_redirect", http_status=status)
            url = urljoin(url, location.strip())
            continue
        if status == 304 or 200 <= status < 300:
            return FetchResult(url, status, body, response_headers, received)
        raise FetchError(f"http_{status}", http_status=status)
    raise FetchError("too_many_redirects")


def _split_url(url: str) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchError("bad_url") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError("bad_scheme")
    host = parts.hostname or ""
    if not host:
        raise FetchError("bad_url")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, host, port or (443 if scheme == "https" else 80), path


def _request(
    url: str, headers: dict[str, str], deadline: _Deadline, cap: int, allow_private: bool
) -> tuple[int, dict[str, str], bytes, int]:
    scheme, host, port, path = _split_url(url)
    connection_class = _GuardedHTTPSConnection if scheme == "https" else _GuardedHTTPConnection
    connection = connection_class(host, port, deadline, allow_private)
    # Socket timeouts bound each read, not the exchange: a server dripping one header
    # byte at a time would never trip them. The watchdog cuts the socket at the deadline.
    watchdog = threading.Timer(deadline.remaining(), _abort, (connection,))
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response_headers = {k.lower(): v for k, v in response.getheaders()}
        if response.status in REDIRECT_STATUSES or response.status == 304:
            return response.status, response_headers, b"", 0
        if not 200 <= response.status < 300:
            return response.status, response_headers, b"", 0
        body, received = _read_body(connection, response, response_headers, deadline, cap)
        return response.status, response_headers, body, received
    except FetchError:
        raise
    except (http.client.HTTPException, ValueError, OSError) as exc:
        if deadline.is_past() or isinstance(exc, TimeoutError):
            raise FetchError("timeout") from exc
        raise FetchError(_error_code(exc)) from exc
    finally:
        watchdog.cancel()
        connection.close()


def _error_code(exc: Exception) -> str:
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return "tls_error"
    if isinstance(exc, http.client.IncompleteRead):
        return "truncated"
    if isinstance(exc, http.client.HTTPException | ValueError):
        return "bad_response"
    return "connection_error"


def _abort(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _read_body(
    connection: http.client.HTTPConnection,
    response: http.client.HTTPResponse,
    headers: Mapping[str, str],
    deadline: _Deadline,
    cap: int,
) -> tuple[bytes, int]:
    """Read the body within the deadline, decompressing and capping as it arrives."""
    declared = headers.get("content-length", "")
    encoding = headers.get("content-encoding", "").strip().lower()
    if declared.isdigit() and not encoding and int(declared) > cap:
        raise FetchError("too_large")
    decoder = None
    if encoding in ("gzip", "x-gzip", "deflate"):
        # 32 + MAX_WBITS accepts both gzip and zlib headers.
        decoder = zlib.decompressobj(32 + zlib.MAX_WBITS)
    parts: list[bytes] = []
    size = 0
    received = 0
    try:
        while True:
            if connection.sock is not None:
                connection.sock.settimeout(deadline.remaining())
            chunk = response.read1(CHUNK_SIZE)
            deadline.remaining()
            if not chunk:
                break
            received += len(chunk)
            if decoder is not None:
                chunk = decoder.decompress(chunk, cap + 1 - size)
                if decoder.unconsumed_tail:
                    raise FetchError("too_large")
            size += len(chunk)
            if size > cap:
                raise FetchError("too_large")
            parts.append(chunk)
        if decoder is not None:
            tail = decoder.flush()
            size += len(tail)
            if size > cap:
                raise FetchError("too_large")
            parts.append(tail)
    except zlib.error as exc:
        raise FetchError("bad_encoding") from exc
    if declared.isdigit() and received < int(declared):
        raise FetchError("truncated")
    return b"".join(parts), received

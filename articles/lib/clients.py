"""Who is asking: the client address (behind a known number of proxies), its network
and keyed hashes of both. Image reports, the admin sign-in throttle and the API's rate
limit share these rules.
"""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The address that connected to us, or, behind ``TRUSTED_PROXY_COUNT`` proxies,
    the one the outermost trusted proxy saw. A client's own X-Forwarded-For entries sit
    to the left of what our proxies appended, so they are never read."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def network_of(address: str) -> str:
    """The /24 of an IPv4 address, the /48 of an IPv6 one (IPv4-mapped as IPv4). A port
    some proxies append ("203.0.113.5:443", "[2001:db8::1]:443") is not part of it."""
    host = address.strip()
    if host.startswith("[") and "]" in host:
        host = host[1 : host.index("]")]
    elif host.count(":") == 1:
        host = host.split(":")[0]
    try:
        ip = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        logger.warning("report from an address that is not one; counted as one network")
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def keyed_hash(kind: str, value: str) -> str:
    return salted_hmac(
        f"newsroom.report.{kind}", value, secret=settings.REPORT_HASH_KEY, algorithm="sha256"
    ).hexdigest()

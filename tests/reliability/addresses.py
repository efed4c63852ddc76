"""Requests from many readers on one machine: each reader's connections leave from a
loopback address of its own (127.0.N.1), so the site's per-network limits and the
reports' "different readers" see them apart. Shared by the soak's locustfile and the
chaos load; only ``requests`` here, since the locustfile runs under locust's gevent."""

from __future__ import annotations

from typing import Any

from requests.adapters import HTTPAdapter


class SourceAddressAdapter(HTTPAdapter):
    """Connections from one loopback address (127.0.N.1) instead of 127.0.0.1."""

    def __init__(self, address: str, **kwargs: Any) -> None:
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)

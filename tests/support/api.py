"""Reading the public JSON API (tests/api/): answers parsed as JSON with the checks every
answer must pass, and the articles list walked page by page through its ``next``.
"""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

API = "/api/v1"
ORIGIN = "http://testserver"  # what the test client's requests are addressed to
MAX_PAGES = 200  # a walk that goes on longer than this is looping
Response = Any  # what the test client returns (django-stubs: _MonkeyPatchedWSGIResponse)


def answer(response: Response, status: int = 200) -> Any:
    """The JSON of ``response``, which must have ``status``, say it is JSON, be readable
    from any origin and set no cookie."""
    assert response.status_code == status, (status, response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    assert response["Access-Control-Allow-Origin"] == "*"
    assert not response.cookies and not response.has_header("Set-Cookie")
    return json.loads(response.content)


def get(
    client: Client, path: str, status: int = 200, data: dict[str, Any] | None = None, **extra: Any
) -> Any:
    """``path`` (under /api/v1 unless it starts with /api or http) as JSON; ``data`` are
    query parameters, encoded by the client."""
    if not path.startswith(("/api", "http")):
        path = f"{API}{path}"
    return answer(client.get(path, data, **extra), status)


def walk(client: Client, params: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Every page of the articles list with ``params``, following ``next`` to its end:
    the pages' items."""
    pages = []
    page = get(client, "/articles", data=params)
    while True:
        assert len(pages) < MAX_PAGES, f"{params}: more than {MAX_PAGES} pages"
        assert set(page) == {"items", "next"}, page.keys()
        pages.append(page["items"])
        url = page["next"]
        if url is None:
            return pages
        assert url.startswith(f"{ORIGIN}{API}/articles?"), url
        page = get(client, url)


def ids(items: list[dict[str, Any]]) -> list[int]:
    return [item["id"] for item in items]


def walked_ids(client: Client, params: dict[str, Any]) -> list[int]:
    return [item["id"] for page in walk(client, params) for item in page]

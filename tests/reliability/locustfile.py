"""The soak's readers (locust, headless): a fixed request rate over a realistic mix.

Run by soak.py as ``locust -f tests/reliability/locustfile.py --headless ...`` with:

- ``SOAK_TARGETS``: a JSON file with ``outlets``, ``sections`` and ``regions`` (slugs);
- ``SOAK_RATE``: requests a second for all users together;
- ``SOAK_USERS``: the number of users (locust's ``-u``), each with its own client
  address 127.0.N.1 (N = 1 .. users): the site reads the connection's address
  (``TRUSTED_PROXY_COUNT=0``), so every user is its own reader and network for the
  API's rate limit and the image reports;
- ``SOAK_RESULTS``: where to write every request (kind, seconds since start, ms, status,
  error, path) as JSON when locust stops.

Every task sends exactly one request, so ``constant_throughput`` holds the rate. Requests
carry ``X-Forwarded-Proto: https`` as the TLS proxy in front of gunicorn would; the
cookies Django marks ``Secure`` are therefore sent back by hand (requests keeps secure
cookies for https addresses only).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from typing import Any

from locust import HttpUser, constant_throughput, events, task

from tests.reliability.addresses import SourceAddressAdapter

TARGETS: dict[str, list[str]] = json.loads(open(os.environ["SOAK_TARGETS"]).read())  # noqa: SIM115
RATE = float(os.environ.get("SOAK_RATE", "50"))
USERS = int(os.environ.get("SOAK_USERS", "50"))
RESULTS = os.environ.get("SOAK_RESULTS", "soak-requests.json")
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "Accept-Language": "ar"}
WORDS = ("المغرب", "الرباط", "كأس", "الحكومة", "طنجة", "Maroc", "Casablanca", "الفيضانات",
         '"المنتخب الوطني"', "اقتصاد", "xyz-nothing")  # fmt: skip
REASONS = ("inappropriate", "violent", "unrelated", "copyright", "other")
# The cookies a browser would send back here: the CSRF cookie and the reader's id.
KEPT_COOKIES = ("csrftoken", "newsroom_reader")

RECORDS: list[tuple[str, float, float, int, str, str]] = []
START = time.time()
ADDRESSES = itertools.count(1)


@events.quitting.add_listener
def write_results(environment: Any, **kwargs: Any) -> None:
    with open(RESULTS, "w") as out:
        json.dump({"start": START, "requests": RECORDS}, out)


class Reader(HttpUser):
    wait_time = constant_throughput(RATE / USERS)

    def on_start(self) -> None:
        n = next(ADDRESSES)
        self.address = f"127.0.{(n - 1) % 254 + 1}.1"
        self.client.mount("http://", SourceAddressAdapter(self.address))
        self.articles: list[tuple[int, str]] = []  # (id, our page's path)
        self.stories: list[int] = []
        self.images: list[int] = []
        self.static: list[str] = []
        self.cookies: dict[str, str] = {}
        self.pending_report: tuple[int, str] | None = None  # (image id, csrf token)
        self.rng = random.Random(self.address)

    # One request, recorded ---------------------------------------------------------

    def fetch(self, kind: str, path: str, method: str = "GET", **kwargs: Any) -> Any:
        headers = {**PROXY_HEADERS, **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.time()
        status, error = 0, ""
        with self.client.request(
            method, path, name=kind, headers=headers, allow_redirects=False,
            catch_response=True, timeout=60, **kwargs,
        ) as response:  # fmt: skip
            status = response.status_code or 0
            if response.error is not None and not status:
                error = type(response.error).__name__
            response.success()  # judged by soak.py from the records
        elapsed = (time.time() - started) * 1000
        RECORDS.append((kind, started - START, elapsed, status, error, path))
        for cookie in response.cookies:
            if cookie.name in KEPT_COOKIES and cookie.value:
                self.cookies[cookie.name] = cookie.value
        return response if status else None

    def french(self) -> str:
        return "/fr" if self.rng.random() < 0.2 else ""

    # The mix ---------------------------------------------------------------------

    @task(15)
    def home(self) -> None:
        response = self.fetch("home", self.french() + "/")
        if response is not None and not self.static:
            self.static = re.findall(r'(/static/[^"\']+\.(?:css|js))', response.text)

    @task(25)
    def article(self) -> None:
        if not self.articles:
            return self.api_list()
        _id, path = self.rng.choice(self.articles)
        response = self.fetch("article", path)
        if response is not None and response.status_code == 200:
            found = [int(i) for i in re.findall(r"/images/(\d+)/", response.text)]
            self.images = (found + self.images)[:30]
        return None

    @task(8)
    def section(self) -> None:
        self.fetch("section", f"{self.french()}/section/{self.rng.choice(TARGETS['sections'])}/")

    @task(8)
    def outlet(self) -> None:
        self.fetch("outlet", f"{self.french()}/{self.rng.choice(TARGETS['outlets'])}/")

    @task(5)
    def region(self) -> None:
        self.fetch("region", f"{self.french()}/region/{self.rng.choice(TARGETS['regions'])}/")

    @task(6)
    def search(self) -> None:
        query = " ".join(self.rng.sample(WORDS, self.rng.choice((1, 1, 2))))
        sort = self.rng.choice(("newest", "relevance"))
        self.fetch("search", f"{self.french()}/search/", params={"q": query, "sort": sort})

    @task(8)
    def api_list(self) -> None:
        if self.rng.random() < 0.3:
            response = self.fetch("api list", "/api/v1/stories", params={"limit": 20})
            if response is not None and response.status_code == 200:
                self.stories = [item["id"] for item in response.json()["items"]]
            return
        params: dict[str, Any] = {"limit": 50}
        if self.rng.random() < 0.3:
            params["outlet"] = self.rng.choice(TARGETS["outlets"])
        response = self.fetch("api list", "/api/v1/articles", params=params)
        if response is not None and response.status_code == 200:
            items = response.json()["items"]
            self.articles = [(item["id"], _path(item["url"])) for item in items]

    @task(8)
    def api_detail(self) -> None:
        if not self.articles:
            return self.api_list()
        article_id, _path_ = self.rng.choice(self.articles)
        self.fetch("api detail", f"/api/v1/articles/{article_id}")
        return None

    @task(5)
    def story(self) -> None:
        if not self.stories:
            return self.api_list()
        self.fetch("story", f"{self.french()}/story/{self.rng.choice(self.stories)}/")
        return None

    @task(2)
    def static_file(self) -> None:
        if not self.static:
            return self.home()
        self.fetch("static", self.rng.choice(self.static))
        return None

    @task(4)
    def report(self) -> None:
        """As a browser: the form (GET, which sets the CSRF cookie), then the post with
        its token; one request per task, so the two steps are two turns."""
        if self.pending_report is not None:
            image_id, token = self.pending_report
            self.pending_report = None
            self.fetch(
                "report post",
                f"/images/{image_id}/report/",
                method="POST",
                data={
                    "csrfmiddlewaretoken": token,
                    "reason": self.rng.choice(REASONS),
                    "note": "soak",
                    "next": "/",
                },
                headers={"Origin": f"https://{self._host()}", "Referer": self._referer()},
            )
            return None
        if not self.images:
            return self.article()
        image_id = self.rng.choice(self.images)
        response = self.fetch("report form", f"/images/{image_id}/?next=/")
        if response is not None and response.status_code == 200:
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
            if token:
                self.pending_report = (image_id, token.group(1))
        elif response is not None and response.status_code == 404:
            self.images.remove(image_id)  # hidden by reports meanwhile
        return None

    def _host(self) -> str:
        return str(self.host).split("://", 1)[1].rstrip("/")

    def _referer(self) -> str:
        return f"https://{self._host()}/"


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]

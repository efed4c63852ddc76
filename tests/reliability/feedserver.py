"""A local feed server for the soak and chaos runs: ~20 outlets whose RSS feeds gain new
items every few seconds, pictures served by the same server, some broken items, and a
record of every item it published.

    feeds = SoakFeeds(outlets=20, interval=6.0)
    feeds.start()                   # serves http://127.0.0.1:<port>/feeds/<slug>.xml
    feeds.start_publishing()        # new items every `interval` seconds (jittered) per outlet
    ...
    feeds.stop_publishing()
    feeds.expected()                # {(slug, guid)} that must be stored exactly once
    feeds.stop()

Item kinds (by each outlet's sequence number, so every run publishes the same mix):

- ``plain``: title, link, guid, date, section, a paragraph of text; every third item has a
  picture (``media:content`` pointing at ``/img/<slug>-<n>.jpg`` on this server, a JPEG
  drawn at publish time, unique per item);
- ``no_link``: a guid and no ``<link>``: stored, with no original address;
- ``bad_date``: ``<pubDate>`` that is no date: stored, dated at the fetch time;
- ``hostile``: script, event handlers, ``javascript:`` links, an iframe and a style in the
  title and the description: stored, sanitised;
- ``empty``: an ``<item>`` with nothing in it (no guid, link, title or text): the parser
  drops it (``no_identity``), so it is **not expected** in the database.

Only the standard library and Pillow (a project dependency); no Django.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

# Real headlines from Moroccan outlets (as in tests/support/workers.py), and French ones.
HEADLINES_AR = (
    "الإحصائيات تعترف للركراكي بالتميز",
    "الكاميرون تتعادل مع كوت ديفوار",
    "الأقمار الصناعية تكشف تفاصيل جديدة عن البنية المعدنية الخفية في الأطلس الصغير",
    "المنتخب الوطني مطالب بالفوز على زامبيا للبقاء في الرباط",
    "جبال خنيفرة تلبس الرداء الأبيض",
    "عبد الكبير الركاكنة يتوج بجائزة النجم المغربي",
    "أمن العروي يطيح بسائق سيارة أجرة وبحوزته أقراص طبية مهربة",
    "ميناء طنجة المتوسط يخطط لتوسعة كبرى لمحطة المسافرين",
    "تأخر الإشهاد ونقص السيولة يرجئان صرف منحة الريادة",
    "نشرة إنذارية.. زخات رعدية محليا قوية وتساقطات ثلجية",
    "سلطات آسفي تدقق في لوائح المتضررين من الفيضانات",
    "الحكومة تصادق على مشروع قانون المالية",
    "ارتفاع أسعار الخضر في أسواق الجملة",
)
HEADLINES_FR = (
    "Le Maroc accueille un sommet sur l'eau",
    "Les pluies reviennent sur le nord du Royaume",
    "La Bourse de Casablanca termine la semaine en hausse",
    "Un nouveau port de pêche inauguré",
    "Les Lions de l'Atlas préparent leur prochain match",
)
PLACES_AR = ("الدار البيضاء", "مراكش", "فاس", "طنجة", "أكادير", "وجدة", "العيون", "بني ملال")
PLACES_FR = ("Casablanca", "Marrakech", "Fès", "Tanger", "Agadir", "Oujda")
SECTIONS_AR = ("رياضة", "سياسة", "اقتصاد", "مجتمع", "ثقافة", "دولية", "صحة")
SECTIONS_FR = ("sport", "politique", "économie", "société", "culture", "monde")
HOSTILE = (
    '<script>alert("soak")</script><img src="x" onerror="alert(1)">'
    '<a href="javascript:alert(2)">link</a><iframe src="https://evil.example/"></iframe>'
    '<style>body{display:none}</style><p onclick="alert(3)">نص</p>'
)
KINDS = {4: "no_link", 6: "bad_date", 8: "hostile"}
EMPTY_EVERY = 25
PICTURE_EVERY = 3


@dataclass(frozen=True)
class Published:
    slug: str
    seq: int
    guid: str | None  # None: an item without identity (kind "empty")
    kind: str
    at: float  # time.time() of publication
    picture: str | None
    item_xml: str

    @property
    def expect_stored(self) -> bool:
        return self.kind != "empty"


@dataclass(frozen=True)
class OutletSpec:
    slug: str
    name: str
    language: str


def outlet_specs(count: int) -> list[OutletSpec]:
    """``count`` outlets, one in four French."""
    specs = []
    for n in range(1, count + 1):
        language = "fr" if n % 4 == 0 else "ar"
        name = f"Soak {n}" if language == "fr" else f"جريدة الاختبار {n}"
        specs.append(OutletSpec(f"soak-{n:02d}", name, language))
    return specs


def jpeg(seed: str, width: int = 800, height: int = 450) -> bytes:
    """A JPEG unique to ``seed``: colour bands and blocks placed by its hash, so no two
    pictures look alike to the perceptual hash."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randrange(40, 400), rng.randrange(40, 300)
        draw.rectangle((x, y, x + w, y + h), fill=tuple(rng.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


class SoakFeeds:
    """The feed server and its publisher thread. ``time.time()`` is the clock of record."""

    RSS_TYPE = "application/rss+xml; charset=utf-8"

    def __init__(
        self,
        outlets: int = 20,
        interval: float = 6.0,
        window: int = 80,
        initial: int = 5,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 19,
    ) -> None:
        self.specs = outlet_specs(outlets)
        self.interval = interval
        self.window = window
        self.initial = initial
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.published: list[Published] = []
        self.items: dict[str, list[Published]] = {s.slug: [] for s in self.specs}
        self.documents: dict[str, tuple[bytes, str]] = {}
        self.pictures: dict[str, bytes] = {}
        self.hits: dict[str, int] = {}
        # Outlets whose feed answers only after a delay (slow_down), and their requests
        # waiting in that delay now: a fetch in flight to kill a worker in.
        self.delays: dict[str, float] = {}
        self.waiting: dict[str, int] = {}
        self.publishing = threading.Event()
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                server.handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.threads = [
            threading.Thread(target=self.httpd.serve_forever, daemon=True, name="feeds-http"),
            threading.Thread(target=self._publisher, daemon=True, name="feeds-publisher"),
        ]
        for spec in self.specs:
            for _ in range(initial):
                self._publish(spec)

    # Addresses --------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def feed_url(self, slug: str) -> str:
        return self.url(f"/feeds/{slug}.xml")

    # Lifecycle --------------------------------------------------------------------

    def start(self) -> SoakFeeds:
        for thread in self.threads:
            thread.start()
        return self

    def start_publishing(self) -> None:
        self.publishing.set()

    def stop_publishing(self) -> None:
        """No new item after this returns (the publisher holds the lock while adding)."""
        with self.lock:
            self.publishing.clear()

    def stop(self) -> None:
        self.stopping.set()
        self.publishing.clear()
        self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self.threads:
            thread.join(timeout=5)

    def __enter__(self) -> SoakFeeds:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # The record -------------------------------------------------------------------

    def expected(self) -> set[tuple[str, str]]:
        """(outlet slug, guid) of every published item that must be stored once."""
        with self.lock:
            return {(p.slug, p.guid) for p in self.published if p.expect_stored and p.guid}

    def counts(self) -> dict[str, int]:
        """How many items of each kind were published, and how many carry a picture."""
        with self.lock:
            counts: dict[str, int] = {}
            for p in self.published:
                counts[p.kind] = counts.get(p.kind, 0) + 1
            counts["with_picture"] = sum(1 for p in self.published if p.picture)
            counts["total"] = len(self.published)
            return counts

    def slow_down(self, slug: str, seconds: float) -> None:
        """The outlet's feed answers ``seconds`` after each request (0: at once again),
        with the items published by then."""
        with self.lock:
            self.delays[slug] = seconds

    def waiting_requests(self, slug: str) -> int:
        """Requests for the outlet's feed held in its delay right now."""
        with self.lock:
            return self.waiting.get(slug, 0)

    def last_published_at(self) -> float:
        with self.lock:
            return max((p.at for p in self.published), default=0.0)

    # Publishing -------------------------------------------------------------------

    def _publisher(self) -> None:
        due = {s.slug: time.time() + self.rng.uniform(0, self.interval) for s in self.specs}
        while not self.stopping.wait(0.2):
            if not self.publishing.is_set():
                continue
            now = time.time()
            for spec in self.specs:
                if due[spec.slug] <= now:
                    with self.lock:
                        if not self.publishing.is_set():
                            break
                    self._publish(spec)
                    due[spec.slug] = now + self.interval * self.rng.uniform(0.5, 1.5)

    def _publish(self, spec: OutletSpec) -> None:
        with self.lock:
            seq = len(self.items[spec.slug]) + 1
        item = self._item(spec, seq)
        if item.picture:
            picture = jpeg(f"{spec.slug}-{seq}")
        with self.lock:
            if item.picture:
                self.pictures[item.picture] = picture
            self.items[spec.slug].append(item)
            self.published.append(item)
            self.documents.pop(spec.slug, None)

    def _item(self, spec: OutletSpec, seq: int) -> Published:
        now = time.time()
        kind = "empty" if seq % EMPTY_EVERY == 0 else KINDS.get(seq % 10, "plain")
        guid = None if kind == "empty" else f"urn:soak:{spec.slug}:{seq}"
        french = spec.language == "fr"
        headlines, places = (HEADLINES_FR, PLACES_FR) if french else (HEADLINES_AR, PLACES_AR)
        sections = SECTIONS_FR if french else SECTIONS_AR
        headline = headlines[(seq * 7 + len(spec.slug)) % len(headlines)]
        title = f"{headline} {places[seq % len(places)]} {spec.slug} {seq}"
        text = f"<p>{escape(title)}: تفاصيل الخبر رقم {seq}.</p>"
        picture = (
            f"/img/{spec.slug}-{seq}.jpg" if kind == "plain" and seq % PICTURE_EVERY == 0 else None
        )
        if kind == "empty":
            return Published(spec.slug, seq, None, kind, now, None, "<item></item>")
        parts = [f"<title>{escape(title)}</title>"]
        if kind != "no_link":
            parts.append(f"<link>https://{spec.slug}.example.ma/news/{seq}.html</link>")
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
        date = (
            "not a date, 99 Foo 20xx"
            if kind == "bad_date"
            else format_datetime(datetime.fromtimestamp(now, UTC), usegmt=True)
        )
        parts.append(f"<pubDate>{date}</pubDate>")
        parts.append(f"<category>{sections[seq % len(sections)]}</category>")
        if kind == "hostile":
            parts[0] = f"<title>{escape(title + ' <script>alert(0)</script>')}</title>"
            text += HOSTILE
        parts.append(f"<description>{escape(text)}</description>")
        if picture:
            parts.append(
                f'<media:content url="{self.url(picture)}" medium="image" type="image/jpeg"/>'
            )
        return Published(
            spec.slug, seq, guid, kind, now, picture, f"<item>{''.join(parts)}</item>"
        )

    # Serving ----------------------------------------------------------------------

    def document(self, slug: str) -> tuple[bytes, str]:
        """The outlet's feed: its newest ``window`` items, newest first, and its ETag."""
        with self.lock:
            cached = self.documents.get(slug)
            if cached:
                return cached
            spec = next(s for s in self.specs if s.slug == slug)
            items = "".join(p.item_xml for p in reversed(self.items[slug][-self.window :]))
            body = (
                '<?xml version="1.0" encoding="utf-8"?>'
                '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
                f"<title>{escape(spec.name)}</title><link>https://{slug}.example.ma/</link>"
                f"<language>{spec.language}</language>{items}</channel></rss>"
            ).encode()
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            self.documents[slug] = (body, etag)
            return body, etag

    def _delay(self, slug: str) -> None:
        with self.lock:
            delay = self.delays.get(slug, 0.0)
            if delay:
                self.waiting[slug] = self.waiting.get(slug, 0) + 1
        if delay:
            self.stopping.wait(delay)
            with self.lock:
                self.waiting[slug] -= 1

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?", 1)[0]
        segment = path.split("/")[1] if path.count("/") > 1 else path
        with self.lock:
            self.hits[segment] = self.hits.get(segment, 0) + 1
        status, body, headers = 404, b"not found", {"Content-Type": "text/plain"}
        if path.startswith("/feeds/") and path.endswith(".xml"):
            slug = path[len("/feeds/") : -len(".xml")]
            if slug in self.items:
                self._delay(slug)
                body, etag = self.document(slug)
                headers = {"Content-Type": self.RSS_TYPE, "ETag": etag}
                status = 304 if request.headers.get("If-None-Match") == etag else 200
        elif path.startswith("/img/"):
            with self.lock:
                picture = self.pictures.get(path)
            if picture is not None:
                status, body, headers = 200, picture, {"Content-Type": "image/jpeg"}
        with contextlib.suppress(OSError):  # a worker killed mid-fetch
            request.send_response(status)
            for name, value in headers.items():
                request.send_header(name, value)
            if status == 304:
                body = b""
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)

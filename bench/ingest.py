"""Ingest benchmark: what one ingest costs, measured against feedparser alone.

A benchmark, not a test: it prints figures and ratios and asserts nothing about time.
See bench/README.md. Run from the repository root:

    .venv/bin/python bench/ingest.py                 # 100 outlets x 50 entries, SQLite
    .venv/bin/python bench/ingest.py --outlets 10 --entries 20     # quick
    .venv/bin/python bench/ingest.py --profile       # + cProfile of the first ingest
    .venv/bin/python bench/ingest.py --database-url postgres://postgres@127.0.0.1:5432/postgres

Layout of one run (every process below is started with multiprocessing "spawn"):

* a server process generates the corpus (fixed seed) and serves it over HTTP on
  127.0.0.1 (ephemeral port) with ETag / Last-Modified, answering 304 to matching
  conditional requests, or ignoring them when told to. Its CPU is never counted in
  the client figures; it is reported apart.
* this process migrates a fresh database, creates one Source per outlet and runs the
  sequential phases (b, d, e) by calling ``articles.ingest.ingest_source`` directly.
* two worker processes run the concurrent first ingest (c) on a pristine copy.
* one child re-runs the first ingest on another pristine copy under tracemalloc (and
  one more under cProfile with --profile), so that neither distorts the timed run.
* feedparser alone (a) runs last in this process, over the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import io
import json
import multiprocessing as mp
import os
import random
import re
import resource
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from benchlib import (
    DEFAULT_SEED,
    REPO,
    BenchHandler,
    OtherLoad,
    PostgresDatabases,
    ServerControl,
    SqliteDatabases,
    base_env,
    django_setup,
    machine_busy,
    maxrss_mb,
    other_cpu,
    print_header,
    progress,
    run_together,
    serve,
    server_process,
    temp_dir,
    wait_for_start,
)

TEXT_CANDIDATES = (
    REPO.parent / "shared" / "data" / "aggregator-page.txt",
    Path("/work/shared/data/aggregator-page.txt"),
)
PEER = {  # FreshRSS 1.25, as reported by the project
    "name": "FreshRSS 1.25",
    "first_cpu_ms_per_entry": 1.5,
    "peak_mb": 47.0,
    "repoll_ms_per_entry": 0.11,
}
TARGETS = {"parse": 1.0, "parallel": 0.6, "repoll": 0.05}

# Used only when shared/data/aggregator-page.txt is not there: real headlines and
# sentences from Moroccan news pages, so the bench still runs from a bare clone.
FALLBACK_HEADLINES = (
    "الإحصائيات تعترف للركراكي بالتميز",
    "الكاميرون تتعادل مع كوت ديفوار",
    "وسط قيود على المساعدات الإنسانية .. الأمطار تغرق خيام النازحين في غزة",
    "الأقمار الصناعية تكشف تفاصيل جديدة عن البنية المعدنية الخفية في الأطلس الصغير",
    "بحضور فوزي لقجع .. المنتخب المغربي يختتم الاستعداد لمواجهة زامبيا",
    'جبال خنيفرة تلبس "الرداء الأبيض"',
    "ميناء طنجة المتوسط يخطط لتوسعة كبرى لمحطة المسافرين استعدادًا لمونديال 2030",
    "فيضانات تجتاح جنوب إسبانيا بعد تساقطات ليلية كثيفة",
    "طنجة تتصدر مقاييس التساقطات المطرية بالمملكة خلال ال24 ساعة الماضية",
)
FALLBACK_SENTENCES = (
    "في ظل التحولات الجيوسياسية التي تعرفها المنطقة، وسعي أغلب الدول إلى تعزيز قواتهم "
    "الدفاعية عن طريق اقتناء أسلحة عسكرية متطورة تتماشى مع تطورات العصر، تناقش المملكة "
    "المغربية مع روسيا إمكانية الحصول على منظومة الدفاع الجوي.",
    "وحسب مراقبين أمنيين فإن الرباط تطمح إلى إحداث توازنات عسكرية عن طريق اقتناء منظومات "
    "دفاعية متطورة، في إطار السياسة التي اختارتها المملكة المغربية والتي تتجلى في تنويع "
    "الشركاء.",
    "وتابع المتحدث عينه أن التوجه نحو روسيا في هذا السياق ليس مجرد خطوة تقنية، بل يعكس "
    "أيضا مرونة سياسية تعزز مكانة المغرب.",
)

# Category labels as Moroccan WordPress outlets write them: most map onto a section
# alias, some do not ("الرئيسية", "عاجل"), as in real feeds.
CATEGORY_LABELS = (
    "سياسة",
    "الاقتصاد",
    "مجتمع",
    "أخبار وطنية",
    "دولية",
    "رياضة",
    "كرة القدم",
    "ثقافة وفن",
    "صحة",
    "جهات",
    "تكنولوجيا",
    "منوعات",
    "رأي",
    "حوادث",
    "الرئيسية",
    "عاجل",
    "مال وأعمال",
)
OUTLET_WORDS = (
    "أخبار",
    "صوت",
    "نبض",
    "بوابة",
    "جريدة",
    "المغرب",
    "الرباط",
    "الأطلس",
    "الشمال",
    "الجنوب",
    "اليوم",
    "الحدث",
    "الساحة",
    "مدار",
    "منبر",
)
AUTHORS = (
    "هيئة التحرير",
    "محمد الإدريسي",
    "فاطمة الزهراء بنعلي",
    "يوسف العلوي",
    "سعيد الحسني",
    "خديجة الفاسي",
    "مراسل الجريدة",
    "عبد الله التازي",
)


# --------------------------------------------------------------------------- corpus


def _text_sources() -> tuple[list[str], list[str], list[str]]:
    """(headlines, sentences, words) from real Arabic news text."""
    raw = next((p.read_text("utf-8") for p in TEXT_CANDIDATES if p.is_file()), None)
    if raw is None:
        words = re.findall(r"[\u0621-\u064a]{2,}", " ".join(FALLBACK_SENTENCES))
        return list(FALLBACK_HEADLINES), list(FALLBACK_SENTENCES), words
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    headlines: list[str] = []
    sentences: list[str] = []
    for line in lines:
        pieces = [p.strip() for p in re.split(r"[\s\xa0]{3,}", line) if p.strip()]
        if len(pieces) > 1:  # the page's headline strip
            headlines.extend(p for p in pieces if len(p.split()) >= 3)
        elif len(line) < 120:
            if len(line.split()) >= 4 and not line.startswith(("نشر في", "شكرا")):
                headlines.append(line)
        else:
            sentences.extend(
                s.strip() for s in re.split(r"(?<=[.!؟])\s+", line) if len(s.split()) >= 6
            )
    words = re.findall(r"[\u0621-\u064a]{2,}", raw)
    return headlines or lines, sentences or lines, words


class CorpusWriter:
    """Deterministic WordPress-style RSS 2.0 feeds of Arabic articles."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.headlines, self.sentences, self.words = _text_sources()
        self.tag_words = sorted({w for w in self.words if len(w) >= 4}) or self.words
        self.base_time = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
        self.post_id = 180_000

    def synthetic_sentence(self, low: int = 7, high: int = 18) -> str:
        rng = self.rng
        words = [rng.choice(self.words) for _ in range(rng.randint(low, high))]
        for i in range(3, len(words) - 2, rng.randint(4, 8)):
            words[i] += "،"
        return " ".join(words) + rng.choice((".", ".", ".", "؟", ":"))

    def sentence(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.35:
            return rng.choice(self.sentences)
        if roll < 0.45:
            return rng.choice(self.headlines) + "."
        return self.synthetic_sentence()

    def title(self) -> str:
        if self.rng.random() < 0.5:
            return self.rng.choice(self.headlines)
        return self.synthetic_sentence(5, 11).rstrip(".؟:")

    def content(self, host: str, post_id: int, title: str, when: datetime, lazy: bool) -> str:
        """2-4 KB (UTF-8) of WordPress post HTML with one image."""
        rng = self.rng
        target = rng.randint(2150, 4096)
        image = f"https://{host}/wp-content/uploads/{when:%Y/%m}/{post_id}"
        alt = html.escape(title, quote=True)
        if lazy:  # WP Rocket style lazy loading: the real URL is in data-lazy-src
            img = (
                f'<img decoding="async" width="780" height="470" src="data:image/svg+xml,'
                f'%3Csvg%20xmlns=\'http://www.w3.org/2000/svg\'%3E%3C/svg%3E" alt="{alt}" '
                f'class="wp-image-{post_id}" data-lazy-src="{image}.jpg" />'
            )
        else:
            img = (
                f'<img decoding="async" width="780" height="470" src="{image}.jpg" '
                f'alt="{alt}" class="wp-image-{post_id}" srcset="{image}.jpg 780w, '
                f'{image}-300x181.jpg 300w" sizes="(max-width: 780px) 100vw, 780px" />'
            )
        parts = [f'<figure class="wp-block-image size-large">{img}</figure>\n']
        size = len(parts[0].encode())
        paragraph: list[str] = []
        misses = 0
        while True:
            sentence = self.sentence()
            roll = rng.random()
            if roll < 0.06:
                tag = rng.choice(self.words)
                sentence = f'<a href="https://{host}/tag/{quote(tag)}/">{tag}</a> ' + sentence
            elif roll < 0.12:
                sentence = f"<strong>{sentence}</strong>"
            cost = len(sentence.encode()) + 9
            if size + cost > target:
                misses += 1
                if misses > 6 and size >= 2048:
                    break
                continue
            paragraph.append(sentence)
            size += cost
            if len(paragraph) >= rng.randint(2, 4):
                parts.append("<p>" + " ".join(paragraph) + "</p>\n")
                paragraph = []
            if rng.random() < 0.04 and size + 200 < target:
                heading = f"<h3>{rng.choice(self.headlines)}</h3>\n"
                parts.append(heading)
                size += len(heading.encode())
        if paragraph:
            parts.append("<p>" + " ".join(paragraph) + "</p>\n")
        return "".join(parts)

    def feed(self, index: int, entries: int) -> tuple[bytes, datetime, list[int]]:
        rng = self.rng
        host = f"www.outlet{index:03d}.ma"
        name = f"{rng.choice(OUTLET_WORDS)} {rng.choice(OUTLET_WORDS)} {index}"
        lazy = index % 5 == 4  # one outlet in five uses a lazy-loading plugin
        offset = timezone(timedelta(hours=1)) if index % 2 else UTC
        minutes = sorted(rng.sample(range(5, 60 * 24 * 14), entries))
        items: list[str] = []
        sizes: list[int] = []
        newest = self.base_time - timedelta(minutes=minutes[0])
        for minute in minutes:
            self.post_id += rng.randint(1, 40)
            post_id = self.post_id
            when = self.base_time - timedelta(minutes=minute, seconds=rng.randint(0, 59))
            title = self.title()
            slug = "-".join(title.split()[:6])
            link = f"https://{host}/{when:%Y/%m/%d}/{quote(slug)}/"
            body = self.content(host, post_id, title, when, lazy)
            sizes.append(len(body.encode()))
            excerpt = " ".join(re.sub(r"<[^>]+>", "", body).split()[:45])
            labels = rng.sample(CATEGORY_LABELS, rng.randint(1, 3))
            tags = [rng.choice(self.tag_words) for _ in range(rng.randint(0, 3))]
            categories = "".join(
                f"\n\t\t<category><![CDATA[{label}]]></category>" for label in labels + tags
            )
            items.append(
                f"""	<item>
		<title>{html.escape(title, quote=False)}</title>
		<link>{link}</link>
		<comments>{link}#respond</comments>
		<dc:creator><![CDATA[{rng.choice(AUTHORS)}]]></dc:creator>
		<pubDate>{format_datetime(when.astimezone(offset))}</pubDate>{categories}
		<guid isPermaLink="false">https://{host}/?p={post_id}</guid>
		<description><![CDATA[{excerpt} [&#8230;]]]></description>
		<content:encoded><![CDATA[{body}]]></content:encoded>
		<wfw:commentRss>{link}feed/</wfw:commentRss>
		<slash:comments>{rng.randint(0, 12)}</slash:comments>
	</item>
"""
            )
        document = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
	xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
	>

<channel>
	<title>{name}</title>
	<atom:link href="https://{host}/feed/" rel="self" type="application/rss+xml" />
	<link>https://{host}</link>
	<description>{rng.choice(self.headlines)}</description>
	<lastBuildDate>{format_datetime(newest.astimezone(offset))}</lastBuildDate>
	<language>ar</language>
	<sy:updatePeriod>
	hourly	</sy:updatePeriod>
	<sy:updateFrequency>
	1	</sy:updateFrequency>
	<generator>https://wordpress.org/?v=6.7.1</generator>

<image>
	<url>https://{host}/wp-content/uploads/2023/05/cropped-icon-32x32.png</url>
	<title>{name}</title>
	<link>https://{host}</link>
	<width>32</width>
	<height>32</height>
</image>
{"".join(items)}	</channel>
</rss>
"""
        return document.encode("utf-8"), newest, sizes


def generate_corpus(directory: Path, outlets: int, entries: int, seed: int) -> dict[str, Any]:
    """Write outlet-NNN.xml files and index.json; return the index."""
    directory.mkdir(parents=True, exist_ok=True)
    writer = CorpusWriter(seed)
    feeds: list[dict[str, Any]] = []
    sizes: list[int] = []
    for index in range(outlets):
        body, newest, content_sizes = writer.feed(index, entries)
        sizes.extend(content_sizes)
        name = f"outlet-{index:03d}"
        (directory / f"{name}.xml").write_bytes(body)
        feeds.append(
            {
                "name": name,
                "path": f"/{name}/feed/",
                "bytes": len(body),
                "last_modified": format_datetime(newest, usegmt=True),
                "etag": '"' + hashlib.sha1(body).hexdigest()[:20] + '"',
            }
        )
    index_data = {
        "feeds": feeds,
        "entries": outlets * entries,
        "bytes": sum(f["bytes"] for f in feeds),
        "content_bytes": {"min": min(sizes), "mean": statistics.fmean(sizes), "max": max(sizes)},
        "seed": seed,
    }
    (directory / "index.json").write_text(json.dumps(index_data))
    return index_data


# --------------------------------------------------------------------------- server


def serve_corpus(
    directory: str, outlets: int, entries: int, seed: int, use_gzip: bool, conn: Any
) -> None:
    """Server process: generate the corpus, then serve it until /_shutdown."""
    index = generate_corpus(Path(directory), outlets, entries, seed)
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


# --------------------------------------------------------------------------- children


def _worker(env: dict[str, str], ids: Any, conn: Any, start: Any) -> None:
    """Concurrent first ingest (c): ingest ids from a shared queue (or a fixed list)."""
    django_setup(env)
    from django.db import connection

    from articles.ingest.feeds import ingest_source

    connection.ensure_connection()
    wait_for_start(conn, start)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    statuses: Counter[str] = Counter()
    if isinstance(ids, list):
        for source_id in ids:
            statuses[str(ingest_source(source_id).status)] += 1
    else:
        while (source_id := ids.get()) is not None:
            statuses[str(ingest_source(source_id).status)] += 1
    conn.send(
        {
            "cpu": time.process_time() - cpu0,
            "wall": time.perf_counter() - wall0,
            "statuses": dict(statuses),
            "maxrss_mb": maxrss_mb(),
        }
    )
    conn.close()


def _single_pass(env: dict[str, str], ids: list[int], mode: str, conn: Any) -> None:
    """A sequential first ingest in a fresh process under tracemalloc or cProfile."""
    django_setup(env)
    from django.db import connection

    from articles.ingest.feeds import ingest_source

    connection.ensure_connection()
    statuses: Counter[str] = Counter()
    result: dict[str, Any] = {"rss_before_mb": maxrss_mb()}
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if mode == "tracemalloc":
        import tracemalloc

        tracemalloc.start()
        for source_id in ids:
            statuses[str(ingest_source(source_id).status)] += 1
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result.update(traced_peak_mb=peak / 2**20, traced_end_mb=current / 2**20)
    else:
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
        for source_id in ids:
            statuses[str(ingest_source(source_id).status)] += 1
        profile.disable()
        result["profile"] = _profile_report(profile)
    result.update(
        cpu=time.process_time() - cpu0,
        wall=time.perf_counter() - wall0,
        statuses=dict(statuses),
        rss_after_mb=maxrss_mb(),
    )
    conn.send(result)
    conn.close()


STAGES = (
    ("ingest_source", "articles/ingest.py", "ingest_source"),
    ("  acquire_lease", "articles/ingest.py", "acquire_lease"),
    ("  Source.objects.get", "django/db/models/query.py", "get"),
    ("  fetch_url", "articles/fetch.py", "fetch_url"),
    ("  ingest_bytes", "articles/ingest.py", "ingest_bytes"),
    ("    parse_feed", "articles/parse.py", "parse_feed"),
    ("      feedparser.parse", "feedparser/api.py", "parse"),
    ("      _normalise_entry", "articles/parse.py", "_normalise_entry"),
    ("        _content_images (bs4)", "articles/parse.py", "_content_images"),
    ("        clean_html (nh3)", "articles/sanitize.py", "clean_html"),
    ("        plain_text (nh3)", "articles/text.py", "plain_text"),
    ("        entry_images", "articles/parse.py", "entry_images"),
    ("        canonical_url", "articles/parse.py", "canonical_url"),
    ("        _entry_date", "articles/parse.py", "_entry_date"),
    ("    store_entries", "articles/store.py", "store_entries"),
    ("      _article (model init)", "articles/store.py", "_article"),
    ("      bulk_create (all)", "django/db/models/query.py", "bulk_create"),
    ("      _link_images", "articles/store.py", "_link_images"),
    ("  _record (status + log)", "articles/ingest.py", "_record"),
    ("  release_lease", "articles/ingest.py", "release_lease"),
)


def _profile_report(profile: Any) -> str:
    import pstats

    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    raw = stats.stats  # type: ignore[attr-defined]
    total = next(
        (
            ct
            for (f, _l, n), (_c, _n, _t, ct, _) in raw.items()
            if f.endswith("articles/ingest.py") and n == "ingest_source"
        ),
        0.0,
    )
    out.write(
        "Where the first ingest goes (cProfile cumulative seconds; nested rows are"
        " parts of the row above;\ncProfile roughly doubles Python-heavy code, so"
        " read shares, not absolute times):\n"
    )
    for label, suffix, func in STAGES:
        hits = [
            (nc, ct)
            for (f, _l, n), (_c, nc, _t, ct, _) in raw.items()
            if f.endswith(suffix) and n == func
        ]
        if hits:
            calls = sum(h[0] for h in hits)
            cum = sum(h[1] for h in hits)
            share = 100 * cum / total if total else 0
            out.write(f"  {label:<34} {cum:8.3f} s {share:5.1f}%  {calls:>7} calls\n")
    ours = sorted(
        (
            (t, ct, nc, f"{Path(f).parent.name}/{Path(f).name}:{line}({n})")
            for (f, line, n), (_c, nc, t, ct, _) in raw.items()
            if f"{os.sep}articles{os.sep}" in f and str(REPO) in f
        ),
        reverse=True,
    )[:15]
    out.write("\nOur code (articles/*), by own time:\n")
    out.write(f"  {'tottime':>8} {'cumtime':>8} {'ncalls':>8}  function\n")
    for t, ct, nc, where in ours:
        out.write(f"  {t:8.3f} {ct:8.3f} {nc:>8}  {where}\n")
    for key in ("cumulative", "tottime"):
        out.write(f"\ncProfile top-25 by {key}:\n")
        stats.sort_stats(key).print_stats(25)
    text = out.getvalue()
    for prefix in sorted({p for p in sys.path if p and p != str(REPO)}, key=len, reverse=True):
        text = text.replace(prefix.rstrip("/") + "/", "")
    return text.replace(str(REPO) + "/", "")


def run_child_pass(ctx: Any, env: dict[str, str], ids: list[int], mode: str) -> dict[str, Any]:
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_single_pass, args=(env, ids, mode, child))
    process.start()
    child.close()
    result = parent.recv()
    process.join()
    return result


def run_two_workers(
    ctx: Any, env: dict[str, str], ids: list[int], workers: int, split: str
) -> dict[str, Any]:
    queue = None
    if split == "queue":
        queue = ctx.Queue()
        for source_id in ids:
            queue.put(source_id)
        for _ in range(workers):
            queue.put(None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    work = [(env, queue if queue is not None else ids[n::workers]) for n in range(workers)]
    results, wall, busy = run_together(ctx, _worker, work)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    statuses: Counter[str] = Counter()
    for result in results:
        statuses.update(result["statuses"])
    return {
        "wall": wall,
        "cpu": sum(r["cpu"] for r in results),
        "cpu_each": [r["cpu"] for r in results],
        "rusage_cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "statuses": dict(statuses),
        "maxrss_mb": max(r["maxrss_mb"] for r in results),
        "busy": busy,
    }


# --------------------------------------------------------------------------- main


def sequential(ids: list[int], server: ServerControl) -> dict[str, Any]:
    from articles.ingest.feeds import ingest_source

    served0 = server.stats()
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    rss0 = maxrss_mb()
    busy0 = machine_busy()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for source_id in ids:
        result = ingest_source(source_id)
        statuses[str(result.status)] += 1
        if result.error_code:
            errors[result.error_code] += 1
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    busy = machine_busy() - busy0
    served1 = server.stats()
    server_cpu = served1["cpu"] - served0["cpu"]
    return {
        "other_cpu": other_cpu(busy, cpu, server_cpu),
        "cpu": cpu,
        "wall": wall,
        "statuses": dict(statuses),
        "errors": dict(errors),
        "rss_before_mb": rss0,
        "rss_after_mb": maxrss_mb(),
        "server_cpu": server_cpu,
        "served": {k: served1.get(k, 0) - served0.get(k, 0) for k in ("200", "304")},
    }


def feedparser_pass(bodies: list[bytes], **options: Any) -> dict[str, Any]:
    import feedparser

    count = 0
    busy0 = machine_busy()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for body in bodies:
        count += len(feedparser.parse(io.BytesIO(body), **options).entries)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {
        "cpu": cpu,
        "wall": wall,
        "entries": count,
        "other_cpu": other_cpu(machine_busy() - busy0, cpu),
    }


def parse_feed_pass(bodies: list[bytes], index: dict[str, Any]) -> dict[str, Any]:
    """articles.ingest.parse.parse_feed alone: the parse share of an ingest, no HTTP, no DB."""
    from articles.ingest.parse import parse_feed

    count = 0
    fetched_at = datetime.now(UTC)
    headers = {"Content-Type": "application/rss+xml; charset=UTF-8"}
    busy0 = machine_busy()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for body, feed in zip(bodies, index["feeds"], strict=True):
        parsed = parse_feed(
            body,
            url=f"http://127.0.0.1{feed['path']}",
            headers=headers,
            fetched_at=fetched_at,
            language="ar",
        )
        count += len(parsed.entries)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {
        "cpu": cpu,
        "wall": wall,
        "entries": count,
        "other_cpu": other_cpu(machine_busy() - busy0, cpu),
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outlets", type=int, default=100, help="feeds (default 100)")
    parser.add_argument("--entries", type=int, default=50, help="entries per feed (50)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also print a cProfile of the sequential first ingest",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="run on PostgreSQL: scratch databases are created on this "
        "server (e.g. postgres://postgres@127.0.0.1:5432/postgres) "
        "and dropped at the end",
    )
    parser.add_argument("--workers", type=int, default=2, help="processes for (c), 2")
    parser.add_argument(
        "--split",
        choices=("queue", "halves"),
        default="queue",
        help="(c): a shared task queue (as Celery) or a fixed half each",
    )
    parser.add_argument(
        "--gzip", action="store_true", help="serve feeds gzip-compressed (Content-Encoding: gzip)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    ctx = mp.get_context("spawn")
    with temp_dir("newsroom-bench-", args.keep) as tmp:
        progress(
            f"generating {args.outlets} x {args.entries} entries (seed {args.seed}) and "
            "starting the feed server process ..."
        )
        corpus = (str(tmp / "corpus"), args.outlets, args.entries, args.seed, args.gzip)
        with server_process(ctx, serve_corpus, *corpus) as (server, hello):
            os.environ.pop("DATABASE_URL", None)
            databases: SqliteDatabases | PostgresDatabases = (
                PostgresDatabases(args.database_url) if args.database_url else SqliteDatabases(tmp)
            )
            try:
                databases.create("main")
                run_phases(args, ctx, tmp, server, hello["index"], databases)
            finally:
                databases.cleanup()


def run_phases(
    args: argparse.Namespace,
    ctx: Any,
    tmp: Path,
    server: ServerControl,
    index: dict[str, Any],
    databases: SqliteDatabases | PostgresDatabases,
) -> None:
    common = base_env(tmp / "var")
    django_setup({**common, **databases.env("main")})

    from django.core.management import call_command
    from django.db import connection, connections

    from articles.models import Article, ArticleImage, FetchLog, Image, Source

    call_command("migrate", verbosity=0)
    Source.objects.bulk_create(
        Source(
            name=f"منبر {i}",
            slug=feed["name"],
            site_url=f"https://www.outlet{i:03d}.ma",
            feed_url=f"http://127.0.0.1:{server.port}{feed['path']}",
            language="ar",
        )
        for i, feed in enumerate(index["feeds"])
    )
    ids = list(Source.objects.order_by("slug").values_list("id", flat=True))
    connections.close_all()
    clones = ["two", "mem"] + (["prof"] if args.profile else [])
    for name in clones:
        databases.clone("main", name)
    connection.ensure_connection()
    progress("running phase b) first ingest ...")

    # b) first ingest, sequential, in this process
    first = sequential(ids, server)
    first["articles"] = Article.objects.count()
    first["images"] = Image.objects.count()
    first["links"] = ArticleImage.objects.count()
    # d) re-poll, server answers 304
    progress("running phases d) e) re-polls ...")
    not_modified = sequential(ids, server)
    # e) re-poll, server ignores conditional headers: 200, same body -> hash skip
    server.get("/_conditional/off")
    unchanged = sequential(ids, server)
    server.get("/_conditional/on")
    fetch_logs = FetchLog.objects.count()
    articles_after = Article.objects.count()
    connections.close_all()

    # c) first ingest, N worker processes, pristine database copy
    progress(f"running phase c) first ingest with {args.workers} processes ...")
    served0 = server.stats()
    parallel = run_two_workers(
        ctx, {**common, **databases.env("two")}, ids, args.workers, args.split
    )
    parallel["server_cpu"] = server.stats()["cpu"] - served0["cpu"]
    parallel["other_cpu"] = other_cpu(
        parallel.pop("busy"), parallel["cpu"], parallel["server_cpu"]
    )

    progress("running the tracemalloc pass ...")
    traced = run_child_pass(ctx, {**common, **databases.env("mem")}, ids, "tracemalloc")
    profiled = None
    if args.profile:
        progress("running the cProfile pass ...")
        profiled = run_child_pass(ctx, {**common, **databases.env("prof")}, ids, "profile")

    # a) feedparser alone over the same bytes (last, so it cannot raise this
    # process's peak RSS before b)
    progress("running phase a) feedparser alone ...")
    bodies = [(tmp / "corpus" / f"{f['name']}.xml").read_bytes() for f in index["feeds"]]
    floor = feedparser_pass(bodies)
    floor_app = feedparser_pass(bodies, sanitize_html=False, resolve_relative_uris=False)
    parse_only = parse_feed_pass(bodies, index)

    report(
        args,
        index,
        databases,
        floor,
        floor_app,
        parse_only,
        first,
        parallel,
        not_modified,
        unchanged,
        traced,
        fetch_logs,
        articles_after,
    )
    if profiled:
        print()
        print(
            f"cProfile of the sequential first ingest (separate process, pristine "
            f"database; profiled wall {profiled['wall']:.2f} s, CPU "
            f"{profiled['cpu']:.2f} s, {profiled['statuses']})"
        )
        print(profiled["profile"])


def report(
    args: argparse.Namespace,
    index: dict[str, Any],
    databases: Any,
    floor: dict[str, Any],
    floor_app: dict[str, Any],
    parse_only: dict[str, Any],
    first: dict[str, Any],
    parallel: dict[str, Any],
    not_modified: dict[str, Any],
    unchanged: dict[str, Any],
    traced: dict[str, Any],
    fetch_logs: int,
    articles_after: int,
) -> None:
    import django
    import feedparser

    entries = index["entries"]

    def ms(seconds: float) -> float:
        return 1000 * seconds / entries

    content = index["content_bytes"]
    print()
    print(
        f"Newsroom ingest benchmark: {args.outlets} outlets x {args.entries} entries = "
        f"{entries} entries, {index['bytes'] / 2**20:.1f} MiB of RSS 2.0 "
        f"(content:encoded {content['min']}-{content['max']} B, mean "
        f"{content['mean']:.0f} B; seed {index['seed']})"
    )
    print(
        f"database: {databases.kind} ({databases.describe('main')}); Python "
        f"{sys.version.split()[0]}, Django {django.__version__}, feedparser "
        f"{feedparser.__version__}, DEBUG off; {os.cpu_count()} CPUs"
    )
    print(
        "HTTP server: a separate process on 127.0.0.1"
        f"{' (gzip)' if args.gzip else ''}; its CPU is NOT in the client figures "
        "(shown apart as 'server CPU')."
    )
    print(
        "CPU = time.process_time() of the measuring process (user+sys); per entry = "
        f"divided by all {entries} entries in the feeds."
    )
    print()
    header = (
        f"{'phase':<50} {'wall s':>7} {'CPU s':>7} {'CPU ms/entry':>12} "
        f"{'wall ms/entry':>13} {'other load':>10}"
    )
    print_header(header)
    load = OtherLoad()

    def row(label: str, phase: dict[str, Any], note: str) -> None:
        wall, cpu = phase["wall"], phase["cpu"]
        share = load.share(label, phase["other_cpu"], wall)
        print(
            f"{label:<50} {wall:7.2f} {cpu:7.2f} {ms(cpu):12.3f} {ms(wall):13.3f} "
            f"{100 * share:9.0f}%"
        )
        print(f"{'':<6}{note}")

    row(
        "a) feedparser.parse(BytesIO), default options",
        floor,
        f"{floor['entries']} entries parsed: the floor",
    )
    row(
        "a') feedparser.parse, the app's options",
        floor_app,
        "sanitize_html=False, resolve_relative_uris=False (context only)",
    )
    row(
        "a'') articles.ingest.parse.parse_feed alone",
        parse_only,
        f"{parse_only['entries']} entries: feedparser + normalising + nh3, no HTTP, no "
        "database (context only)",
    )
    row(
        "b) first ingest, sequential, this process",
        first,
        f"{first['articles']} articles, {first['images']} images, {first['links']} "
        f"article-image links stored; {first['statuses']}; server CPU "
        f"{first['server_cpu']:.2f} s",
    )
    cpu_each = " + ".join(f"{c:.2f}" for c in parallel["cpu_each"])
    row(
        f"c) first ingest, {args.workers} processes ({args.split})",
        parallel,
        f"CPU = {cpu_each} s (each child's process_time over its ingest loop; "
        f"RUSAGE_CHILDREN incl. interpreter + django.setup {parallel['rusage_cpu']:.2f} s);"
        f" {parallel['statuses']}; server CPU {parallel['server_cpu']:.2f} s",
    )
    row(
        "d) re-poll, nothing changed (304 Not Modified)",
        not_modified,
        f"{not_modified['statuses']}; server sent {not_modified['served']}; server CPU "
        f"{not_modified['server_cpu']:.2f} s",
    )
    row(
        "e) re-poll, 200 with the same body (hash skip)",
        unchanged,
        f"{unchanged['statuses']}; server sent {unchanged['served']}; server CPU "
        f"{unchanged['server_cpu']:.2f} s",
    )
    load.print_note(" (above all c)")
    errors = {**first["errors"], **not_modified["errors"], **unchanged["errors"]}
    if errors:
        print(f"!! errors during the sequential phases: {errors}")
    if articles_after != first["articles"]:
        print(f"!! re-polls changed the article count: {first['articles']} -> {articles_after}")
    print(f"   (after b, d, e: {articles_after} articles, {fetch_logs} fetch-log rows)")
    print()
    rss_delta = first["rss_after_mb"] - first["rss_before_mb"]
    print("memory, first ingest:")
    print(
        f"  b) ru_maxrss {first['rss_before_mb']:.1f} -> {first['rss_after_mb']:.1f} MB "
        f"(delta {rss_delta:.1f} MB; includes Django and the migrated app)"
    )
    print(
        f"  tracemalloc peak {traced['traced_peak_mb']:.1f} MB (Python allocations during "
        f"the whole first ingest, a separate traced pass in a fresh process: "
        f"{traced['statuses']}; ru_maxrss there {traced['rss_before_mb']:.1f} -> "
        f"{traced['rss_after_mb']:.1f} MB, inflated by tracemalloc)"
    )
    print(f"  c) peak RSS of one worker process: {parallel['maxrss_mb']:.1f} MB")
    print()
    parse_ratio = ms(first["cpu"]) / ms(floor["cpu"])
    parallel_ratio = parallel["wall"] / first["cpu"]
    repoll_ratio = not_modified["cpu"] / first["cpu"]

    def verdict(value: float, target: float) -> str:
        return "meets" if value <= target else "MISSES"

    ratios = [
        ("first-ingest CPU/entry / feedparser-alone CPU/entry", parse_ratio, "parse"),
        (f"{args.workers}-process wall / sequential first-ingest CPU", parallel_ratio, "parallel"),
        ("unchanged re-poll (304) CPU / first-ingest CPU", repoll_ratio, "repoll"),
    ]
    print("ratios (targets the project must meet; informative, nothing is asserted):")
    for label, value, key in ratios:
        print(
            f"  {label:<54} {value:6.3f}  target <= {TARGETS[key]:.2f}  "
            f"{verdict(value, TARGETS[key])}"
        )
    print(
        f"  for context: hash-skip re-poll (e) CPU / first-ingest CPU "
        f"{unchanged['cpu'] / first['cpu']:.3f}; 304 re-poll wall / first-ingest wall "
        f"{not_modified['wall'] / first['wall']:.3f}"
    )
    print()
    print(
        f"peer, for context ({PEER['name']}):        first ingest "
        f"{PEER['first_cpu_ms_per_entry']:.2f} ms CPU/entry, peak {PEER['peak_mb']:.0f} MB, "
        f"unchanged re-poll {PEER['repoll_ms_per_entry']:.2f} ms/entry"
    )
    print(
        f"Newsroom, this run:                     first ingest {ms(first['cpu']):.2f} ms "
        f"CPU/entry, peak {traced['traced_peak_mb']:.0f} MB traced / "
        f"{first['rss_after_mb']:.0f} MB RSS, unchanged re-poll "
        f"{ms(not_modified['cpu']):.3f} ms/entry (304), {ms(unchanged['cpu']):.3f} (hash)"
    )


if __name__ == "__main__":
    main()

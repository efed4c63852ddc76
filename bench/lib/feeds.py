"""The synthetic article corpus: deterministic WordPress-style RSS 2.0 feeds of Arabic
articles (``CorpusWriter``; ``FrenchWriter`` writes the same bodies in French) from the
real news text of lib/text.py, the authors, category labels and outlet-name words they
use, and the feed files bench/ingest.py serves and bench/search.py stores.
"""

from __future__ import annotations

import hashlib
import html
import json
import random
import re
import statistics
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from lib.text import FRENCH_HEADLINES, FRENCH_SENTENCES, arabic_text

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


class CorpusWriter:
    """Deterministic WordPress-style RSS 2.0 feeds of Arabic articles."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.headlines, self.sentences, self.words = arabic_text()
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

    def item(self, host: str, minute: int, offset: timezone, lazy: bool) -> tuple[str, int]:
        """One <item> of the feed of ``host``, published ``minute`` minutes before the
        base time; and the size of its content (UTF-8 bytes)."""
        rng = self.rng
        self.post_id += rng.randint(1, 40)
        post_id = self.post_id
        when = self.base_time - timedelta(minutes=minute, seconds=rng.randint(0, 59))
        title = self.title()
        slug = "-".join(title.split()[:6])
        link = f"https://{host}/{when:%Y/%m/%d}/{quote(slug)}/"
        body = self.content(host, post_id, title, when, lazy)
        excerpt = " ".join(re.sub(r"<[^>]+>", "", body).split()[:45])
        labels = rng.sample(CATEGORY_LABELS, rng.randint(1, 3))
        tags = [rng.choice(self.tag_words) for _ in range(rng.randint(0, 3))]
        categories = "".join(
            f"\n\t\t<category><![CDATA[{label}]]></category>" for label in labels + tags
        )
        item = f"""	<item>
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
        return item, len(body.encode())

    def feed(self, index: int, entries: int) -> tuple[bytes, datetime, list[int]]:
        """The feed of outlet ``index`` with ``entries`` items; its newest date and the
        sizes of its contents."""
        rng = self.rng
        host = f"www.outlet{index:03d}.ma"
        name = f"{rng.choice(OUTLET_WORDS)} {rng.choice(OUTLET_WORDS)} {index}"
        lazy = index % 5 == 4  # one outlet in five uses a lazy-loading plugin
        offset = timezone(timedelta(hours=1)) if index % 2 else UTC
        minutes = sorted(rng.sample(range(5, 60 * 24 * 14), entries))
        newest = self.base_time - timedelta(minutes=minutes[0])
        made = [self.item(host, minute, offset, lazy) for minute in minutes]
        items = [item for item, _ in made]
        sizes = [size for _, size in made]
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


class FrenchWriter(CorpusWriter):
    """The same WordPress-style bodies, from French Moroccan news text."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.headlines = list(FRENCH_HEADLINES)
        self.sentences = list(FRENCH_SENTENCES)
        text = " ".join(FRENCH_HEADLINES + FRENCH_SENTENCES)
        self.words = re.findall(r"[A-Za-zÀ-ÿœ']{3,}", text)
        self.tag_words = sorted({w for w in self.words if len(w) >= 5})

    def synthetic_sentence(self, low: int = 7, high: int = 18) -> str:
        rng = self.rng
        words = [rng.choice(self.words) for _ in range(rng.randint(low, high))]
        for i in range(3, len(words) - 2, rng.randint(4, 8)):
            words[i] += ","
        return (" ".join(words) + rng.choice((".", ".", ".", " ?", " :"))).capitalize()


def generate_feeds(directory: Path, outlets: int, entries: int, seed: int) -> dict[str, Any]:
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


def write_feed_files(directory: Path, count: int, seed: int, per_feed: int) -> list[Path]:
    """Feeds as bench/ingest.py serves them: ``count`` entries, ``per_feed`` per feed,
    one file each (and one more of 5 entries, first, to warm up)."""
    directory.mkdir(parents=True, exist_ok=True)
    writer = CorpusWriter(seed)
    paths = []
    for index in range(max(1, count // per_feed) + 1):  # one more: the first warms up
        body, _, _ = writer.feed(index, per_feed if index else 5)
        path = directory / f"outlet-{index:03d}.xml"
        path.write_bytes(body)
        paths.append(path)
    return paths

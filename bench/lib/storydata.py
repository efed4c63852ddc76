"""The story-grouping cost corpus of bench/stories.py --cost: Moroccan-style articles
grouped into events, at a constant density whatever the size of the database.

* **Density.** ``PER_DAY`` (1,000) articles a day over ``OUTLETS`` (100) outlets, 20 of
  them French (about 20% of the articles). Day 0 is the newest; each day is generated
  from a seed of its own, so the newest days (the "new" articles a first ingest
  stores) are the same at every database size, and a larger database only has more
  days behind them: 10,000 articles span 10 days, 100,000 span 100.
* **Events.** About ``ALONE_SHARE`` (40%) of the articles are alone; the others come in
  events of 2-12 reports (weight 1 / size ** 1.2, mean about 4.6) from distinct outlets
  of one language, the first at the event's time and the others within a few hours of
  it (exponential, mean 2 h, at most 10 h).
* **Wording.** An event has a place (drawn from the ``place`` entries of
  articles/stories/data/names.txt, read as data: the big cities first, then the file's
  order, weighted 1 / (rank + 3), so that Casablanca or Rabat host many unrelated
  events, as they do), one or two figures, and 10-14 topic
  words drawn from a Zipf vocabulary (bench/lib/searchdata.py's ``vocabulary``: the real
  words of the demo feeds, then generated Arabic-looking stems; for French, the words
  of lib/text.py's French text and generated Latin stems), leaving out its 150 most
  frequent words. Each report writes its headline (6-14 words) and lead (25-60 words)
  from its own draw of those topic words, the place (usually), the figures (often) and
  the vocabulary's 600 most frequent words that name nothing the grouping's lexicon
  knows (function words and the words every report uses); the paragraphs after the
  lead draw from the whole vocabulary. Reports of one event share a place, a figure
  or two and many topic words but are worded differently; two events share at most
  what the Zipf draw gives them (common words, sometimes a place).
* **Articles.** WordPress-style: the lead is the excerpt (``description``) and the
  first paragraph of ``content:encoded``, followed by paragraphs of drawn words, one
  ``<figure><img>``, 1-2 category labels; the new ones are written as one RSS 2.0 feed
  per outlet (``feed_bytes``), the base ones go to the store as ``ParsedEntry`` objects.
"""

from __future__ import annotations

import functools
import hashlib
import html
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from lib import REPO
from lib.feeds import AUTHORS, CATEGORY_LABELS
from lib.text import FRENCH_HEADLINES, FRENCH_SENTENCES

PER_DAY = 1_000
OUTLETS = 100
FRENCH_OUTLETS = 20  # outlets 080-099 write in French
FRENCH_SHARE = FRENCH_OUTLETS / OUTLETS
ALONE_SHARE = 0.40
EVENT_SIZES = tuple(range(2, 13))
SIZE_WEIGHTS = tuple(1 / s**1.2 for s in EVENT_SIZES)
SPREAD_HOURS = 2.0  # mean delay of a later report after the event's first
MAX_DELAY_HOURS = 10.0
TOPIC_WORDS = (10, 14)
SKIP_COMMON = 150  # topic words leave out the vocabulary's most frequent words
# The other words of a headline or lead: the most frequent ones that name nothing.
FILLER_RANKS = 600
NAME_KINDS = ("place:", "country:", "org:", "team:")
# The places most reports name come first (ids of names.txt), then the file's order.
BIG_PLACES = ("casablanca", "rabat", "marrakech", "tanger", "fes", "agadir", "meknes",
              "oujda", "kenitra", "sale", "tetouan", "laayoune", "nador", "temara",
              "el-jadida", "beni-mellal", "safi", "dakhla", "khouribga", "settat")  # fmt: skip
TITLE_WORDS = (6, 14)
LEAD_WORDS = (25, 60)
BODY_PARAGRAPHS = {"new": (4, 7), "base": (1, 2)}  # after the lead, 25-50 words each
NAMES = REPO / "articles" / "stories" / "data" / "names.txt"
FRENCH_STEMS = 15_000
LATIN = "abcdefghijlmnoprstuv"
FALLBACK_PLACES = (
    ("الدار البيضاء", "Casablanca"), ("الرباط", "Rabat"), ("مراكش", "Marrakech"),
    ("فاس", "Fès"), ("طنجة", "Tanger"), ("أكادير", "Agadir"), ("وجدة", "Oujda"),
    ("مكناس", "Meknès"), ("تطوان", "Tétouan"), ("العيون", "Laâyoune"),
)  # fmt: skip


@dataclass(frozen=True)
class Item:
    """One article of the corpus."""

    n: int  # position in the whole timeline, newest = 0
    event: int
    outlet: int
    language: str
    published_at: datetime
    title: str
    lead: str
    body_html: str
    categories: tuple[str, ...]

    @property
    def host(self) -> str:
        return f"www.outlet{self.outlet:03d}.ma"

    @property
    def key(self) -> str:
        return f"https://{self.host}/?p={5_000_000 - self.n}"

    @property
    def url(self) -> str:
        return f"https://{self.host}/{self.published_at:%Y/%m/%d}/{5_000_000 - self.n}/"

    @property
    def image_url(self) -> str:
        return f"https://{self.host}/wp-content/uploads/{self.published_at:%Y/%m}/{self.n}.jpg"


def outlet_language(outlet: int) -> str:
    return "fr" if outlet >= OUTLETS - FRENCH_OUTLETS else "ar"


@functools.cache
def places() -> tuple[tuple[str, str], ...]:
    """(Arabic form, French form) of each place of names.txt, in file order (the big
    cities come first in each region); the fallback list when there is none."""
    found: dict[str, tuple[str, str]] = {}
    if NAMES.exists():
        for line in NAMES.read_text(encoding="utf-8").splitlines():
            head, _, forms = line.partition(":")
            if not head.startswith("place ") or not forms:
                continue
            written = [f.strip() for f in forms.split("|") if f.strip()]
            arabic = next((f for f in written if re.search(r"[\u0621-\u064a]", f)), "")
            french = next((f for f in written if re.search(r"[A-Za-z]", f)), "")
            if arabic and french and not head.startswith("place region-"):
                found[head.split()[1]] = (arabic, french)
    first = [found.pop(name) for name in BIG_PLACES if name in found]
    return tuple(first + list(found.values())) or FALLBACK_PLACES


@functools.cache
def french_vocabulary(seed: int) -> tuple[list[str], list[float]]:
    """French words by rank (those of lib/text.py's French text, most frequent first,
    then generated Latin stems) and their cumulative Zipf weights."""
    from lib.searchdata import ZIPF_Q, ZIPF_S

    text = " ".join(FRENCH_HEADLINES + FRENCH_SENTENCES).lower()
    counts: dict[str, int] = {}
    for word in re.findall(r"[a-zà-ÿœ]{2,}", text):
        counts[word] = counts.get(word, 0) + 1
    words = sorted(counts, key=lambda w: -counts[w])
    seen = set(words)
    rng = random.Random(seed)
    while len(words) < len(counts) + FRENCH_STEMS:
        word = "".join(rng.choices(LATIN, k=rng.choice((4, 5, 6, 6, 7, 8, 9))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words, _cumulative([1 / (r + 1 + ZIPF_Q) ** ZIPF_S for r in range(len(words))])


def _cumulative(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for weight in weights:
        total += weight
        out.append(total)
    return out


class Vocabulary:
    """Words of one language: ``common(k)`` draws from all of it; ``filler(k)`` from its
    ``FILLER_RANKS`` most frequent words that name nothing (no place, country, body,
    team or event type of names.txt); ``topic(k)`` from all but its ``SKIP_COMMON`` most
    frequent, leaving out names (an event's place is its own) but not event types."""

    def __init__(self, words: list[str], cumulative: list[float]) -> None:
        self.words, self.cumulative = words, cumulative
        self.names: dict[str, set[str]] = {}
        weights = [b - a for a, b in zip([0.0, *cumulative], cumulative, strict=False)]
        plain = [(w, x) for w, x in zip(words[:FILLER_RANKS], weights, strict=False)
                 if not self.named(w)]  # fmt: skip
        self.filler_words = [w for w, _ in plain]
        self.filler_cumulative = _cumulative([x for _, x in plain])
        skip = cumulative[SKIP_COMMON - 1]
        self.topic_words = words[SKIP_COMMON:]
        self.topic_cumulative = [c - skip for c in cumulative[SKIP_COMMON:]]

    def named(self, word: str, kinds: tuple[str, ...] = ()) -> bool:
        """Whether the lexicon of articles.stories reads a name (of ``kinds``, or any) in
        ``word``."""
        if word not in self.names:
            from articles.search.words import words
            from articles.stories.names import lexicon

            self.names[word] = lexicon().find(words(word))
        found = self.names[word]
        return any(n.startswith(kinds) for n in found) if kinds else bool(found)

    def common(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cumulative, k=k)

    def filler(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.filler_words, cum_weights=self.filler_cumulative, k=k)

    def topic(self, rng: random.Random, k: int) -> list[str]:
        found: list[str] = []
        while len(found) < k:
            word = rng.choices(self.topic_words, cum_weights=self.topic_cumulative)[0]
            if word not in found and not self.named(word, NAME_KINDS):
                found.append(word)
        return found


@functools.cache
def vocabularies(seed: int) -> dict[str, Vocabulary]:
    from lib.searchdata import vocabulary

    _, forms, cumulative = vocabulary(seed)
    return {"ar": Vocabulary(forms, cumulative), "fr": Vocabulary(*french_vocabulary(seed))}


def _figure(rng: random.Random, language: str) -> str:
    roll = rng.random()
    if roll < 0.45:
        return str(rng.randint(11, 989))
    if roll < 0.8:
        value = rng.randint(1_100, 95_000)
        return f"{value:,}".replace(",", "." if language == "fr" else ",")
    return f"{rng.randint(1, 99)}{',' if language == 'fr' else '.'}{rng.randint(1, 9)}"


def _delay(rng: random.Random) -> timedelta:
    hours = min(rng.expovariate(1 / SPREAD_HOURS), MAX_DELAY_HOURS)
    return timedelta(seconds=int(hours * 3600) + rng.randint(0, 59))


class Writer:
    """Generates the timeline day by day, newest day first (day d from its own seed)."""

    def __init__(self, seed: int, end: datetime) -> None:
        self.seed = seed
        self.end = end
        self.words = vocabularies(seed)
        self.places = places()
        self.place_weights = _cumulative([1 / (r + 3) for r in range(len(self.places))])
        mean = sum(s * w for s, w in zip(EVENT_SIZES, SIZE_WEIGHTS, strict=True)) / sum(
            SIZE_WEIGHTS
        )
        # P(an event is one article) so that ALONE_SHARE of the articles are alone.
        self.alone_events = ALONE_SHARE * mean / (1 - ALONE_SHARE + ALONE_SHARE * mean)

    def day(self, d: int) -> list[tuple[datetime, int, str, int, int, str, list[str], list[str]]]:
        """Reports of day ``d`` (0 = the newest, ending at ``end``): (time, event,
        language, outlet, report number, place, figures, topic words), PER_DAY of them."""
        rng = random.Random(self.seed * 7919 + d)
        day_start = self.end - timedelta(days=d + 1)
        reports: list[Any] = []
        event_no = 0
        while len(reports) < PER_DAY:
            event = d * 10_000 + event_no
            event_no += 1
            size = 1 if rng.random() < self.alone_events else rng.choices(
                EVENT_SIZES, SIZE_WEIGHTS)[0]  # fmt: skip
            language = "fr" if rng.random() < FRENCH_SHARE else "ar"
            pool = (range(OUTLETS - FRENCH_OUTLETS, OUTLETS) if language == "fr"
                    else range(OUTLETS - FRENCH_OUTLETS))  # fmt: skip
            outlets = rng.sample(pool, size)
            start = day_start + timedelta(seconds=rng.randrange(86_400))
            place = rng.choices(self.places, cum_weights=self.place_weights)[0]
            figures = [_figure(rng, language) for _ in range(rng.choice((1, 1, 2)))]
            topic = self.words[language].topic(rng, rng.randint(*TOPIC_WORDS))
            for number, outlet in enumerate(outlets):
                when = start + (_delay(rng) if number else timedelta(0))
                if when > self.end:
                    when = self.end - timedelta(seconds=rng.randint(1, 600))
                reports.append((when, event, language, outlet, number,
                                place[0 if language == "ar" else 1], figures, topic))  # fmt: skip
        return reports[:PER_DAY]

    def write(self, rng: random.Random, report: Any, kind: str) -> dict[str, Any]:
        when, event, language, outlet, _, place, figures, topic = report
        vocab = self.words[language]
        size = rng.randint(*TITLE_WORDS)
        title = rng.sample(topic, min(len(topic), rng.randint(3, 6)))
        if rng.random() < 0.75:
            title.append(place)
        if rng.random() < 0.35:
            title.append(rng.choice(figures))
        title += vocab.filler(rng, max(0, size - len(title)))
        rng.shuffle(title)
        size = rng.randint(*LEAD_WORDS)
        lead = rng.sample(topic, min(len(topic), rng.randint(5, 10)))
        if rng.random() < 0.9:
            lead.append(place)
        lead += [f for f in figures if rng.random() < 0.7]
        lead += vocab.filler(rng, max(0, size - len(lead)))
        rng.shuffle(lead)
        lead_text = " ".join(lead) + "."
        paragraphs = [lead_text]
        for _ in range(rng.randint(*BODY_PARAGRAPHS[kind])):
            words = vocab.common(rng, rng.randint(25, 50)) + rng.sample(topic, 2)
            rng.shuffle(words)
            paragraphs.append(" ".join(words) + ".")
        return {
            "event": event,
            "outlet": outlet,
            "language": language,
            "published_at": when,
            "title": " ".join(title),
            "lead": lead_text,
            "paragraphs": paragraphs,
            "categories": tuple(rng.sample(CATEGORY_LABELS, rng.randint(1, 2))),
        }


def corpus(total: int, seed: int, end: datetime, new: int) -> tuple[list[Item], list[Item]]:
    """(base, new): the ``new`` newest articles and the ``total`` before them, both
    oldest first."""
    writer = Writer(seed, end)
    reports: list[Any] = []
    d = 0
    while len(reports) < total + new:
        reports += writer.day(d)
        d += 1
    reports.sort(key=lambda r: (r[0], r[1], r[4]), reverse=True)
    reports = reports[: total + new]
    items: list[Item] = []
    for n, report in enumerate(reports):
        rng = random.Random(f"{seed}:{report[1]}:{report[4]}")
        kind = "new" if n < new else "base"
        done = writer.write(rng, report, kind)
        items.append(_item(n, done))
    items.reverse()
    return items[:total], items[total:]


def _item(n: int, done: dict[str, Any]) -> Item:
    outlet, when = done["outlet"], done["published_at"]
    host = f"www.outlet{outlet:03d}.ma"
    image = f"https://{host}/wp-content/uploads/{when:%Y/%m}/{n}"
    alt = html.escape(done["title"], quote=True)
    figure = (
        f'<figure class="wp-block-image size-large"><img decoding="async" width="780" '
        f'height="470" src="{image}.jpg" alt="{alt}" class="wp-image-{n}" srcset="{image}.jpg '
        f'780w, {image}-300x181.jpg 300w" sizes="(max-width: 780px) 100vw, 780px" /></figure>'
    )
    body = "\n".join(
        [figure] + [f"<p>{html.escape(p, quote=False)}</p>" for p in done["paragraphs"]]
    )
    return Item(n, done["event"], outlet, done["language"], when, done["title"], done["lead"],
                body, done["categories"])  # fmt: skip


def parsed_entry(item: Item) -> Any:
    """The ``ParsedEntry`` the parser would make of ``item`` (base articles)."""
    from articles.ingest.parse import ParsedEntry

    return ParsedEntry(
        key=item.key, url=item.url, title=item.title, summary=item.lead,
        body_html=item.body_html, author=AUTHORS[item.n % len(AUTHORS)],
        language=item.language, published_at=item.published_at,
        categories=item.categories, image_urls=(item.image_url,),
        content_hash=hashlib.sha256(f"{item.key}{item.title}".encode()).hexdigest(),
    )  # fmt: skip


def feed_bytes(outlet: int, items: list[Item]) -> bytes:
    """A WordPress-style RSS 2.0 feed of ``items`` (one outlet's), newest first."""
    host = f"www.outlet{outlet:03d}.ma"
    language = outlet_language(outlet)
    out = []
    for item in sorted(items, key=lambda i: i.published_at, reverse=True):
        date = format_datetime(item.published_at.astimezone(UTC), usegmt=True)
        categories = "".join(
            f"\n\t\t<category><![CDATA[{c}]]></category>" for c in item.categories
        )
        out.append(f"""	<item>
		<title>{html.escape(item.title, quote=False)}</title>
		<link>{item.url}</link>
		<dc:creator><![CDATA[{AUTHORS[item.n % len(AUTHORS)]}]]></dc:creator>
		<pubDate>{date}</pubDate>{categories}
		<guid isPermaLink="false">{item.key}</guid>
		<description><![CDATA[{item.lead} [&#8230;]]]></description>
		<content:encoded><![CDATA[{item.body_html}]]></content:encoded>
	</item>
""")
    newest = max(i.published_at for i in items)
    return f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
	<title>outlet {outlet:03d}</title>
	<link>https://{host}</link>
	<description>outlet {outlet:03d}</description>
	<lastBuildDate>{format_datetime(newest.astimezone(UTC), usegmt=True)}</lastBuildDate>
	<language>{language}</language>
{"".join(out)}</channel>
</rss>
""".encode()


def by_day(items: list[Item]) -> Iterator[list[Item]]:
    """``items`` (oldest first) in calendar days of their times, oldest first."""
    batch: list[Item] = []
    for item in items:
        if batch and item.published_at.date() != batch[0].published_at.date():
            yield batch
            batch = []
        batch.append(item)
    if batch:
        yield batch


def stats(items: list[Item]) -> dict[str, Any]:
    """Events, alone share, languages, span: what the corpus turned out to be."""
    sizes: dict[int, int] = {}
    for item in items:
        sizes[item.event] = sizes.get(item.event, 0) + 1
    multi = [s for s in sizes.values() if s > 1]
    return {
        "articles": len(items),
        "events": len(sizes),
        "alone": sum(1 for s in sizes.values() if s == 1) / max(1, len(items)),
        "multi_events": len(multi),
        "mean_multi": sum(multi) / max(1, len(multi)),
        "french": sum(1 for i in items if i.language == "fr") / max(1, len(items)),
        "first": items[0].published_at if items else None,
        "last": items[-1].published_at if items else None,
    }


def save_path(tmp: Path, size: int, new: int) -> Path:
    return tmp / f"stories-{size}-{new}.pickle"

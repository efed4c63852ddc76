"""The search corpus of bench/search.py: articles whose words are drawn with a
Zipf-Mandelbrot frequency, weight 1 / (rank + Q) ** S, over a vocabulary of real Arabic
news words (those of lib/text.py, most frequent first: في، من، إلى، على ...) followed by
generated Arabic-looking stems, each written in a few prefixed forms; the phrase
"المنتخب المغربي" in some; and the queries measured, picked by rank.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lib.feeds import AUTHORS
from lib.outlets import NO_SECTION_SHARE, SECTION_WEIGHTS, YEARS
from lib.text import arabic_text

CHUNK = 5_000  # articles generated, pickled and inserted at a time
FEED_ENTRIES = 50  # entries per feed in the ingest-cost corpus, as bench/ingest.py
FORM_ONLY = "/search/?q="  # the page with no words: form, header and footer only
ZIPF_S = 1.0
ZIPF_Q = 2.7
GENERATED_STEMS = 40_000
STEM_LETTERS = "تثجحخدذرزسشصضطظعغقمنهي"  # first letters: none is a prefix (و ف ب ل ك ا)
LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
FORMS = (("", 0.60), ("ال", 0.22), ("و", 0.08), ("بال", 0.05), ("لل", 0.05))
TITLE_WORDS = (8, 12)
BODY_WORDS = (220, 380)
SUMMARY_WORDS = 40
PHRASE = "المنتخب المغربي"  # both words common apart; written together in some articles
PHRASE_SHARE = 0.03
# Query words by rank in the vocabulary (0 = most frequent).
RANK_COMMON = 4  # أن with the words of lib/text.py: in nearly every article
RANK_TWO = (300, 500)
RANK_WORD = 1_000  # a few percent of the articles
RANK_RARE = 35_000  # tens of articles


@functools.cache
def vocabulary(seed: int) -> tuple[list[str], list[str], list[float]]:
    """(stems by rank, forms, cumulative weights of the forms). Real words first, then
    generated stems that no other word shares a search form with, so a rare one is
    really rare."""
    from articles.search.words import bare, canonical, normalize

    def keys(word: str) -> set[str]:
        norm = normalize(word)
        return {canonical(norm), bare(norm)}

    _, _, real = arabic_text()
    counts = Counter(real)
    stems: list[str] = []
    forms: list[str] = []
    weights: list[float] = []
    seen: set[str] = set()
    for word in sorted(counts, key=lambda w: -counts[w]):
        if keys(word) & seen:
            continue
        seen |= keys(word)
        stems.append(word)
        forms.append(word)
        weights.append(1 / (len(stems) + ZIPF_Q) ** ZIPF_S)
    rng = random.Random(seed)
    while len(stems) < len(counts) + GENERATED_STEMS:
        size = rng.choice((3, 4, 4, 5, 5, 5, 6, 6, 7))
        stem = rng.choice(STEM_LETTERS) + "".join(rng.choices(LETTERS, k=size - 1))
        if keys(stem) & seen:
            continue
        seen |= keys(stem)
        stems.append(stem)
        weight = 1 / (len(stems) + ZIPF_Q) ** ZIPF_S
        for prefix, share in FORMS:
            forms.append(prefix + stem)
            weights.append(weight * share)
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    return stems, forms, cumulative


def _plan(count: int, seed: int, outlets: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """(published_at, outlet index, section slug or None), oldest first."""
    rng = random.Random(seed)
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)
    span = int(YEARS * 365 * 86400)
    picks = rng.choices(range(len(outlets)), weights=[o["weight"] for o in outlets], k=count)
    slugs, section_weights = list(SECTION_WEIGHTS), list(SECTION_WEIGHTS.values())
    plan = [
        (
            end - timedelta(seconds=rng.randrange(span)),
            outlet,
            None if rng.random() < NO_SECTION_SHARE else rng.choices(slugs, section_weights)[0],
        )
        for outlet in picks
    ]
    plan.sort(key=lambda item: item[0])
    return plan


def _article(
    rng: random.Random, forms: list[str], cumulative: list[float]
) -> tuple[str, str, str]:
    """(title, summary, body_html): words drawn by frequency, the phrase in some."""
    title = rng.choices(forms, cum_weights=cumulative, k=rng.randint(*TITLE_WORDS))
    body = rng.choices(forms, cum_weights=cumulative, k=rng.randint(*BODY_WORDS))
    if rng.random() < PHRASE_SHARE:
        at = rng.randrange(len(body))
        body[at:at] = PHRASE.split()
        if rng.random() < 0.3:
            title[-2:] = PHRASE.split()
    paragraphs, sentences, start = [], [], 0
    while start < len(body):
        size = rng.randint(8, 18)
        sentences.append(" ".join(body[start : start + size]) + ".")
        start += size
        if len(sentences) >= rng.randint(3, 5) or start >= len(body):
            paragraphs.append("<p>" + " ".join(sentences) + "</p>")
            sentences = []
    summary = " ".join(body[:SUMMARY_WORDS]) + " […]"
    return " ".join(title), summary, "\n".join(paragraphs)


def corpus_chunks(
    path: Path, count: int, seed: int, outlets: list[dict[str, Any]], sections: dict[str, int]
) -> Iterator[list[tuple[Any, ...]]]:
    """Article rows (``ARTICLE_FIELDS`` order, source index in place of the source id)
    in chunks, oldest first. Generated once and kept in ``path`` (one pickle per chunk)
    for the second database."""
    if path.exists():
        with path.open("rb") as stream:
            while True:
                try:
                    yield pickle.load(stream)
                except EOFError:
                    return
    _, forms, cumulative = vocabulary(seed)
    rng = random.Random(seed + 1)
    plan = _plan(count, seed + 2, outlets)
    partial = path.with_suffix(".partial")
    with partial.open("wb") as out:
        for start in range(0, len(plan), CHUNK):
            rows = []
            for n, (when, outlet, section) in enumerate(plan[start : start + CHUNK], start):
                host = urlsplit(outlets[outlet]["site_url"]).hostname
                key = f"https://{host}/?p={100_000 + n}"
                title, summary, body = _article(rng, forms, cumulative)
                rows.append(
                    (outlet, key, f"https://{host}/{when:%Y/%m/%d}/{n}/", title, summary,
                     body, rng.choice(AUTHORS), "ar", sections.get(section or ""), when,
                     when + timedelta(minutes=2), when + timedelta(minutes=2),
                     hashlib.sha256(key.encode()).hexdigest())
                )  # fmt: skip
            pickle.dump(rows, out, protocol=pickle.HIGHEST_PROTOCOL)
            yield rows
    partial.rename(path)


def queries(
    seed: int, outlet: str, dates: tuple[str, str]
) -> list[tuple[str, dict[str, str], tuple[str, ...]]]:
    """(name, /search/ parameters, the words as a LIKE baseline looks for them)."""
    stems, _, _ = vocabulary(seed)
    word, common, rare = stems[RANK_WORD], stems[RANK_COMMON], stems[RANK_RARE]
    one, two = stems[RANK_TWO[0]], stems[RANK_TWO[1]]
    since, until = dates
    return [
        ("word", {"q": word}, (word,)),
        ("word+outlet", {"q": word, "source": outlet}, (word,)),
        ("two words", {"q": f"{one} {two}"}, (one, two)),
        ("two+section", {"q": f"{one} {two}", "section": "politics"}, (one, two)),
        ("phrase", {"q": f'"{PHRASE}"'}, (PHRASE,)),
        ("phrase+dates", {"q": f'"{PHRASE}"', "from": since, "to": until}, (PHRASE,)),
        ("rare", {"q": rare}, (rare,)),
        ("rare+section", {"q": rare, "section": "society"}, (rare,)),
        ("common", {"q": common}, (common,)),
        ("common+all", {"q": common, "source": outlet, "section": "society", "from": since,
                        "to": until}, (common,)),
        ("word relevance", {"q": word, "sort": "relevance"}, (word,)),
        ("common relevance", {"q": common, "sort": "relevance"}, (common,)),
    ]  # fmt: skip

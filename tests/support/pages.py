"""Hand-labelled article pages for the full-text extractor, and how extractions are scored.

``tests/data/pages/pages.json`` lists the pages (see ``tests/data/pages/README.md``): each
is a whole article page as an outlet serves it, with its manifest entry (URL, HTTP
Content-Type, optional outlet selectors, the expected lead image, author and publication
time) and ``NAME.expected.txt``, the article text a reader should get, one block per line.

Scores are over word multisets, so block order and line breaks do not count: words are
``\\w+`` runs of the casefolded text after Arabic tashkeel and tatweel are removed; the
overlap of two texts is the size of the intersection of their word ``Counter``s.
Shared by the extractor tests and ``bench/fulltext.py``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

PAGES_DIR = Path(__file__).resolve().parents[1] / "data" / "pages"
MANIFEST = "pages.json"
MANIFEST_FIELDS = (
    "name",
    "file",
    "url",
    "content_type",
    "body_selector",
    "drop_selector",
    "language",
    "feed_summary",
    "lead_image",
    "author",
    "published",
)
# Arabic marks that do not change a word: harakat, tanwin, shadda, sukun, maddah and hamza
# above/below (U+064B-U+065F), superscript alef (U+0670), Quranic annotation signs, and the
# tatweel (U+0640) that only stretches a letter.
ARABIC_MARKS = re.compile(
    "[\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed]"
)
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class LabelledPage:
    """One page of the set: its manifest entry, its bytes and its label."""

    name: str
    file: str
    url: str
    content_type: str
    body_selector: str
    drop_selector: str
    language: str
    feed_summary: str
    lead_image: str
    author: str
    published: str
    body: bytes = field(repr=False)
    expected: str = field(repr=False)
    headers: dict[str, str] = field(default_factory=dict)


class WordCounts(NamedTuple):
    """Word counts of one extraction against its label."""

    overlap: int
    extracted: int
    expected: int

    @property
    def precision(self) -> float:
        return _ratio(self.overlap, self.extracted, self.expected)

    @property
    def recall(self) -> float:
        return _ratio(self.overlap, self.expected, self.extracted)


def load_pages(directory: Path = PAGES_DIR) -> list[LabelledPage]:
    """Every page of the manifest in ``directory``, in manifest order.

    ``body`` is the file's bytes as served (the windows-1256 page stays windows-1256);
    ``expected`` is the label without its final newline; ``headers`` holds the HTTP
    ``content-type`` (lower-case key, as ``articles.lib.http`` returns headers)."""
    entries = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    pages = []
    for entry in entries:
        missing = [name for name in MANIFEST_FIELDS if name not in entry]
        if missing:
            raise ValueError(f"{MANIFEST}: {entry.get('name', '?')} lacks {', '.join(missing)}")
        fields = {name: str(entry[name]) for name in MANIFEST_FIELDS}
        label = directory / f"{fields['name']}.expected.txt"
        pages.append(
            LabelledPage(
                **fields,
                body=(directory / fields["file"]).read_bytes(),
                expected=label.read_text(encoding="utf-8").rstrip("\n"),
                headers={"content-type": fields["content_type"]},
            )
        )
    return pages


def words(text: str) -> list[str]:
    """The words of ``text`` as the scores count them."""
    return WORD.findall(ARABIC_MARKS.sub("", text).casefold())


def word_counts(extracted: str, expected: str) -> WordCounts:
    """Overlap of the two texts' word multisets, and the size of each."""
    got, want = Counter(words(extracted)), Counter(words(expected))
    return WordCounts(sum((got & want).values()), got.total(), want.total())


def word_scores(extracted: str, expected: str) -> tuple[float, float]:
    """(precision, recall) of ``extracted`` against ``expected`` over word multisets.

    An empty extraction scores (0, 0) against a non-empty label, and (1, 1) against an
    empty one."""
    counts = word_counts(extracted, expected)
    return counts.precision, counts.recall


def overall(scores: Iterable[WordCounts]) -> tuple[float, float]:
    """Micro-averaged (precision, recall) over pages: the sum of the overlaps over the sum
    of the extracted words, and over the sum of the expected words.

    ``overall(word_counts(text, page.expected) for ...)``; longer pages weigh more."""
    overlap = extracted = expected = 0
    for counts in scores:
        overlap += counts.overlap
        extracted += counts.extracted
        expected += counts.expected
    total = WordCounts(overlap, extracted, expected)
    return total.precision, total.recall


def _ratio(overlap: int, total: int, other: int) -> float:
    """``overlap / total``; with nothing in ``total``, 1.0 if ``other`` is empty too."""
    if total:
        return overlap / total
    return 0.0 if other else 1.0

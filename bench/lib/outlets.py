"""The outlets and sections of the reading site's corpus (bench/web.py, bench/reports.py,
bench/search.py): 100 outlets (the real roster of articles/outlets.py first, then Arabic
and French ones of our own, each with a weight: unequal output, as real outlets have),
how often each section is the one an article is filed under, and the category labels
outlets write for each section.
"""

from __future__ import annotations

import random
import re
from typing import Any

from lib.feeds import OUTLET_WORDS

OUTLET_COUNT = 100
FRENCH_SHARE = 0.10
YEARS = 2  # the articles' dates span this many years, up to now

# How often each section is the one an article is filed under (national news and
# accidents dominate Moroccan outlets): at 100,000 articles "society" has some 45,000,
# so its page 2,000 exists.
SECTION_WEIGHTS = {
    "society": 46, "politics": 11, "sports": 10, "economy": 8, "world": 6, "regions": 5,
    "culture": 4, "health": 2, "tech": 2, "misc": 2, "opinion": 2, "religion": 2,
}  # fmt: skip
NO_SECTION_SHARE = 0.04  # only labels no section alias knows ("الرئيسية", "À la une")
UNMAPPED_AR = ("الرئيسية", "عاجل", "أخبار", "مميز")
UNMAPPED_FR = ("À la une", "Actualité", "Une", "Dernière minute")
LATIN_WORDS = (
    "akhbar", "sawt", "nabd", "bawaba", "jarida", "maghrib", "ribat", "atlas", "chamal",
    "janoub", "alyaoum", "hadat", "saha", "madar", "minbar",
)  # fmt: skip
FRENCH_OUTLETS = (
    ("Le Reporter", "le-reporter"), ("Maroc Diplomatique", "maroc-diplomatique"),
    ("L'Opinion", "lopinion-ma"), ("Finances News", "finances-news"),
)  # fmt: skip
FRENCH_AUTHORS = ("La rédaction", "Yasmine Benali", "Karim Alaoui", "Nadia Tazi", "MAP")


def make_outlets(rng: random.Random) -> list[dict[str, Any]]:
    """100 outlets: the real roster first (its first 100), then Arabic and French ones of
    our own if it has fewer."""
    from articles.ingest.outlets import OUTLETS

    outlets = [
        {
            "name": o.name,
            "name_latin": o.name_latin,
            "slug": o.slug,
            "site_url": o.site_url,
            "feed_url": o.feed_url,
            "language": o.language,
        }
        for o in OUTLETS[:OUTLET_COUNT]  # the roster holds more than the corpus needs
    ]
    french = sum(1 for o in outlets if o["language"] == "fr")
    for name, slug in FRENCH_OUTLETS[: max(0, round(OUTLET_COUNT * FRENCH_SHARE) - french)]:
        outlets.append(
            {"name": name, "name_latin": name, "slug": slug, "language": "fr",
             "site_url": f"https://www.{slug}.ma", "feed_url": f"https://www.{slug}.ma/feed/"}
        )  # fmt: skip
    pairs = [(a, b) for a in range(len(OUTLET_WORDS)) for b in range(len(OUTLET_WORDS)) if a != b]
    rng.shuffle(pairs)
    for a, b in pairs[: OUTLET_COUNT - len(outlets)]:
        slug = f"{LATIN_WORDS[a]}-{LATIN_WORDS[b]}"
        outlets.append(
            {"name": f"{OUTLET_WORDS[a]} {OUTLET_WORDS[b]}",
             "name_latin": f"{LATIN_WORDS[a].title()} {LATIN_WORDS[b].title()}",
             "slug": slug, "language": "ar", "site_url": f"https://www.{slug}.ma",
             "feed_url": f"https://www.{slug}.ma/feed/"}
        )  # fmt: skip
    # Unequal output, as real outlets have; French outlets write FRENCH_SHARE of it.
    for outlet in outlets:
        outlet["weight"] = rng.uniform(0.3, 3.0)
    for language, share in (("fr", FRENCH_SHARE), ("ar", 1 - FRENCH_SHARE)):
        group = [o for o in outlets if o["language"] == language]
        total = sum(o["weight"] for o in group)
        for outlet in group:
            outlet["weight"] *= share / total
    return outlets


def section_labels() -> dict[str, tuple[list[str], list[str]]]:
    """Section slug -> (Arabic labels, Latin labels) as outlets write them."""
    from articles.ingest.outlets import SECTIONS

    arabic = re.compile("[\u0600-\u06ff]")
    return {
        slug: (
            [label for label in (name, *aliases) if arabic.search(label)],
            [label for label in (name_fr, *aliases) if not arabic.search(label)],
        )
        for slug, name, name_fr, aliases in SECTIONS
    }

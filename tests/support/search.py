"""The search tests' corpus: articles whose titles exercise the Arabic and French
normalisation, and the table of queries with the articles each must find (newest first).
The search module (tests/search/) and the API's ``q`` (tests/api/) keep the same cases.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

from articles.ingest.parse import ParsedEntry
from articles.ingest.store import store_entries
from articles.models import Article, Outlet

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
LATIN = re.compile("[A-Za-z]")


def entry(
    key: str,
    title: str,
    body: str = "",
    *,
    summary: str = "",
    minutes_ago: int = 0,
    language: str = "ar",
    categories: tuple[str, ...] = (),
) -> ParsedEntry:
    body_html = f"<p>{body}</p>" if body else ""
    return ParsedEntry(
        key=key,
        url=f"https://example.ma/{key}",
        title=title,
        summary=summary,
        body_html=body_html,
        author="",
        language=language,
        published_at=NOW - timedelta(minutes=minutes_ago),
        categories=categories,
        image_urls=(),
        content_hash=hashlib.sha256(f"{key}{title}{body}{summary}".encode()).hexdigest(),
    )


# key: (title, body). Each article is a minute older than the one before it, so
# "newest first" is the order of this table.
CORPUS: dict[str, tuple[str, str]] = {
    "kingdom": ("المملكة المغربية تطلق برنامجا جديدا للطاقة", ""),
    "kingdom-h": ("المملكه تستقبل وفدا أوروبيا", ""),
    "interior": ("وزير الداخلية يزور مراكش", "زيارة عمل تدوم يومين"),
    "cement": ("أسعار الإسمنت ترتفع", ""),
    "hospital": ("مستشفى جديد في طنجة", ""),
    "match": ("مُبَارَاة حاسمة للمنتخب", ""),
    "government": ("الحكـــومة تصادق على مشروع", ""),
    "budget": ("قانون المالية 2025 أمام البرلمان", ""),
    "budget-indic": ("ميزانية ٢٠٢٥ بالأرقام", ""),
    "and-morocco": ("والمغرب يستعد للموسم", ""),
    "in-morocco": ("اجتماع بالمغرب حول الماء", ""),
    "morocco": ("المغرب يفوز على مالي", ""),
    "for-morocco": ("للمغرب موقف ثابت", ""),
    "in-marrakech": ("احتفالات بمراكش", ""),
    "and-marrakech": ("ومراكش تستقبل السياح", ""),
    "the-minister": ("الوزير يصرح للصحافة", ""),
    "dinar": ("ارتفاع الدينار أمام الأورو", ""),
    "meteo": ("Météo : alerte orange à Rabat", ""),
    "economy": ("L'économie marocaine résiste", ""),
    "mixed": ("Le Maroc : المغرب يستضيف كأس إفريقيا", ""),
    "said-minister": ("تصريحات رسمية", "قال وزير الداخلية إن الأمن مستتب"),
    "apart": ("الداخلية تعلن", "أعلنت الداخلية أن الوزير سيزور الجهة"),
    "king": ("الملك محمد السادس يدشن مشروعا", ""),
    "and-king": ("ومحمد السادس في زيارة", ""),
    "tangier-body": ("ميناء المتوسط", "طنجة طنجة طنجة تستقبل سفنا أكثر من كل عام في طنجة"),
    "gold": ("Le prix de l'or grimpe", ""),
    "conference": ("مؤتمر صحفي للحكومة", ""),
    "issues": ("مسائل عالقة بين النقابات", ""),
    "thousands": ("آلاف المتظاهرين في الرباط", ""),
    "quds": ("لجنة ٱلقدس تجتمع", ""),
    "god": ("رحمه الله", ""),
    "casablanca": ("CASABLANCA accueille le salon", ""),
    "rabat-bidi": ("\u200fالرباط\u200f تحتضن المعرض", ""),
}

# (query, articles found newest first). At least 30 cases.
CASES: list[tuple[str, list[str]]] = [
    # ta marbuta, both ways, with and without the article
    ("المملكة", ["kingdom", "kingdom-h"]),
    ("المملكه", ["kingdom", "kingdom-h"]),
    ("مملكة", ["kingdom", "kingdom-h"]),
    # hamza forms
    ("اسعار", ["cement"]),
    ("أسعار الاسمنت", ["cement"]),
    ("موتمر", ["conference"]),
    ("مسايل", ["issues"]),
    ("الاف", ["thousands"]),
    ("ألاف", ["thousands"]),
    ("القدس", ["quds"]),
    # alef maqsura, and the Persian yeh phones sometimes give
    ("مستشفي", ["hospital"]),
    ("مستشفی", ["hospital"]),
    # tashkeel in the text, and in the query
    ("مباراة", ["match"]),
    ("مُبَارَاةٌ", ["match"]),
    # tatweel in the text, and in the query
    ("الحكومة", ["government", "conference"]),
    ("حكــومة", ["government", "conference"]),
    # digits: ASCII, Arabic-Indic, Eastern Arabic-Indic
    ("2025", ["budget", "budget-indic"]),
    ("٢٠٢٥", ["budget", "budget-indic"]),
    ("۲۰۲۵", ["budget", "budget-indic"]),
    # the article and the common prefixes
    ("المغرب", ["and-morocco", "in-morocco", "morocco", "for-morocco", "mixed"]),
    ("مغرب", ["and-morocco", "in-morocco", "morocco", "for-morocco", "mixed"]),
    ("والمغرب", ["and-morocco", "in-morocco", "morocco", "for-morocco", "mixed"]),
    ("مراكش", ["interior", "in-marrakech", "and-marrakech"]),
    ("وزير", ["interior", "the-minister", "said-minister", "apart"]),
    # words, not substrings
    ("نار", []),
    ("دينار", ["dinar"]),
    ("الله", ["god"]),
    ("له", []),
    # French: case and accents
    ("meteo", ["meteo"]),
    ("MÉTÉO", ["meteo"]),
    ("economie marocaine", ["economy"]),
    ("casablanca", ["casablanca"]),
    ("OR", ["gold"]),
    # mixed Arabic and French
    ("maroc مغرب", ["mixed"]),
    # every word must be there
    ("وزير مراكش", ["interior"]),
    ("وزير الداخلية", ["interior", "said-minister", "apart"]),
    # phrases
    ('"وزير الداخلية"', ["interior", "said-minister"]),
    ("«وزير الداخلية»", ["interior", "said-minister"]),
    ('"محمد السادس"', ["king", "and-king"]),
    ('"السادس محمد"', []),
    # invisible characters: bidi marks in the text, a joiner in the query
    ("الرباط", ["thousands", "rabat-bidi"]),
    ("الر\u200dباط", ["thousands", "rabat-bidi"]),
]


def store_corpus(outlet: Outlet) -> dict[str, int]:
    """CORPUS stored for ``outlet`` through the real store (which indexes it), each
    article a minute older than the one before it; {key: article id}."""
    entries = [
        entry(key, title, body, minutes_ago=n, language="fr" if LATIN.search(title) else "ar")
        for n, (key, (title, body)) in enumerate(CORPUS.items())
    ]
    store_entries(outlet, entries, fetched_at=NOW)
    return dict(Article.objects.filter(outlet=outlet).values_list("key", "id"))

"""Every public payload corpus pushed through the real parse -> clean -> store path.

The corpora are vendored under ``tests/corpora`` with their licences (override with
NEWSROOM_CORPORA);
their READMEs say how each one is meant to be used, and this file follows them:

* feedparser's sanitize/, encoding/ and illformed/ feeds, fed as raw bytes with their
  ``Header:`` lines as response headers;
* DOMPurify's and bleach's XSS payloads, XML-escaped into every field of an RSS 2.0
  item and of an Atom entry, one feed per (payload, field);
* billion-laughs and external-entity feeds against a canary HTTP server.

Everything is ingested with ``ingest_bytes`` into the test database, then the stored
rows are read back and checked with a real HTML parser (see ``assert_stored_safely``).
The payloads, the feeds they go in and the checker are in ``tests/support/corpora.py``,
shared with the API's tests.
"""

from __future__ import annotations

import codecs
import io
import re
import time
from dataclasses import dataclass
from pathlib import Path

import feedparser
import pytest
from bs4 import MarkupResemblesLocatorWarning
from django.utils import timezone
from pytest_httpserver import HTTPServer

from articles.ingest.feeds import NotAFeedError, ingest_bytes
from articles.ingest.parse import parse_feed
from articles.lib.html import clean_html
from articles.lib.text import has_readable_word, plain_text
from articles.models import Article, Image, Outlet
from tests.support.corpora import (
    CORPORA,
    PAYLOADS,
    RSS,
    WITH_CONTROLS,
    XSS,
    html_problems,
    is_http_url,
    payload_feed,
    rss_item,
    xss_cases,
)

FEEDPARSER = CORPORA / "feedparser"

# A stored title may well look like a URL or a file name; that is not a mistake here.
pytestmark = pytest.mark.filterwarnings(
    f"ignore::{MarkupResemblesLocatorWarning.__module__}.{MarkupResemblesLocatorWarning.__name__}"
)

# The corpora ship with the tests: missing ones are a broken checkout, not a skip.
assert FEEDPARSER.is_dir() and XSS.is_dir(), f"payload corpora not found under {CORPORA}"

# ---------------------------------------------------------------------------------------
# What "stored safely" means
# ---------------------------------------------------------------------------------------

BIDI_CONTROLS = frozenset(
    chr(c) for c in [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)
TEXT_FIELDS = ("key", "url", "title", "summary", "body_html", "author", "language")
PLAIN_TEXT_FIELDS = ("title", "summary", "author")


def assert_stored_safely(outlet: Outlet, label: str) -> list[Article]:
    """Every article and image stored for ``source`` is valid, inert text; returns them."""
    articles = list(Article.objects.filter(outlet=outlet))
    for article in articles:
        where = f"{label}: article {article.key!r}"
        for name in TEXT_FIELDS:
            value = getattr(article, name)
            assert isinstance(value, str), f"{where}: {name} is {type(value).__name__}"
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as error:
                pytest.fail(f"{where}: {name} is not valid Unicode ({error}): {value!r}")
            # PostgreSQL text columns cannot hold NUL; SQLite would hide the problem.
            assert "\x00" not in value, f"{where}: {name} contains NUL: {value!r}"
        for name in ("body_html", *PLAIN_TEXT_FIELDS):
            value = getattr(article, name)
            problems = html_problems(value)
            assert not problems, f"{where}: {name} {value!r}: {problems}"
        for name in PLAIN_TEXT_FIELDS:
            value = getattr(article, name)
            # Plain text may hold a literal "<" ("a < b"); what matters is that it is
            # already plain: reducing it to plain text again changes nothing.
            assert plain_text(value) == value, (
                f"{where}: {name} is not plain text: {value!r} -> {plain_text(value)!r}"
            )
            bidi = sorted(f"U+{ord(c):04X}" for c in set(value) & BIDI_CONTROLS)
            assert not bidi, f"{where}: {name} keeps bidi controls {bidi}: {value!r}"
        assert article.url == "" or is_http_url(article.url), (
            f"{where}: url is not http(s): {article.url!r}"
        )
        base = article.url or outlet.feed_url
        assert clean_html(article.body_html, base) == article.body_html, (
            f"{where}: sanitizing the stored body again changes it: {article.body_html!r} -> "
            f"{clean_html(article.body_html, base)!r}"
        )
    for image_url in Image.objects.filter(articles__outlet=outlet).values_list("url", flat=True):
        assert isinstance(image_url, str)
        assert is_http_url(image_url), f"{label}: image url is not http(s): {image_url!r}"
    return articles


# ---------------------------------------------------------------------------------------
# 1-3. feedparser's own test feeds
# ---------------------------------------------------------------------------------------

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: FF FE 00 00 starts with FF FE
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
XML_DECL_PATTERNS = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)
# Some comments are indented or use CRLF line ends.
HEADER_LINE = re.compile(
    r"^[ \t]*Header:[ \t]*([^:\r\n]+?)[ \t]*:[ \t]*(.*?)[ \t\r]*$", re.MULTILINE
)
EXPECT_LINE = re.compile(r"^[ \t]*Expect:[ \t]*(.*?)[ \t\r]*$", re.MULTILINE)


def comment_text(data: bytes) -> str:
    """The document as text, only to read its leading comment (never given to ingest)."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="ignore")
    for pattern, encoding in XML_DECL_PATTERNS:
        if data.startswith(pattern):
            return data.decode(encoding, errors="ignore")
    return data.decode("utf-8", errors="ignore")


@dataclass(frozen=True)
class CorpusFeed:
    name: str
    data: bytes
    headers: dict[str, str]
    expect: str


def load_corpus_feed(path: Path) -> CorpusFeed:
    data = path.read_bytes()
    text = comment_text(data)
    comment = text[: text.find("-->") + 3] if "-->" in text else ""
    headers = {name.strip(): value for name, value in HEADER_LINE.findall(comment)}
    expect = EXPECT_LINE.search(comment)
    return CorpusFeed(
        name=str(path.relative_to(FEEDPARSER)),
        data=data,
        headers=headers,
        expect=expect.group(1) if expect else "",
    )


FEEDPARSER_FILES = sorted(
    path
    for folder in ("sanitize", "encoding", "illformed")
    for path in (FEEDPARSER / folder).rglob("*.xml")
)


def test_feedparser_corpus_is_complete() -> None:
    counts = {
        folder: sum(1 for p in FEEDPARSER_FILES if p.relative_to(FEEDPARSER).parts[0] == folder)
        for folder in ("sanitize", "encoding", "illformed")
    }
    assert counts == {"sanitize": 745, "encoding": 82, "illformed": 19}
    with_headers = [f.name for f in map(load_corpus_feed, FEEDPARSER_FILES) if f.headers]
    assert len(with_headers) == 49, with_headers  # 48 in encoding/, 1 in illformed/
    assert all(load_corpus_feed(path).expect for path in FEEDPARSER_FILES)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", FEEDPARSER_FILES, ids=[str(p.relative_to(FEEDPARSER)) for p in FEEDPARSER_FILES]
)
def test_feedparser_corpus_ingests_safely(path: Path, make_outlet, record_property) -> None:
    feed = load_corpus_feed(path)
    outlet = make_outlet()

    try:
        result = ingest_bytes(outlet, feed.data, headers=feed.headers)
    except NotAFeedError as error:
        # An acceptable outcome for a broken document, recorded rather than raised.
        record_property("outcome", f"not_a_feed ({error})")
        assert not Article.objects.filter(outlet=outlet).exists()
        return
    record_property("outcome", f"stored new={result.new}")

    articles = assert_stored_safely(outlet, feed.name)
    assert result.new == len(articles)


# Most corpus entries have no guid/id, link or title (the case is only the HTML in one
# field), and parse.entry_key drops an entry without any of them, so the unchanged
# files above store almost nothing. This variant gives every <item>/<entry> an id, the
# only change, so the HTML under test really goes through clean_html into the database.
ENTRY_START = re.compile(rb"<(item|entry)(?:\s[^>]*)?(?<!/)>")


def keyed_variant(data: bytes) -> bytes:
    """``data`` with a unique guid (RSS) or id (Atom) as the first child of each entry.

    Byte-level, so only ASCII-compatible documents change (not UTF-16/32 ones)."""
    counter = iter(range(1, 100_000))

    def add_id(match: re.Match[bytes]) -> bytes:
        n = next(counter)
        if match.group(1) == b"item":
            return match.group(0) + b'<guid isPermaLink="false">urn:corpus:%d</guid>' % n
        return match.group(0) + b"<id>urn:corpus:%d</id>" % n

    return ENTRY_START.sub(add_id, data)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", FEEDPARSER_FILES, ids=[str(p.relative_to(FEEDPARSER)) for p in FEEDPARSER_FILES]
)
def test_feedparser_corpus_with_entry_ids_stores_every_entry_safely(
    path: Path, make_outlet, record_property
) -> None:
    feed = load_corpus_feed(path)
    data = keyed_variant(feed.data)
    outlet = make_outlet()
    reference = feedparser.parse(
        io.BytesIO(data),
        response_headers={k.lower(): v for k, v in feed.headers.items()},
        sanitize_html=False,
    )

    try:
        ingest_bytes(outlet, data, headers=feed.headers)
    except NotAFeedError:
        record_property("outcome", "not_a_feed")
        assert not reference.entries
        return

    articles = assert_stored_safely(outlet, f"{feed.name} (with entry ids)")
    keyed = {plain_text(e.get("id")) for e in reference.entries if plain_text(e.get("id"))}
    if data != feed.data:
        assert {a.key for a in articles} >= keyed, f"{feed.name}: keyed entries not stored"
    record_property("outcome", f"stored {len(articles)} of {len(reference.entries)} entries")
    # The feed's own title is not stored, but the parse result offers it as plain text.
    title = parse_feed(
        data, url=outlet.feed_url, headers=feed.headers, fetched_at=timezone.now()
    ).title
    assert not html_problems(title), (feed.name, title)
    assert plain_text(title) == title, (feed.name, title)


# 3. Encoding cases. What is compared, and why only that:
#   * the keyed variant of each file is used (an ASCII guid/id added to each entry, see
#     keyed_variant), so that description-only items (demoronize-*, euc-kr-item, big5,
#     ...), whose Expect checks a non-ASCII description, are stored at all;
#   * feedparser with its default options parses the same bytes with the same headers;
#     cases it flags as bozo are not compared (their text is garbage by design, e.g.
#     bozo_linenoise.xml expects mojibake);
#   * if its entries[0] has a non-empty title, a stored article must have exactly
#     plain_text(that title): the text was decoded with the right charset and kept;
#   * if its entries[0] has a description, a stored summary must equal
#     plain_text(that description) (for '<img alt="\ub144" />' that is '');
#   * the feed title is not stored in any row (an outlet's name is set by staff), so the
#     real parse code (parse_feed) is compared with plain_text(feed.title) instead.
#   Detected encoding names are not compared (they depend on the chardet version).
def reference_parse(path: Path) -> feedparser.FeedParserDict:
    feed = load_corpus_feed(path)
    return feedparser.parse(
        io.BytesIO(keyed_variant(feed.data)),
        response_headers={k.lower(): v for k, v in feed.headers.items()},
    )


# Every file still goes through the no-crash and no-script checks above; the 8 that
# feedparser flags as bozo are left out here only.
ENCODING_FILES = [
    p for p in FEEDPARSER_FILES if p.parent.name == "encoding" and not reference_parse(p).bozo
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ENCODING_FILES, ids=[p.name for p in ENCODING_FILES])
def test_encoding_corpus_stores_text_correctly(path: Path, make_outlet, record_property) -> None:
    feed = load_corpus_feed(path)
    data = keyed_variant(feed.data)
    outlet = make_outlet()
    reference = reference_parse(path)
    try:
        ingest_bytes(outlet, data, headers=feed.headers)
    except NotAFeedError:
        pytest.fail("feedparser parses this case cleanly but ingest calls it not_a_feed")
    articles = list(Article.objects.filter(outlet=outlet))
    compared = []

    first = reference.entries[0] if reference.entries else {}
    if first.get("title"):
        expected = plain_text(first["title"])
        assert expected in [a.title for a in articles], (feed.name, expected, articles)
        compared.append("entry title")
    if first.get("description"):
        expected = plain_text(first["description"])
        # Decoded right, but a summary with no readable word ("…") is no summary.
        expected = expected if has_readable_word(expected) else ""
        assert expected in [a.summary for a in articles], (feed.name, expected, articles)
        compared.append("entry description")
    if reference.feed.get("title"):
        parsed = parse_feed(
            data, url=outlet.feed_url, headers=feed.headers, fetched_at=timezone.now()
        )
        assert parsed.title == plain_text(reference.feed["title"]), feed.name
        compared.append("feed title")
    record_property("compared", ", ".join(compared) or "nothing (the feed holds no text)")


@pytest.mark.django_db
def test_description_only_items_are_stored(make_outlet) -> None:
    """RSS 2.0: "All elements of an item are optional, however at least one of title or
    description must be present." An item with only a description is a valid item."""
    feed = load_corpus_feed(FEEDPARSER / "encoding" / "demoronize-1.xml")
    outlet = make_outlet()

    ingest_bytes(outlet, feed.data, headers=feed.headers)

    assert [a.summary for a in Article.objects.filter(outlet=outlet)] == ["don\u2019t"]


# ---------------------------------------------------------------------------------------
# 4. XSS payloads in every field of a feed (the feeds: tests/support/corpora.py)
# ---------------------------------------------------------------------------------------


def test_xss_corpus_is_complete() -> None:
    assert len(PAYLOADS) == 243
    assert len(WITH_CONTROLS) == 8


@pytest.mark.django_db
@pytest.mark.parametrize(("payload", "field"), list(xss_cases()))
def test_xss_payload_in_feed_field_is_stored_inert(payload: str, field: str, make_outlet) -> None:
    outlet = make_outlet()
    body = payload_feed(field, payload)

    result = ingest_bytes(outlet, body)

    articles = assert_stored_safely(outlet, f"{field} <- {payload!r}")
    # The baseline guid/id, link and title always give the item a key: it is stored.
    assert (result.new, len(articles)) == (1, 1), f"{field} <- {payload!r}: {result}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload", [p for _, p in WITH_CONTROLS], ids=[name for name, _ in WITH_CONTROLS]
)
def test_payload_with_raw_control_characters_is_rejected_or_stored_inert(
    payload: str, make_outlet, record_property
) -> None:
    """The README's optional malformed version: raw C0 controls make the XML
    ill-formed; ingest must reject it or store it inertly, never crash."""
    outlet = make_outlet()
    body = RSS.format(item=rss_item("description", payload)).encode("utf-8")

    try:
        ingest_bytes(outlet, body)
    except NotAFeedError:
        record_property("outcome", "not_a_feed")
        return
    record_property("outcome", "stored")
    assert_stored_safely(outlet, f"raw controls <- {payload!r}")


# ---------------------------------------------------------------------------------------
# 5. Entity expansion and external entities
# ---------------------------------------------------------------------------------------

LOL_ENTITIES = "\n".join(
    [' <!ENTITY lol "lol">']
    + [f' <!ENTITY lol{n} "{(f"&lol{n - 1};" if n > 1 else "&lol;") * 10}">' for n in range(1, 10)]
)
ENTITY_ITEM = """<rss version="2.0"><channel><title>{ref}</title>
<link>https://example.com/</link><description>{ref}</description>
<item><title>{ref}</title><link>https://example.com/a</link>
<guid isPermaLink="false">urn:newsroom:entity</guid><author>{ref}</author>
<description>{ref}</description></item></channel></rss>
"""


def entity_feeds(canary: str) -> list[tuple[str, str]]:
    """(id, document) for each expansion/XXE attack; ``canary`` is an http URL."""
    head = '<?xml version="1.0" encoding="utf-8"?>\n'
    return [
        (
            "billion-laughs",
            f"{head}<!DOCTYPE rss [\n{LOL_ENTITIES}\n]>\n" + ENTITY_ITEM.format(ref="&lol9;"),
        ),
        (
            "external-http-entity",
            f'{head}<!DOCTYPE rss [\n <!ENTITY xxe SYSTEM "{canary}/entity">\n]>\n'
            + ENTITY_ITEM.format(ref="&xxe;"),
        ),
        (
            "external-file-entity",
            f'{head}<!DOCTYPE rss [\n <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
            + ENTITY_ITEM.format(ref="&xxe;"),
        ),
        (
            "external-parameter-entity",
            f'{head}<!DOCTYPE rss [\n <!ENTITY % remote SYSTEM "{canary}/parameter">\n'
            " %remote;\n]>\n" + ENTITY_ITEM.format(ref="&xxe;"),
        ),
        (
            "external-dtd",
            f'{head}<!DOCTYPE rss SYSTEM "{canary}/dtd">\n' + ENTITY_ITEM.format(ref="&xxe;"),
        ),
        (
            "public-dtd-and-file-entity",
            f'{head}<!DOCTYPE rss PUBLIC "-//x//y" "{canary}/public" [\n'
            ' <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n' + ENTITY_ITEM.format(ref="&xxe;"),
        ),
    ]


ENTITY_CASES = [name for name, _ in entity_feeds("http://127.0.0.1:1")]


@pytest.mark.django_db
@pytest.mark.parametrize("case", ENTITY_CASES)
def test_entities_are_never_expanded_or_fetched(
    case: str, httpserver: HTTPServer, make_outlet, record_property
) -> None:
    secret = "CANARY-7f3c9e"
    for path in ("/entity", "/parameter", "/dtd", "/public"):
        httpserver.expect_request(path).respond_with_data(
            f'<!ENTITY xxe "{secret}">' if path != "/entity" else secret
        )
    canary = httpserver.url_for("").rstrip("/")
    document = dict(entity_feeds(canary))[case].encode("utf-8")
    outlet = make_outlet()

    started = time.monotonic()
    try:
        ingest_bytes(outlet, document)
        outcome = "stored"
    except NotAFeedError:
        outcome = "not_a_feed"
    elapsed = time.monotonic() - started
    record_property("outcome", outcome)

    assert elapsed < 2.0, f"{case}: ingest took {elapsed:.2f} s"
    assert httpserver.log == [], f"{case}: the canary server was contacted: {httpserver.log}"
    articles = assert_stored_safely(outlet, case)
    for article in articles:
        for name in TEXT_FIELDS:
            value = getattr(article, name)
            assert "lollol" not in value, f"{case}: {name} holds an expansion: {value[:200]!r}"
            assert len(value) < 1000, f"{case}: {name} is {len(value)} characters long"
            assert "root:" not in value, f"{case}: {name} holds /etc/passwd: {value[:200]!r}"
            assert secret not in value, f"{case}: {name} holds the canary: {value!r}"


def test_browser_normalisation_matches_the_readme() -> None:
    """The checker itself: flags what browsers execute, not what they treat as text."""
    assert html_problems('<a href=" &#x09;Java&#13;Script:alert(1)">x</a>')
    assert html_problems('<a href="&#1;javascript:alert(1)">x</a>')
    assert html_problems('<img src="DATA:text/html,x">')
    assert html_problems("<p onclick=x>")
    assert html_problems("<svg><script>x</script></svg>")
    # Browsers read these as relative URLs or text, so must the checker.
    assert not html_problems('<a href="\u00a0javascript:alert(1)">x</a>')
    assert not html_problems('<a href="\x01java\x03script:alert(1)">x</a>')
    assert not html_problems('<a title="javascript:alert(2)" href="https://e.com/">x</a>')
    assert not html_problems("&lt;script&gt;alert(1)&lt;/script&gt; a &lt; b")

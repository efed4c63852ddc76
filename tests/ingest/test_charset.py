"""articles.lib.charset: which charset undeclared or mislabelled feed bytes really are.

The property every test leans on: a charset ``charset_override`` returns decodes the
bytes strictly (feedparser drops one that does not for a guess of its own, and the feed
is stored as mojibake), and for Arabic bytes it decodes them to the original text.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from articles.fulltext.extract import decode_page
from articles.ingest.parse import parse_feed
from articles.lib.charset import SAMPLE_BYTES, charset_override

FETCHED_AT = datetime(2025, 12, 30, 12, 0, tzinfo=UTC)
# Arabic and French in one windows-1256 title, with the Arabic comma (0xA1, undefined in
# ISO-8859-6, whose letters é, è, à would be).
BILINGUAL = "مهرجان الفيلم بمراكش: un événement très attendu à Marrakech، وقد حضره"
BILINGUAL_TITLES = [
    BILINGUAL,
    "Le Maroc termine premier de son groupe، المنتخب الوطني يتأهل إلى الدور الثاني",
    "الأمطار تعود إلى طنجة؛ la météo prévoit des averses à Fès et à Meknès",
]
# Letters ISO-8859-6 has, with its comma, semicolon and question mark.
ISO_TITLES = [
    "طنجة تتصدر مقاييس التساقطات المطرية بالمملكة، وفق المديرية العامة للارصاد الجوية",
    "جبال خنيفرة تلبس الرداء الابيض؛ فهل تستمر الامطار خلال الايام المقبلة؟",
]
FRENCH = (
    "Le ministère de l'Équipement a annoncé un événement très attendu à Marrakech : "
    "« c'est une priorité », a déclaré le ministre. À Fès, la médina célèbre son festival "
    "des musiques sacrées ; les élèves ont été reçus à l'Élysée. Noël, cœur, forêt, côte, "
    "hôpital, déjà, leçon, naïf, août, fenêtre, tête, sœur. "
)
NO_LABEL = [{}, {"content-type": "text/xml"}]


def rss(titles: list[str], *, declaration: str = '<?xml version="1.0"?>') -> str:
    items = "".join(
        f"<item><title>{title}</title><link>https://bi.example.ma/{n}.html</link>"
        f'<guid isPermaLink="false">bi-{n}</guid><description>{title} {title}</description>'
        "</item>\n"
        for n, title in enumerate(titles, 1)
    )
    return (
        f'{declaration}\n<rss version="2.0"><channel><title>{titles[0]}</title>'
        f"<link>https://bi.example.ma/</link><description>x</description>\n{items}"
        "</channel></rss>\n"
    )


def parse(body: bytes, headers: dict[str, str]) -> list[str]:
    feed = parse_feed(
        body, url="https://bi.example.ma/feed", headers=headers, fetched_at=FETCHED_AT
    )
    return [entry.title for entry in feed.entries]


# --- the codecs the rule relies on -------------------------------------------------


def test_windows_1256_decodes_every_byte_and_iso_8859_6_leaves_45_undefined() -> None:
    every_byte = bytes(range(256))
    assert len(every_byte.decode("windows-1256")) == 256  # 0x81 is پ, 0x8D چ, 0x90 گ
    undefined = []
    for byte in range(256):
        try:
            bytes([byte]).decode("iso-8859-6")
        except UnicodeDecodeError:
            undefined.append(byte)
    assert len(undefined) == 45
    # The Arabic comma, ghain, feh, qaf, kaf and tatweel of windows-1256 among them.
    assert {0xA1, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF} <= set(undefined)
    # The two charsets share the codes of ء to ض (0xC1-0xD6) only.
    shared = [b for b in range(0xC1, 0x100) if b not in undefined and
              bytes([b]).decode("iso-8859-6") == bytes([b]).decode("windows-1256")]  # fmt: skip
    assert shared == list(range(0xC1, 0xD7))


# --- windows-1256 with Arabic and French accents, undeclared or mislabelled -----------


@pytest.mark.parametrize("headers", NO_LABEL)
def test_undeclared_windows_1256_arabic_with_french_accents_is_windows_1256(
    headers: dict[str, str],
) -> None:
    body = BILINGUAL.encode("windows-1256")
    with pytest.raises(UnicodeDecodeError):
        body.decode("iso-8859-6")

    assert charset_override(body, headers) == "windows-1256"
    feed = rss(BILINGUAL_TITLES).encode("windows-1256")
    assert charset_override(feed, headers) == "windows-1256"


def test_mostly_french_windows_1256_with_some_arabic_is_windows_1256() -> None:
    """French accents inside Latin words touch ASCII letters, as in a Latin page: they
    must not outweigh the Arabic words (runs of Arabic letters) around them."""
    text = (FRENCH.replace("É", "E").replace("À", "A") + "مهرجان الفيلم بمراكش ") * 3
    body = text.encode("windows-1256")

    assert charset_override(body, {}) == "windows-1256"
    assert body.decode("windows-1256") == text


@pytest.mark.parametrize("headers", NO_LABEL)
def test_parse_feed_reads_an_undeclared_bilingual_windows_1256_feed(
    headers: dict[str, str],
) -> None:
    body = rss(BILINGUAL_TITLES).encode("windows-1256")

    assert parse(body, headers) == BILINGUAL_TITLES
    feed = parse_feed(
        body, url="https://bi.example.ma/feed", headers=headers, fetched_at=FETCHED_AT
    )
    assert feed.encoding == "windows-1256"
    assert feed.title == BILINGUAL


@pytest.mark.parametrize(
    "label", ["iso-8859-1", "windows-1252", "utf-8", "iso-8859-6", "x-unknown"]
)
def test_windows_1256_bytes_under_a_wrong_label_are_windows_1256(label: str) -> None:
    body = rss(BILINGUAL_TITLES, declaration=f'<?xml version="1.0" encoding="{label}"?>')
    data = body.encode("windows-1256")

    assert charset_override(data, {}) == "windows-1256"
    assert charset_override(data, {"content-type": f"text/xml; charset={label}"}) == (
        "windows-1256"
    )
    assert parse(data, {"content-type": f"text/xml; charset={label}"}) == BILINGUAL_TITLES


def test_an_html_page_without_charset_in_bilingual_windows_1256_decodes_right() -> None:
    page = f"<!doctype html><html><body><p>{BILINGUAL}</p></body></html>"

    assert BILINGUAL in decode_page(page.encode("windows-1256"), {})
    assert BILINGUAL in decode_page(
        page.encode("windows-1256"), {"content-type": "text/html; charset=iso-8859-1"}
    )


# --- ISO-8859-6 proper ---------------------------------------------------------------


@pytest.mark.parametrize("headers", NO_LABEL)
def test_undeclared_iso_8859_6_arabic_decodes_to_the_same_text(headers: dict[str, str]) -> None:
    body = rss(ISO_TITLES).encode("iso-8859-6")

    charset = charset_override(body, headers)
    assert charset == "iso-8859-6"
    assert body.decode(charset) == rss(ISO_TITLES)
    # windows-1256 would not: و, ي, ه, ل, م ... have other codes in it.
    assert body.decode("windows-1256") != rss(ISO_TITLES)
    assert parse(body, headers) == ISO_TITLES


def test_arabic_in_the_letters_both_charsets_share_decodes_the_same_either_way() -> None:
    text = "حرب ثابت، خبز سرد صبر"  # ء-ض only: the same codes in both charsets
    body = text.encode("iso-8859-6")

    charset = charset_override(body, {})
    assert charset in ("windows-1256", "iso-8859-6")
    assert body.decode(charset) == body.decode("iso-8859-6") == text


def test_declared_iso_8859_6_is_trusted_when_it_decodes() -> None:
    body = rss(ISO_TITLES, declaration='<?xml version="1.0" encoding="ISO-8859-6"?>')

    assert charset_override(body.encode("iso-8859-6"), {}) is None


def test_iso_8859_6_with_a_byte_it_lacks_past_the_sample_is_windows_1256() -> None:
    """The charset returned must decode the whole body, not only the sample read: past
    64 KB an ISO-8859-6 feed with a stray byte is no longer ISO-8859-6 for feedparser."""
    clean = rss(ISO_TITLES * 400).encode("iso-8859-6")
    assert len(clean) > SAMPLE_BYTES
    assert charset_override(clean, {}) == "iso-8859-6"
    stray = clean + b"<!-- \xa1 -->"

    assert charset_override(stray, {}) == "windows-1256"
    stray.decode("windows-1256")


# --- UTF-8 -----------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["windows-1256", "iso-8859-6", "iso-8859-1"])
def test_utf8_arabic_labelled_as_a_legacy_charset_is_utf8(label: str) -> None:
    body = rss(BILINGUAL_TITLES).encode()

    assert charset_override(body, {"content-type": f"text/xml; charset={label}"}) == "utf-8"
    assert parse(body, {"content-type": f"text/xml; charset={label}"}) == BILINGUAL_TITLES


def test_utf8_cut_in_a_character_at_the_sample_end_is_still_utf8() -> None:
    body = ("<rss>" + "ب" * SAMPLE_BYTES + "</rss>").encode()
    assert body[SAMPLE_BYTES - 1] == 0xD8  # the sample ends between the two bytes of ب

    assert charset_override(body, {"content-type": "text/xml; charset=windows-1256"}) == "utf-8"


def test_unlabelled_utf8_and_utf8_with_a_bad_byte_are_left_alone() -> None:
    body = rss(BILINGUAL_TITLES).encode()
    assert charset_override(body, {}) is None
    # Broken UTF-8 read as windows-1256 would be mojibake too: not ours to guess.
    broken = body[:200] + b"\xff" + body[200:]
    assert charset_override(broken, {}) is None


# --- not Arabic --------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["windows-1252", "latin-1"])
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"content-type": "text/xml"},
        {"content-type": "text/xml; charset=iso-8859-1"},
        {"content-type": "text/xml; charset=windows-1252"},
        {"content-type": "text/xml; charset=utf-8"},
    ],
)
def test_a_french_feed_in_a_latin_charset_is_not_taken_for_arabic(
    encoding: str, headers: dict[str, str]
) -> None:
    titles = [FRENCH, FRENCH.upper(), FRENCH.replace("'", "\u2019")]
    if encoding == "latin-1":  # no œ nor curly quotes in it
        titles = [title.replace("œ", "oe").replace("Œ", "OE") for title in titles[:2]]
    body = rss(titles).encode(encoding)

    assert charset_override(body, headers) is None


def test_other_legacy_scripts_are_left_to_their_label_or_chardet() -> None:
    russian = "Президент заявил, что экономика страны продолжает расти несмотря на трудности. "
    body = rss([russian * 3]).encode("koi8-r")  # long runs of "Arabic letters" in cp1256
    assert charset_override(body, {}) is None
    assert charset_override(body, {"content-type": "text/xml; charset=koi8-r"}) is None
    greek = rss(["Η κυβέρνηση ανακοίνωσε νέα μέτρα για την οικονομία. " * 3])
    assert charset_override(greek.encode("iso-8859-7"), {}) is None


# --- the property, over generated samples ----------------------------------------------

ARABIC_WORDS = [
    "مهرجان", "الفيلم", "بمراكش", "المغرب", "الحكومة", "وزارة", "التجهيز", "والماء",
    "قال", "رئيس", "إن", "المنتخب", "الوطني", "فاز", "على", "في", "من", "إلى", "مدينة",
    "طنجة", "الدار", "البيضاء", "فاس", "الرباط", "الأمطار", "الساعات", "الماضية",
    "أعلنت", "عن", "مشاريع", "جديدة", "البنية", "التحتية", "الأقاليم", "الجنوبية", "وقد",
    "حضره", "الجمهور", "كأس", "أمم", "إفريقيا", "غادر", "القطار", "المحطة", "صباحا",
    "الثقافة", "الفن", "الصحة", "المجتمع", "الاقتصاد", "الرياضة", "السياحة", "ضيف",
    "شؤون", "قطاع",
]  # fmt: skip
FRENCH_WORDS = [
    "un", "événement", "très", "attendu", "à", "Marrakech", "le", "ministère", "de",
    "l'Équipement", "a", "annoncé", "les", "élèves", "ont", "été", "reçus", "où", "ils",
    "présenté", "leurs", "projets", "écologiques", "la", "médina", "célèbre", "son",
    "festival", "des", "musiques", "sacrées", "du", "monde", "après", "Maroc", "premier",
    "groupe", "victoire", "éclatante", "contre", "Zambie", "côte", "forêt", "hôpital",
    "français", "déjà", "leçon", "naïf", "Noël", "cœur", "sœur", "fenêtre", "tête",
    "août", "À", "Ça",
]  # fmt: skip
ASCII_TOKENS = [",", ".", ":", ";", "!", "?", "(", ")", "-", "2025", "13", "&amp;", '"']
ARABIC_PUNCTUATION = ["،", "؛", "؟"]
GLUED = set(",.:;!?)،؛؟")  # typed right after the word before
LABELS = [None, "", "iso-8859-1", "windows-1252", "utf-8"]


def encodable(words: list[str], encoding: str) -> list[str]:
    out = []
    for word in words:
        try:
            word.encode(encoding)
        except UnicodeEncodeError:
            continue
        out.append(word)
    return out


def generated_text(rng: random.Random, encoding: str) -> str:
    arabic = encodable(ARABIC_WORDS, encoding) if encoding != "windows-1252" else []
    french = encodable(FRENCH_WORDS, encoding) if encoding != "iso-8859-6" else []
    punctuation = ASCII_TOKENS + (ARABIC_PUNCTUATION if arabic else ["«", "»", "\u2019"])
    arabic_share = rng.random() if arabic and french else (1.0 if arabic else 0.0)
    tokens = [rng.choice(arabic)] if arabic else []  # Arabic bytes have Arabic in them
    for _ in range(rng.randint(2, 80)):
        roll = rng.random()
        if roll < 0.8 * arabic_share:
            tokens.append(rng.choice(arabic))
        elif roll < 0.8:
            tokens.append(rng.choice(french))
        else:
            tokens.append(rng.choice(punctuation))
    rng.shuffle(tokens)
    text = ""
    for token in tokens:
        text += token if token in GLUED else " " + token
    if not arabic and rng.random() < 0.3:
        text = text.upper()  # capitals: É, À, Ç are Arabic letters in windows-1256
    if rng.random() < 0.5:  # as a feed: markup, and two items
        half = len(text) // 2
        text = (
            '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>News</title>\n'
            f"<item><title>{text[:half]}</title></item>\n"
            f"<item><title>{text[half:]}</title></item>\n</channel></rss>\n"
        )
    return text.strip()


def test_whatever_charset_override_returns_decodes_the_bytes_strictly() -> None:
    """Over generated samples (a fixed seed) in windows-1256, ISO-8859-6, UTF-8 and
    windows-1252, unlabelled, mislabelled or labelled right: a charset returned decodes
    the bytes strictly, and Arabic bytes decode to their text.

    Exception: a few Arabic words in ISO-8859-6 can be just as coherent read as
    windows-1256 (both charsets give Arabic letters for 0xC1-0xE6), and are then read as
    windows-1256; from 60 Arabic letters on (articles.lib.charset.MIN_COMMON_LETTERS) letter
    frequencies tell them apart, and they must decode to their text too."""
    rng = random.Random(1256)
    seen: dict[tuple[str, str | None], int] = {}
    for _ in range(800):
        encoding = rng.choice(["windows-1256", "iso-8859-6", "utf-8", "windows-1252"])
        text = generated_text(rng, encoding)
        body = text.encode(encoding)
        label = rng.choice([*LABELS, encoding])
        headers = {} if label is None else {"content-type": "text/xml"}
        if label:
            headers["content-type"] += f"; charset={label}"

        charset = charset_override(body, headers)
        seen[encoding, charset] = seen.get((encoding, charset), 0) + 1
        context = (encoding, label, charset, text)
        decoded = body.decode(charset) if charset else None  # strict: raises if not
        if encoding == "windows-1252":
            assert charset is None, context  # French in a Latin charset: no Arabic override
        elif encoding == "utf-8":
            # Left alone when the label is right or absent; else read as UTF-8.
            expected = None if label in (None, "", "utf-8") or body.isascii() else "utf-8"
            assert charset == expected, context
        elif label == encoding:
            assert charset is None, context  # a right Arabic label is trusted
        elif encoding == "windows-1256":
            assert decoded == text, context
        else:
            letters = sum("\u0621" <= char <= "\u064a" for char in text)
            assert charset is not None, context
            assert decoded == text or letters < 60, context
    # Every kind of input was generated, and the Arabic ones overridden.
    assert seen.get(("windows-1256", "windows-1256"), 0) > 100, seen
    assert seen.get(("iso-8859-6", "iso-8859-6"), 0) > 100, seen
    assert seen.get(("windows-1252", None), 0) > 100, seen

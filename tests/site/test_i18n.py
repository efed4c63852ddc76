"""The French edition is complete, the catalogues are compiled, and one stylesheet serves
both directions."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.test import Client

from articles.ingest.roster import load_demo

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
ARABIC = re.compile("[\u0600-\u06ff]")
CALENDAR = {
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday",
    "Friday", "Saturday", "Sunday",
}  # fmt: skip


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_compiled_catalogue_matches_its_outlet(language: str) -> None:
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    mo = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    translated = {
        (e.msgid, e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in po.translated_entries()
    }
    compiled = {(e.msgid, e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in mo if e.msgid}
    assert translated == compiled, "run `manage.py compilemessages` after editing a .po file"


def test_every_interface_string_has_a_french_translation() -> None:
    po = polib.pofile(str(LOCALE / "fr" / "LC_MESSAGES" / "django.po"))
    missing = [
        e.msgid
        for e in po
        if not e.obsolete
        and e.msgid not in CALENDAR  # Django's own French catalogue names them
        and not (all(e.msgstr_plural.values()) if e.msgstr_plural else e.msgstr)
    ]
    assert missing == []
    assert not [e.msgid for e in po.fuzzy_entries()]


def test_arabic_catalogue_has_every_plural_form() -> None:
    po = polib.pofile(str(LOCALE / "ar" / "LC_MESSAGES" / "django.po"))
    plurals = [e for e in po if e.msgid_plural and not e.obsolete]
    assert plurals
    assert all(len(e.msgstr_plural) == 6 and all(e.msgstr_plural.values()) for e in plurals)


class ChromeText(HTMLParser):
    """Text of a page outside what comes from feeds: feed text is wrapped in <bdi>, in
    elements with dir="auto" or lang="ar", and the language switch names Arabic."""

    FEED_MARKERS = ("bdi",)

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("meta", "link", "img", "input", "br", "hr", "outlet"):
            return
        attributes = dict(attrs)
        is_feed = (
            tag in self.FEED_MARKERS
            or attributes.get("dir") == "auto"
            or attributes.get("lang") == "ar"
            or tag in ("script", "style", "title")
        )
        self.stack.append(is_feed or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if self.stack and tag not in ("meta", "link", "img", "input", "br", "hr", "outlet"):
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.chunks.append(data)


def chrome_text(html: str) -> str:
    parser = ChromeText()
    parser.feed(html)
    return " ".join(parser.chunks)


@pytest.mark.django_db
def test_french_pages_show_no_arabic_interface_text(settings, sections) -> None:
    settings.CONTENT_VERSION_RECHECK_SECONDS = 0
    load_demo()
    from articles.models import Article, Outlet, Section

    article = Article.objects.filter(body_html__gt="").select_related("outlet").first()
    section = Section.objects.filter(articles__isnull=False).first()
    outlet = Outlet.objects.filter(articles__isnull=False).first()
    assert article and section and outlet
    client = Client()
    paths = [
        "/fr/",
        f"/fr{article.get_absolute_url()}",
        f"/fr{section.get_absolute_url()}",
        f"/fr{outlet.get_absolute_url()}",
        "/fr/outlets/",
        "/fr/about/",
        "/fr/no-such-outlet/",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        text = chrome_text(response.content.decode())
        assert not ARABIC.findall(text), (path, [w for w in text.split() if ARABIC.search(w)])
        assert 'lang="fr" dir="ltr"' in response.content.decode()


def test_stylesheet_uses_logical_properties_only() -> None:
    css = (ROOT / "static" / "css" / "site.css").read_text()
    without_comments = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    physical = re.findall(
        r"(?<![\w-])(?:margin|padding|border|inset)-(?:left|right|top|bottom)\b"
        r"|(?<![\w-])(?:left|right|top|bottom)\s*:"
        r"|text-align\s*:\s*(?:left|right)|float\s*:\s*(?:left|right)",
        without_comments,
    )
    assert physical == []
    assert "rtl.css" not in " ".join(p.name for p in (ROOT / "static").rglob("*.css"))


def test_arabic_font_is_self_hosted_with_its_licence() -> None:
    fonts = ROOT / "static" / "fonts"
    woff2 = list(fonts.glob("*.woff2"))
    assert woff2 and all(f.read_bytes()[:4] == b"wOF2" for f in woff2)
    assert "SIL Open Font License" in (fonts / "OFL.txt").read_text()
    css = (ROOT / "static" / "css" / "site.css").read_text()
    assert "font-display: swap" in css
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", css), "fonts come from our host"

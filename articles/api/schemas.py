"""What the API answers, and what the articles list accepts. Field names are English
whatever the language of the values: an API is read by programs."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator

from articles.search.words import MAX_QUERY_LENGTH

SLUG = r"^[-a-zA-Z0-9_]+$"
# A cursor from a "next" address: a published time and an id, or a search position.
CURSOR = r"^(k-?\d{1,19}|-?\d{1,18}-\d{1,19})$"
Language = Literal["ar", "fr"]
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def iso_8601(value: object) -> object:
    """A date (and time) as ISO 8601 writes it, as the document promises: not the
    seconds since 1970 that pydantic would take too ("0.5", "1700000000")."""
    if isinstance(value, str) and not ISO_DATE.match(value):
        raise ValueError("not an ISO 8601 date and time")
    return value


Moment = Annotated[datetime, BeforeValidator(iso_8601)]


class Problem(Schema):
    detail: str = Field(description="What was wrong, in English.")


class OutletRef(Schema):
    slug: str
    name: str = Field(description="The outlet's name as it writes it (Arabic or Latin).")
    lang: Language


class SectionRef(Schema):
    slug: str
    name: str = Field(description="The section's Arabic name.")


class Picture(Schema):
    url: str = Field(description="Our own WebP copy (absolute), never the outlet's file.")
    width: int
    height: int


class ArticleItem(Schema):
    id: int
    url: str = Field(description="The article's page on this site (absolute).")
    original_url: str | None = Field(description="The outlet's page (http or https only).")
    title: str
    summary: str = Field(description="Plain text.")
    outlet: OutletRef
    section: SectionRef | None
    author: str
    lang: Language
    published_at: datetime = Field(description="ISO 8601, with Morocco's offset.")
    image: Picture | None = Field(description="The lead picture, null when staff hid it.")
    story: int | None = Field(
        description="The id of its story (the reports of one event by several outlets, "
        "/stories/{story_id}), null for an article alone."
    )
    regions: list[str] = Field(
        description="The slugs of the regions it is about (/regions), by its places and "
        "its regional outlet, or as staff set them; empty for a national story."
    )


class ArticleDetail(ArticleItem):
    body_html: str = Field(
        description="The body as our article page renders it: cleaned by our HTML policy, "
        "our own copies of its pictures, hidden pictures as a placeholder."
    )


class ArticlePage(Schema):
    items: list[ArticleItem]
    next: str | None = Field(description="The absolute address of the next (older) page.")


class OutletLink(Schema):
    slug: str
    name: str = Field(description="The outlet's name as it writes it.")
    url: str = Field(description="The outlet's page on this site (absolute).")


class Story(Schema):
    id: int
    url: str = Field(description="The story's page on this site (absolute).")
    title: str = Field(description="The headline staff chose, else its lead report's title.")
    outlets: list[OutletLink] = Field(
        description="The outlets covering it, the first to report first."
    )
    article_count: int = Field(description="Its visible reports.")
    articles: list[ArticleItem] = Field(
        description="Its visible reports, newest first: every one in a story's own answer "
        "(/stories/{story_id}), the newest 10 in the stories list."
    )
    articles_url: str = Field(
        description="The articles list of its reports (absolute, /articles?story=...): "
        "every one, in pages."
    )
    first_published_at: datetime = Field(description="Its first report (ISO 8601).")
    last_published_at: datetime = Field(description="Its latest report: the list's order.")
    updated_at: datetime = Field(description="When its reports last changed.")


class StoryPage(Schema):
    items: list[Story]
    next: str | None = Field(description="The absolute address of the next (older) page.")


class Outlet(Schema):
    slug: str
    name: str = Field(description="The outlet's name as it writes it.")
    name_latin: str = Field(description="The name in Latin letters (may be empty).")
    url: str = Field(description="The outlet's page on this site (absolute).")
    site_url: str
    lang: Language
    article_count: int
    last_success_at: datetime | None = Field(description="The last fetch that succeeded.")


class Section(Schema):
    slug: str
    name: str = Field(description="Arabic.")
    name_fr: str = Field(description="French.")
    url: str = Field(description="The section's page on this site (absolute).")


class ArticleFilters(Schema):
    """The articles list's parameters."""

    outlet: str | None = Field(None, pattern=SLUG, max_length=100, description="An outlet slug.")
    section: str | None = Field(None, pattern=SLUG, max_length=50, description="A section slug.")
    region: str | None = Field(
        None, pattern=SLUG, max_length=50,
        description="A region slug (e.g. souss-massa): the articles about that region.",
    )  # fmt: skip
    story: int | None = Field(
        None, ge=1, le=2**63 - 1, description="A story's id: its visible reports."
    )
    lang: Language | None = None
    since: Moment | None = Field(None, description="Published at or after (ISO 8601).")
    until: Moment | None = Field(None, description="Published before (ISO 8601).")
    q: str | None = Field(
        None,
        max_length=MAX_QUERY_LENGTH,
        description="Words or a quoted phrase, searched as /search/ does (Arabic and "
        "French normalisation: hamza, ta marbuta, diacritics, accents).",
    )
    limit: int = Field(20, ge=1, le=100)
    before: str | None = Field(
        None, pattern=CURSOR, max_length=40, description="Cursor from a previous `next`."
    )


class StoryFilters(Schema):
    """The stories list's parameters (names and meanings as the articles list's)."""

    outlet: str | None = Field(
        None, pattern=SLUG, max_length=100, description="Stories this outlet covers (a slug)."
    )
    since: Moment | None = Field(
        None, description="Stories with a report published at or after (ISO 8601)."
    )
    limit: int = Field(20, ge=1, le=100)
    before: str | None = Field(
        None, pattern=CURSOR, max_length=40, description="Cursor from a previous `next`."
    )

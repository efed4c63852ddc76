"""Cards: one item of a list of news, what ``includes/story.html`` draws.

A card shows one report, or a whole story (the home page's leads): its headline, its
address, its picture, and the other outlets that report the same story ("و N منابر
أخرى", each name a link to that outlet's report on our site). ``fold`` turns a list of
articles, newest first, into cards with no story twice: the later reports of a story
already shown go into its card instead of repeating it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.storage import Storage
from django.db.models import QuerySet
from django.utils.translation import get_language

from articles.models import HIDDEN, Article, ArticleImage, Image, Story, outlet_path
from articles.models.images import hidden_reason
from articles.stories.ranking import Report, one_per_outlet, report_of, story_outlets


@dataclass(frozen=True)
class Card:
    article: Article | Item  # the report shown (outlet, time, language)
    others: list[Report] = field(default_factory=list)  # one per other outlet
    story: Story | None = None  # set when the card stands for the story itself
    picture: ArticleImage | Picture | None = None  # a story card's shown picture

    @property
    def title(self) -> str:
        return self.story.title if self.story is not None else self.article.title

    @property
    def url(self) -> str:
        return (self.story or self.article).get_absolute_url()

    @property
    def language(self) -> str:
        if self.story is not None and self.story.lead is not None:
            return self.story.lead.language
        return self.article.language

    @property
    def link(self) -> ArticleImage | Picture | None:
        """The picture drawn: a story card's shown picture; an article's first
        (a hidden one as a placeholder, as on every list)."""
        if self.story is not None:
            return self.picture
        pictures = getattr(self.article, "pictures", None)
        return pictures[0] if pictures else None


def story_card(story: Story, reports: Sequence[Article | Item]) -> Card:
    """The card of a whole story: the lead report first, its first shown picture
    among the reports starting with the lead (``reports`` newest first, with images:
    ``articles.site.reading.with_images``), and every other outlet."""
    lead = next((r for r in reports if r.id == story.lead_id), reports[0])
    ordered = [lead, *(r for r in reports if r is not lead)]
    picture = next((r.shown_images[0] for r in ordered if r.shown_images), None)
    others = [report_of(r) for r in one_per_outlet(reports, besides=lead)]
    return Card(lead, others, story, picture)


def fold(articles: Iterable[Article | Item], *, shown: set[int] | None = None) -> list[Card]:
    """A card per story (its newest report in ``articles``) and per article alone.
    Stories in ``shown`` (already on the page) are left out. One query for the
    other outlets' reports of every story in the list."""
    return fold_many([list(articles)], shown=shown)[0]


def fold_many(
    lists: Sequence[Sequence[Article | Item]], *, shown: set[int] | None = None
) -> list[list[Card]]:
    """``fold`` of each list on its own (a story may have a card in two lists), with
    one query for them all."""
    kept_lists: list[list[Article | Item]] = []
    for articles in lists:
        seen = set(shown or ())
        kept: list[Article | Item] = []
        for article in articles:
            if article.story_id is None or article.story_id not in seen:
                if article.story_id is not None:
                    seen.add(article.story_id)
                kept.append(article)
        kept_lists.append(kept)
    wanted = {a.story_id for kept in kept_lists for a in kept if a.story_id is not None}
    reports = story_outlets(wanted)
    return [[_card(a, reports) for a in kept] for kept in kept_lists]


def _card(article: Article | Item, reports: dict[int, list[Report]]) -> Card:
    if article.story_id is None:
        return Card(article)
    return Card(article, one_per_outlet(reports.get(article.story_id, []), besides=article))


@dataclass(frozen=True)
class OutletRef:
    """An outlet as a card names it: plain values (``Outlet``'s address and name)."""

    id: int
    slug: str
    name: str
    name_latin: str

    def get_absolute_url(self) -> str:
        return outlet_path(self.slug, get_language())

    @property
    def display_name(self) -> str:
        if get_language() == "fr" and self.name_latin:
            return self.name_latin
        return self.name


@dataclass(frozen=True)
class File:
    """A stored file's name; its address asked of the storage only if drawn."""

    name: str
    storage: Storage

    @property
    def url(self) -> str:
        return self.storage.url(self.name)


@dataclass(frozen=True)
class Picture:
    """A stored image as a card draws it: plain values standing for both the
    ``ArticleImage`` link and its ``Image`` (``picture.image`` is itself)."""

    pk: int
    is_hidden: bool
    copy: File
    copy_width: int | None
    copy_height: int | None
    thumbnail: File
    thumbnail_width: int | None
    thumbnail_height: int | None
    hidden_reason: str = ""  # what the placeholder says, for a hidden one

    @property
    def image(self) -> Picture:
        return self


@dataclass
class Item:
    """An article as a card shows it, from one row of plain values: its outlet, and
    only its first stored picture (``pictures``) and first shown one
    (``shown_images``), as ``articles.site.reading.with_images`` names them."""

    id: int
    title: str
    language: str
    published_at: datetime
    story_id: int | None
    outlet_id: int
    outlet: OutletRef
    section_id: int | None = None
    pictures: list[Picture] = field(default_factory=list)
    shown_images: list[Picture] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.id

    def get_absolute_url(self) -> str:
        return f"{self.outlet.get_absolute_url()}{self.id}/"


ITEM_FIELDS = (
    "id", "title", "language", "published_at", "story_id",
    "section_id", "outlet_id", "outlet__slug", "outlet__name", "outlet__name_latin",
)  # fmt: skip
PICTURE_FIELDS = (
    "article_id", "image_id", "image__status", "image__visibility", "image__copy",
    "image__copy_width", "image__copy_height", "image__thumbnail",
    "image__thumbnail_width", "image__thumbnail_height",
)  # fmt: skip


def items(articles: QuerySet[Article]) -> list[Item]:
    """``articles`` (ordered, sliced) as ``Item`` rows, without pictures (``add_pictures``)."""
    outlets: dict[int, OutletRef] = {}
    found = []
    for row in articles.values_list(*ITEM_FIELDS):
        id_, title, language, published_at, story_id, section_id, outlet_id, *names = row
        outlet = outlets.get(outlet_id)
        if outlet is None:
            outlet = outlets[outlet_id] = OutletRef(outlet_id, *names)
        found.append(
            Item(id_, title, language, published_at, story_id, outlet_id, outlet, section_id)
        )
    return found


def add_pictures(found: Iterable[Item]) -> None:
    """Each item's first stored picture and first shown one, in one query. Filtered
    in Python, as ``with_images`` explains (SQLite and the image's status)."""
    by_id: dict[int, list[Item]] = {}
    for item in found:
        by_id.setdefault(item.id, []).append(item)
    if not by_id:
        return
    storage = Image._meta.get_field("copy").storage
    links = (
        ArticleImage.objects.filter(article_id__in=list(by_id))
        .order_by("position")
        .values_list(*PICTURE_FIELDS)
    )
    done: set[int] = set()
    for article_id, image_id, status, visibility, copy, cw, ch, thumb, tw, th in links:
        if status != Image.Status.STORED or article_id in done:
            continue
        hidden = visibility in HIDDEN
        picture = Picture(
            image_id, hidden, File(copy, storage), cw, ch, File(thumb, storage), tw, th,
            hidden_reason(visibility),
        )  # fmt: skip
        for item in by_id[article_id]:
            if not item.pictures:
                item.pictures.append(picture)
            if not hidden:
                item.shown_images.append(picture)
        if not hidden:
            done.add(article_id)

"""Cards: one item of a list of news, what ``includes/story.html`` draws.

A card shows one report, or a whole story (the home page's leads): its headline, its
address, its picture, and the other outlets that report the same story ("و N منابر
أخرى", each name a link to that outlet's report on our site). ``fold`` turns a list of
articles, newest first, into cards with no story twice: the later reports of a story
already shown go into its card instead of repeating it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from articles.models import Article, ArticleImage, Story
from articles.stories.ranking import Report, one_per_outlet, report_of, story_outlets


@dataclass(frozen=True)
class Card:
    article: Article  # the report shown (outlet, time, language)
    others: list[Report] = field(default_factory=list)  # one per other outlet
    story: Story | None = None  # set when the card stands for the story itself
    picture: ArticleImage | None = None  # a story card's shown picture

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
    def link(self) -> ArticleImage | None:
        """The picture drawn: a story card's shown picture; an article's first
        (a hidden one as a placeholder, as on every list)."""
        if self.story is not None:
            return self.picture
        pictures = getattr(self.article, "pictures", None)
        return pictures[0] if pictures else None


def story_card(story: Story, reports: list[Article]) -> Card:
    """The card of a whole story: the lead report first, its first shown picture
    among the reports starting with the lead (``reports`` newest first, with images:
    ``articles.site.reading.with_images``), and every other outlet."""
    lead = next((r for r in reports if r.id == story.lead_id), reports[0])
    ordered = [lead, *(r for r in reports if r is not lead)]
    picture = next((r.shown_images[0] for r in ordered if r.shown_images), None)
    others = [report_of(r) for r in one_per_outlet(reports, besides=lead)]
    return Card(lead, others, story, picture)


def fold(articles: Iterable[Article], *, shown: set[int] | None = None) -> list[Card]:
    """A card per story (its newest report in ``articles``) and per article alone.
    Stories in ``shown`` (already on the page) are left out. One query for the
    other outlets' reports of every story in the list."""
    return fold_many([list(articles)], shown=shown)[0]


def fold_many(lists: list[list[Article]], *, shown: set[int] | None = None) -> list[list[Card]]:
    """``fold`` of each list on its own (a story may have a card in two lists), with
    one query for them all."""
    kept_lists: list[list[Article]] = []
    for articles in lists:
        seen = set(shown or ())
        kept: list[Article] = []
        for article in articles:
            if article.story_id is None or article.story_id not in seen:
                if article.story_id is not None:
                    seen.add(article.story_id)
                kept.append(article)
        kept_lists.append(kept)
    wanted = {a.story_id for kept in kept_lists for a in kept if a.story_id is not None}
    reports = story_outlets(wanted)
    return [[_card(a, reports) for a in kept] for kept in kept_lists]


def _card(article: Article, reports: dict[int, list[Report]]) -> Card:
    if article.story_id is None:
        return Card(article)
    return Card(article, one_per_outlet(reports.get(article.story_id, []), besides=article))

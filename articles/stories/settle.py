"""Linked reports into stories, within a story's time span.

A story holds the reports of one event in one window: at most ``STORY_SPAN`` from its
first report to its last. Links are taken strongest first; a link that would stretch a
group beyond the span is left out, so that a chain of look-alike reports (one weather
bulletin a day, each like the next) cannot grow into a story of a hundred days.

Existing stories take part as one node each, whatever their size: settling costs the
same for a story of three reports and one of three hundred, and nothing here reads a
story's members. Within a batch the result does not depend on the order of the links
or of the articles; across batches, a chain cut by the span may be cut at another
report if its reports arrive in another order (docs/stories.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count
from django.utils import timezone

from articles.lib.sql import update_rows
from articles.models import Article, Story, StoryMove
from articles.stories.grouping import Spans

Link = tuple[int, int, float]


def settle(
    links: list[Link], movable: Iterable[int], hints: dict[int, int] | None = None
) -> set[int]:
    """Put linked articles in stories. Articles outside ``movable`` stay with their story
    (the story is one node); movable ones go where their links take them, or alone.
    ``hints`` (a rebuild's) names the story an article was in, to keep its id.
    Returns the ids of the stories that changed."""
    movable = set(movable)
    ids = movable | {x for a, b, _ in links for x in (a, b)}
    rows = list(Article.objects.filter(id__in=ids).values_list("id", "story_id", "published_at"))
    story_of: dict[int, int | None] = {i: s for i, s, _ in rows}
    held = {s for i, s, _ in rows if s is not None and i not in movable}
    spans = {
        story: (first, last)
        for story, first, last in Story.objects.filter(id__in=held).values_list(
            "id", "first_published_at", "last_published_at"
        )
    }
    found = Spans()
    node: dict[int, str] = {}
    for article_id, story, published_at in rows:
        if story is not None and article_id not in movable and story in spans:
            node[article_id] = f"s{story}"
            found.add(node[article_id], *spans[story])
        else:
            node[article_id] = f"a{article_id}"
            found.add(node[article_id], published_at, published_at)
    for a, b, _ in sorted(links, key=lambda link: (-link[2], link[0], link[1])):
        if a in node and b in node:
            found.union(node[a], node[b])
    return _apply(found, node, story_of, hints or {})


def _apply(
    found: Spans, node: dict[int, str], story_of: dict[int, int | None], hints: dict[int, int]
) -> set[int]:
    groups: dict[str, set[str]] = defaultdict(set)
    for name in set(node.values()):
        groups[found.find(name)].add(name)
    changed: set[int] = set()
    moves: dict[int | None, list[int]] = defaultdict(list)
    for _root, names in sorted(groups.items()):
        stories = sorted(int(n[1:]) for n in names if n[0] == "s")
        articles = sorted(int(n[1:]) for n in names if n[0] == "a")
        target = stories[0] if stories else None
        if target is None and len(names) > 1:
            target = _story_for(articles, hints)
        if stories[1:]:
            Article.objects.filter(story_id__in=stories[1:]).update(story_id=target)
            StoryMove.objects.record(stories[1:], stories[0])
            Story.objects.filter(id__in=stories[1:]).delete()
            changed.update(stories)
        for article_id in articles:
            if story_of.get(article_id) != target:
                moves[target].append(article_id)
                changed.update(s for s in (story_of.get(article_id), target) if s is not None)
    update_rows(Article, ("story",), ((target, i) for target, ids in moves.items() for i in ids))
    return changed


def _story_for(articles: list[int], hints: dict[int, int]) -> int:
    """A story for a new group: the one most of its articles were in before a rebuild,
    if no other article holds it now (so story pages keep their addresses), or a new."""
    votes: dict[int, int] = defaultdict(int)
    for article_id in articles:
        if article_id in hints:
            votes[hints[article_id]] += 1
    for story in sorted(votes, key=lambda s: (-votes[s], s)):
        held = Article.objects.filter(story_id=story).exclude(id__in=articles).exists()
        if not held and Story.objects.filter(id=story).exists():
            return story
    now = timezone.now()
    return Story.objects.create(first_published_at=now, last_published_at=now).id


def empty_stories(story_ids: Iterable[int]) -> list[int]:
    """Those of the stories left without an article (a rebuild's leftovers)."""
    stories = Story.objects.filter(id__in=list(story_ids)).annotate(n=Count("articles"))
    return list(stories.filter(n=0).values_list("id", flat=True))

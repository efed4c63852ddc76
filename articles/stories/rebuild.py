"""Group a window of articles again (``manage.py stories --rebuild``).

The window's prints are made anew and its articles linked as if they arrived one batch
after another (``assign.file_prints``/``find_links``: each pair is found once, when its
later article is filed). Then the groups are settled with the window's articles free
to move, articles outside the window and articles staff placed kept in their stories.
Stories keep their ids wherever most of their articles stay, so that story pages keep
their addresses; a rebuild of an unchanged window changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from articles.models import Article, ContentVersion, Story, StoryKey, StoryPrint
from articles.stories.assign import file_prints, find_links, take_turn
from articles.stories.settle import empty_stories, settle
from articles.stories.summary import refresh, stories_of

BATCH = 2000


def rebuild(since: datetime, until: datetime | None = None) -> dict[str, Any]:
    window = Article.objects.filter(published_at__gte=since)
    if until is not None:
        window = window.filter(published_at__lt=until)
    ids = list(window.order_by("published_at", "id").values_list("id", flat=True))
    with transaction.atomic():
        take_turn()
        # Where each article was, to keep story ids; staff's placements stay as they are.
        hints: dict[int, int] = {}
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            free = Article.objects.filter(id__in=batch, story_by_staff=False)
            hints.update(free.exclude(story=None).values_list("id", "story_id"))
            free.update(story=None)
            StoryKey.objects.filter(article_id__in=batch).delete()
            StoryPrint.objects.filter(article_id__in=batch).delete()
        changed = set(hints.values())
        for start in range(0, len(ids), BATCH):
            filed = file_prints(ids[start : start + BATCH])
            changed |= settle(find_links(filed.prints, filed.times), filed.movable, hints)
        Story.objects.filter(id__in=empty_stories(changed)).delete()
        # Every story of the window is summed up again, moved or not: a rebuild also
        # puts right counts and dates that went stale.
        refresh((changed | stories_of(ids)) - set(empty_stories(changed)))
        ContentVersion.objects.bump()
    return {"articles": len(ids), "stories": len(changed)}

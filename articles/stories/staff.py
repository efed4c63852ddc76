"""Staff decisions on stories, which the grouping never undoes.

- ``take_out``: an article does not belong to its story. It stays alone for good
  (the grouping links nothing to it), and the rest of the story is grouped again
  among itself, as a rebuild would group it without that article.
- ``merge``: two stories are one. Every article of both is placed by staff: the
  grouping never moves them, and a rebuild keeps them together.
- ``rename``: the story's headline, instead of its lead article's.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from articles.models import Article, ContentVersion, Story, StoryMove, StoryPrint
from articles.stories.assign import take_turn
from articles.stories.features import loads
from articles.stories.grouping import Groups, Report, links
from articles.stories.summary import refresh


def take_out(article: Article) -> None:
    with transaction.atomic():
        take_turn()
        story_id = Article.objects.filter(pk=article.pk).values_list("story_id", flat=True).first()
        Article.objects.filter(pk=article.pk).update(story=None, story_by_staff=True)
        if story_id is not None:
            regroup(story_id)
        ContentVersion.objects.bump()


def regroup(story_id: int) -> None:
    """Group a story's articles again among themselves: the largest group keeps the
    story, the others become stories of their own (or articles alone)."""
    members = list(
        Article.objects.filter(story_id=story_id).values_list(
            "id", "published_at", "story_by_staff"
        )
    )
    prints = dict(StoryPrint.objects.filter(article_id__in=[m[0] for m in members]).values_list(
        "article_id", "text"))  # fmt: skip
    reports = [Report(i, t, loads(prints[i])) for i, t, _ in members if i in prints]
    found = Groups()
    staff = [i for i, _, by_staff in members if by_staff]
    for article_id, _, _ in members:
        found.find(article_id)
    for article_id in staff[1:]:
        found.union(staff[0], article_id)
    for a, b in links(reports):
        found.union(a, b)
    groups = sorted(found.groups(), key=lambda g: (-len(g), min(g)))  # type: ignore[type-var]
    changed = {story_id}
    for members_of_group in groups[1:]:
        ids = list(members_of_group)
        if len(ids) > 1:
            story = Story.objects.create(
                first_published_at=min(t for i, t, _ in members if i in members_of_group),
                last_published_at=max(t for i, t, _ in members if i in members_of_group),
            )
            Article.objects.filter(id__in=ids).update(story=story)
            changed.add(story.id)
        else:
            Article.objects.filter(id__in=ids).update(story=None)
    refresh(changed)


def merge(target: Story, other: Story) -> None:
    if target.pk == other.pk:
        return
    with transaction.atomic():
        take_turn()
        Article.objects.filter(story_id__in=[target.pk, other.pk]).update(
            story_id=target.pk, story_by_staff=True
        )
        if other.headline and not target.headline:
            Story.objects.filter(pk=target.pk).update(headline=other.headline)
        StoryMove.objects.record([other.pk], target.pk)
        Story.objects.filter(pk=other.pk).delete()
        refresh([target.pk])
        ContentVersion.objects.bump()


def rename(story: Story, headline: str) -> None:
    with transaction.atomic():
        Story.objects.filter(pk=story.pk).update(
            headline=headline.strip()[:500], updated_at=timezone.now()
        )
        ContentVersion.objects.bump()

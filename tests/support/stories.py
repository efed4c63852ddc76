"""Stories for the API and admin tests: reports of one event written so that the
grouping (``articles.stories.assign``) surely links them, and stories made directly,
without the grouping, where a test is about what a story shows rather than how it
formed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from articles.models import Article, Outlet, Story
from articles.stories.summary import refresh
from tests.support.site import NOW, make_article

# Two events, each told by several outlets in near-identical words, and nothing alike.
MATCH = (
    "المنتخب المغربي يفوز على زامبيا بثلاثة أهداف في تصفيات كأس العالم",
    "فاز المنتخب الوطني المغربي لكرة القدم مساء الثلاثاء على منتخب زامبيا بثلاثة أهداف "
    "دون رد في الملعب الكبير بطنجة ضمن تصفيات كأس العالم 2026.",
)
QUAKE = (
    "هزة أرضية بقوة 5.2 درجات تضرب إقليم الحسيمة دون خسائر",
    "سجل المعهد الوطني للجيوفيزياء صباح اليوم الأربعاء هزة أرضية بقوة 5.2 درجات على "
    "سلم ريختر بإقليم الحسيمة، دون تسجيل خسائر بشرية أو مادية.",
)


def reports(
    outlets: Sequence[Outlet], event: tuple[str, str], start: datetime = NOW
) -> list[Article]:
    """One report of ``event`` per outlet, an hour apart from ``start`` on."""
    title, summary = event
    return [
        make_article(
            outlet,
            title=title if n % 2 == 0 else f"{title} (فيديو)",
            summary=summary,
            published_at=start + timedelta(hours=n),
            language=outlet.language,
        )
        for n, outlet in enumerate(outlets)
    ]


def grouped(*articles: Article, headline: str = "") -> Story:
    """A story of ``articles`` made directly, its counts and lead filled as the
    grouping fills them."""
    times = [article.published_at for article in articles]
    story = Story.objects.create(
        headline=headline, first_published_at=min(times), last_published_at=max(times)
    )
    Article.objects.filter(id__in=[a.id for a in articles]).update(story=story)
    refresh([story.id])
    story.refresh_from_db()
    return story


def members(story_id: int | None) -> set[int]:
    return set(Article.objects.filter(story_id=story_id).values_list("id", flat=True))

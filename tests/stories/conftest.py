"""The labelled story sets (tests/data/stories) as articles in the database."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from articles.models import Article, Outlet

SETS = Path(__file__).resolve().parents[1] / "data" / "stories"


def labelled(name: str) -> list[dict[str, Any]]:
    return json.loads((SETS / f"{name}.json").read_text(encoding="utf-8"))


def distractors(name: str) -> list[list[str]]:
    return json.loads((SETS / "distractors.json").read_text(encoding="utf-8"))[name]


def store_items(items: Sequence[dict[str, Any]]) -> dict[str, int]:
    """One article per item (its outlet made on first use); item id -> article id."""
    outlets: dict[str, Outlet] = {}
    ids = {}
    for item in items:
        slug = item["outlet"]
        if slug not in outlets:
            outlets[slug] = Outlet.objects.get_or_create(
                slug=slug,
                defaults={"name": slug, "feed_url": f"http://127.0.0.1:9/{slug}.xml",
                          "language": item["lang"]},
            )[0]  # fmt: skip
        published = datetime.fromisoformat(item["published_at"])
        ids[item["id"]] = Article.objects.create(
            outlet=outlets[slug], key=item["id"], url=f"https://example.org/{item['id']}",
            title=item["title"], summary=item["summary"], language=item["lang"],
            published_at=published, fetched_at=published, updated_at=timezone.now(),
            content_hash=item["id"],
        ).id  # fmt: skip
    return ids


def partition(article_ids: Sequence[int]) -> set[frozenset[int]]:
    """The stories of these articles as sets of ids (an article alone: a set of one)."""
    story_of = dict(Article.objects.filter(id__in=article_ids).values_list("id", "story_id"))
    groups: dict[object, set[int]] = {}
    for article_id in article_ids:
        story = story_of[article_id]
        groups.setdefault(story if story is not None else f"alone-{article_id}", set()).add(
            article_id
        )
    return {frozenset(g) for g in groups.values()}


@pytest.fixture
def dev_articles(db: None) -> Callable[[], dict[str, int]]:
    return lambda: store_items(labelled("dev"))

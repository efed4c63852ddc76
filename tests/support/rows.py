"""Snapshots of stored rows, for tests that check that running something again
changes nothing."""

from __future__ import annotations

from typing import Any

from articles.models import Article, ArticleImage


def article_rows(**filters: Any) -> list[dict[str, Any]]:
    """Every field of every matching article, with its image links, in a stable order."""
    articles = list(Article.objects.filter(**filters).order_by("outlet_id", "key").values())
    links = ArticleImage.objects.filter(article__in=[a["id"] for a in articles])
    images = {}
    for article_id, url, position in links.values_list("article_id", "image__url", "position"):
        images.setdefault(article_id, []).append((position, url))
    for article in articles:
        article["images"] = sorted(images.get(article["id"], []))
    return articles

"""An article's place in the search index (the words live where each engine wants them:
see ``articles.search.index``).
"""

from __future__ import annotations

from django.db import models

from articles.models.articles import Article


class SearchEntry(models.Model):
    """An article's place in the search index (articles.search.index).

    The words themselves live where each engine wants them: an FTS5 table on SQLite, a
    ``document`` tsvector column added to this table on PostgreSQL (migration 0005).
    ``source_id`` and ``category_id`` are copies of the article's, for filtering
    inside the index; every writer of those reindexes the article.
    """

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="search_entry"
    )
    # Published second and id in one integer (articles.search.index.sort_key).
    sort_key = models.BigIntegerField()
    outlet_id = models.BigIntegerField(db_column="source_id")  # old names
    section_id = models.BigIntegerField(null=True, db_column="category_id")  # old names

    def __str__(self) -> str:
        return f"search:{self.article_id}"

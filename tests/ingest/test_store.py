"""Storing parsed entries: idempotent upserts, shared images, updates."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from articles.ingest.parse import ParsedEntry
from articles.ingest.store import store_entries
from articles.lib.text import normalize_label
from articles.models import Article, ArticleImage, Image, Section, SectionAlias

pytestmark = pytest.mark.usefixtures("sections")
NOW = datetime(2025, 12, 22, 10, 0, tzinfo=UTC)


def entry(key: str, *images: str, title: str = "عنوان") -> ParsedEntry:
    return ParsedEntry(
        key=key, url=f"https://example.ma/{key}", title=title, summary="ملخص",
        body_html="<p>نص</p>", author="", language="ar", published_at=NOW,
        categories=("رياضة",), image_urls=images, content_hash=f"{key}:{title}:{images}",
    )  # fmt: skip


@pytest.mark.postgres
@pytest.mark.django_db
def test_an_image_shared_by_two_outlets_is_one_row_and_new_only_once(make_outlet) -> None:
    first, second = make_outlet(), make_outlet()

    one = store_entries(first, [entry("a", "https://cdn.ma/1.jpg", "https://cdn.ma/2.jpg")],
                        fetched_at=NOW)  # fmt: skip
    two = store_entries(second, [entry("b", "https://cdn.ma/2.jpg")], fetched_at=NOW)

    assert Image.objects.count() == 2
    assert len(one.new_image_ids) == 2
    assert two.new_image_ids == ()
    shared = Image.objects.get(url="https://cdn.ma/2.jpg")
    assert set(shared.articles.values_list("key", flat=True)) == {"a", "b"}


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_changed_entry_is_updated_in_place_and_its_images_relinked(make_outlet) -> None:
    outlet = make_outlet()
    store_entries(outlet, [entry("a", "https://cdn.ma/old.jpg")], fetched_at=NOW)
    article_id = Article.objects.get().id

    later = datetime(2025, 12, 22, 12, 0, tzinfo=UTC)
    result = store_entries(
        outlet, [entry("a", "https://cdn.ma/new.jpg", title="عنوان محدث")], fetched_at=later
    )

    article = Article.objects.get()
    assert (result.new, result.updated) == (0, 1)
    assert (article.id, article.title) == (article_id, "عنوان محدث")
    assert article.fetched_at == NOW and article.updated_at == later
    assert article.section is not None and article.section.slug == "sports"
    assert list(
        ArticleImage.objects.filter(article=article).values_list("image__url", flat=True)
    ) == ["https://cdn.ma/new.jpg"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_storing_the_same_entries_again_writes_nothing(make_outlet) -> None:
    outlet = make_outlet()
    entries = [entry("a", "https://cdn.ma/1.jpg"), entry("b")]
    store_entries(outlet, entries, fetched_at=NOW)
    before = list(Article.objects.order_by("key").values())

    result = store_entries(outlet, [replace(e) for e in entries], fetched_at=datetime.now(UTC))

    assert (result.new, result.updated, result.unchanged) == (0, 0, 2)
    assert list(Article.objects.order_by("key").values()) == before


@pytest.mark.django_db
def test_an_outlets_own_section_alias_overrides_the_global_one(make_outlet) -> None:
    quirky, plain = make_outlet(), make_outlet()
    # This outlet files its culture pieces under "رياضة" (a real-world mislabel).
    SectionAlias.objects.create(
        outlet=quirky,
        label=normalize_label("رياضة"),
        section=Section.objects.get(slug="culture"),
    )

    store_entries(quirky, [entry("a")], fetched_at=NOW)
    store_entries(plain, [entry("b")], fetched_at=NOW)

    assert Article.objects.get(outlet=quirky).section.slug == "culture"
    assert Article.objects.get(outlet=plain).section.slug == "sports"

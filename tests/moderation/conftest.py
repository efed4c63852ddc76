"""Fixtures of the moderation tests: two outlets, a photo, and a scene where one photo
appears under several guises."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings as django_settings

from articles.images.likeness import hash_distance, is_distinctive
from articles.models import Article, Image, Outlet
from articles.search.index import index_articles
from tests.support.moderation import (
    Scene,
    changed,
    copied_image,
    demo_picture,
    link,
    make_article,
    resized,
    stored_image,
    two_outlets,
)


@pytest.fixture
def outlets(make_outlet: Callable[..., Outlet]) -> tuple[Outlet, Outlet]:
    return two_outlets(make_outlet)


@pytest.fixture
def photo(outlets: tuple[Outlet, Outlet]) -> Image:
    """A stored image (a row, no files) on one article of hespress."""
    article = make_article(outlets[0])
    image = stored_image(article)
    changed()
    return image


@pytest.fixture
def scene(outlets: tuple[Outlet, Outlet]) -> Scene:
    hespress, alyaoum = outlets
    picture = demo_picture(0)
    article = make_article(hespress, title="صورة الخبر", minutes_ago=1)
    photo = copied_image(article, picture)
    sharing = make_article(alyaoum, minutes_ago=2)
    link(sharing, photo)
    twin_article = make_article(alyaoum, minutes_ago=3)
    twin = copied_image(twin_article, picture)
    lookalike_article = make_article(hespress, minutes_ago=4)
    lookalike = copied_image(lookalike_article, resized(picture, 2 / 3))
    inline_article = make_article(
        alyaoum,
        minutes_ago=5,
        body_html=f'<p>قبل الصورة</p><p><img src="{photo.url}" alt="وصف"></p><p>بعدها</p>',
    )
    other = copied_image(inline_article, demo_picture(5))
    link(inline_article, photo, position=1)
    index_articles(Article.objects.values_list("pk", flat=True))
    changed()
    # What the scene stands for: a twin is the same bytes, a look-alike is close.
    assert twin.sha256 == photo.sha256 and twin.copy.name == photo.copy.name
    assert lookalike.sha256 != photo.sha256 and is_distinctive(photo.phash)
    assert hash_distance(lookalike.phash, photo.phash) <= django_settings.IMAGE_LOOKALIKE_DISTANCE
    assert hash_distance(other.phash, photo.phash) > django_settings.IMAGE_LOOKALIKE_DISTANCE
    return Scene(
        article, sharing, twin_article, lookalike_article, inline_article,
        photo, twin, lookalike, other,
    )  # fmt: skip

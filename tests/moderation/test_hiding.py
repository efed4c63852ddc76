"""Reports from the threshold of distinct networks hide an image, once, with the
threshold recorded; the same bytes and distinctive look-alikes go with it; a hidden
image leaves every page (for a placeholder of its size), our feeds and the OpenGraph
tags."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.test import Client

from articles.models import Image, ModerationEvent, Visibility
from tests.support.moderation import (
    PLACEHOLDER_ALT,
    Action,
    Reader,
    Scene,
    assert_not_on,
    auto_hides,
    hide_by_readers,
    network_address,
    parse,
    refresh,
    report_from_networks,
    rss_enclosures,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.usefixtures("_quarantine_in_tmp", "sections"),
]


# --- the threshold -------------------------------------------------------------------


def test_reports_below_the_threshold_hide_nothing(scene: Scene) -> None:
    report_from_networks(scene.photo, django_settings.IMAGE_REPORT_THRESHOLD - 1)
    refresh(*scene.group)
    assert [i.visibility for i in scene.group] == [Visibility.SHOWN] * 3
    assert scene.photo.report_count == django_settings.IMAGE_REPORT_THRESHOLD - 1
    assert not ModerationEvent.objects.exists()


def test_threshold_networks_hide_the_image_once_with_the_threshold_recorded(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    hide_by_readers(scene, django_capture_on_commit_callbacks)

    assert scene.photo.visibility == Visibility.AUTO_HIDDEN
    assert scene.photo.hidden_at is not None and scene.photo.reviewed_at is None
    (event,) = ModerationEvent.objects.filter(image=scene.photo)
    assert (event.action, event.image, event.actor) == (Action.AUTO_HIDE, scene.photo, None)
    assert event.threshold == 3 and "3" in event.why
    # The same bytes and the look-alike go with it, each with its own record; the
    # unrelated photo stays.
    for image in (scene.twin, scene.lookalike):
        assert (image.visibility, image.hidden_with) == (Visibility.AUTO_HIDDEN, scene.photo)
        (followed,) = ModerationEvent.objects.filter(image=image)
        assert followed.action == Action.FOLLOW
        assert followed.why == f"look-alike of image {scene.photo.pk}"
    assert scene.other.visibility == Visibility.SHOWN
    # A fourth reader changes nothing more.
    Reader(network_address(99)).report(scene.photo.pk)
    assert auto_hides() == 1


# --- everywhere the image was shown ----------------------------------------------------


def test_a_hidden_image_leaves_every_page_for_a_placeholder_of_its_size(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    before = {a.pk: client.get(a.get_absolute_url()).content.decode() for a in scene.showing_photo}
    home_before = client.get("/").content.decode()
    for html in [*before.values(), home_before]:
        assert scene.photo.sha256 in html or scene.lookalike.sha256 in html
    assert f"/images/{scene.photo.pk}/?next=" in before[scene.article.pk]  # its report link
    inline_before = client.get(scene.inline_article.get_absolute_url()).content.decode()
    assert scene.photo.copy.url in inline_before
    assert f"/images/{scene.photo.pk}/?next=" in inline_before

    hide_by_readers(scene, django_capture_on_commit_callbacks)

    placeholder = static("img/hidden.svg")
    assert finders.find("img/hidden.svg")  # the neutral picture ships with the site
    for article in scene.showing_photo:
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200
        html = response.content.decode()
        assert_not_on(html, *scene.group)
        (figure,) = parse(response).xpath('//figure[@class="lead-figure"]')
        (img,) = figure.xpath('.//img[@class="hidden-image"]')
        shown = Image.objects.get(article_images__article=article, article_images__position=0)
        assert img.get("src") == placeholder
        assert (img.get("width"), img.get("height")) == (
            str(shown.copy_width), str(shown.copy_height),
        )  # fmt: skip
        assert PLACEHOLDER_ALT in figure.text_content()
    # The inline copy in another article's body: a placeholder too; its lead stays.
    response = client.get(scene.inline_article.get_absolute_url())
    html = response.content.decode()
    assert_not_on(html, *scene.group)
    assert scene.other.copy.url in html
    (inline,) = parse(response).xpath('//div[contains(@class, "article-body")]//img')
    assert inline.get("class") == "hidden-image" and inline.get("src") == placeholder
    assert (inline.get("width"), inline.get("height")) == (
        str(scene.photo.copy_width), str(scene.photo.copy_height),
    )  # fmt: skip
    # The reason is written on the placeholder, as on a hidden lead.
    box = inline.getparent()
    assert box.get("class") == "hidden-image-box" and inline.get("alt") == ""
    assert box.text_content().strip() == PLACEHOLDER_ALT
    # Home: the cards that showed the photo show the placeholder, the others their image.
    home = client.get("/")
    html = home.content.decode()
    assert_not_on(html, *scene.group)
    assert scene.other.thumbnail.url in html or scene.other.copy.url in html
    cards = parse(home).xpath('//img[@class="hidden-image"]')
    assert len(cards) >= 4 and {c.get("src") for c in cards} == {placeholder}
    # List pages and search results: the same.
    for path in (
        "/section/sports/",
        "/hespress/",
        "/alyaoum24/",
        "/fr/hespress/",
        "/search/?q=خبر",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_not_on(response.content.decode(), *scene.group)
        assert parse(response).xpath('//img[@class="hidden-image"]'), path
    # The report page of the hidden image shows the placeholder, not the picture.
    form = Reader().form(scene.photo.pk)
    assert form.status_code == 200
    assert_not_on(form.content.decode().replace(f"/images/{scene.photo.pk}/", ""), scene.photo)


def test_a_hidden_image_leaves_the_feeds_and_the_opengraph_tags(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    paths = [a.get_absolute_url() for a in scene.showing_photo]
    feeds = ["/rss/", "/section/sports/rss/", "/hespress/rss/", "/alyaoum24/rss/"]
    enclosures = {}
    for feed in feeds:
        enclosures.update(rss_enclosures(client, feed))
    assert all(len(enclosures[p]) == 1 for p in paths)
    tree = parse(client.get(scene.article.get_absolute_url()))
    assert tree.xpath('//meta[@property="og:image"]/@content') == [
        f"http://testserver{scene.photo.copy.url}"
    ]

    hide_by_readers(scene, django_capture_on_commit_callbacks)

    for feed in feeds:
        response = client.get(feed)
        assert_not_on(response.content.decode(), *scene.group)
        for path, urls in rss_enclosures(client, feed).items():
            if path in paths:
                assert urls == [], (feed, path)
            if path == scene.inline_article.get_absolute_url():
                assert urls == [f"http://testserver{scene.other.copy.url}"]
    for path in paths:
        tree = parse(client.get(path))
        assert tree.xpath('//meta[@property="og:image" or @name="twitter:image"]') == []
        assert tree.xpath('//meta[@name="twitter:card"]/@content') == ["summary"]
        (data,) = tree.xpath('//script[@type="application/ld+json"]/text()')
        assert "image" not in json.loads(data)

"""What staff do and undo: restore (and the immunity that follows, until lifted), hide
an image themselves, dismiss reports, and hide or show an article."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from articles.models import Article, Image, ImageReport, ModerationEvent, Outlet, Visibility
from articles.moderation import reports, visibility
from articles.moderation.reports import Outcome
from articles.search.index import index_articles
from tests.support.moderation import (
    Action,
    Scene,
    auto_hides,
    changed,
    hide_by_readers,
    make_article,
    media_file,
    parse,
    quarantined_file,
    refresh,
    report_from_networks,
    reporter,
    rss_enclosures,
    served,
    stored_image,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.usefixtures("_quarantine_in_tmp", "sections"),
]


# --- restore and immunity ------------------------------------------------------------


def test_restore_brings_the_image_back_everywhere_and_keeps_it_immune(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    hide_by_readers(scene, django_capture_on_commit_callbacks)
    assert served(client, scene.photo.copy.name) == 404

    with django_capture_on_commit_callbacks(execute=True):
        visibility.restore(scene.photo, None, "صورة إخبارية عادية")
    refresh(*scene.group)

    assert [i.visibility for i in scene.group] == [Visibility.RESTORED] * 3
    assert all(i.hidden_with is None and i.reviewed_at for i in scene.group)
    assert ModerationEvent.objects.filter(action=Action.RESTORE, image=scene.photo).count() == 1
    for image in scene.group:
        for name in (image.copy.name, image.thumbnail.name):
            assert served(client, name) == 200 and media_file(name).exists()
            assert not quarantined_file(name).exists()
    for article in scene.showing_photo:
        html = client.get(article.get_absolute_url()).content.decode()
        assert 'class="hidden-image"' not in html
    tree = parse(client.get(scene.article.get_absolute_url()))
    assert tree.xpath('//meta[@property="og:image"]/@content') == [
        f"http://testserver{scene.photo.copy.url}"
    ]
    assert scene.photo.sha256 in client.get("/").content.decode()
    assert rss_enclosures(client)[scene.article.get_absolute_url()] == [
        f"http://testserver{scene.photo.copy.url}"
    ]

    # Immune: more distinct networks than the threshold change nothing.
    with django_capture_on_commit_callbacks(execute=True):
        report_from_networks(scene.photo, 5, start=10)
        report_from_networks(scene.lookalike, 5, start=10)
    refresh(*scene.group)
    assert [i.visibility for i in scene.group] == [Visibility.RESTORED] * 3
    assert scene.photo.report_count == 3 + 5
    assert auto_hides() == 1
    assert served(client, scene.photo.copy.name) == 200

    # Until staff lift that. Reports from before the review no longer count: it takes
    # the threshold again, of reports made since, to hide it.
    visibility.lift_immunity(scene.photo, None, "بلاغات جديدة")
    scene.photo.refresh_from_db()
    assert scene.photo.visibility == Visibility.SHOWN
    assert ModerationEvent.objects.filter(action=Action.LIFT_IMMUNITY).count() == 1
    report_from_networks(scene.photo, 2, start=20)
    scene.photo.refresh_from_db()
    assert scene.photo.visibility == Visibility.SHOWN
    report_from_networks(scene.photo, 1, start=30)
    scene.photo.refresh_from_db()
    assert scene.photo.visibility == Visibility.AUTO_HIDDEN
    assert auto_hides(scene.photo) == 2


def test_lift_immunity_of_an_image_that_is_not_restored_does_nothing(photo: Image) -> None:
    visibility.lift_immunity(photo, None)
    photo.refresh_from_db()
    assert photo.visibility == Visibility.SHOWN
    assert not ModerationEvent.objects.exists()


# --- staff hide and dismissed reports --------------------------------------------------


def test_staff_hide_goes_through_the_same_path_and_is_recorded(
    scene: Scene, django_capture_on_commit_callbacks: Any, django_user_model: Any
) -> None:
    staff = django_user_model.objects.create_user("editor", password="x" * 12, is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        visibility.hide(scene.photo, staff, "صورة صادمة")
    refresh(*scene.group)

    assert [i.visibility for i in scene.group] == [Visibility.STAFF_HIDDEN] * 3
    (event,) = ModerationEvent.objects.filter(image=scene.photo)
    assert (event.action, event.actor, event.why) == (Action.HIDE, staff, "صورة صادمة")
    assert ModerationEvent.objects.filter(action=Action.FOLLOW).count() == 2
    assert served(Client(), scene.lookalike.copy.name) == 404


def test_dismissed_reports_no_longer_count(photo: Image) -> None:
    for n in range(2):
        reports.report_image(photo, reporter(n), "violent")

    visibility.dismiss(photo, None, "بلاغات كيدية")

    photo.refresh_from_db()
    # Kept as evidence, set aside: and the same readers cannot count again.
    assert photo.report_count == 0 and ImageReport.objects.count() == 2
    assert not ImageReport.objects.filter(dismissed_at__isnull=True).exists()
    assert ModerationEvent.objects.get().action == Action.DISMISS
    assert reports.report_image(photo, reporter(0), "violent").outcome == Outcome.REPEATED
    reports.report_image(photo, reporter(2), "violent")
    photo.refresh_from_db()
    assert photo.visibility == Visibility.SHOWN and photo.report_count == 1


# --- hidden articles ----------------------------------------------------------------


def test_a_hidden_article_leaves_every_page_feed_sitemap_and_search(
    outlets: tuple[Outlet, Outlet], django_user_model: Any
) -> None:
    hespress, alyaoum = outlets
    article = make_article(hespress, title="زلزال قوي يضرب إقليم الحوز")
    stored_image(article)
    make_article(hespress, title="خبر آخر من هسبريس")
    make_article(alyaoum, title="زلزال في خبر آخر")
    index_articles(Article.objects.values_list("pk", flat=True))
    changed()
    client = Client()
    path = article.get_absolute_url()
    pages = [
        "/", "/section/sports/", "/hespress/", "/outlets/", "/rss/", "/section/sports/rss/",
        "/hespress/rss/", "/sitemap-articles.xml", "/search/?q=زلزال", "/fr/hespress/",
    ]  # fmt: skip
    for page in pages:
        response = client.get(page)  # also warms the page cache
        assert response.status_code == 200 and path.encode() in response.content, page
    assert client.get(path).status_code == 200
    staff = django_user_model.objects.create_user("editor", password="x" * 12, is_staff=True)

    visibility.set_article_hidden(article, True, staff, "خبر كاذب")
    visibility.set_article_hidden(article, True, staff, "مرة ثانية")  # already hidden

    article.refresh_from_db()
    assert article.hidden
    (event,) = ModerationEvent.objects.all()
    assert (event.action, event.article, event.actor) == (Action.HIDE_ARTICLE, article, staff)
    assert client.get(path).status_code == 404
    assert client.get(f"/fr{path}").status_code == 404
    assert client.get(f"/alyaoum24/{article.pk}/").status_code == 404  # no redirect to it
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert path.encode() not in response.content, page
        assert "إقليم الحوز".encode() not in response.content, page
    # The other article matching the search is still found.
    assert "زلزال في خبر آخر" in client.get("/search/?q=زلزال").content.decode()

    visibility.set_article_hidden(article, False, staff, "خطأ")
    assert client.get(path).status_code == 200
    assert path.encode() in client.get("/search/?q=زلزال").content
    assert ModerationEvent.objects.filter(action=Action.SHOW_ARTICLE).count() == 1

"""Issue 17, item 6: an outlet whose articles readers see is listed wherever outlets
are (the outlets page, the home page's block, the menu), paused or not; fetch states
are for staff, never on reader pages."""

from __future__ import annotations

import pytest
from django.utils import timezone

from articles.models import Article, Outlet

pytestmark = pytest.mark.usefixtures("sections")


def _article(outlet: Outlet, n: int, *, hidden: bool = False) -> Article:
    now = timezone.now()
    return Article.objects.create(
        outlet=outlet, key=f"k{outlet.slug}{n}", url=f"https://example.ma/{outlet.slug}/{n}",
        title=f"خبر رقم {n} من {outlet.name}", published_at=now, fetched_at=now,
        updated_at=now, content_hash="0" * 64, hidden=hidden,
    )  # fmt: skip


@pytest.fixture
def paused_with_articles(make_outlet) -> Outlet:
    outlet = make_outlet(name="كود", name_latin="Goud", slug="goud", status=Outlet.Status.PAUSED)
    _article(outlet, 1)
    return outlet


@pytest.mark.django_db
def test_listed_is_active_or_with_visible_articles(make_outlet, paused_with_articles) -> None:
    active = make_outlet(name="هسبريس", name_latin="Hespress", slug="hespress")
    silent = make_outlet(name="فبراير", name_latin="Febrayer", slug="febrayer",
                         status=Outlet.Status.PAUSED)  # fmt: skip
    _article(silent, 1, hidden=True)  # staff hid its only article: nothing to list

    listed = set(Outlet.objects.listed().values_list("slug", flat=True))

    assert listed == {active.slug, paused_with_articles.slug}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/outlets/", "/", "/fr/outlets/"])
def test_a_paused_outlet_with_articles_is_in_the_lists(client, paused_with_articles, path) -> None:
    html = client.get(path).content.decode()

    assert html.count('href="/goud/"') + html.count('href="/fr/goud/"') >= 2, (
        "in the menu and in the page's outlets block"
    )


@pytest.mark.django_db
def test_the_outlet_page_tells_readers_no_fetch_state(client, paused_with_articles) -> None:
    html = client.get("/goud/").content.decode()

    assert "خبر رقم 1" in html
    for staff_words in ("الجلب موقوف مؤقتا", "آخر جلب ناجح", "لم يجلب بعد", "الحالة"):
        assert staff_words not in html

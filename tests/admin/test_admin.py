"""The Django admin, in Arabic: outlets with their fetch health, and the fetch-now action."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, FetchLog, Image, Outlet
from articles.site.cache import forget_version

RTL_HTML = '<html lang="ar" dir="rtl">'


@pytest.fixture
def failing_and_healthy(make_outlet) -> tuple[Outlet, Outlet]:
    now = timezone.now()
    failing = make_outlet(
        name="مصدر متعثر",
        name_latin="FailingOutlet",
        last_status=Outlet.FetchStatus.ERROR,
        last_error_code="http_404",
        consecutive_failures=3,
        last_fetched_at=now,
    )
    healthy = make_outlet(
        name="مصدر سليم",
        name_latin="HealthyOutlet",
        last_status=Outlet.FetchStatus.OK,
        last_fetched_at=now,
        last_success_at=now,
    )
    FetchLog.objects.create(
        outlet=failing,
        started_at=now,
        status=Outlet.FetchStatus.ERROR,
        http_status=404,
        error_code="http_404",
    )
    article = Article.objects.create(
        outlet=healthy,
        key="https://example.ma/?p=1",
        url="https://example.ma/a/1",
        title="الكاميرون تتعادل مع كوت ديفوار",
        published_at=now,
        fetched_at=now,
        updated_at=now,
        content_hash="0" * 64,
    )
    article.images.add(Image.objects.create(url="https://example.ma/i/1.jpg"))
    return failing, healthy


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "label"),
    [
        ("admin:index", "المصادر"),
        ("admin:articles_outlet_changelist", "المصادر"),
        ("admin:articles_article_changelist", "المقالات"),
        ("admin:articles_image_changelist", "الصور"),
        ("admin:articles_fetchlog_changelist", "سجل الجلب"),
    ],
)
def test_admin_pages_render_right_to_left_in_arabic(
    admin_client, failing_and_healthy, url_name: str, label: str
) -> None:
    response = admin_client.get(reverse(url_name))

    assert response.status_code == 200
    html = response.content.decode()
    assert RTL_HTML in html
    assert label in html
    assert "إدارة نيوزروم" in html


@pytest.mark.django_db
def test_article_and_image_changelists_list_their_rows(admin_client, failing_and_healthy) -> None:
    articles = admin_client.get(reverse("admin:articles_article_changelist")).content.decode()
    images = admin_client.get(reverse("admin:articles_image_changelist")).content.decode()

    assert "الكاميرون تتعادل مع كوت ديفوار" in articles
    assert "https://example.ma/i/1.jpg" in images


@pytest.mark.django_db
def test_outlet_changelist_shows_fetch_health(admin_client, failing_and_healthy) -> None:
    response = admin_client.get(reverse("admin:articles_outlet_changelist"))

    html = response.content.decode()
    assert "http_404" in html
    assert "صحة التغذية" in html  # the health filter
    assert "مصدر متعثر" in html and "مصدر سليم" in html
    assert "health-error" in html and "health-ok" in html  # the health badges


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("health", "listed"),
    [("failing", {"FailingOutlet"}), ("healthy", {"HealthyOutlet"})],
)
def test_health_filter_lists_only_matching_outlets(
    admin_client, failing_and_healthy, make_outlet, health: str, listed: set[str]
) -> None:
    make_outlet(name="مصدر جديد", name_latin="NeverFetched")

    response = admin_client.get(reverse("admin:articles_outlet_changelist"), {"health": health})

    assert response.status_code == 200
    shown = {outlet.name_latin for outlet in response.context["cl"].result_list}
    assert shown == listed
    html = response.content.decode()
    names = {
        "FailingOutlet": "مصدر متعثر",
        "HealthyOutlet": "مصدر سليم",
        "NeverFetched": "مصدر جديد",
    }
    for latin in names.keys() - listed:
        assert names[latin] not in html


@pytest.mark.django_db
def test_fetch_now_action_enqueues_the_active_outlet(
    admin_client,
    failing_and_healthy,
    make_outlet,
    broker_queue: Path,
    django_capture_on_commit_callbacks,
) -> None:
    failing, _ = failing_and_healthy
    paused = make_outlet(name_latin="PausedOutlet", status=Outlet.Status.PAUSED)
    later = timezone.now() + timezone.timedelta(hours=6)
    Outlet.objects.update(next_fetch_at=later)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(
            reverse("admin:articles_outlet_changelist"),
            {"action": "fetch_now", "_selected_action": [failing.id, paused.id]},
            follow=True,
        )

    assert response.status_code == 200
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["طُلب جلب مصدر واحد."]
    assert "طُلب جلب مصدر واحد." in response.content.decode()
    assert len(callbacks) == 1
    failing.refresh_from_db()
    assert failing.next_fetch_at <= timezone.now()
    messages = [json.loads(path.read_text()) for path in broker_queue.iterdir()]
    assert [(m["headers"]["task"], m["headers"]["argsrepr"]) for m in messages] == [
        ("articles.tasks.fetch_source", f"({failing.id},)")
    ]


@pytest.mark.django_db
def test_image_admin_shows_our_copies_never_the_outlets_url(admin_client) -> None:
    stored = Image.objects.create(
        url="https://outlet.example.ma/uploads/photo.jpg", status=Image.Status.STORED,
        copy="images/ab/ab12-1200.webp", copy_width=1200, copy_height=675,
        thumbnail="images/ab/ab12-400.webp", thumbnail_width=400, thumbnail_height=225,
    )  # fmt: skip
    Image.objects.create(
        url="https://outlet.example.ma/uploads/bad.svg",
        status=Image.Status.FAILED,
        error_code="not_an_image",
    )

    listing = admin_client.get(reverse("admin:articles_image_changelist")).content.decode()
    detail = admin_client.get(
        reverse("admin:articles_image_change", args=[stored.id])
    ).content.decode()

    assert 'src="/media/images/ab/ab12-400.webp"' in listing
    assert 'src="/media/images/ab/ab12-1200.webp"' in detail
    assert "not_an_image" in listing
    for html in (listing, detail):
        assert 'src="https://outlet.example.ma' not in html
        assert 'href="https://outlet.example.ma' not in html


@pytest.mark.django_db
def test_staff_edits_refresh_the_reader_pages(admin_client, client, make_outlet) -> None:
    outlet = make_outlet(name="منبر قديم", slug="outlet")
    assert "منبر قديم" in client.get("/outlets/").content.decode()

    admin_client.post(
        reverse("admin:articles_outlet_change", args=[outlet.id]),
        {
            "name": "منبر مجدّد", "name_latin": "", "slug": "outlet", "site_url": "",
            "feed_url": outlet.feed_url, "language": "ar", "kind": "national", "status": "active",
            "created_at_0": "2026-01-01", "created_at_1": "00:00:00",
            "section_aliases-TOTAL_FORMS": "0", "section_aliases-INITIAL_FORMS": "0",
            "fetch_logs-TOTAL_FORMS": "0", "fetch_logs-INITIAL_FORMS": "0",
            "feed_changes-TOTAL_FORMS": "0", "feed_changes-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    forget_version()
    assert Outlet.objects.get(id=outlet.id).name == "منبر مجدّد"
    page = client.get("/outlets/").content.decode()
    assert "منبر مجدّد" in page and "منبر قديم" not in page

    admin_client.post(
        reverse("admin:articles_outlet_changelist"),
        {"action": "pause", "_selected_action": [outlet.id]},
    )
    forget_version()
    # Paused with nothing to read: gone from the menu and the home page's outlets, still
    # on /outlets/ (the whole roster).
    assert "منبر مجدّد" not in client.get("/").content.decode()
    assert "منبر مجدّد" in client.get("/outlets/").content.decode()


@pytest.mark.django_db
def test_an_address_typed_without_its_scheme_is_taken_as_https(admin_client, make_outlet) -> None:
    outlet = make_outlet(name="منبر", slug="outlet")

    response = admin_client.post(
        reverse("admin:articles_outlet_change", args=[outlet.id]),
        {
            "name": "منبر", "name_latin": "", "slug": "outlet", "site_url": "www.goud.ma",
            "feed_url": "www.goud.ma/feed/", "language": "ar", "kind": "national",
            "status": "active", "created_at_0": "2026-01-01", "created_at_1": "00:00:00",
            "section_aliases-TOTAL_FORMS": "0", "section_aliases-INITIAL_FORMS": "0",
            "fetch_logs-TOTAL_FORMS": "0", "fetch_logs-INITIAL_FORMS": "0",
            "feed_changes-TOTAL_FORMS": "0", "feed_changes-INITIAL_FORMS": "0",
        },
    )  # fmt: skip

    assert response.status_code == 302, response.content.decode()[:2000]
    outlet.refresh_from_db()
    assert (outlet.site_url, outlet.feed_url) == (
        "https://www.goud.ma",
        "https://www.goud.ma/feed/",
    )


@pytest.mark.django_db
def test_admin_sign_in_is_locked_after_repeated_failures(client, settings) -> None:  # type: ignore[no-untyped-def]
    """django-axes: AXES_FAILURE_LIMIT failures for one name from one address lock that
    pair out with a clear Arabic page; the right password then still does not get in,
    and another address is not locked."""
    from django.contrib.auth.models import User
    from django.core.cache import cache

    cache.clear()
    User.objects.create_superuser("editor", "editor@example.ma", "correct-horse-battery")
    form = {"username": "editor", "password": "wrong", "next": "/admin/"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/admin/login/", form, REMOTE_ADDR="203.0.113.9")
        assert response.status_code == 200  # the login form again, with its error
    locked = client.post("/admin/login/", form, REMOTE_ADDR="203.0.113.9")
    assert locked.status_code == 429
    assert "الدخول موقوف مؤقتا" in locked.content.decode()
    right = {**form, "password": "correct-horse-battery"}
    assert client.post("/admin/login/", right, REMOTE_ADDR="203.0.113.9").status_code == 429
    elsewhere = client.post("/admin/login/", right, REMOTE_ADDR="198.51.100.4")
    assert elsewhere.status_code == 302

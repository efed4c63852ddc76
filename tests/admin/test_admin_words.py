"""Issue 17, items 7-9: the admin reads as Arabic written by an Arab editor (counts with
Arabic's plural forms, no English word or Latin capitals, Casablanca's times), and a
hidden picture's placeholder says who hid it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.template.loader import render_to_string
from django.urls import reverse

from articles.admin.words import counted
from articles.models import FetchLog, Image, Outlet, Visibility
from articles.site.body import BodyImages, render_body


@pytest.mark.parametrize(
    ("n", "words"),
    [(0, "لا مصادر"), (1, "مصدر واحد"), (2, "مصدران"), (3, "3 مصادر"), (23, "23 مصدرا"),
     (100, "100 مصدر"), (103, "103 مصادر")],
)  # fmt: skip
def test_counts_take_arabic_plural_forms(n: int, words: str) -> None:
    assert counted("articles.outlet", n) == words


@pytest.mark.django_db
def test_outlet_list_counts_its_rows_in_arabic(admin_client, make_outlet) -> None:
    for _ in range(23):
        make_outlet()
    html = admin_client.get(reverse("admin:articles_outlet_changelist")).content.decode()
    assert "23 مصدرا" in html
    assert "23 المصادر" not in html


@pytest.mark.django_db
def test_review_queue_says_when_it_is_empty(admin_client) -> None:
    html = admin_client.get(reverse("admin:articles_reviewqueueimage_changelist")).content.decode()
    assert "لا صور تنتظر المراجعة." in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "english"),
    [("admin:articles_article_changelist", ">source<"),
     ("admin:articles_fetchlog_changelist", "حسب source"),
     ("admin:articles_section_changelist", ">slug<"), ("admin:index", ">Axes<")],
)  # fmt: skip
def test_no_english_label_on_admin_pages(admin_client, make_outlet, url_name, english) -> None:
    make_outlet()
    html = admin_client.get(reverse(url_name)).content.decode()
    assert english.lower() not in html.lower()


def test_django_axes_has_an_arabic_name() -> None:
    assert str(apps.get_app_config("axes").verbose_name) == "حماية تسجيل الدخول"


@pytest.mark.django_db
def test_a_fetch_log_row_is_named_in_arabic_at_casablanca_time(make_outlet) -> None:
    outlet = make_outlet(name="كود")
    log = FetchLog(outlet=outlet, started_at=datetime(2026, 12, 7, 3, 44, tzinfo=UTC),
                   status=Outlet.FetchStatus.ERROR)  # fmt: skip
    assert str(log) == "جلب كود، الإثنين 7 دجنبر 2026 - 04:44: خطأ"


def _hidden(visibility: str) -> Image:
    return Image(pk=7, url="https://example.ma/a.jpg", status=Image.Status.STORED,
                 copy="images/ab/ab.webp", copy_width=800, copy_height=450,
                 visibility=visibility)  # fmt: skip


@pytest.mark.parametrize(
    ("visibility", "reason"),
    [(Visibility.STAFF_HIDDEN, "صورة حجبها فريق التحرير"),
     (Visibility.AUTO_HIDDEN, "صورة محجوبة بعد بلاغات القراء")],
)  # fmt: skip
def test_a_hidden_picture_says_who_hid_it(visibility: str, reason: str) -> None:
    image = _hidden(visibility)
    lead = render_to_string("includes/hidden_image.html", {"image": image})
    body = render_body(
        f'<p>x</p><img src="{image.url}">',
        BodyImages({image.url: image}, placeholder_src="/static/img/hidden.svg"),
    )
    for html in (lead, body):
        assert reason in html
        other = {"صورة حجبها فريق التحرير", "صورة محجوبة بعد بلاغات القراء"} - {reason}
        assert other.pop() not in html

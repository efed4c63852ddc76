"""Dates as Moroccan readers write them: Moroccan month names and Western digits on the
article page, French month names in the French edition, and relative times with the
Arabic plural forms."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import translation

from articles.templatetags.reading import relative_time
from tests.support.site import CASABLANCA, NOW, changed, make_article, only, parse, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sections")]


ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹"


# --- dates: Moroccan month names, Western digits ---------------------------------------

MOROCCAN_MONTHS = [
    (datetime(2024, 5, 17, 10, 0, tzinfo=CASABLANCA), "17 ماي 2024 - 10:00", "مايو"),
    (datetime(2024, 7, 4, 10, 0, tzinfo=CASABLANCA), "4 يوليوز 2024 - 10:00", "يوليو"),
    (datetime(2024, 8, 20, 10, 0, tzinfo=CASABLANCA), "20 غشت 2024 - 10:00", "أغسطس"),
    (datetime(2024, 9, 9, 10, 0, tzinfo=CASABLANCA), "9 شتنبر 2024 - 10:00", "سبتمبر"),
    (datetime(2024, 11, 6, 10, 0, tzinfo=CASABLANCA), "6 نونبر 2024 - 10:00", "نوفمبر"),
    (datetime(2024, 12, 2, 10, 0, tzinfo=CASABLANCA), "2 دجنبر 2024 - 10:00", "ديسمبر"),
]
# June is يونيو in Morocco too; يوليو must not match inside يوليوز.
MASHRIQI_MONTHS = re.compile("(?:مايو|يوليو|أغسطس|سبتمبر|نوفمبر|ديسمبر)(?![\u0621-\u064a])")


@pytest.mark.parametrize(("published_at", "expected", "mashriqi"), MOROCCAN_MONTHS)
def test_the_article_page_prints_moroccan_month_names(
    make_outlet, client: Client, published_at: datetime, expected: str, mashriqi: str
) -> None:
    article = make_article(make_outlet(), published_at=published_at)
    changed()

    response = client.get(article.get_absolute_url())
    tree = parse(response)

    time = only(tree, "//p[@class='dateline']/time")
    assert time.get("datetime") == published_at.isoformat()
    assert text(time).endswith(expected)
    assert not set(text(time)) & set(ARABIC_INDIC_DIGITS)
    assert not MASHRIQI_MONTHS.search(response.content.decode()), mashriqi


def test_the_article_page_prints_the_full_date_and_the_attribution(
    make_outlet, client: Client
) -> None:
    outlet = make_outlet(name="هسبريس")
    article = make_article(outlet, published_at=datetime(2024, 12, 2, 9, 0, tzinfo=UTC))
    changed()

    tree = parse(client.get(article.get_absolute_url()))

    time = only(tree, "//p[@class='dateline']/time")
    assert text(time) == "الإثنين 2 دجنبر 2024 - 10:00"
    assert time.get("datetime") == "2024-12-02T10:00:00+01:00"
    attribution = only(tree, "//p[@class='attribution']")
    assert text(attribution) == "نشر في هسبريس يوم 02 - 12 - 2024 10:00"
    assert only(attribution, "./a").get("href") == outlet.get_absolute_url()
    assert not set(text(attribution)) & set(ARABIC_INDIC_DIGITS)


def test_the_french_edition_prints_french_month_names(make_outlet, client: Client) -> None:
    outlet = make_outlet(name="هسبريس", name_latin="Hespress")
    article = make_article(outlet, published_at=datetime(2024, 12, 2, 9, 0, tzinfo=UTC))
    changed()

    tree = parse(client.get(f"/fr/{outlet.slug}/{article.id}/"))

    assert text(only(tree, "//p[@class='dateline']/time")) == "lundi 2 décembre 2024 à 10:00"
    attribution = text(only(tree, "//p[@class='attribution']"))
    assert "Hespress" in attribution and "02/12/2024" in attribution
    assert not re.search("[\u0621-\u064a]", attribution), attribution


# --- relative times: Arabic plural forms -----------------------------------------------

ARABIC_RELATIVE = [
    (timedelta(seconds=20), "الآن"),
    (timedelta(minutes=1), "منذ دقيقة"),
    (timedelta(minutes=2), "منذ دقيقتين"),
    (timedelta(minutes=3), "منذ 3 دقائق"),
    (timedelta(minutes=10), "منذ 10 دقائق"),
    (timedelta(minutes=11), "منذ 11 دقيقة"),
    (timedelta(minutes=59), "منذ 59 دقيقة"),
    (timedelta(minutes=100), "منذ ساعة"),
    (timedelta(hours=1), "منذ ساعة"),
    (timedelta(hours=2), "منذ ساعتين"),
    (timedelta(hours=3), "منذ 3 ساعات"),
    (timedelta(hours=5), "منذ 5 ساعات"),
    (timedelta(hours=10), "منذ 10 ساعات"),
    (timedelta(hours=11), "منذ 11 ساعة"),
    (timedelta(hours=23), "منذ 23 ساعة"),
    (timedelta(hours=100), "منذ 4 أيام"),
    (timedelta(days=1), "منذ يوم"),
    (timedelta(days=2), "منذ يومين"),
    (timedelta(days=3), "منذ 3 أيام"),
    (timedelta(days=6), "منذ 6 أيام"),
    (timedelta(days=10), "12 دجنبر 2025"),
    (timedelta(days=100), "13 شتنبر 2025"),
]


@pytest.mark.parametrize(("ago", "expected"), ARABIC_RELATIVE, ids=[e for _, e in ARABIC_RELATIVE])
def test_relative_time_uses_arabic_plural_forms(ago: timedelta, expected: str) -> None:
    with translation.override("ar"):
        assert relative_time(NOW - ago, NOW) == expected


FRENCH_RELATIVE = [
    (timedelta(seconds=20), r"à l[’']instant|maintenant"),
    (timedelta(minutes=1), r"il y a (1|une) minute"),
    (timedelta(minutes=2), r"il y a 2 minutes"),
    (timedelta(minutes=11), r"il y a 11 minutes"),
    (timedelta(hours=1), r"il y a (1|une) heure"),
    (timedelta(hours=2), r"il y a 2 heures"),
    (timedelta(hours=11), r"il y a 11 heures"),
    (timedelta(days=1), r"il y a (1|un) jour"),
    (timedelta(days=2), r"il y a 2 jours"),
    (timedelta(days=10), r"12 décembre 2025"),
]


@pytest.mark.parametrize(("ago", "pattern"), FRENCH_RELATIVE, ids=[p for _, p in FRENCH_RELATIVE])
def test_relative_time_in_french(ago: timedelta, pattern: str) -> None:
    with translation.override("fr"):
        assert re.fullmatch(pattern, relative_time(NOW - ago, NOW))


def test_relative_time_of_nothing_is_empty() -> None:
    assert relative_time(None) == ""

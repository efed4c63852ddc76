"""Who counts as a reporter: one per reader cookie and per /24 or /48 network,
``X-Forwarded-For`` read only behind a trusted proxy, the hourly rate limit, reports
older than the window; and that no address or cookie value is kept in the database or
the logs."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import RequestFactory
from django.utils import timezone

from articles.lib import clients
from articles.lib.clients import keyed_hash, network_of
from articles.models import Image, ImageReport, Outlet, Visibility
from articles.moderation import breaker, reports
from articles.moderation.reports import Outcome, Reporter
from articles.site.reports import READER_COOKIE
from tests.support.moderation import (
    THANKS,
    Reader,
    make_article,
    network_address,
    refresh,
    reporter,
    stored_image,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.usefixtures("_quarantine_in_tmp", "sections"),
]


# --- one reader, one report ----------------------------------------------------------


def test_one_reader_reporting_twice_is_thanked_twice_and_counted_once(photo: Image) -> None:
    reader = Reader("203.0.113.10")

    first = reader.report(photo.pk, "violent", "صورة دموية")
    cookie = reader.reader_cookie
    assert reader.thanked(first) == [THANKS]
    second = reader.report(photo.pk, "unrelated")
    assert reader.thanked(second) == [THANKS]

    assert first["Location"] == second["Location"]
    # The reader cookie is set once, signed, HttpOnly, and not replaced by the repeat.
    assert cookie and READER_COOKIE not in second.cookies
    morsel = first.cookies[READER_COOKIE]
    assert morsel["httponly"] and morsel["samesite"] == "Lax"
    assert ":" in cookie  # signed: value:timestamp:signature
    photo.refresh_from_db()
    assert photo.report_count == 1
    (row,) = ImageReport.objects.filter(image=photo)
    assert (row.reason, row.note) == ("violent", "صورة دموية")


def test_a_tampered_reader_cookie_is_a_new_reader_but_the_same_network(photo: Image) -> None:
    reader = Reader("203.0.113.10")
    assert reader.thanked(reader.report(photo.pk)) == [THANKS]
    reader.client.cookies[READER_COOKIE] = reader.reader_cookie + "x"

    again = reader.report(photo.pk)

    assert reader.thanked(again) == [THANKS]
    assert READER_COOKIE in again.cookies  # a fresh, validly signed cookie
    photo.refresh_from_db()
    assert photo.report_count == 1


def test_a_new_cookie_from_the_same_ipv4_24_is_not_counted_another_24_is(photo: Image) -> None:
    responses = [
        Reader("198.51.100.7").report(photo.pk),
        Reader("198.51.100.200").report(photo.pk),  # cleared cookies, same /24
        Reader("198.51.100.7").report(photo.pk),
    ]
    assert all(r.status_code == 302 for r in responses)
    photo.refresh_from_db()
    assert photo.report_count == 1

    Reader("198.51.101.7").report(photo.pk)  # the next /24

    photo.refresh_from_db()
    assert photo.report_count == 2
    assert ImageReport.objects.filter(image=photo).count() == 2


def test_ipv6_readers_count_once_per_48(photo: Image) -> None:
    for address in ("2001:db8:1:2::1", "2001:db8:1:ffff::9", "2001:db8:1::"):
        Reader(address).report(photo.pk)
    photo.refresh_from_db()
    assert photo.report_count == 1

    Reader("2001:db8:2::1").report(photo.pk)

    photo.refresh_from_db()
    assert photo.report_count == 2


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("203.0.113.0", "203.0.113.0/24"),
        ("2001:db8:abcd:12::77", "2001:db8:abcd::/48"),
        ("2001:DB8:ABCD:ffff:1:2:3:4", "2001:db8:abcd::/48"),
        ("fe80::1%eth0", "fe80::/48"),
        ("::ffff:192.0.2.9", "192.0.2.0/24"),  # IPv4-mapped: its IPv4 /24
        ("", "unknown"),
        ("not an address", "unknown"),
    ],
)
def test_network_of_is_the_24_or_the_48(address: str, network: str) -> None:
    assert network_of(address) == network


def test_the_keyed_hashes_depend_on_the_key_and_the_kind(settings: Any) -> None:
    settings.REPORT_HASH_KEY = "first key"
    first = Reporter.of("reader-1", "203.0.113.5")
    same = Reporter.of("reader-1", "203.0.113.250")
    settings.REPORT_HASH_KEY = "second key"
    other_key = Reporter.of("reader-1", "203.0.113.5")

    assert first == same  # one reader, one /24
    assert len(first.reader) == len(first.network) == 64
    assert first.reader != other_key.reader and first.network != other_key.network
    assert keyed_hash("reader", "x") != keyed_hash("network", "x")


# --- the client address: X-Forwarded-For only behind a trusted proxy --------------------


def test_a_spoofed_forwarded_for_is_ignored_without_a_trusted_proxy(
    photo: Image, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    for spoofed in ("198.51.100.1", "192.0.2.1", "100.64.0.1"):
        # Cleared cookies each time, one connection address, a new header each time.
        Reader("203.0.113.10").report(photo.pk, forwarded_for=spoofed)

    photo.refresh_from_db()
    assert photo.report_count == 1
    assert photo.visibility == Visibility.SHOWN
    (row,) = ImageReport.objects.filter(image=photo)
    assert row.network == keyed_hash("network", "203.0.113.0/24")


def test_a_spoofed_forwarded_for_does_not_change_the_rate_limit_key(
    outlets: tuple[Outlet, Outlet], settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    settings.IMAGE_REPORT_RATE = 2
    images = [stored_image(make_article(outlets[0])) for _ in range(3)]
    for image, spoofed in zip(images, ("198.51.100.1", "192.0.2.1", "100.64.0.1"), strict=True):
        Reader("203.0.113.10").report(image.pk, forwarded_for=spoofed)

    assert [ImageReport.objects.filter(image=i).count() for i in images] == [1, 1, 0]


def test_behind_one_trusted_proxy_its_forwarded_for_entry_is_the_reader(
    photo: Image, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for real in ("203.0.113.5", "198.51.100.5"):
        Reader(proxy).report(photo.pk, forwarded_for=real)
    photo.refresh_from_db()
    assert photo.report_count == 2 and photo.visibility == Visibility.SHOWN

    Reader(proxy).report(photo.pk, forwarded_for="192.0.2.5")

    photo.refresh_from_db()
    assert photo.report_count == 3
    assert photo.visibility == Visibility.AUTO_HIDDEN
    networks = set(ImageReport.objects.filter(image=photo).values_list("network", flat=True))
    assert networks == {
        keyed_hash("network", n) for n in ("203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24")
    }


def test_behind_a_trusted_proxy_a_client_supplied_leftmost_entry_is_not_read(
    photo: Image, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote the first entry; our proxy appended the address it saw.
    for forged in (
        "198.51.100.9, 203.0.113.20",
        "192.0.2.9,203.0.113.21",
        "100.64.0.9, 203.0.113.22",
    ):
        Reader("10.0.0.2").report(photo.pk, forwarded_for=forged)

    photo.refresh_from_db()
    assert photo.report_count == 1
    (row,) = ImageReport.objects.filter(image=photo)
    assert row.network == keyed_hash("network", "203.0.113.0/24")


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "198.51.100.1", "203.0.113.10"),
        (0, "", "203.0.113.10"),
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        (1, " 1.2.3.4 ,198.51.100.1 ", "198.51.100.1"),
        (1, "", "203.0.113.10"),  # no header: the connection itself
        (2, "1.2.3.4, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (2, "10.0.0.9", "203.0.113.10"),  # fewer entries than proxies: not trusted
    ],
)
def test_client_address(settings: Any, proxies: int, forwarded_for: str, expected: str) -> None:
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.10", headers=headers)
    assert clients.client_address(request) == expected


# --- reports older than the window ---------------------------------------------------


def test_reports_older_than_the_window_do_not_count(photo: Image, settings: Any) -> None:
    settings.IMAGE_REPORT_WINDOW_DAYS = 7
    for n in range(2):
        reports.report_image(photo, reporter(n), "violent")
    ImageReport.objects.filter(image=photo).update(created_at=timezone.now() - timedelta(days=8))

    reports.report_image(photo, reporter(2), "violent")

    photo.refresh_from_db()
    assert photo.report_count == 3
    assert photo.visibility == Visibility.SHOWN
    reports.report_image(photo, reporter(3), "violent")
    reports.report_image(photo, reporter(4), "violent")
    photo.refresh_from_db()
    assert photo.visibility == Visibility.AUTO_HIDDEN


# --- the rate limit ------------------------------------------------------------------


def test_over_the_rate_limit_reports_are_thanked_and_not_counted(
    outlets: tuple[Outlet, Outlet], settings: Any
) -> None:
    settings.IMAGE_REPORT_RATE = 2
    images = [stored_image(make_article(outlets[0])) for _ in range(3)]

    reader = Reader("203.0.113.10")  # one reader (cookie) and one network
    thanks = [reader.thanked(reader.report(image.pk)) for image in images]

    assert thanks == [[THANKS]] * 3
    assert [ImageReport.objects.filter(image=i).count() for i in images] == [1, 1, 0]
    refresh(*images)
    assert [i.report_count for i in images] == [1, 1, 0]
    # Someone else, elsewhere, still counts.
    Reader("198.51.100.10").report(images[2].pk)
    images[2].refresh_from_db()
    assert images[2].report_count == 1


def test_the_rate_limit_holds_per_network_across_cleared_cookies(
    outlets: tuple[Outlet, Outlet], settings: Any
) -> None:
    settings.IMAGE_REPORT_RATE = 2
    images = [stored_image(make_article(outlets[0])) for _ in range(3)]

    answers = [Reader(f"203.0.113.{n + 1}").report(i.pk, json_answer=True)
               for n, i in enumerate(images)]  # fmt: skip

    assert [a.json() for a in answers] == [{"message": THANKS}] * 3
    assert [ImageReport.objects.filter(image=i).count() for i in images] == [1, 1, 0]


def test_the_rate_limit_holds_per_reader_across_networks(
    outlets: tuple[Outlet, Outlet], settings: Any
) -> None:
    settings.IMAGE_REPORT_RATE = 2
    images = [stored_image(make_article(outlets[0])) for _ in range(3)]
    outcomes = [
        reports.report_image(image, Reporter.of("one-reader", network_address(n)), "other")
        for n, image in enumerate(images)
    ]
    assert [o.outcome for o in outcomes] == [Outcome.COUNTED] * 2 + [Outcome.RATE_LIMITED]


def test_the_rate_limit_window_passes(photo: Image, settings: Any) -> None:
    settings.IMAGE_REPORT_RATE = 1
    assert reports.report_image(photo, reporter(1), "other").outcome == Outcome.COUNTED
    assert reports.report_image(photo, reporter(1), "other").outcome == Outcome.RATE_LIMITED
    cache.clear()  # an hour later: the counters have expired
    assert reports.report_image(photo, reporter(1), "other").outcome == Outcome.REPEATED


# --- nothing kept of who reported -----------------------------------------------------


def every_stored_text() -> list[str]:
    """Every value of every column of every table, as text; sessions decoded."""
    values: list[str] = []
    for model in apps.get_models():
        columns = [f.attname for f in model._meta.concrete_fields]
        rows = model._default_manager.values_list(*columns)
        values += [str(value) for row in rows for value in row]
    values += [json.dumps(s.get_decoded(), default=str) for s in Session.objects.all()]
    return values


def test_no_address_or_cookie_value_is_kept_in_the_database_or_the_logs(
    outlets: tuple[Outlet, Outlet], settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.IMAGE_HIDE_BREAKER = 0  # the first automatic hide trips it
    settings.IMAGE_REPORT_RATE = 3
    caplog.set_level(logging.DEBUG)
    images = [stored_image(make_article(outlets[0])) for _ in range(3)]
    addresses = ["203.0.113.77", "2001:db8:77:1::5", "198.51.100.77"]
    secrets: list[str] = []
    for address in addresses:
        reader = Reader(address)
        reader.report(images[0].pk, "violent", "ملاحظة")
        reader.report(images[0].pk, "violent")  # repeated
        reader.report(images[1].pk, "spam")  # 400
        reader.report(images[1].pk, token=False)  # 403
        reader.report(images[1].pk, json_answer=True)
        reader.report(images[2].pk)  # over the rate limit
        signed = reader.reader_cookie
        secrets += [signed, signed.split(":")[0]]
    Reader("192.0.2.77").report(images[0].pk, forwarded_for="100.64.77.77")
    images[0].refresh_from_db()
    assert images[0].visibility == Visibility.AUTO_HIDDEN and breaker.breaker_tripped()
    assert ImageReport.objects.count() == 4 + 3

    forbidden = [
        *addresses, "192.0.2.77", "100.64.77.77", "203.0.113.", "198.51.100.", "2001:db8:77",
        "203.0.113.0/24", "2001:db8:77::/48", *secrets,
    ]  # fmt: skip
    stored = every_stored_text()
    for value in forbidden:
        assert value and not any(value in text for text in stored), value
    # The reports keep only keyed hashes (and the breaker's warning was logged).
    for row in ImageReport.objects.all():
        assert len(row.reader) == len(row.network) == 64
    logged = caplog.text + "\n".join(str(r.__dict__) for r in caplog.records)
    assert "breaker tripped" in logged and "Forbidden" in logged
    for value in forbidden:
        assert value not in logged, value

"""``manage.py addsource SITE_URL``: an outlet added by its site's address alone, its
feed found by discovery; the old ``addsource NAME FEED_URL`` is in tests/ingest."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from pytest_httpserver import HTTPServer

from articles.models import FeedChange, Outlet
from tests.support.discovery import serve_site

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def addsource(*args: str) -> str:
    out = StringIO()
    call_command("addsource", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_addsource_with_a_site_address_adds_the_feed_it_advertises(moved_site: HTTPServer) -> None:
    output = addsource(moved_site.url_for("/"), "--slug", "mawqi3")

    outlet = Outlet.objects.get(slug="mawqi3")
    assert outlet.feed_url == moved_site.url_for("/rss/")
    assert outlet.site_url == moved_site.url_for("/")
    assert outlet.name == "موقع الاختبار"  # the feed's own title
    change = FeedChange.objects.get(outlet=outlet)
    assert (change.old_url, change.new_url, change.found_by, change.state) == (
        "", outlet.feed_url, "link", "accepted",
    )  # fmt: skip
    assert f"found {outlet.feed_url} (link)" in output
    assert "added mawqi3" in output


def test_addsource_with_a_site_that_has_no_feed_says_so_and_adds_nothing(
    httpserver: HTTPServer,
) -> None:  # type: ignore[no-untyped-def]
    serve_site(httpserver)

    tried = r"no feed found at http://.*: no_feed; http_404 http://.*/feed/; not_a_feed"
    with pytest.raises(CommandError, match=tried):
        addsource(httpserver.url_for("/"), "--slug", "empty")

    assert not Outlet.objects.exists()


@pytest.mark.parametrize("address", ["hespress dot ma", "ftp://hespress.ma/", "//hespress.ma"])
def test_addsource_with_a_bad_site_address_gives_its_usage(address: str) -> None:
    with pytest.raises(CommandError) as refused:
        addsource(address)

    assert str(refused.value).startswith("usage: manage.py addsource")
    assert f"not an http(s) site address: {address!r}" in str(refused.value)
    assert not Outlet.objects.exists()


def test_addsource_never_reaches_a_private_site_in_production(
    settings, moved_site: HTTPServer
) -> None:  # type: ignore[no-untyped-def]
    settings.FETCH_ALLOW_PRIVATE_ADDRESSES = False

    with pytest.raises(CommandError, match="blocked_address"):
        addsource(moved_site.url_for("/"))

    assert moved_site.log == []
    assert not Outlet.objects.exists()

"""The management commands: ingest, addsource, loadoutlets, loaddemo.

In-process through ``call_command``; usage errors also through a real
``manage.py`` process, for the exit code and what the operator sees on stderr.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from PIL import Image as PILImage
from pytest_httpserver import HTTPServer

from articles.ingest.outlets import OUTLETS
from articles.ingest.roster import DEMO_DIR
from articles.models import Article, FetchLog, Image, Outlet
from tests.support.rows import article_rows

ROOT = Path(__file__).resolve().parents[2]
ARABIC = re.compile(r"[\u0621-\u064A]")
MOJIBAKE = ("Ø", "Ù", "Ã", "Â", "\ufffd")

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>اختبار</title><link>https://example.ma/</link>
<item><title>الكاميرون تتعادل مع كوت ديفوار</title><link>https://example.ma/a/1</link>
<guid isPermaLink="false">https://example.ma/?p=1</guid>
<pubDate>Mon, 22 Dec 2025 10:00:00 +0100</pubDate></item>
<item><title>جبال خنيفرة تلبس الرداء الأبيض</title><link>https://example.ma/a/2</link>
<guid isPermaLink="false">https://example.ma/?p=2</guid>
<pubDate>Mon, 22 Dec 2025 09:00:00 +0100</pubDate></item>
</channel></rss>""".encode()


def run_command(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def summary_rows(output: str) -> dict[str, list[str]]:
    """The ingest summary table as {slug: [status, new, updated, images, (error)]}."""
    lines = output.strip().splitlines()
    assert lines[0].split()[:5] == ["source", "status", "new", "updated", "images"], output
    return {line.split()[0]: line.split()[1:] for line in lines[1:-1]}


@pytest.fixture(scope="module")
def manage(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., subprocess.CompletedProcess]:
    """Run ``manage.py`` in its own process, on a migrated database in a temp dir."""
    var_dir = tmp_path_factory.mktemp("var")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
    env.update(NEWSROOM_VAR_DIR=str(var_dir), DEBUG="1", CELERY_BROKER_URL="filesystem://")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    migrated = run("migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    return run


# --- ingest ------------------------------------------------------------------------


@pytest.mark.django_db
def test_ingest_one_outlet_reports_new_articles_then_nothing_new(
    httpserver: HTTPServer, make_outlet
) -> None:
    httpserver.expect_request("/feed").respond_with_data(FEED, content_type="application/rss+xml")
    make_outlet(slug="local", feed_url=httpserver.url_for("/feed"))

    first = run_command("ingest", "--source", "local", "--no-progress")
    second = run_command("ingest", "--source", "local", "--no-progress")

    assert summary_rows(first)["local"][:3] == ["ok", "2", "0"]
    assert first.strip().splitlines()[-1] == (
        "1 source(s): 2 new, 0 updated, 0 failed; 0 image(s) copied"
    )
    status, new, updated = summary_rows(second)["local"][:3]
    assert status in ("not_modified", "unchanged")
    assert (new, updated) == ("0", "0")
    assert Article.objects.filter(outlet__slug="local").count() == 2


@pytest.mark.django_db
def test_ingest_copies_new_images_inline_without_a_broker(
    httpserver: HTTPServer, make_outlet
) -> None:
    photo = io.BytesIO()
    PILImage.linear_gradient("L").convert("RGB").resize((800, 450)).save(photo, "JPEG")
    httpserver.expect_request("/photo.jpg").respond_with_data(
        photo.getvalue(), content_type="image/jpeg"
    )
    with_image = FEED.replace(
        b"</item>",
        f'<enclosure url="{httpserver.url_for("/photo.jpg")}" type="image/jpeg"/></item>'.encode(),
        1,
    )
    httpserver.expect_request("/feed").respond_with_data(
        with_image, content_type="application/rss+xml"
    )
    make_outlet(slug="pictures", feed_url=httpserver.url_for("/feed"))

    output = run_command("ingest", "--source", "pictures", "--no-progress")

    assert summary_rows(output)["pictures"][:4] == ["ok", "2", "0", "1"]
    image = Image.objects.get()
    assert (image.status, image.copy_width) == (Image.Status.STORED, 800)


@pytest.mark.django_db
def test_ingest_runs_even_a_paused_outlet_when_named(httpserver: HTTPServer, make_outlet) -> None:
    httpserver.expect_request("/feed").respond_with_data(FEED, content_type="application/rss+xml")
    make_outlet(slug="resting", feed_url=httpserver.url_for("/feed"), status=Outlet.Status.PAUSED)

    output = run_command("ingest", "--source", "resting", "--no-progress")

    assert summary_rows(output)["resting"][:2] == ["ok", "2"]


@pytest.mark.django_db
def test_ingest_all_records_a_broken_outlet_and_stores_the_good_one(
    httpserver: HTTPServer, make_outlet
) -> None:
    httpserver.expect_request("/good").respond_with_data(FEED, content_type="application/rss+xml")
    httpserver.expect_request("/gone").respond_with_data("no such feed", status=404)
    good = make_outlet(slug="good", feed_url=httpserver.url_for("/good"))
    broken = make_outlet(slug="broken", feed_url=httpserver.url_for("/gone"))
    paused = make_outlet(
        slug="paused", feed_url=httpserver.url_for("/paused"), status=Outlet.Status.PAUSED
    )
    before = timezone.now()

    output = run_command("ingest")

    rows = summary_rows(output)
    assert set(rows) == {"good", "broken"}
    assert rows["broken"] == ["error", "0", "0", "0", "http_404"]
    assert rows["good"][:2] == ["ok", "2"]
    assert output.strip().splitlines()[-1] == (
        "2 source(s): 2 new, 0 updated, 1 failed; 0 image(s) copied"
    )
    broken.refresh_from_db()
    assert broken.last_status == Outlet.FetchStatus.ERROR
    assert broken.last_error_code == "http_404"
    assert broken.consecutive_failures == 1
    assert broken.next_fetch_at is not None and broken.next_fetch_at > before
    assert FetchLog.objects.get(outlet=broken).http_status == 404
    assert good.articles.count() == 2
    paused.refresh_from_db()
    assert paused.last_status == Outlet.FetchStatus.NEVER


@pytest.mark.django_db
def test_ingest_unknown_outlet_is_a_command_error() -> None:
    with pytest.raises(CommandError, match="no source with slug 'nope'"):
        run_command("ingest", "--source", "nope")


def test_ingest_unknown_outlet_exits_non_zero_without_traceback(manage) -> None:
    result = manage("ingest", "--source", "nope", "--no-progress")

    assert result.returncode == 1
    assert "CommandError: no source with slug 'nope'" in result.stderr
    assert "Traceback" not in result.stderr


def test_ingest_unknown_option_shows_usage(manage) -> None:
    result = manage("ingest", "--bogus")

    assert result.returncode == 2
    assert "usage: manage.py ingest" in result.stderr
    assert "unrecognized arguments: --bogus" in result.stderr
    assert "Traceback" not in result.stderr


# --- addsource ---------------------------------------------------------------------


@pytest.mark.django_db
def test_addsource_creates_the_outlet() -> None:
    output = run_command(
        "addsource", "Le Desk", "https://ledesk.ma/feed/", "--slug", "s", "--language", "fr"
    )

    outlet = Outlet.objects.get(slug="s")
    assert (outlet.name, outlet.feed_url, outlet.language) == (
        "Le Desk",
        "https://ledesk.ma/feed/",
        "fr",
    )
    assert outlet.site_url == "https://ledesk.ma"
    assert outlet.status == Outlet.Status.ACTIVE
    assert "added s" in output


@pytest.mark.django_db
def test_addsource_derives_the_slug_from_the_host() -> None:
    run_command("addsource", "لو360", "https://www.le360.ma/feed")

    assert Outlet.objects.get(feed_url="https://www.le360.ma/feed").slug == "le360"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Other", "https://other.ma/feed", "--slug", "taken"], "slug 'taken' exists"),
        (["Other", "https://taken.ma/feed", "--slug", "other"], "feed URL exists"),
        (["Other", "ftp://other.ma/feed", "--slug", "other"], "not an http(s) URL"),
        (["Other", "https://other.ma/feed", "--slug", "bad slug!"], "invalid slug"),
    ],
    ids=["duplicate-slug", "duplicate-url", "ftp-url", "bad-slug"],
)
def test_addsource_refuses_bad_input_and_creates_nothing(
    make_outlet, args: list[str], message: str
) -> None:
    make_outlet(slug="taken", feed_url="https://taken.ma/feed")

    with pytest.raises(CommandError, match=re.escape(message)):
        run_command("addsource", *args)

    assert list(Outlet.objects.values_list("slug", flat=True)) == ["taken"]


def test_addsource_error_exits_non_zero_without_traceback(manage) -> None:
    result = manage("addsource", "Other", "ftp://other.ma/feed")

    assert result.returncode == 1
    assert "CommandError: not an http(s) URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_addsource_without_arguments_shows_usage(manage) -> None:
    result = manage("addsource")

    assert result.returncode == 2
    assert "usage: manage.py addsource" in result.stderr
    assert "the following arguments are required: name" in result.stderr
    assert "Traceback" not in result.stderr


def test_addsource_with_a_bad_site_address_alone_shows_usage(manage) -> None:
    result = manage("addsource", "hespress dot ma")

    assert result.returncode == 1
    assert "usage: manage.py addsource" in result.stderr
    assert "not an http(s) site address: 'hespress dot ma'" in result.stderr
    assert "Traceback" not in result.stderr


# --- loadoutlets -------------------------------------------------------------------


def outlet_rows() -> list[dict[str, object]]:
    return list(Outlet.objects.order_by("slug").values())


@pytest.mark.django_db
def test_loadoutlets_twice_creates_the_roster_once() -> None:
    first = run_command("loadoutlets")
    rows = outlet_rows()
    second = run_command("loadoutlets")

    assert len(rows) == len(OUTLETS) >= 100
    assert f"{len(OUTLETS)} outlet(s) created." in first
    assert second.strip() == "0 outlet(s) created."
    assert outlet_rows() == rows


@pytest.mark.django_db
def test_loadoutlets_keeps_staff_edits() -> None:
    run_command("loadoutlets")
    Outlet.objects.filter(slug="goud").update(
        status=Outlet.Status.PAUSED, name="كود (موقوف)", feed_url="https://www.goud.ma/rss/"
    )
    Outlet.objects.filter(slug="febrayer").update(
        status=Outlet.Status.ACTIVE, kind=Outlet.Kind.CULTURE
    )
    edited = [row for row in outlet_rows() if row["slug"] in ("goud", "febrayer")]

    output = run_command("loadoutlets")

    assert [row for row in outlet_rows() if row["slug"] in ("goud", "febrayer")] == edited
    assert output.strip() == "0 outlet(s) created."


@pytest.mark.django_db
def test_loadoutlets_pauses_refusals_and_guesses_with_their_reason() -> None:
    run_command("loadoutlets")

    outlets = {outlet.slug: outlet for outlet in Outlet.objects.all()}
    for slug in ("alyaoum24", "medias24", "ledesk", "mapnews-ar", "lematin"):
        assert outlets[slug].status == Outlet.Status.PAUSED, slug
    assert "robots.txt" in outlets["alyaoum24"].paused_reason
    assert "403" in outlets["ledesk"].paused_reason
    guessed = [o for o in outlets.values() if o.evidence == Outlet.Evidence.GUESS]
    assert len(guessed) == 23
    assert all(o.status == Outlet.Status.PAUSED for o in guessed)
    # A guess says so, unless the site also refused us (MAP Express's Arabic edition).
    assert {o.slug for o in guessed if "تخمين" not in o.paused_reason} == {"mapexpress-ar"}
    trusted = [o for o in outlets.values() if o.status == Outlet.Status.ACTIVE]
    assert len(trusted) == 96
    assert all(o.evidence != Outlet.Evidence.GUESS and not o.paused_reason for o in trusted)
    # The corrected entries: Hesport's feed on the www host, verified; Hespress active.
    assert (outlets["hesport"].feed_url, outlets["hesport"].evidence) == (
        "https://www.hesport.com/feed",
        Outlet.Evidence.VERIFIED,
    )
    assert outlets["hespress"].status == Outlet.Status.ACTIVE


# --- loaddemo ----------------------------------------------------------------------


def demo_slugs() -> set[str]:
    roster = {outlet.slug for outlet in OUTLETS}
    return {path.stem for path in DEMO_DIR.glob("*.xml")} & roster


FETCH_STATE = (
    "etag",
    "last_modified",
    "body_hash",
    "last_status",
    "last_error_code",
    "consecutive_failures",
    "last_fetched_at",
    "last_success_at",
    "next_fetch_at",
)


@pytest.mark.django_db
def test_loaddemo_stores_articles_for_several_outlets() -> None:
    assert len(demo_slugs()) >= 3, f"no demo feeds in {DEMO_DIR}"

    output = run_command("loaddemo")

    per_outlet = {slug: Article.objects.filter(outlet__slug=slug).count() for slug in demo_slugs()}
    assert all(count > 0 for count in per_outlet.values()), per_outlet
    assert {line.split()[0] for line in output.strip().splitlines()} == demo_slugs()


@pytest.mark.django_db
def test_loaddemo_decodes_windows_1256_arabic_titles() -> None:
    prolog = (DEMO_DIR / "al3omk.xml").read_bytes()[:60]
    assert prolog.startswith(b'<?xml version="1.0" encoding="windows-1256"?>')

    run_command("loaddemo")

    titles = list(Article.objects.filter(outlet__slug="al3omk").values_list("title", flat=True))
    assert titles
    assert all(ARABIC.search(title) for title in titles), titles
    assert not [t for t in titles if any(bad in t for bad in MOJIBAKE)], titles


@pytest.mark.django_db
def test_loaddemo_leaves_fetch_state_alone() -> None:
    run_command("loadoutlets")
    Outlet.objects.filter(slug="al3omk").update(
        etag='"v1"',
        last_modified="Mon, 22 Dec 2025 10:00:00 GMT",
        body_hash="f" * 64,
        last_status=Outlet.FetchStatus.NOT_MODIFIED,
        last_fetched_at=timezone.now(),
        next_fetch_at=timezone.now(),
    )
    before = Outlet.objects.filter(slug="al3omk").values(*FETCH_STATE).get()

    run_command("loaddemo")

    assert Outlet.objects.filter(slug="al3omk").values(*FETCH_STATE).get() == before
    assert Article.objects.filter(outlet__slug="al3omk").exists()
    assert not FetchLog.objects.exists()


@pytest.mark.django_db
def test_loaddemo_twice_leaves_identical_rows() -> None:
    run_command("loaddemo")
    rows = article_rows()
    images = sorted(
        Article.images.through.objects.values_list("article_id", "image_id", "position")
    )

    second = run_command("loaddemo")

    assert rows
    assert article_rows() == rows
    assert (
        sorted(Article.images.through.objects.values_list("article_id", "image_id", "position"))
        == images
    )
    for line in second.strip().splitlines():
        assert re.search(r"new +0 +updated +0 +unchanged +\d+$", line), line

"""Full text for staff: ``addsource`` and ``fulltext`` on the command line (on, off,
rerun, selectors, refused input), and the admin (selectors validated, the full-text code
shown, articles rerun, the add and change pages)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from pytest_httpserver import HTTPServer

from articles.fulltext.pages import fill_article
from articles.models import FullTextStatus, Outlet
from tests.support.fulltext import article_page, html_response, refreshed, stored_article

# The commands and admin actions drive the stage: run on both databases.
pytestmark = pytest.mark.postgres


# ---------------------------------------------------------------------------------------
# Commands and admin
# ---------------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_addsource_takes_the_full_text_options(db: None) -> None:
    output = run(
        "addsource", "هسبريس", "https://www.hespress.com/feed", "--full-text",
        "--body-selector", "div.article-content", "--drop-selector", ".read-also, .share",
    )  # fmt: skip
    assert "full text" in output
    outlet = Outlet.objects.get()
    assert (outlet.full_text, outlet.body_selector, outlet.drop_selector) == (
        True, "div.article-content", ".read-also, .share",
    )  # fmt: skip


@pytest.mark.parametrize("flag", ["--body-selector", "--drop-selector"])
def test_a_bad_selector_on_the_command_line_is_refused_clearly(db: None, flag: str) -> None:
    with pytest.raises(CommandError, match=rf"{flag} 'div\[' is not a CSS selector"):
        run("addsource", "x", "https://example.ma/feed", "--full-text", flag, "div[")
    assert not Outlet.objects.exists()


def test_fulltext_command_turns_it_on_and_off_and_reruns(
    outlet: Outlet, httpserver: HTTPServer
) -> None:
    Outlet.objects.filter(id=outlet.id).update(full_text=False)
    fresh = Outlet.objects.get(id=outlet.id)
    httpserver.expect_request("/news/1.html").respond_with_response(html_response(article_page()))
    article = stored_article(fresh, httpserver, "/news/1.html")
    assert article.fulltext_status == FullTextStatus.NONE
    output = run(
        "fulltext",
        fresh.slug,
        "on",
        "--body-selector",
        "div.entry-content",
        "--rerun",
        "--no-progress",
    )
    assert "extracted: 1" in output
    article = refreshed(article)
    assert article.page_body and article.body_html.count("وزارة التجهيز") == 6
    assert Outlet.objects.get(id=fresh.id).body_selector == "div.entry-content"
    run("fulltext", fresh.slug, "off")
    assert not Outlet.objects.get(id=fresh.id).full_text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope", "on"), "no source with slug 'nope'"),
        (("{slug}", "off", "--rerun"), "--rerun needs full text on"),
        (("{slug}", "on", "--body-selector", "p:nope"), "is not a CSS selector"),
        (("{slug}", "on", "--rerun", "--limit", "0"), "--limit must be a positive number"),
    ],
)
def test_fulltext_command_refuses_bad_input_with_a_message(
    make_outlet, args: tuple[str, ...], message: str
) -> None:
    outlet = make_outlet()
    with pytest.raises(CommandError, match=message):
        run("fulltext", *(a.format(slug=outlet.slug) for a in args))


def outlet_form(outlet: Outlet, **changes: str) -> dict[str, str]:
    form = {
        "name": outlet.name, "name_latin": "", "slug": outlet.slug, "site_url": "",
        "feed_url": outlet.feed_url, "language": "ar", "status": "active", "kind": "national",
        "body_selector": "", "drop_selector": "", "next_fetch_at_0": "", "next_fetch_at_1": "",
        "section_aliases-TOTAL_FORMS": "0", "section_aliases-INITIAL_FORMS": "0",
        "fetch_logs-TOTAL_FORMS": "0", "fetch_logs-INITIAL_FORMS": "0",
        "feed_changes-TOTAL_FORMS": "0", "feed_changes-INITIAL_FORMS": "0",
    }  # fmt: skip
    form.update(changes)
    return form


def test_admin_refuses_a_bad_selector_and_saves_a_good_one(
    admin_client: Client, make_outlet
) -> None:
    outlet = make_outlet()
    url = f"/admin/articles/outlet/{outlet.id}/change/"
    response = admin_client.post(
        url, outlet_form(outlet, full_text="on", body_selector="div[class")
    )
    assert response.status_code == 200
    assert "محدد CSS غير صالح" in response.content.decode()
    assert not Outlet.objects.get(id=outlet.id).full_text
    response = admin_client.post(
        url, outlet_form(outlet, full_text="on", drop_selector=".share, .related")
    )
    assert response.status_code == 302
    outlet = Outlet.objects.get(id=outlet.id)
    assert outlet.full_text and outlet.drop_selector == ".share, .related"


def test_admin_shows_the_full_text_code_and_reruns_articles(
    admin_client: Client, outlet: Outlet, httpserver: HTTPServer
) -> None:
    article = stored_article(outlet, httpserver, "/private/1.html")
    fill_article(article.id)
    listing = admin_client.get("/admin/articles/article/").content.decode()
    assert "robots_disallowed" in listing
    response = admin_client.post(
        "/admin/articles/article/",
        {"action": "rerun_full_text", "_selected_action": [article.id]},
        follow=True,
    )
    assert "طُلب استخراج النص الكامل: مقال واحد" in response.content.decode()
    assert refreshed(article).fulltext_status == FullTextStatus.PENDING
    response = admin_client.post(
        "/admin/articles/outlet/",
        {"action": "rerun_full_text", "_selected_action": [outlet.id]},
        follow=True,
    )
    assert response.status_code == 200
    assert admin_client.get("/admin/articles/pagehost/").status_code == 200


def test_admin_add_and_change_pages_render_with_the_new_fields(
    admin_client: Client, outlet: Outlet, httpserver: HTTPServer
) -> None:
    article = stored_article(outlet, httpserver, "/news/1.html")
    for url in (
        "/admin/articles/outlet/add/",
        f"/admin/articles/outlet/{outlet.id}/change/",
        "/admin/articles/article/add/",
        f"/admin/articles/article/{article.id}/change/",
        "/admin/articles/pagehost/",
    ):
        assert admin_client.get(url).status_code == 200, url

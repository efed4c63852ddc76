"""Feed addresses in admin: an outlet added by its site's address alone, the proposals
on an outlet's page and in the list of pending ones, accepted or rejected by staff, and
a feed address staff type recorded like any move."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from pytest_httpserver import HTTPServer

from articles.discovery import moves
from articles.ingest.feeds import ingest_outlet
from articles.models import FeedChange, Outlet
from tests.support.discovery import serve_site

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
ADD = "admin:articles_outlet_add"


def form_data(response: Any, **changes: str) -> dict[str, Any]:
    """What the admin page's form would post as it stands, with ``changes``: its
    fields' initial values and every inline's management form."""
    form = response.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {name: ("" if value is None else value) for name, value in data.items()}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update(
            {management[name].html_name: management[name].value() for name in management.fields}
        )
    data.update(changes)
    return {name: value for name, value in data.items() if value is not False}


def proposal(make_outlet, server: HTTPServer) -> FeedChange:  # type: ignore[no-untyped-def]
    outlet = make_outlet(feed_url=server.url_for("/feed/"), site_url=server.url_for("/"))
    ingest_outlet(outlet.id)
    change = moves.search_moved_feed(outlet.id)
    assert change is not None and change.is_pending
    return change


def test_the_add_form_takes_a_site_address_alone(
    admin_client, admin_user, moved_site: HTTPServer
) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.get(reverse(ADD))
    data = form_data(
        page, name="موقع", slug="mawqi3", site_url=moved_site.url_for("/"), feed_url=""
    )

    response = admin_client.post(reverse(ADD), data, follow=True)

    assert response.status_code == 200
    outlet = Outlet.objects.get(slug="mawqi3")
    assert outlet.feed_url == moved_site.url_for("/rss/")
    change = FeedChange.objects.get(outlet=outlet)
    assert (change.found_by, change.state, change.decided_by) == ("link", "accepted", admin_user)


def test_the_add_form_says_when_a_site_has_no_feed(admin_client, httpserver: HTTPServer) -> None:  # type: ignore[no-untyped-def]
    serve_site(httpserver)
    page = admin_client.get(reverse(ADD))
    data = form_data(
        page, name="موقع", slug="mawqi3", site_url=httpserver.url_for("/"), feed_url=""
    )

    response = admin_client.post(reverse(ADD), data)

    assert response.status_code == 200  # the form again, with its error
    errors = response.context["adminform"].form.errors
    assert "لم نجد في هذا الموقع تغذية RSS أو Atom فيها مواد" in errors["site_url"][0]
    assert "http_404" in errors["site_url"][0]
    assert not Outlet.objects.exists()


def test_the_add_form_asks_for_a_feed_or_a_site(admin_client) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.get(reverse(ADD))
    data = form_data(page, name="موقع", slug="mawqi3", site_url="", feed_url="")

    response = admin_client.post(reverse(ADD), data)

    errors = response.context["adminform"].form.errors
    assert errors["feed_url"] == ["أدخل رابط التغذية، أو عنوان الموقع ليبحث عنها."]
    assert not Outlet.objects.exists()


def test_a_proposal_is_accepted_from_the_outlets_page(
    admin_client, admin_user, moved_site: HTTPServer, make_outlet
) -> None:  # type: ignore[no-untyped-def]
    change = proposal(make_outlet, moved_site)
    outlet_page = reverse("admin:articles_outlet_change", args=[change.outlet_id])
    accept = reverse("admin:articles_feedchange_accept", args=[change.id])

    html = admin_client.get(outlet_page).content.decode()
    assert moved_site.url_for("/rss/") in html
    assert f'formaction="{accept}"' in html

    response = admin_client.post(accept, {"next": outlet_page})

    assert (response.status_code, response.url) == (302, outlet_page)
    change.refresh_from_db()
    assert (change.state, change.decided_by) == ("accepted", admin_user)
    assert Outlet.objects.get(id=change.outlet_id).feed_url == moved_site.url_for("/rss/")
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["اعتُمد العنوان الجديد."]
    # Decided: no buttons any more, and a second decision is refused with a reason.
    assert f'formaction="{accept}"' not in admin_client.get(outlet_page).content.decode()
    again = admin_client.post(reverse("admin:articles_feedchange_reject", args=[change.id]))
    assert "قُرّر فيه من قبل" in str(list(get_messages(again.wsgi_request))[-1])
    change.refresh_from_db()
    assert change.state == "accepted"


def test_a_decision_is_a_post_and_goes_back_only_to_our_site(
    admin_client, moved_site: HTTPServer, make_outlet
) -> None:  # type: ignore[no-untyped-def]
    change = proposal(make_outlet, moved_site)
    reject = reverse("admin:articles_feedchange_reject", args=[change.id])

    assert admin_client.get(reject).status_code == 405
    response = admin_client.post(reject, {"next": "https://evil.example/"})

    assert response.url == reverse("admin:articles_feedchange_changelist")
    change.refresh_from_db()
    assert change.state == "rejected"
    assert Outlet.objects.get(id=change.outlet_id).feed_url == moved_site.url_for("/feed/")


def test_the_pending_list_and_its_actions(
    admin_client, moved_site: HTTPServer, make_outlet, httpserver: HTTPServer
) -> None:  # type: ignore[no-untyped-def]
    first = proposal(make_outlet, moved_site)
    decided = FeedChange.objects.create(
        outlet=first.outlet, old_url="http://a.ma/x", new_url="http://a.ma/y",
        found_by="path", state="rejected",
    )  # fmt: skip
    changelist = reverse("admin:articles_feedchange_changelist")

    pending = admin_client.get(changelist, {"state": "proposed"})
    assert list(pending.context["cl"].result_list) == [first]
    assert decided.new_url in admin_client.get(changelist).content.decode()

    response = admin_client.post(
        changelist, {"action": "accept_selected", "_selected_action": [first.id, decided.id]}
    )

    first.refresh_from_db()
    assert first.state == "accepted"
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert "اعتُمد عنوان تغذية واحد." in said
    assert any("قُرّر فيه من قبل" in message for message in said)


def test_a_feed_address_staff_type_is_recorded_with_a_fresh_fetch_state(
    admin_client, admin_user, make_outlet
) -> None:  # type: ignore[no-untyped-def]
    outlet = make_outlet(feed_url="https://example.ma/feed/", etag='"e"', body_hash="b" * 64)
    page = reverse("admin:articles_outlet_change", args=[outlet.id])
    data = form_data(admin_client.get(page), feed_url="https://example.ma/rss/")

    response = admin_client.post(page, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    outlet.refresh_from_db()
    assert (outlet.feed_url, outlet.etag, outlet.body_hash) == ("https://example.ma/rss/", "", "")
    change = FeedChange.objects.get(outlet=outlet)
    assert (change.old_url, change.new_url) == ("https://example.ma/feed/", outlet.feed_url)
    assert (change.found_by, change.state, change.decided_by) == ("staff", "accepted", admin_user)

"""The report form and its answers, through Django's test client: CSRF, 405, 404 for an
image we hold no copy of, 400 with the Arabic field errors, JSON for the dialog, the
French edition, a safe ``next``, and the thanks kept out of the page cache."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from articles.models import Image, ImageReport, Outlet
from articles.site.reports import READER_COOKIE
from tests.support.moderation import (
    THANKS,
    Reader,
    changed,
    make_article,
    messages_in,
    parse,
    stored_image,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.usefixtures("_quarantine_in_tmp", "sections"),
]


THANKS_FR = (
    "Merci pour votre signalement ! Cette image sera masquée automatiquement "
    "lorsque plusieurs personnes l’auront signalée."
)
REASON_ERROR = "اختر سببا من القائمة."
NOTE_ERROR = "الملاحظة أطول من 500 حرف."


# --- the form and its answers --------------------------------------------------------


def test_a_report_without_csrf_token_is_forbidden(photo: Image) -> None:
    reader = Reader()
    reader.csrf(photo.pk)  # the reader has the CSRF cookie, but posts without the token

    with_cookie = reader.report(photo.pk, token=False)
    bare = Client(enforce_csrf_checks=True).post(
        f"/images/{photo.pk}/report/", {"reason": "violent"}
    )

    assert with_cookie.status_code == bare.status_code == 403
    assert not ImageReport.objects.exists()
    photo.refresh_from_db()
    assert photo.report_count == 0


def test_get_on_the_report_address_is_405_and_changes_nothing(photo: Image) -> None:
    reader = Reader()
    for method in (reader.client.get, reader.client.head):
        response = method(f"/images/{photo.pk}/report/?reason=violent")
        assert response.status_code == 405
        assert response["Allow"] == "POST"
    assert not ImageReport.objects.exists()


@pytest.mark.parametrize("prefix", ["", "/fr"], ids=["ar", "fr"])
def test_an_unknown_or_uncopied_image_is_404_for_the_form_and_the_report(
    photo: Image, prefix: str
) -> None:
    pending = Image.objects.create(url="https://cdn.outlet.example.ma/not-yet.jpg")
    reader = Reader()
    for image_id in (999_999, pending.pk):
        assert reader.form(image_id, prefix=prefix).status_code == 404
        response = reader.report(image_id, prefix=prefix, token_from=photo.pk)
        assert response.status_code == 404
    assert not ImageReport.objects.exists()


def test_the_form_page_offers_the_reasons_and_a_note(photo: Image) -> None:
    response = Reader().form(photo.pk, next_path="/hespress/1/")
    tree = parse(response)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    (form,) = tree.xpath('//form[@class="report-form"]')
    assert form.get("method") == "post" and form.get("action") == f"/images/{photo.pk}/report/"
    reasons = form.xpath('.//input[@name="reason"]/@value')
    assert reasons == ["inappropriate", "violent", "unrelated", "copyright", "other"]
    assert form.xpath('.//textarea[@name="note"]/@maxlength') == ["500"]
    assert form.xpath('.//input[@name="next"]/@value') == ["/hespress/1/"]
    assert photo.thumbnail.url in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"reason": "spam"}, "reason", REASON_ERROR),
        ({"reason": ""}, "reason", REASON_ERROR),
        ({"reason": "violent", "note": "ب" * 501}, "note", NOTE_ERROR),
    ],
    ids=["unknown-reason", "no-reason", "501-char-note"],
)
def test_a_bad_reason_or_a_long_note_is_400_with_the_arabic_error(
    photo: Image, data: dict[str, str], field: str, error: str
) -> None:
    reader = Reader()

    page = reader.report(photo.pk, data["reason"], data.get("note", ""))
    answer = reader.report(photo.pk, data["reason"], data.get("note", ""), json_answer=True)

    assert page.status_code == 400
    tree = parse(page)
    errors = tree.xpath('//form[@class="report-form"]//ul[contains(@class, "errorlist")]/li')
    assert [e.text_content().strip() for e in errors] == [error]
    assert tree.xpath('//p[@class="form-errors"]')  # the summary above the fields
    if field == "note":  # the reader's text is given back to correct, not lost
        assert tree.xpath('//textarea[@name="note"]')[0].text_content().strip() == data["note"]
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/json"
    assert answer.json() == {"errors": {field: [error]}}
    assert not ImageReport.objects.exists()
    assert READER_COOKIE not in page.cookies


def test_a_note_of_exactly_500_characters_is_accepted(photo: Image) -> None:
    reader = Reader()
    assert reader.thanked(reader.report(photo.pk, "other", "ن" * 500)) == [THANKS]
    assert ImageReport.objects.get(image=photo).note == "ن" * 500


def test_a_report_asking_for_json_gets_the_thanks_as_json(photo: Image) -> None:
    reader = Reader()
    first = reader.report(photo.pk, json_answer=True)
    again = reader.report(photo.pk, json_answer=True)

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() == {"message": THANKS}
    assert READER_COOKIE in first.cookies
    photo.refresh_from_db()
    assert photo.report_count == 1


def test_the_french_edition_thanks_in_french(photo: Image) -> None:
    reader = Reader()
    answer = reader.report(photo.pk, json_answer=True, prefix="/fr")
    error = reader.report(photo.pk, "spam", json_answer=True, prefix="/fr")

    assert answer.json() == {"message": THANKS_FR}
    assert error.json() == {"errors": {"reason": ["Choisissez un motif dans la liste."]}}


@pytest.mark.parametrize(
    "next_path",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "https:evil.example",
        "///evil.example",
        "http://testserver/hespress/",  # even our own host: only paths are taken
    ],
)
def test_next_pointing_off_site_goes_home(photo: Image, next_path: str) -> None:
    reader = Reader()
    response = reader.report(photo.pk, next_path=next_path)

    assert response.status_code == 302
    assert response["Location"] == f"/?reported={photo.pk}#messages"
    # The form page never offers it either (its hidden field and its cancel link).
    tree = parse(reader.form(photo.pk, next_path=next_path))
    assert tree.xpath('//input[@name="next"]/@value') == ["/"]
    assert tree.xpath("//a[@data-report-cancel]/@href") == ["/"]


def test_next_on_our_site_is_where_the_reader_goes_back_to(photo: Image) -> None:
    reader = Reader()
    response = reader.report(photo.pk, next_path="/section/sports/?before=abc")
    assert response["Location"] == (f"/section/sports/?before=abc&reported={photo.pk}#messages")


def test_the_thanks_page_is_private_and_the_cached_page_stays_without_it(
    outlets: tuple[Outlet, Outlet], django_assert_max_num_queries: Any
) -> None:
    article = make_article(outlets[0])
    image = stored_image(article)
    changed()
    path = article.get_absolute_url()
    reader = Reader()
    cached = reader.client.get(path)  # warms the page cache
    assert cached.status_code == 200 and "public" in cached["Cache-Control"]
    report_links = parse(cached).xpath("//a[@data-report-image]/@href")
    assert report_links == [f"/images/{image.pk}/?{urlencode({'next': path})}"]

    response = reader.report(image.pk, next_path=path)
    assert response["Location"] == f"{path}?reported={image.pk}#messages"
    assert "messages" in reader.client.cookies
    back = reader.client.get(f"{path}?reported={image.pk}")

    assert messages_in(back) == [THANKS]
    assert "private" in back["Cache-Control"] and "no-store" in back["Cache-Control"]
    assert "public" not in back["Cache-Control"]
    # The thanks page deletes the message cookie; a browser then sends none.
    assert back.cookies["messages"].value == "" and back.cookies["messages"]["max-age"] == 0
    del reader.client.cookies["messages"]
    with django_assert_max_num_queries(1):  # the version read: served from the page cache
        later = reader.client.get(path)
    assert later.content == cached.content
    assert messages_in(later) == [] and "public" in later["Cache-Control"]
    other = Client().get(f"{path}?reported={image.pk}")
    assert messages_in(other) == [] and THANKS not in other.content.decode()

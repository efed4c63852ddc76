"""Which other images are hidden with a reported one: the same bytes under another
address, and look-alikes by perceptual hash, for distinctive pictures only (a flat
placeholder, logo or banner never hides others); copies that arrive after the hide are
hidden, and restored, with it."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from PIL import Image as PILImage
from PIL import ImageDraw

from articles.images.likeness import hash_distance, is_distinctive
from articles.models import Image, Outlet, Visibility
from articles.moderation import reports, visibility
from tests.support.moderation import (
    DISTINCTIVE,
    Scene,
    assert_not_on,
    auto_hides,
    copied_image,
    demo_picture,
    flip,
    hide_by_readers,
    make_article,
    quarantined_file,
    refresh,
    report_from_networks,
    reporter,
    resized,
    served,
    stored_image,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.usefixtures("_quarantine_in_tmp", "sections"),
]


# --- look-alikes: distinctive pictures only ------------------------------------------


@pytest.mark.parametrize(
    "phash",
    [
        "0000000000000000",  # a blank placeholder
        "ffffffffffffffff",
        "0000001818000000",  # a small logo on a plain ground
        "000000ff00000000",  # a solid banner with one edge
        "00ff00ff00ff00ff",
    ],
)
def test_a_flat_perceptual_hash_never_hides_other_images_alone(
    outlets: tuple[Outlet, Outlet], phash: str
) -> None:
    reported = stored_image(make_article(outlets[0]), phash=phash)
    same_hash = stored_image(make_article(outlets[1]), phash=phash)
    one_bit = stored_image(make_article(outlets[1]), phash=flip(phash, 1))
    assert not is_distinctive(phash)

    for n in range(django_settings.IMAGE_REPORT_THRESHOLD):
        reports.report_image(reported, reporter(n), "inappropriate")

    refresh(reported, same_hash, one_bit)
    assert reported.visibility == Visibility.AUTO_HIDDEN
    assert same_hash.visibility == one_bit.visibility == Visibility.SHOWN
    assert visibility.lookalikes(reported) == []


def test_flat_real_pictures_are_not_look_alikes_of_each_other(
    outlets: tuple[Outlet, Outlet],
) -> None:
    def flat(draw: Callable[[ImageDraw.ImageDraw], None], colour: str) -> bytes:
        picture = PILImage.new("RGB", (960, 540), colour)
        draw(ImageDraw.Draw(picture))
        buffer = io.BytesIO()
        picture.save(buffer, "PNG")
        return buffer.getvalue()

    blank = flat(lambda d: None, "white")
    banner = flat(lambda d: None, "#c8102e")
    logo = flat(lambda d: d.rectangle((440, 230, 520, 310), fill="#006233"), "white")
    other_logo = flat(lambda d: d.ellipse((430, 220, 530, 320), fill="#c8102e"), "white")
    images = [copied_image(make_article(outlets[n % 2]), data) for n, data in
              enumerate((blank, banner, logo, other_logo))]  # fmt: skip
    assert not any(is_distinctive(i.phash) for i in images)

    for n in range(django_settings.IMAGE_REPORT_THRESHOLD):
        reports.report_image(images[2], reporter(n), "copyright")

    refresh(*images)
    assert [i.visibility for i in images] == [
        Visibility.SHOWN, Visibility.SHOWN, Visibility.AUTO_HIDDEN, Visibility.SHOWN,
    ]  # fmt: skip


def test_a_distinctive_look_alike_within_the_distance_is_hidden_with_it(
    outlets: tuple[Outlet, Outlet], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    limit = settings.IMAGE_LOOKALIKE_DISTANCE
    reported = stored_image(make_article(outlets[0]), phash=DISTINCTIVE)
    near = stored_image(make_article(outlets[1]), phash=flip(DISTINCTIVE, limit))
    far = stored_image(make_article(outlets[1]), phash=flip(DISTINCTIVE, limit + 1))
    # Within the distance but another colour (the same emblem in blue), or plain, or
    # of unknown plainness (copied before that was recorded): not the same picture.
    recoloured = stored_image(make_article(outlets[1]), phash=flip(DISTINCTIVE, 1), tone="2040c0")
    plain = stored_image(make_article(outlets[1]), phash=flip(DISTINCTIVE, 1), plain=True)
    unknown = stored_image(make_article(outlets[1]), phash=flip(DISTINCTIVE, 1), plain=None)
    assert is_distinctive(near.phash) and is_distinctive(far.phash)
    assert hash_distance(near.phash, DISTINCTIVE) == limit
    assert hash_distance(far.phash, DISTINCTIVE) == limit + 1

    with django_capture_on_commit_callbacks(execute=True):
        for n in range(django_settings.IMAGE_REPORT_THRESHOLD):
            reports.report_image(reported, reporter(n), "violent")

    refresh(reported, near, far, recoloured, plain, unknown)
    assert reported.visibility == near.visibility == Visibility.AUTO_HIDDEN
    assert near.hidden_with == reported
    for other in (far, recoloured, plain, unknown):
        assert other.visibility == Visibility.SHOWN, other
    client = Client()
    near_page = client.get(near.articles.get().get_absolute_url()).content.decode()
    assert near.copy.url not in near_page and 'class="hidden-image"' in near_page
    assert far.copy.url in client.get(far.articles.get().get_absolute_url()).content.decode()


def test_immunity_follows_look_alikes_like_hiding_does(
    outlets: tuple[Outlet, Outlet], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    restored = stored_image(make_article(outlets[0]), phash=DISTINCTIVE)
    Image.objects.filter(pk=restored.pk).update(visibility=Visibility.RESTORED)
    republished = stored_image(make_article(outlets[1]), phash=flip(DISTINCTIVE, 2))
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(django_settings.IMAGE_REPORT_THRESHOLD + 2):
            reports.report_image(republished, reporter(n), "violent")
    republished.refresh_from_db()
    assert republished.visibility == Visibility.SHOWN
    assert auto_hides() == 0


def test_the_same_photo_republished_at_another_size_is_hidden_with_it(
    outlets: tuple[Outlet, Outlet], django_capture_on_commit_callbacks: Any
) -> None:
    picture = demo_picture(3)
    reported = copied_image(make_article(outlets[0]), picture)
    smaller = copied_image(make_article(outlets[1]), resized(picture, 0.5, quality=60))
    unrelated = copied_image(make_article(outlets[1]), demo_picture(8))
    assert smaller.sha256 != reported.sha256 and smaller.copy_width != reported.copy_width

    with django_capture_on_commit_callbacks(execute=True):
        report_from_networks(reported, django_settings.IMAGE_REPORT_THRESHOLD)

    refresh(reported, smaller, unrelated)
    assert smaller.visibility == Visibility.AUTO_HIDDEN and smaller.hidden_with == reported
    assert unrelated.visibility == Visibility.SHOWN
    assert served(Client(), smaller.copy.name) == 404
    assert served(Client(), unrelated.copy.name) == 200


# --- copies that arrive after the hide ------------------------------------------------


def test_the_same_bytes_arriving_after_the_hide_are_hidden_too(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    hide_by_readers(scene, django_capture_on_commit_callbacks)
    late_article = make_article(scene.sharing.outlet, title="نفس الصورة من جديد")

    with django_capture_on_commit_callbacks(execute=True):
        late = copied_image(late_article, demo_picture(0))

    assert late.sha256 == scene.photo.sha256 and late.copy.name == scene.photo.copy.name
    assert (late.visibility, late.hidden_with) == (Visibility.AUTO_HIDDEN, scene.photo)
    html = Client().get(late_article.get_absolute_url()).content.decode()
    assert_not_on(html, late)
    assert 'class="hidden-image"' in html
    assert served(Client(), late.copy.name) == 404


def test_a_look_alike_arriving_after_the_hide_is_hidden_and_restored_with_it(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    hide_by_readers(scene, django_capture_on_commit_callbacks)
    late_article = make_article(scene.sharing.outlet)

    with django_capture_on_commit_callbacks(execute=True):
        late = copied_image(late_article, resized(demo_picture(0), 0.8, quality=75))
        unrelated = copied_image(late_article, demo_picture(7), position=1)

    assert late.sha256 != scene.photo.sha256
    assert (late.visibility, late.hidden_with) == (Visibility.AUTO_HIDDEN, scene.photo)
    assert unrelated.visibility == Visibility.SHOWN
    assert served(Client(), late.copy.name) == 404 and quarantined_file(late.copy.name).exists()

    with django_capture_on_commit_callbacks(execute=True):
        visibility.restore(scene.photo, None)

    late.refresh_from_db()
    assert late.visibility == Visibility.RESTORED
    assert served(Client(), late.copy.name) == 200

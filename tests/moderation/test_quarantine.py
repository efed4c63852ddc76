"""The files of a hidden image: out of the public media folder into the quarantine, back
on restore, and consistent when rows share one file (the same bytes under several
addresses) but not one visibility."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from articles.models import Image, Visibility
from articles.moderation import visibility
from tests.support.moderation import (
    Scene,
    copied_image,
    demo_picture,
    hide_by_readers,
    make_article,
    media_file,
    quarantined_file,
    report_from_networks,
    served,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.usefixtures("_quarantine_in_tmp", "sections"),
]


def test_a_hidden_image_file_leaves_the_public_media_folder(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    names = [n for i in scene.group for n in (i.copy.name, i.thumbnail.name)]
    assert all(served(client, name) == 200 for name in names)

    hide_by_readers(scene, django_capture_on_commit_callbacks)

    for name in names:
        assert served(client, name) == 404, name
        assert not media_file(name).exists() and quarantined_file(name).exists(), name
    assert served(client, scene.other.copy.name) == 200
    assert not quarantined_file(scene.other.copy.name).exists()


# --- files shared between images ----------------------------------------------------


def assert_files_follow_visibility(*images: Image) -> None:
    """A hidden image's copy is not served at its old address; a shown one's is (its
    pages point at it)."""
    client = Client()
    for image in images:
        image.refresh_from_db()
        expected = 404 if image.is_hidden else 200
        assert served(client, image.copy.name) == expected, (image, image.visibility)


def test_hiding_an_image_whose_restored_twin_stays_immune_keeps_files_consistent(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    hide_by_readers(scene, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        visibility.restore(scene.photo, None)
    visibility.lift_immunity(scene.photo, None)  # the picture: every row of its bytes

    with django_capture_on_commit_callbacks(execute=True):
        # Reports since the review count: the threshold again hides it.
        report_from_networks(scene.photo, django_settings.IMAGE_REPORT_THRESHOLD, start=30)

    scene.photo.refresh_from_db()
    assert scene.photo.visibility == Visibility.AUTO_HIDDEN
    assert_files_follow_visibility(scene.photo, scene.twin)


def test_hiding_a_new_copy_of_a_restored_picture_keeps_files_consistent(
    scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    hide_by_readers(scene, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        visibility.restore(scene.photo, None, "صورة إخبارية عادية")
    late_article = make_article(scene.sharing.outlet)
    with django_capture_on_commit_callbacks(execute=True):
        late = copied_image(late_article, demo_picture(0))  # the same bytes, shown

    with django_capture_on_commit_callbacks(execute=True):
        report_from_networks(late, django_settings.IMAGE_REPORT_THRESHOLD, start=40)

    assert scene.photo.copy.url in Client().get(scene.article.get_absolute_url()).content.decode()
    assert_files_follow_visibility(scene.photo, late)

"""Who may moderate (issue 19, "Admin"): the moderation permission is
``articles.change_image``. A staff member who may only look at images is offered no
moderation action and is refused (403) each one he posts, on the image list and on the
review queue, and the breaker's reset; anonymous visitors are sent to the login from
every staff page; and in production the session and CSRF cookies are ``Secure``,
``HttpOnly`` and ``SameSite=Lax``."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from articles.models import Image, ModerationEvent, Visibility
from tests.support.moderation import Scene, hide_by_readers, refresh

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_quarantine_in_tmp", "sections")]

IMAGES = "/admin/articles/image/"
QUEUE = "/admin/articles/reviewqueueimage/"
MODERATION_ACTIONS = ("hide_images", "restore_images", "dismiss_reports", "lift_immunity",
                      "mark_reviewed", "copy_again")  # fmt: skip


def staff_client(django_user_model: Any, *codenames: str) -> Client:
    name = "staff-" + "-".join(codenames)
    user = django_user_model.objects.create_user(name, password="x" * 12, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def viewer(django_user_model: Any) -> Client:
    """Staff who may see images and the review queue, not moderate them."""
    return staff_client(django_user_model, "view_image", "view_reviewqueueimage")


@pytest.fixture
def moderator(django_user_model: Any) -> Client:
    return staff_client(django_user_model, "view_image", "change_image", "view_reviewqueueimage")


def offered(client: Client, changelist: str) -> set[str]:
    html = client.get(changelist).content.decode()
    return {action for action in MODERATION_ACTIONS if f'value="{action}"' in html}


def test_staff_without_the_permission_are_offered_no_moderation_action(
    viewer: Client, moderator: Client, scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    hide_by_readers(scene, django_capture_on_commit_callbacks)  # the queue has a row
    assert viewer.get(IMAGES).status_code == 200
    assert viewer.get(QUEUE).status_code == 200
    assert offered(viewer, IMAGES) == set()
    assert offered(viewer, QUEUE) == set()
    # The same pages offer them all to a moderator.
    assert offered(moderator, IMAGES) == set(MODERATION_ACTIONS)
    assert offered(moderator, QUEUE) == set(MODERATION_ACTIONS)


@pytest.mark.parametrize("changelist", [IMAGES, QUEUE])
@pytest.mark.parametrize("action", MODERATION_ACTIONS)
def test_a_moderation_action_posted_without_the_permission_is_refused(
    viewer: Client,
    scene: Scene,
    django_capture_on_commit_callbacks: Any,
    changelist: str,
    action: str,
) -> None:
    hide_by_readers(scene, django_capture_on_commit_callbacks)
    before = [(i.visibility, i.reviewed_at) for i in scene.group]
    events = ModerationEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        answer = viewer.post(
            changelist, {"action": action, "_selected_action": [i.pk for i in scene.group]}
        )
    assert answer.status_code == 403
    refresh(*scene.group)
    assert [(i.visibility, i.reviewed_at) for i in scene.group] == before
    assert ModerationEvent.objects.count() == events


def test_a_moderator_may_restore_from_the_review_queue(
    moderator: Client, scene: Scene, django_capture_on_commit_callbacks: Any
) -> None:
    hide_by_readers(scene, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        answer = moderator.post(
            QUEUE, {"action": "restore_images", "_selected_action": [scene.photo.pk]}
        )
    assert answer.status_code == 302
    refresh(*scene.group)
    assert [i.visibility for i in scene.group] == [Visibility.RESTORED] * 3


def test_staff_without_the_permission_cannot_change_an_image_or_reset_the_breaker(
    viewer: Client, photo: Image
) -> None:
    change = reverse("admin:articles_image_change", args=[photo.pk])
    assert viewer.get(change).status_code == 200  # read-only
    assert viewer.post(change, {}).status_code == 403
    assert viewer.post(reverse("reset-breaker")).status_code == 403


def test_staff_without_any_image_permission_see_no_image(
    django_user_model: Any, photo: Image
) -> None:
    client = staff_client(django_user_model)
    assert client.get(IMAGES).status_code == 403
    assert client.get(QUEUE).status_code == 403
    assert client.post(IMAGES, {"action": "hide_images", "_selected_action": [photo.pk]}
                       ).status_code == 403  # fmt: skip
    photo.refresh_from_db()
    assert photo.visibility == Visibility.SHOWN


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        IMAGES,
        QUEUE,
        "/admin/articles/article/",
        "/admin/articles/outlet/",
        "/admin/articles/moderationevent/",
        "/admin/articles/story/",
        "/admin/quarantine/ab/cd.webp",
    ],
)
def test_staff_pages_send_anonymous_visitors_to_the_login(client: Client, url: str) -> None:
    answer = client.get(url)
    assert answer.status_code == 302
    assert answer["Location"].startswith("/admin/login/?next=")


@pytest.mark.parametrize("url", [IMAGES, QUEUE, "/admin/moderation/reset-breaker/"])
def test_anonymous_posts_to_staff_pages_change_nothing(
    client: Client, photo: Image, url: str
) -> None:
    answer = client.post(url, {"action": "hide_images", "_selected_action": [photo.pk]})
    assert answer.status_code in (302, 403)
    if answer.status_code == 302:
        assert answer["Location"].startswith("/admin/login/")
    photo.refresh_from_db()
    assert photo.visibility == Visibility.SHOWN


# --- cookies in production ---------------------------------------------------------------


@pytest.fixture
def production_settings() -> Iterator[Any]:
    """newsroom.settings as a production process reads it (DEBUG off), in a module of
    its own: the settings of this test run are left alone."""
    env = {"DEBUG": "0", "SECRET_KEY": "p" * 50, "ALLOWED_HOSTS": "news.example"}
    with mock.patch.dict(os.environ, env):
        spec = importlib.util.find_spec("newsroom.settings")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module


def test_production_cookies_are_secure_httponly_and_lax(production_settings: Any) -> None:
    assert production_settings.SESSION_COOKIE_SECURE is True
    assert production_settings.CSRF_COOKIE_SECURE is True
    assert production_settings.SESSION_COOKIE_HTTPONLY is True
    # Our scripts never read the CSRF cookie (the report dialog posts the form's own
    # token with FormData; test_our_scripts_never_read_a_cookie), so it is HttpOnly too.
    assert production_settings.CSRF_COOKIE_HTTPONLY is True
    assert production_settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert production_settings.CSRF_COOKIE_SAMESITE == "Lax"


def test_our_scripts_never_read_a_cookie() -> None:
    scripts = sorted((Path(settings.BASE_DIR) / "static").rglob("*.js"))
    assert scripts
    for script in scripts:
        text = script.read_text(encoding="utf-8")
        assert "document.cookie" not in text and "csrftoken" not in text, script


def test_the_cookies_a_sign_in_sets_carry_the_flags(
    client: Client, django_user_model: Any, settings: Any
) -> None:
    """Through a real sign-in with the production cookie settings: the Set-Cookie
    headers themselves, as a browser gets them."""
    prod = {"SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
            "CSRF_COOKIE_HTTPONLY": True, "SESSION_COOKIE_SAMESITE": "Lax",
            "CSRF_COOKIE_SAMESITE": "Lax"}  # fmt: skip
    for name, value in prod.items():
        setattr(settings, name, value)
    django_user_model.objects.create_user("staff", password="s3cret-pass-word", is_staff=True)
    csrf_client = Client(enforce_csrf_checks=True)
    form = csrf_client.get("/admin/login/")
    csrf = form.cookies[settings.CSRF_COOKIE_NAME]
    token = form.context["csrf_token"]
    answer = csrf_client.post(
        "/admin/login/?next=/admin/",
        {"username": "staff", "password": "s3cret-pass-word", "csrfmiddlewaretoken": str(token)},
    )
    assert answer.status_code == 302, answer.content[:500]
    session = answer.cookies[settings.SESSION_COOKIE_NAME]
    csrf = answer.cookies.get(settings.CSRF_COOKIE_NAME, csrf)
    for cookie in (session, csrf):
        assert cookie["secure"] is True, cookie.output()
        assert cookie["httponly"] is True, cookie.output()
        assert cookie["samesite"] == "Lax", cookie.output()

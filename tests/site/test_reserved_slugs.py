"""Outlet slugs that would hide a site address (admin, search, rss, sitemap, ...) are
refused wherever an outlet is made: ``addsource`` (in process and as a real
``manage.py``), the admin's add form, and the model's ``full_clean``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from articles.models import Outlet
from tests.support.site import only, parse, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sections")]


ROOT = Path(__file__).resolve().parents[2]


# --- reserved outlet slugs ---------------------------------------------------------------

RESERVED = ["admin", "search", "section", "rss", "fr", "static", "media", "outlets", "sitemap"]


@pytest.mark.parametrize("slug", [*RESERVED, "Admin", "RSS"])
def test_addsource_refuses_a_reserved_slug(slug: str) -> None:
    with pytest.raises(CommandError, match=re.escape(f"slug {slug!r}")) as refused:
        call_command(
            "addsource", "منبر", f"https://{slug.lower()}-news.example.ma/feed",
            "--slug", slug, stdout=StringIO(), stderr=StringIO(),
        )  # fmt: skip

    assert "--slug" in str(refused.value)
    assert not Outlet.objects.filter(slug__iexact=slug).exists()


@pytest.fixture(scope="module")
def manage(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., subprocess.CompletedProcess]:
    """``manage.py`` in its own process, on a migrated SQLite database in a temp dir."""
    var_dir = tmp_path_factory.mktemp("var")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
    env.update(NEWSROOM_VAR_DIR=str(var_dir), DEBUG="1", CELERY_BROKER_URL="filesystem://")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
            text=True, timeout=120,
        )  # fmt: skip

    migrated = run("migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    return run


@pytest.mark.parametrize("slug", ["admin", "sitemap"])
def test_addsource_with_a_reserved_slug_exits_non_zero_with_a_message(
    manage: Callable[..., subprocess.CompletedProcess], slug: str
) -> None:
    result = manage("addsource", "منبر", "https://news.example.ma/feed", "--slug", slug)

    assert result.returncode != 0
    assert f"slug '{slug}'" in result.stderr
    assert "Traceback" not in result.stderr
    listed = manage(
        "shell", "-c", "from articles.models import Outlet; print(Outlet.objects.count())"
    )
    assert listed.stdout.strip().splitlines()[-1] == "0"


def admin_add_form(client: Client) -> dict[str, str]:
    """The add form's fields as the browser would send them."""
    tree = parse(client.get("/admin/articles/outlet/add/"))
    form = only(tree, "//form[@id='outlet_form']")
    data: dict[str, str] = {}
    for field in form.xpath(".//input[@name] | .//select[@name] | .//textarea[@name]"):
        if field.tag == "input" and field.get("type") in ("submit", "checkbox"):
            continue
        if field.tag == "select":
            chosen = field.xpath("./option[@selected]/@value") or field.xpath("./option/@value")
            data[field.get("name")] = chosen[0] if chosen else ""
        else:
            data[field.get("name")] = field.get("value") or field.text or ""
    return data


@pytest.fixture
def staff(client: Client, django_user_model) -> Client:
    client.force_login(django_user_model.objects.create_superuser("editor", "e@example.ma", "x"))
    return client


@pytest.mark.parametrize("slug", ["admin", "outlets", "sitemap", "Section"])
def test_the_admin_add_form_refuses_a_reserved_slug(staff: Client, slug: str) -> None:
    data = admin_add_form(staff) | {
        "name": "منبر", "name_latin": "Minbar", "slug": slug,
        "feed_url": "https://minbar.example.ma/feed", "site_url": "https://minbar.example.ma",
        "language": "ar", "status": "active",
    }  # fmt: skip

    response = staff.post("/admin/articles/outlet/add/", data)

    assert response.status_code == 200  # the form again, not a redirect
    tree = parse(response)
    errors = " ".join(text(ul) for ul in tree.xpath("//ul[contains(@class, 'errorlist')]"))
    assert "محجوزة" in errors and slug in errors, errors
    assert not Outlet.objects.exists()


def test_the_admin_add_form_accepts_an_ordinary_slug(staff: Client) -> None:
    data = admin_add_form(staff) | {
        "name": "منبر", "name_latin": "Minbar", "slug": "minbar",
        "feed_url": "https://minbar.example.ma/feed", "site_url": "https://minbar.example.ma",
        "language": "ar", "status": "active",
    }  # fmt: skip

    response = staff.post("/admin/articles/outlet/add/", data)

    assert response.status_code == 302, response.content.decode()[-3000:]
    assert Outlet.objects.get().slug == "minbar"


@pytest.mark.parametrize("slug", [*RESERVED, "ADMIN"])
def test_full_clean_refuses_a_reserved_slug(slug: str) -> None:
    outlet = Outlet(name="منبر", slug=slug, feed_url="https://minbar.example.ma/feed")

    with pytest.raises(ValidationError) as refused:
        outlet.full_clean()

    assert "slug" in refused.value.message_dict


def test_full_clean_accepts_an_ordinary_slug() -> None:
    Outlet(name="منبر", slug="hespress", feed_url="https://minbar.example.ma/feed").full_clean()

"""The installable site's server side (docs/offline.md): the service worker at the root,
the manifest, the offline page, the 512 px icon. The worker's behaviour is tested in
Chromium (tests/browser/test_offline.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image, ImageChops, ImageStat

STATIC = Path(__file__).resolve().parents[2] / "static"


@pytest.mark.django_db
def test_service_worker_is_served_from_the_root_uncached() -> None:
    response = Client().get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    text = response.content.decode()
    shell = json.loads(text.split("const SHELL = ", 1)[1].split(";\n", 1)[0])
    assert shell[:2] == ["/offline/", "/fr/offline/"]
    assert "/static/css/site.css" in shell
    assert (STATIC / "js" / "sw.js").read_text(encoding="utf-8") in text


@pytest.mark.django_db
def test_manifest_is_arabic_right_to_left_with_both_icons() -> None:
    response = Client().get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert (data["lang"], data["dir"], data["display"]) == ("ar", "rtl", "standalone")
    assert data["name"] == "نيوزروم: أخبار المغرب" and data["short_name"] == "نيوزروم"
    assert data["start_url"] == "/" and data["scope"] == "/"
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}
    for icon in data["icons"]:
        name = icon["src"].removeprefix("/static/")
        assert Image.open(STATIC / name).size == tuple(map(int, icon["sizes"].split("x")))


def test_large_icon_is_the_small_one_drawn_at_512() -> None:
    large = Image.open(STATIC / "icon-512.png").convert("RGBA")
    small = Image.open(STATIC / "icon-192.png").convert("RGBA")
    assert large.size == (512, 512)
    difference = ImageChops.difference(large.resize((192, 192), Image.LANCZOS), small)
    assert max(ImageStat.Stat(difference).mean) < 4  # same design, not another picture


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "heading"),
    [("/offline/", "لا اتصال بالإنترنت"), ("/fr/offline/", "Pas de connexion Internet")],
)
def test_offline_page_is_public_without_navigation(path: str, heading: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    assert "public" in response["Cache-Control"]  # the worker keeps only public pages
    html = response.content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert "data-saved-list" in html and 'class="sections"' not in html
    assert not response.cookies


@pytest.mark.django_db
def test_pages_link_the_manifest_and_the_device_script() -> None:
    html = Client().get("/about/").content.decode()
    head = html.split("</head>", 1)[0]
    assert '<link rel="manifest" href="/manifest.webmanifest">' in head
    assert 'src="/static/js/reader.js" data-worker="/sw.js"></script>' in head
    assert "<script>" not in html  # nothing inline (the CSP)

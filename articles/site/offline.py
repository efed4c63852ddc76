"""The installable, offline-readable site (docs/offline.md): the service worker, served
from the site's root so that its scope is the whole site (from /static/ it would control
/static/ only); the web app manifest; the page shown offline for a page not kept."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_safe

from articles.site.cache import cached_page

WORKER_SOURCE = "js/sw.js"
# What the offline page needs, kept when the worker installs (the offline pages first).
SHELL_FILES = (
    "css/site.css",
    "fonts/noto-naskh-arabic-arabic-wght-normal.woff2",
    "js/reader.js",
    "js/offline.js",
    "favicon.ico",
    "icon-192.png",
    "img/hidden.svg",
)
# The site's light colours (site.css): one pair only, the manifest has no dark variant;
# base.html's theme-color metas give the dark one once a page is open.
LIGHT_BACKGROUND = "#ffffff"


def offline_addresses() -> list[str]:
    """The offline page of each edition: Arabic first, then French (sw.js's SHELL[0],
    SHELL[1])."""
    addresses = []
    for language in ("ar", "fr"):
        with translation.override(language):
            addresses.append(reverse("articles:offline"))
    return addresses


def worker_script() -> str:
    """sw.js under the values it reads. Its text changes whenever a shell file's
    address does (a new hash), so browsers install the new worker."""
    source = Path(str(finders.find(WORKER_SOURCE))).read_text(encoding="utf-8")
    shell = offline_addresses() + [static(name) for name in SHELL_FILES]
    values = (
        f"const SHELL = {json.dumps(shell)};\n"
        f"const STATIC_URL = {json.dumps(settings.STATIC_URL)};\n"
        f"const MEDIA_URL = {json.dumps(settings.MEDIA_URL)};\n"
    )
    version = hashlib.sha256((values + source).encode()).hexdigest()[:12]
    return f'const VERSION = "{version}";\n{values}{source}'


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(worker_script(), content_type="text/javascript; charset=utf-8")
    # Asked again on every update check (an ETag makes that a 304 when unchanged).
    response["Cache-Control"] = "no-cache"
    return response


def manifest_data() -> dict[str, object]:
    icons = [
        {"src": static(f"icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ]
    # One manifest, in Arabic (the site's first edition), as the issue asks.
    return {
        "id": "/",
        "name": "نيوزروم: أخبار المغرب",
        "short_name": "نيوزروم",
        "description": (
            "آخر أخبار المنابر المغربية في مكان واحد، "
            "مع اسم المصدر وتاريخ النشر ورابط الخبر الأصلي."
        ),
        "lang": "ar",
        "dir": "rtl",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": LIGHT_BACKGROUND,
        "theme_color": LIGHT_BACKGROUND,
        "icons": icons,
    }


@require_safe
def manifest(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(
        manifest_data(),
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
@cached_page
def offline(request: HttpRequest) -> HttpResponse:
    # No navigation or ticker: their links lead to pages that may not be kept.
    return render(request, "articles/offline.html", {"has_site_context": False})

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.decorators.http import require_safe
from django.views.static import serve

from articles.admin import views as admin_views
from articles.api.routes import api, missing
from articles.site import offline, reads, views
from articles.site.cache import cached_page
from articles.site.sitemaps import SITEMAPS

# A database that fails (down, restarting, a statement or lock timeout) answers 503 with
# Retry-After in the site's look; any other error keeps Django's 500.html.
handler500 = "articles.site.errors.server_error"

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/quarantine/<path:name>", admin_views.quarantine_file, name="quarantine-file"),
    path("admin/moderation/reset-breaker/", admin_views.reset_breaker, name="reset-breaker"),
    re_path(r"^admin/articles/(?P<old>source|category)/(?P<rest>.*)$", admin_views.renamed_page),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api(?:/.*)?$", missing),
    path("read/", reads.count_read, name="count-read"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("favicon.ico", views.favicon),
    # At the root, so that the service worker's scope is the whole site (both editions).
    path("sw.js", offline.service_worker, name="service-worker"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path(
        "sitemap.xml",
        cached_page(require_safe(sitemap_views.index)),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        cached_page(require_safe(sitemap_views.sitemap)),
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
]
# Arabic at /, French at /fr/.
urlpatterns += i18n_patterns(
    path("", include("articles.site.urls")), prefix_default_language=False
)


def serve_media(request: HttpRequest, path: str) -> HttpResponseBase:
    """Our image copies, from MEDIA_ROOT as it is now (tests move it). For a laptop;
    in production the front proxy (or the S3 store) serves /media/ instead."""
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    response["Cache-Control"] = "public, max-age=31536000, immutable"  # names are hashes
    return response


if settings.SERVE_MEDIA:
    urlpatterns.insert(0, path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve_media))

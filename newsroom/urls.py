from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver, include, path
from django.views.static import serve

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
]


def serve_media(request: HttpRequest, path: str) -> HttpResponseBase:
    """Our image copies, from MEDIA_ROOT as it is now (tests move it). For a laptop;
    in production the front proxy (or the S3 store) serves /media/ instead."""
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    response["Cache-Control"] = "public, max-age=31536000, immutable"  # names are hashes
    return response


if settings.SERVE_MEDIA:
    urlpatterns.append(path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve_media))

"""The answer to a request that failed on the database: 503 with ``Retry-After``.

PostgreSQL restarting, unreachable, or giving up on a statement (``statement_timeout``,
``lock_timeout``: newsroom/wsgi.py) raises ``OperationalError`` or ``InterfaceError``
wherever the request was: in a view, a template, or a middleware (the page cache reads
the content version first). Django turns any of them into its 500 handler, from inside
the exception's ``except`` block, so the handler sees the exception and answers for it:
a passing fault, "try again shortly", not "we broke something". The page is the site's
own, rendered without the context processors (they read the database), in the request's
edition; the API answers in JSON. Every other error keeps Django's 500.html.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import get_language_from_path
from django.views import defaults

from articles.site.cache import API_PREFIX

RETRY_AFTER_SECONDS = 30
UNAVAILABLE = (OperationalError, InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a 503 when the database failed, Django's own 500 otherwise."""
    if isinstance(sys.exc_info()[1], UNAVAILABLE):
        return unavailable(request)
    return defaults.server_error(request)


def unavailable(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        body = {"detail": f"temporarily unavailable: try again in {RETRY_AFTER_SECONDS} s"}
        response: HttpResponse = JsonResponse(body, status=503)
        response["Access-Control-Allow-Origin"] = "*"
    else:
        language = get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
        with translation.override(language):
            page = loader.get_template("503.html").render()
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response

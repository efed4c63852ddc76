"""What readers get while a service fails under the site (make chaos does the same on
the production stack, tests/reliability/faults/): Redis gone, the cache answers as an
empty one and pages come from the database; the database gone or giving up on a
statement, a 503 in the site's own look with Retry-After, never a traceback."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client

from articles.lib.rediscache import FallbackRedisCache
from articles.models import ContentVersion
from articles.site.cache import current_version
from newsroom.timeouts import web_timeouts
from tests.reliability.services import spare_port
from tests.support.moderation import THANKS, Reader, make_article, stored_image
from tests.support.site import Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_gone(settings: Any) -> Iterator[None]:
    """Both caches on a port where nothing listens: every call to Redis is refused."""
    url = f"redis://127.0.0.1:{spare_port()}/0"
    backend = {"BACKEND": "articles.lib.rediscache.FallbackRedisCache", "LOCATION": url,
               "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}  # fmt: skip
    settings.CACHES = {"default": backend, "reads": dict(backend)}
    yield


# --- Redis gone ------------------------------------------------------------------------


def test_the_cache_answers_as_an_empty_one_and_logs_each_failure(
    redis_gone: None, caplog: pytest.LogCaptureFixture
) -> None:
    from django.core.cache import caches

    cache = caches["default"]
    assert isinstance(cache, FallbackRedisCache)
    with caplog.at_level(logging.WARNING, logger="articles.lib.rediscache"):
        assert cache.get("k", "absent") == "absent"
        cache.set("k", 1)
        assert cache.add("k", 1) is False
        assert cache.incr("n", 3) == 3
        assert cache.get_many(["a", "b"]) == {}
        assert cache.get_or_set("g", lambda: "built") == "built"
        assert cache.delete("k") is False
    failures = [r for r in caplog.records if r.name == "articles.lib.rediscache"]
    assert len(failures) >= 7
    assert all("answered without Redis" in r.getMessage() for r in failures)


def test_pages_come_from_the_database_while_redis_is_gone(redis_gone: None, site: Site) -> None:
    client = Client()
    for path in ("/", site.article.get_absolute_url(), "/hespress/", "/fr/", "/api/v1/articles"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert "المنتخب يفوز" in client.get("/").content.decode()


def test_a_report_is_counted_and_thanked_while_redis_is_gone(
    redis_gone: None, make_outlet: Any
) -> None:
    image = stored_image(make_article(make_outlet(slug="hespress")))
    reader = Reader("203.0.113.10")
    assert reader.thanked(reader.report(image.pk)) == [THANKS]
    image.refresh_from_db()
    assert image.report_count == 1


# --- the database failing ---------------------------------------------------------------


def refuse(*args: object, **kwargs: object) -> None:
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')


def assert_unavailable_page(response: Any) -> str:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert 'class="error-page"' in html and "/static/css/site.css" in html
    for debug in ("Traceback", "OperationalError", "InterfaceError", "5432", "DEBUG"):
        assert debug not in html
    return html


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_database_failure_in_a_middleware_answers_503_in_the_site_look(
    site: Site, monkeypatch: pytest.MonkeyPatch, error: type[Exception]
) -> None:
    """The page cache reads the content version before any view runs."""

    def fail() -> None:
        raise error("server closed the connection unexpectedly")

    monkeypatch.setattr(ContentVersion.objects, "current", fail)
    html = assert_unavailable_page(Client(raise_request_exception=False).get("/"))
    assert 'lang="ar" dir="rtl"' in html and "الموقع غير متاح مؤقتا" in html


def test_a_database_failure_in_a_view_answers_503_in_the_edition(
    site: Site, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.CONTENT_VERSION_RECHECK_SECONDS = 600
    current_version()  # known: the page cache passes, the view's queries fail
    monkeypatch.setattr("django.db.models.query.QuerySet._fetch_all", refuse)
    client = Client(raise_request_exception=False)
    assert_unavailable_page(client.get(site.article.get_absolute_url()))
    html = assert_unavailable_page(client.get("/fr/hespress/"))
    assert 'lang="fr" dir="ltr"' in html and "momentanément indisponible" in html


def test_the_api_answers_503_in_json(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("django.db.models.query.QuerySet._fetch_all", refuse)
    response = Client(raise_request_exception=False).get("/api/v1/articles")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response.json() == {"detail": "temporarily unavailable: try again in 30 s"}


def test_any_other_error_keeps_the_500_page(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(ContentVersion.objects, "current", broken)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500 and "Retry-After" not in response
    assert "a bug" not in response.content.decode()


# --- a lock held on PostgreSQL -----------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_held_lock_answers_503_within_the_lock_timeout(site: Site, settings: Any) -> None:
    """Another session holds ACCESS EXCLUSIVE on the articles: the web's connection gives
    up after WEB_LOCK_TIMEOUT_MS (set on each new connection by newsroom/wsgi.py)."""
    settings.WEB_LOCK_TIMEOUT_MS = 300
    settings.PAGE_CACHE_SECONDS = 0
    params = connection.get_connection_params()
    holder = psycopg.connect(
        host=params.get("host"), port=params.get("port"), user=params.get("user"),
        dbname=params["dbname"], password=params.get("password"),
    )  # fmt: skip
    connection.ensure_connection()
    web_timeouts(None, connection)
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "300ms"
    try:
        holder.execute("LOCK TABLE articles_article IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        response = Client(raise_request_exception=False).get(site.article.get_absolute_url())
        elapsed = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert_unavailable_page(response)
    assert elapsed < 5
    # Released: the same connection serves the page again.
    assert Client().get(site.article.get_absolute_url()).status_code == 200

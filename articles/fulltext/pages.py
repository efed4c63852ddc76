"""Full text of one article from its page: the stage after the feed's store.

Plain functions, no Celery: the task ``articles.tasks.fetch_page`` and the commands
call ``fill_article``. An article waits (``FullTextStatus.PENDING``) until its page has
been fetched and read; whatever happens it keeps its summary and stays readable, and
the outcome is recorded on it as a status and a short code staff see in admin.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from articles.fulltext.extract import NO_ARTICLE_FOUND, Extraction, block_text, extract_article
from articles.fulltext.hosts import HostBusy, allowed_by_robots, host_of, host_turn
from articles.ingest.store import link_images
from articles.lib.http import FetchError, fetch_url
from articles.lib.sql import fitted
from articles.models import Article, ContentVersion, FullTextStatus, Outlet
from articles.search.index import index_articles

logger = logging.getLogger(__name__)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")
# Failures of the network or of the server, worth another try later; the others
# (robots, 4xx, refused addresses, too large, no article) are final.
NETWORK_CODES = frozenset(
    {"timeout", "connection_error", "connection_refused", "dns_error", "truncated", "http_429"}
)
RETRY_BASE_SECONDS = 60
# Pending longer than this with no task alive: the scheduler queues it again (longer
# than a re-run of FULLTEXT_RERUN_LIMIT pages takes at the host delay; a task that comes
# twice finds the work done and skips it).
STRANDED_AFTER = timedelta(hours=1)
# A page's text must be this much longer than the feed's to replace it.
LONGER_RATIO = 1.2
LONGER_BY_CHARS = 200


@dataclass(frozen=True)
class PageResult:
    """What one try did. ``retry_in``: a network failure, try again in that many
    seconds; ``wait``: the host is busy, come back then (not a failure)."""

    article_id: int
    status: str
    code: str = ""
    retry_in: float | None = None
    wait: float | None = None
    new_image_ids: tuple[int, ...] = ()


def is_retryable(code: str) -> bool:
    return code in NETWORK_CODES or code.startswith("http_5")


def fill_article(
    article_id: int, *, owner: str | None = None, wait: float | None = None
) -> PageResult:
    """Fetch the page of a pending article and keep what it gives; never raises for a
    bad page or a bad server. ``wait``: seconds to wait for the host's turn."""
    article = Article.objects.select_related("outlet").filter(id=article_id).first()
    if article is None or article.fulltext_status != FullTextStatus.PENDING:
        return PageResult(article_id, "skipped")
    if not article.outlet.full_text:
        Article.objects.filter(id=article_id).update(fulltext_status=FullTextStatus.NONE)
        return PageResult(article_id, FullTextStatus.NONE, "turned_off")
    url = article.original_url
    if not url:
        return _finish(article, FullTextStatus.FAILED, "no_url")
    try:
        with host_turn(host_of(url), owner or uuid.uuid4().hex, wait=wait):
            # Another task for this article may have done it while this one waited.
            if not Article.objects.filter(
                id=article_id, fulltext_status=FullTextStatus.PENDING
            ).exists():
                return PageResult(article_id, "skipped")
            if not allowed_by_robots(url):
                return _finish(article, FullTextStatus.FAILED, "robots_disallowed")
            response = fetch_url(
                url,
                accept=PAGE_ACCEPT,
                timeout=settings.FULLTEXT_TIMEOUT_SECONDS,
                max_bytes=settings.FULLTEXT_MAX_BYTES,
            )
    except HostBusy as busy:
        # Still alive: the scheduler's sweep must not queue it a second time.
        Article.objects.filter(id=article_id).update(fulltext_at=timezone.now())
        return PageResult(article_id, FullTextStatus.PENDING, "host_busy", wait=busy.wait)
    except FetchError as error:
        return _failed(article, error.code)
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in HTML_TYPES:
        return _finish(article, FullTextStatus.FAILED, "not_html")
    try:
        extraction = extract_article(
            response.body,
            url=response.url,
            headers=response.headers,
            body_selector=article.outlet.body_selector,
            drop_selector=article.outlet.drop_selector,
        )
    except Exception:
        # A bug, not a bad page: recorded like any failure, the traceback logged.
        logger.exception("extraction of article %s crashed", article_id)
        return _finish(article, FullTextStatus.FAILED, "internal_error")
    return keep_extraction(article, extraction)


def keep_extraction(article: Article, extraction: Extraction) -> PageResult:
    """Store what the page gave, in one transaction: its body only when clearly longer
    than the feed's text, its lead image when the feed had none, its author and date
    when the feed lacked them."""
    with transaction.atomic():
        current = Article.objects.select_for_update().filter(id=article.id).first()
        if current is None or current.fulltext_status != FullTextStatus.PENDING:
            return PageResult(article.id, "skipped")
        fields: dict[str, object] = {}
        if extraction.author and not current.author:
            fields["author"] = extraction.author
        if extraction.published_at and current.published_at == current.fetched_at:
            # parse._entry_date gives an undated entry its fetch time, to the microsecond.
            fields["published_at"] = extraction.published_at
        images: list[str] = []
        if extraction.lead_image and not current.article_images.exists():
            images.append(extraction.lead_image)
        if not extraction.found:
            status, code = FullTextStatus.FAILED, NO_ARTICLE_FOUND
        elif _clearly_longer(extraction.text, _feed_text_length(current)):
            status, code = FullTextStatus.EXTRACTED, "extracted"
            fields.update(body_html=extraction.body_html, page_body=True)
            images.extend(url for url in extraction.image_urls if url not in images)
        else:
            status, code = FullTextStatus.KEPT, "kept_summary_longer"
        new_image_ids = link_images({current.id: images}) if images else ()
        Article.objects.filter(id=current.id).update(
            **fitted(Article, fields),
            fulltext_status=status,
            fulltext_code=code,
            fulltext_at=timezone.now(),
            updated_at=timezone.now(),
        )
        if fields or images:
            index_articles([current.id])
            ContentVersion.objects.bump()
    return PageResult(article.id, status, code, new_image_ids=new_image_ids)


def _feed_text_length(article: Article) -> int:
    """Characters of the feed's own text: its summary, or its body unless the body is
    an earlier extraction from the page."""
    summary = len(article.summary)
    if article.page_body:
        return summary
    return max(summary, len(block_text(article.body_html)))


def _clearly_longer(text: str, than: int) -> bool:
    return len(text) >= than * LONGER_RATIO and len(text) - than >= LONGER_BY_CHARS


def _failed(article: Article, code: str) -> PageResult:
    attempts = article.fulltext_attempts + 1
    if is_retryable(code) and attempts < settings.FULLTEXT_MAX_ATTEMPTS:
        Article.objects.filter(id=article.id, fulltext_status=FullTextStatus.PENDING).update(
            fulltext_code=code, fulltext_attempts=attempts, fulltext_at=timezone.now()
        )
        return PageResult(
            article.id,
            FullTextStatus.PENDING,
            code,
            retry_in=RETRY_BASE_SECONDS * 2 ** (attempts - 1),
        )
    return _finish(article, FullTextStatus.FAILED, code, attempts=attempts)


def _finish(
    article: Article, status: str, code: str, *, attempts: int | None = None
) -> PageResult:
    logger.info("full text of article %s: %s", article.id, code)
    Article.objects.filter(id=article.id, fulltext_status=FullTextStatus.PENDING).update(
        fulltext_status=status,
        fulltext_code=code,
        fulltext_attempts=attempts if attempts is not None else article.fulltext_attempts,
        fulltext_at=timezone.now(),
    )
    return PageResult(article.id, status, code)


def queue_again(
    *,
    outlet: Outlet | None = None,
    article_ids: Iterable[int] | None = None,
    limit: int | None = None,
) -> list[int]:
    """Mark articles for another try with the outlet's current settings (after staff
    changed a selector, or turned full text on): one outlet's newest ``limit``
    (FULLTEXT_RERUN_LIMIT), or the given articles. Only outlets with full text on.
    Returns the ids now pending; the caller queues their tasks."""
    articles = Article.objects.filter(outlet__full_text=True)
    if outlet is not None:
        articles = articles.filter(outlet=outlet)
    if article_ids is not None:
        articles = articles.filter(id__in=list(article_ids))
    ids = list(
        articles.exclude(url="")
        .order_by("-published_at", "-id")
        .values_list("id", flat=True)[: limit or settings.FULLTEXT_RERUN_LIMIT]
    )
    Article.objects.filter(id__in=ids).update(
        fulltext_status=FullTextStatus.PENDING,
        fulltext_code="",
        fulltext_attempts=0,
        fulltext_at=timezone.now(),
    )
    return ids


def stranded_page_ids(now: datetime | None = None, limit: int = 100) -> list[int]:
    """Pending articles whose task was lost (worker killed, broker wiped)."""
    now = now or timezone.now()
    stale = Q(fulltext_at__isnull=True) | Q(fulltext_at__lt=now - STRANDED_AFTER)
    return list(
        Article.objects.filter(stale, fulltext_status=FullTextStatus.PENDING).values_list(
            "id", flat=True
        )[:limit]
    )


def page_schedule(article_ids: Sequence[int], host_delay: float) -> list[tuple[int, float]]:
    """When to fetch each article's page, host by host: the n-th page of a host is due
    n host delays from now, so a burst (a new feed, a re-run of 500 articles) neither
    polls nor holds workers."""
    hosts: dict[str, int] = {}
    plan = []
    rows = Article.objects.filter(id__in=list(article_ids)).values_list("id", "url")
    for article_id, url in rows:
        host = host_of(url)
        plan.append((article_id, hosts.get(host, 0) * host_delay))
        hosts[host] = hosts.get(host, 0) + 1
    return plan

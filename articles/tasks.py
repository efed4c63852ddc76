"""Celery tasks: thin shells over articles.ingest and articles.images. Pass ids."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction

from articles import images, ingest
from articles.fulltext import pages
from articles.fulltext.hosts import host_of
from articles.models import Article

COPY_RETRY_BASE_SECONDS = 60
# Work that must survive a worker's death: acknowledged when done, redelivered if the
# worker is lost; the tasks' own leases and states make a second run harmless.
AT_LEAST_ONCE: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
}


@shared_task(ignore_result=True)
def schedule_due_sources() -> int:
    """Every minute (beat): claim due sources and enqueue one fetch per source; trim
    the fetch logs; re-enqueue image copies that were lost."""
    source_ids = ingest.claim_due_sources()
    for source_id in source_ids:
        fetch_source.delay(source_id)
    ingest.trim_fetch_logs()
    # Images and pages whose task was lost with a worker or a broker get another one.
    for image_id in images.stranded_image_ids():
        copy_image.delay(image_id)
    for article_id in pages.stranded_page_ids():
        fetch_page.delay(article_id)
    return len(source_ids)


@shared_task(**AT_LEAST_ONCE, soft_time_limit=120, time_limit=150, max_retries=0)
def fetch_source(self, source_id: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Fetch one source. The task id is the lease owner (see ingest.acquire_lease).
    New images are copied by their own tasks, once this fetch's rows are committed."""
    result = ingest.ingest_source(source_id, owner=self.request.id or ingest.new_lease_owner())
    for image_id in result.new_image_ids:
        copy_image.delay_on_commit(image_id)
    queue_pages(result.page_ids)
    return {
        "status": result.status,
        "new": result.new,
        "updated": result.updated,
        "error": result.error_code,
        "images": len(result.new_image_ids),
        "pages": len(result.page_ids),
    }


@shared_task(**AT_LEAST_ONCE, soft_time_limit=60, time_limit=90, max_retries=images.MAX_ATTEMPTS)
def copy_image(self, image_id: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Copy one image; a network failure is retried with backoff, a refused image not."""
    result = images.copy_image(image_id)
    if result.should_retry:
        raise self.retry(countdown=COPY_RETRY_BASE_SECONDS * 2**self.request.retries)
    return {"status": result.status, "error": result.error_code}


@shared_task(ignore_result=True)
def repair_image_copies() -> int:
    """Files of images moderated in the last day follow their visibility (a move that
    failed after its commit is put right here)."""
    from articles.moderation import repair_copies

    return repair_copies()


@shared_task(**AT_LEAST_ONCE, soft_time_limit=90, time_limit=120, max_retries=0)
def fetch_page(self, article_id: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Full text of one article from its page (articles.fulltext.pages). A busy host or
    a network failure hands the work to a later task with a countdown; the tries are
    counted on the article, so a lost broker message never makes it retry forever."""
    result = pages.fill_article(article_id, owner=self.request.id)
    later = result.wait if result.wait is not None else result.retry_in
    if later is not None:
        fetch_page.apply_async((article_id,), countdown=later + random.uniform(0, 1))
    for image_id in result.new_image_ids:
        copy_image.delay_on_commit(image_id)
    return {"status": result.status, "code": result.code}


def queue_pages(article_ids: Sequence[int]) -> None:
    """Queue one page task per article once the caller's transaction commits, spread
    over time host by host: the n-th page of a host is due n host delays from now, so
    a burst (a new feed, a re-run of 500 articles) neither polls nor holds workers."""
    if not article_ids:
        return
    delay = settings.FULLTEXT_HOST_DELAY_SECONDS
    hosts: dict[str, int] = {}
    plan = []
    for article_id, url in Article.objects.filter(id__in=list(article_ids)).values_list(
        "id", "url"
    ):
        host = host_of(url)
        plan.append((article_id, hosts.get(host, 0) * delay))
        hosts[host] = hosts.get(host, 0) + 1

    def publish() -> None:
        for article_id, countdown in plan:
            fetch_page.apply_async((article_id,), countdown=countdown or None)

    transaction.on_commit(publish)

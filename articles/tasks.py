"""Celery tasks: thin shells over the jobs (ingest, images, fulltext, moderation). Pass ids."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, transaction

from articles.discovery import moves
from articles.fulltext import pages
from articles.images import copy
from articles.ingest import feeds
from articles.moderation.files import repair_copies
from articles.reads import flush
from articles.stories import assign

COPY_RETRY_BASE_SECONDS = 60
# Work that must survive a worker's death: acknowledged when done, redelivered if the
# worker is lost; the tasks' own leases and states make a second run harmless.
AT_LEAST_ONCE: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
}


# Tasks travel by name: the two outlet tasks keep the names they were first queued and
# scheduled under (when outlets were "sources" in code), so no message is orphaned.
@shared_task(name="articles.tasks.schedule_due_sources", ignore_result=True)
def schedule_due_outlets() -> int:
    """Every minute (beat): claim due outlets and enqueue one fetch each; trim the fetch
    logs; images and pages whose task was lost with a worker or a broker get another."""
    outlet_ids = feeds.claim_due_outlets()
    for outlet_id in outlet_ids:
        fetch_outlet.delay(outlet_id)
    feeds.trim_fetch_logs()
    requeue_lost_work()
    return len(outlet_ids)


def requeue_lost_work() -> None:
    """Images, pages and story assignments whose task was lost with a worker or a
    broker get another."""
    for image_id in copy.stranded_image_ids():
        copy_image.delay(image_id)
    for article_id in pages.stranded_page_ids():
        fetch_page.delay(article_id)
    stranded = assign.unassigned_ids()
    if stranded:
        assign_stories.delay(stranded)


@shared_task(
    **AT_LEAST_ONCE,
    name="articles.tasks.fetch_source",
    soft_time_limit=120,
    time_limit=150,
    max_retries=0,
)
def fetch_outlet(self, outlet_id: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Fetch one outlet. The task id is the lease owner (see feeds.acquire_lease).
    New images are copied by their own tasks, once this fetch's rows are committed."""
    result = feeds.ingest_outlet(outlet_id, owner=self.request.id or feeds.new_lease_owner())
    for image_id in result.new_image_ids:
        copy_image.delay_on_commit(image_id)
    queue_pages(result.page_ids)
    if result.article_ids:
        assign_stories.delay_on_commit(list(result.article_ids))
    if moves.wants_search(result):
        look_for_feed.delay_on_commit(outlet_id)
    return result.summary()


@shared_task(**AT_LEAST_ONCE, soft_time_limit=420, time_limit=450, max_retries=0)
def look_for_feed(self, outlet_id: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """After a fetch found the feed gone (404/410) or an HTML page in its place: look
    for it from the outlet's site (articles.discovery.moves), once per interval; the
    address found is proposed to staff, or taken if the outlet follows moves."""
    change = moves.search_moved_feed(outlet_id, owner=self.request.id)
    return {"state": change.state if change else "", "url": change.new_url if change else ""}


@shared_task(
    **AT_LEAST_ONCE,
    soft_time_limit=120,
    time_limit=150,
    # A dropped connection or a deadlock: again soon, not at the next sweep.
    autoretry_for=(DatabaseError,),
    retry_backoff=5,
    max_retries=3,
)
def assign_stories(self, article_ids: list[int]) -> int:  # type: ignore[no-untyped-def]
    """The stored articles' places in the stories (articles.stories.assign), right after
    their fetch. Harmless twice: what already has its place is skipped."""
    return len(assign.assign(article_ids))


@shared_task(**AT_LEAST_ONCE, soft_time_limit=60, time_limit=90, max_retries=copy.MAX_ATTEMPTS)
def copy_image(self, image_id: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Copy one image; a network failure is retried with backoff, a refused image not."""
    result = copy.copy_image(image_id)
    if result.should_retry:
        raise self.retry(countdown=COPY_RETRY_BASE_SECONDS * 2**self.request.retries)
    return {"status": result.status, "error": result.error_code}


@shared_task(ignore_result=True)
def repair_image_copies() -> int:
    """Files of images moderated in the last day follow their visibility (a move that
    failed after its commit is put right here)."""
    return repair_copies()


@shared_task(ignore_result=True, soft_time_limit=50, time_limit=60)
def flush_reads() -> int:
    """The read counters in the cache into the daily counts table (articles.reads), old
    counts and salts deleted: every minute, so pages show what was read a minute ago."""
    return flush.flush()


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
    over time host by host (pages.page_schedule)."""
    plan = pages.page_schedule(article_ids, settings.FULLTEXT_HOST_DELAY_SECONDS)

    def publish() -> None:
        for article_id, countdown in plan:
            fetch_page.apply_async((article_id,), countdown=countdown or None)

    if plan:
        transaction.on_commit(publish)

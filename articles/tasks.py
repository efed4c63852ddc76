"""Celery tasks: thin shells over articles.ingest. Pass ids, never model instances."""

from __future__ import annotations

from celery import shared_task

from articles import ingest


@shared_task(ignore_result=True)
def schedule_due_sources() -> int:
    """Every minute (beat): claim due sources and enqueue one fetch per source."""
    source_ids = ingest.claim_due_sources()
    for source_id in source_ids:
        fetch_source.delay(source_id)
    ingest.trim_fetch_logs()
    return len(source_ids)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=120,
    time_limit=150,
    ignore_result=True,
    max_retries=0,
)
def fetch_source(self, source_id: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Fetch one source. The task id is the lease owner, so a redelivered copy of this
    task (its worker died) can take the lease back at once, and any other copy skips."""
    result = ingest.ingest_source(source_id, owner=self.request.id or ingest.new_lease_owner())
    return {
        "status": result.status,
        "new": result.new,
        "updated": result.updated,
        "error": result.error_code,
    }

"""A feed that moved: look for its new address (at most once per
DISCOVERY_INTERVAL_SECONDS per outlet), propose it to staff or take it at once, and
record every change of address in ``FeedChange``.

The fetch task calls ``wants_search`` after recording its failure as usual; the search
runs in a task of its own (its requests wait for their hosts' turns).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from articles.discovery.search import FoundFeed, SearchReport, find_feed
from articles.fulltext.hosts import origin_of
from articles.ingest.feeds import IngestResult
from articles.models import FeedChange, Outlet

logger = logging.getLogger(__name__)
# What a moved feed looks like from the fetcher: gone, or a page in its place.
MOVED_CODES = frozenset({"http_404", "http_410", "not_a_feed"})
State = FeedChange.State


class MoveRefused(Exception):
    """A decision that cannot be made: ``code`` says why (admin words it for staff)."""

    DECIDED = "decided"  # accepted or rejected already
    TAKEN = "taken"  # another outlet has the new address now

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def wants_search(result: IngestResult, now: datetime | None = None) -> bool:
    """Did this fetch fail as a moved feed does, with no search in the last interval?"""
    if result.error_code not in MOVED_CODES:
        return False
    return Outlet.objects.filter(_search_due(now or timezone.now()), id=result.outlet_id).exists()


def _search_due(now: datetime) -> Q:
    since = now - timedelta(seconds=settings.DISCOVERY_INTERVAL_SECONDS)
    return Q(feed_search_at__isnull=True) | Q(feed_search_at__lte=since)


def claim_search(outlet_id: int, now: datetime | None = None) -> Outlet | None:
    """Stamp the outlet's search time if its interval has passed: of two workers (or a
    redelivered task) one wins, and a failing feed is searched once per interval."""
    now = now or timezone.now()
    if not Outlet.objects.filter(_search_due(now), id=outlet_id).update(feed_search_at=now):
        return None
    return Outlet.objects.get(id=outlet_id)


def search_moved_feed(outlet_id: int, *, owner: str | None = None) -> FeedChange | None:
    """Look for the outlet's feed from its site (or the feed's origin); propose or take
    what is found. Returns the change recorded, if any. Never raises for a bad site."""
    outlet = claim_search(outlet_id)
    if outlet is None:
        return None
    try:
        report = find_feed(
            outlet.site_url or origin_of(outlet.feed_url) + "/",
            exclude={outlet.feed_url},
            owner=owner,
        )
        change, note = propose(outlet, report)
    except Exception:
        logger.exception("feed search for source %s crashed", outlet_id)
        change, note = None, "internal_error"
    Outlet.objects.filter(id=outlet_id).update(feed_search_note=note[:500])
    return change


def propose(outlet: Outlet, report: SearchReport) -> tuple[FeedChange | None, str]:
    """The change the search's find makes (a proposal, or a move if the outlet follows
    moves), and the note for staff; None when there is nothing new to propose."""
    found, note = report.found, report.note()
    if found is None:
        return None, note
    owner = Outlet.objects.filter(feed_url=found.url).exclude(id=outlet.id).first()
    if owner is not None:
        return None, f"taken_by {owner.slug}; {note}"
    pending_or_refused = (State.PROPOSED, State.REJECTED)
    earlier = outlet.feed_changes.filter(new_url=found.url, state__in=pending_or_refused).first()
    if earlier is not None:
        return None, f"already_{earlier.state}; {note}"
    if outlet.follow_feed_moves:
        return _moved_automatically(outlet, found), note
    return _proposal(outlet, found), note


def _proposal(outlet: Outlet, found: FoundFeed) -> FeedChange | None:
    try:
        with transaction.atomic():
            return FeedChange.objects.create(
                outlet=outlet,
                old_url=outlet.feed_url,
                new_url=found.url,
                found_by=found.found_by,
                state=State.PROPOSED,
            )
    except IntegrityError:
        return None  # another search proposed it a moment ago


def _moved_automatically(outlet: Outlet, found: FoundFeed) -> FeedChange | None:
    with transaction.atomic():
        if not move_feed(outlet, found.url):
            return None
        return FeedChange.objects.create(
            outlet=outlet,
            old_url=outlet.feed_url,
            new_url=found.url,
            found_by=found.found_by,
            state=State.AUTOMATIC,
        )


def move_feed(outlet: Outlet, new_url: str) -> bool:
    """Point the outlet at ``new_url`` with a fresh fetch state (the validators and the
    body hash were the old address's), due at once; False if another outlet has it."""
    if Outlet.objects.filter(feed_url=new_url).exclude(id=outlet.id).exists():
        return False
    Outlet.objects.filter(id=outlet.id).update(**fresh_state(new_url))
    return True


def fresh_state(feed_url: str) -> dict[str, Any]:
    """The fields that change with the feed's address: the old failures are not the
    new address's, so its backoff starts over too."""
    return {
        "feed_url": feed_url,
        "etag": "",
        "last_modified": "",
        "body_hash": "",
        "consecutive_failures": 0,
        "next_fetch_at": timezone.now(),
    }


def accept(change: FeedChange, user: Any = None) -> FeedChange:
    """Staff accept a proposal: the outlet moves to its address. Raises MoveRefused if
    the proposal was decided already or another outlet has that address now."""
    with transaction.atomic():
        change = FeedChange.objects.select_for_update().select_related("outlet").get(id=change.id)
        if not change.is_pending:
            raise MoveRefused(MoveRefused.DECIDED)
        if not move_feed(change.outlet, change.new_url):
            raise MoveRefused(MoveRefused.TAKEN)
        return _decided(change, State.ACCEPTED, user)


def reject(change: FeedChange, user: Any = None) -> FeedChange:
    """Staff reject a proposal: the search will not propose that address again."""
    with transaction.atomic():
        change = FeedChange.objects.select_for_update().get(id=change.id)
        if not change.is_pending:
            raise MoveRefused(MoveRefused.DECIDED)
        return _decided(change, State.REJECTED, user)


def _decided(change: FeedChange, state: str, user: Any) -> FeedChange:
    change.state, change.decided_at = state, timezone.now()
    change.decided_by = user if user is not None and user.is_authenticated else None
    change.save(update_fields=["state", "decided_at", "decided_by"])
    return change


def record_staff_change(outlet: Outlet, old_url: str, user: Any = None) -> FeedChange:
    """Staff typed a new feed address (admin): recorded like any move, with a fresh
    fetch state for the new address."""
    Outlet.objects.filter(id=outlet.id).update(**fresh_state(outlet.feed_url))
    return _recorded(outlet, old_url, FeedChange.FoundBy.STAFF, user)


def record_found_at_creation(outlet: Outlet, found_by: str, user: Any = None) -> FeedChange:
    """An outlet added by its site's address: its first feed address and how the
    search found it."""
    return _recorded(outlet, "", found_by, user)


def _recorded(outlet: Outlet, old_url: str, found_by: str, user: Any) -> FeedChange:
    change = FeedChange(outlet=outlet, old_url=old_url, new_url=outlet.feed_url, found_by=found_by)
    change.state, change.decided_at = State.ACCEPTED, timezone.now()
    change.decided_by = user if user is not None and user.is_authenticated else None
    change.save()
    return change

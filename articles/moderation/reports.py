"""Readers' reports: one counted report per reader and per network, rate limits, and the
hide when enough distinct networks reported an image.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from articles.lib.clients import keyed_hash, network_of
from articles.models import (
    Image,
    ImageReport,
    ModerationEvent,
    ModerationState,
    Visibility,
)
from articles.moderation.breaker import breaker_tripped, trip_breaker_if_needed
from articles.moderation.visibility import hide_lookalikes, picture_is_immune

if TYPE_CHECKING:
    from django.contrib.auth.models import User


Action = ModerationEvent.Action


RATE_WINDOW = 3600


@dataclass(frozen=True)
class Reporter:
    reader: str  # keyed hash of the reader cookie's value
    network: str  # keyed hash of the address prefix

    @classmethod
    def of(cls, reader_id: str, address: str) -> Reporter:
        return cls(keyed_hash("reader", reader_id), keyed_hash("network", network_of(address)))


class Outcome:
    COUNTED = "counted"
    REPEATED = "repeated"  # this reader or network had reported the image already
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True)
class ReportResult:
    outcome: str
    hidden: bool = False  # this report hid the image


def report_image(image: Image, reporter: Reporter, reason: str, note: str = "") -> ReportResult:
    """Record one reader's report; hide the image if it has now been reported enough.
    The reader is thanked the same whatever this returns."""
    if _over_rate(reporter):
        return ReportResult(Outcome.RATE_LIMITED)
    with transaction.atomic():
        # The image's row lock orders the reports of one image: each one counts the
        # reports committed before it (PostgreSQL; SQLite writers are serial anyway).
        Image.objects.select_for_update().filter(pk=image.pk).values_list("pk").first()
        try:
            with transaction.atomic():
                ImageReport.objects.create(
                    image=image, reason=reason, note=note,
                    reader=reporter.reader, network=reporter.network,
                )  # fmt: skip
        except IntegrityError:
            return ReportResult(Outcome.REPEATED)
        now = timezone.now()
        Image.objects.filter(pk=image.pk).update(
            report_count=F("report_count") + 1, last_reported_at=now
        )
        return ReportResult(Outcome.COUNTED, hidden=_hide_if_reported_enough(image, now))


def _over_rate(reporter: Reporter) -> bool:
    """Count this report against the reader's and the network's hourly allowance."""
    over = False
    for key in (f"report-rate:r:{reporter.reader}", f"report-rate:n:{reporter.network}"):
        cache.add(key, 0, RATE_WINDOW)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, RATE_WINDOW)
            count = 1
        over = over or count > settings.IMAGE_REPORT_RATE
    return over


def counted_reports(image: Image, now: datetime) -> int:
    """Reports that count toward hiding: within the window, not dismissed, and made
    since staff last reviewed the image. Networks are unique per image, so this counts
    networks."""
    image.refresh_from_db(fields=["reviewed_at"])
    since = now - timedelta(days=settings.IMAGE_REPORT_WINDOW_DAYS)
    if image.reviewed_at and image.reviewed_at > since:
        since = image.reviewed_at
    return ImageReport.objects.filter(
        image=image, created_at__gt=since, dismissed_at__isnull=True
    ).count()


def _hide_if_reported_enough(image: Image, now: datetime) -> bool:
    threshold = settings.IMAGE_REPORT_THRESHOLD
    if counted_reports(image, now) < threshold or picture_is_immune(image):
        return False
    if breaker_tripped():
        # Queued for staff (the review queue lists held images) and tried again when
        # the breaker is reset.
        if Image.objects.filter(
            pk=image.pk, visibility=Visibility.SHOWN, held_at__isnull=True
        ).update(held_at=now):
            ModerationEvent.objects.create(
                action=Action.HOLD, image=image, threshold=threshold,
                why="automatic hiding is stopped (breaker)",
            )  # fmt: skip
        return False
    # Shown images only: hidden ones stay as they are, restored ones are immune.
    hid = Image.objects.filter(pk=image.pk, visibility=Visibility.SHOWN).update(
        visibility=Visibility.AUTO_HIDDEN, hidden_at=now, hidden_with=None, held_at=None
    )
    if not hid:
        return False
    why = f"{threshold}+ distinct networks in {settings.IMAGE_REPORT_WINDOW_DAYS} days"
    ModerationEvent.objects.create(
        action=Action.AUTO_HIDE, image=image, why=why, threshold=threshold
    )
    hide_lookalikes(image, Visibility.AUTO_HIDDEN, now, staff=False)
    trip_breaker_if_needed(now)
    return True


def reset_breaker(actor: User | None, why: str = "") -> None:
    """Automatic hiding resumes; images held while it was stopped are decided now."""
    with transaction.atomic():
        if not ModerationState.objects.filter(id=1).update(breaker_tripped_at=None):
            return
        ModerationEvent.objects.create(action=Action.BREAKER_RESET, actor=actor, why=why)
    for image in Image.objects.filter(held_at__isnull=False).order_by("pk"):
        with transaction.atomic():
            Image.objects.select_for_update().filter(pk=image.pk).values_list("pk").first()
            if not _hide_if_reported_enough(image, timezone.now()):
                Image.objects.filter(pk=image.pk).update(held_at=None)

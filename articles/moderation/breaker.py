"""The breaker: too many automatic hides in an hour stop automatic hiding until staff
reset it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings

from articles.models import (
    ModerationEvent,
    ModerationState,
)

logger = logging.getLogger(__name__)
Action = ModerationEvent.Action


def _state() -> ModerationState:
    state, _created = ModerationState.objects.get_or_create(id=1)
    return state


def breaker_tripped() -> bool:
    return ModerationState.objects.filter(id=1, breaker_tripped_at__isnull=False).exists()


def trip_breaker_if_needed(now: datetime) -> None:
    """More than IMAGE_HIDE_BREAKER automatic hides within the hour (since the last
    reset, if staff reset it within the hour) stop automatic hiding."""
    since = now - timedelta(hours=1)
    last_reset = (
        ModerationEvent.objects.filter(action=Action.BREAKER_RESET, created_at__gte=since)
        .order_by("-created_at").values_list("created_at", flat=True).first()
    )  # fmt: skip
    recent = ModerationEvent.objects.filter(
        action=Action.AUTO_HIDE, created_at__gte=last_reset or since
    ).count()
    limit = settings.IMAGE_HIDE_BREAKER
    if recent > limit and not breaker_tripped():
        state = _state()
        state.breaker_tripped_at = now
        state.save(update_fields=["breaker_tripped_at"])
        ModerationEvent.objects.create(
            action=Action.BREAKER_TRIP, why=f"{recent} automatic hides within an hour",
            threshold=limit,
        )  # fmt: skip
        logger.warning("image hiding breaker tripped: %d automatic hides in an hour", recent)

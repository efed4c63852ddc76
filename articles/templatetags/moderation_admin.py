"""Admin's moderation banner: the breaker's state and the review queue's length."""

from __future__ import annotations

from typing import Any

from django import template

from articles.models import ModerationState
from articles.moderation.visibility import queue_of_review

register = template.Library()


@register.inclusion_tag("admin/moderation_banner.html", takes_context=True)
def moderation_banner(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_active or not user.is_staff:
        return {"show": False}
    if not user.has_perm("articles.change_image"):
        return {"show": False}  # the queue and the reset are for who can act on them
    state = ModerationState.objects.filter(id=1).first()
    queue = queue_of_review().count()
    return {
        "show": True,
        "breaker_tripped_at": state.breaker_tripped_at if state else None,
        "queue": queue,
        "csrf_token": context.get("csrf_token"),
    }

"""One count per reader per article per day, Plausible's way.

The reader is ``HMAC(today's salt, network | user agent)``: the network is the /24 or
/48 ``articles.lib.clients.network_of`` gives, never the address, and the salt is a
random key made on the day's first read and deleted when the next day's is made. So a
reader's hash changes every day, and once the day is over nobody (us included) can say
which network or browser made it. Nothing here writes to the database per read, bar the
day's first (the salt): the marker and the counters are in the ``reads`` cache.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, datetime

from django.utils import timezone

from articles.models import ReadingSalt
from articles.reads import keys

# The web process keeps today's salt in memory: one database read per process per day.
_salt: tuple[date, str] | None = None


def salt_for(day: date) -> str:
    """The day's salt, made on first use; making it deletes every older one."""
    global _salt
    if _salt is not None and _salt[0] == day:
        return _salt[1]
    row, made = ReadingSalt.objects.get_or_create(
        day=day, defaults={"salt": secrets.token_hex(32)}
    )
    if made:
        ReadingSalt.objects.filter(day__lt=day).delete()
    _salt = (day, row.salt)
    return row.salt


def forget_salt() -> None:
    """Read the salt from the database next time (tests empty the tables)."""
    global _salt
    _salt = None


def reader_of(salt: str, network: str, user_agent: str) -> str:
    message = f"{network}|{user_agent}".encode()
    return hmac.new(salt.encode(), message, hashlib.sha256).hexdigest()[:32]


def count_read(
    article_id: int, network: str, user_agent: str, now: datetime | None = None
) -> bool:
    """Count this reader for this article today, unless they already were: whether they
    were counted now."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    reader = reader_of(salt_for(day), network, user_agent[:512])
    left = keys.seconds_left(day, now)
    if not keys.store().add(keys.seen(day, reader, article_id), 1, left):
        return False
    _add_one(day, article_id, left + keys.GRACE.total_seconds())
    return True


def _add_one(day: date, article_id: int, lifetime: float) -> None:
    store = keys.store()
    if not store.add(keys.total(day, article_id), 1, lifetime):
        store.incr(keys.total(day, article_id))
        return
    # The article's first reader today: list it for the flush.
    store.add(keys.slots(day), 0, lifetime)
    number = store.incr(keys.slots(day))
    store.set(keys.slot(day, number), article_id, lifetime)

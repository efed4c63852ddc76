"""Readers report images; several distinct readers hide one everywhere until staff review.

The rules (shared/DESIGN.md, "Image reports"):

- One counted report per reader and per network for an image: the reader is a random
  value in a signed cookie, the network the client address's /24 (IPv4) or /48 (IPv6).
  Both are stored only as keyed hashes (HMAC-SHA256 with ``REPORT_HASH_KEY``), each
  unique with the image, so neither a new cookie nor a new address in the same network
  counts twice. Nothing here stores or logs an address or a cookie value.
- The client address is the connection's; ``X-Forwarded-For`` is read only when
  ``TRUSTED_PROXY_COUNT`` proxies are configured, and then only the entry they added.
- An image is hidden when ``IMAGE_REPORT_THRESHOLD`` distinct networks reported it within
  ``IMAGE_REPORT_WINDOW_DAYS``. Reports of one image take the image's row lock, and the
  hide is one conditional UPDATE, so concurrent reports hide it exactly once.
- Hiding takes the picture with it: the same row, the same bytes (sha256) and, for
  distinctive pictures only, perceptual-hash look-alikes (the same photo re-published
  at another size). Our copies leave the public media storage for the quarantine
  storage, and the content version is bumped so cached pages change at once.
- A restored image is immune to automatic hiding until staff lift that.
- Over ``IMAGE_REPORT_RATE`` reports an hour from one reader or network, reports are
  thanked and not counted. Over ``IMAGE_HIDE_BREAKER`` automatic hides in an hour,
  automatic hiding stops (the breaker) until staff reset it; reports keep counting.

Staff actions in admin call the same functions as automatic ones, and every action is a
``ModerationEvent``.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage, storages
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from articles.images import hash_distance, is_distinctive, same_tone
from articles.models import (
    HIDDEN,
    Article,
    ContentVersion,
    Image,
    ImageReport,
    ModerationEvent,
    ModerationState,
    Visibility,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)
Action = ModerationEvent.Action
RATE_WINDOW = 3600


# Who is reporting -------------------------------------------------------------------


def client_address(request: HttpRequest) -> str:
    """The address that connected to us, or, behind ``TRUSTED_PROXY_COUNT`` proxies,
    the one the outermost trusted proxy saw. A client's own X-Forwarded-For entries sit
    to the left of what our proxies appended, so they are never read."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def network_of(address: str) -> str:
    """The /24 of an IPv4 address, the /48 of an IPv6 one (IPv4-mapped as IPv4). A port
    some proxies append ("203.0.113.5:443", "[2001:db8::1]:443") is not part of it."""
    host = address.strip()
    if host.startswith("[") and "]" in host:
        host = host[1 : host.index("]")]
    elif host.count(":") == 1:
        host = host.split(":")[0]
    try:
        ip = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        logger.warning("report from an address that is not one; counted as one network")
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def keyed_hash(kind: str, value: str) -> str:
    return salted_hmac(
        f"newsroom.report.{kind}", value, secret=settings.REPORT_HASH_KEY, algorithm="sha256"
    ).hexdigest()


@dataclass(frozen=True)
class Reporter:
    reader: str  # keyed hash of the reader cookie's value
    network: str  # keyed hash of the address prefix

    @classmethod
    def of(cls, reader_id: str, address: str) -> Reporter:
        return cls(keyed_hash("reader", reader_id), keyed_hash("network", network_of(address)))


# Reports ----------------------------------------------------------------------------


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
    if counted_reports(image, now) < threshold or _picture_is_immune(image):
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
    _hide_lookalikes(image, Visibility.AUTO_HIDDEN, now, staff=False)
    _trip_breaker_if_needed(now)
    return True


# Hiding and restoring ---------------------------------------------------------------


def _picture_is_immune(image: Image) -> bool:
    """Staff restored this picture: this row, another row of the same bytes, or a
    look-alike (immunity follows the picture the way hiding does)."""
    image.refresh_from_db(fields=["sha256", "phash", "plain", "tone", "visibility"])
    if image.visibility == Visibility.RESTORED:
        return True
    return _matching(image, Image.objects.filter(visibility=Visibility.RESTORED)) is not None


def _matching(image: Image, candidates: QuerySet[Image]) -> Image | None:
    """The first of ``candidates`` that is the same picture as ``image``."""
    candidates = candidates.exclude(pk=image.pk)
    if image.sha256:
        twin = candidates.filter(sha256=image.sha256).first()
        if twin is not None:
            return twin
    for other in candidates.filter(plain=False).exclude(phash=""):
        if _look_alike(image, other):
            return other
    return None


def _look_alike(image: Image, other: Image) -> bool:
    """Two distinct copies of one photo: neither plain (unknown counts as plain), the
    same average colour, perceptual hashes within IMAGE_LOOKALIKE_DISTANCE bits."""
    return (
        image.plain is False and other.plain is False
        and bool(image.phash) and bool(other.phash)
        and is_distinctive(image.phash) and is_distinctive(other.phash)
        and same_tone(image.tone, other.tone)
        and hash_distance(image.phash, other.phash) <= settings.IMAGE_LOOKALIKE_DISTANCE
    )  # fmt: skip


def lookalikes(image: Image) -> list[Image]:
    """Other images that are the same picture: the same bytes, or (for a photo that is
    not plain) a look-alike by perceptual hash and colour (``_look_alike``). A logo,
    a placeholder or a banner matches by bytes only."""
    image.refresh_from_db(fields=["sha256", "phash", "plain", "tone"])
    found = (
        list(Image.objects.filter(sha256=image.sha256).exclude(pk=image.pk))
        if image.sha256
        else []
    )
    if image.plain is False and image.phash and is_distinctive(image.phash):
        known = {i.pk for i in found} | {image.pk}
        target, limit = int(image.phash, 16), settings.IMAGE_LOOKALIKE_DISTANCE
        rows = (
            Image.objects.filter(status=Image.Status.STORED, plain=False).exclude(phash="")
            .values_list("pk", "phash", "tone")
        )  # fmt: skip
        # The cheap test first, on plain values: building a model per stored image and
        # testing it fully took 0.9 s at 100k images, this takes 0.08 s.
        close = [
            pk for pk, phash, tone in rows.iterator(chunk_size=5000)
            if (int(phash, 16) ^ target).bit_count() <= limit and pk not in known
            and is_distinctive(phash) and same_tone(image.tone, tone)
        ]  # fmt: skip
        found += list(Image.objects.filter(pk__in=close))
    return found


def follow_hidden(image_id: int) -> bool:
    """A newly copied image that is a picture already moderated follows it: hidden
    with a hidden picture (the same bytes, or a look-alike), immune with a restored
    one. Only moderated images are compared, so this is cheap enough for every copy.
    Called in the transaction that records the copy."""
    image = Image.objects.get(pk=image_id)
    if image.visibility != Visibility.SHOWN:
        return False
    restored = _matching(image, Image.objects.filter(visibility=Visibility.RESTORED))
    if restored is not None:
        Image.objects.filter(pk=image.pk).update(visibility=Visibility.RESTORED)
        ModerationEvent.objects.create(
            action=Action.FOLLOW, image=image, why=f"same picture as restored image {restored.pk}"
        )
        return False
    match = _matching(image, Image.objects.filter(visibility__in=HIDDEN))
    if match is None:
        return False
    leader = match.hidden_with or match
    if not Image.objects.filter(pk=image.pk, visibility=Visibility.SHOWN).update(
        visibility=match.visibility, hidden_at=timezone.now(), hidden_with=leader
    ):
        return False
    ModerationEvent.objects.create(
        action=Action.FOLLOW, image=image, why=f"same picture as hidden image {leader.pk}"
    )
    _after_change([image.pk])
    return True


def _hide_lookalikes(image: Image, visibility: str, now: datetime, *, staff: bool) -> None:
    """After the hide commits, hide the picture's other rows in a transaction of their
    own: the look-alike scan runs outside any lock, and the rows are locked in id order,
    so two pictures hidden at once cannot deadlock each other."""
    _after_change([image.pk])
    image_id = image.pk
    transaction.on_commit(lambda: _guarded(_spread_hide, image_id, visibility, staff))


def _spread_hide(image_id: int, visibility: str, staff: bool) -> None:
    image = Image.objects.get(pk=image_id)
    if not image.is_hidden:
        return  # restored meanwhile
    group = lookalikes(image)
    # Shown look-alikes; for staff, every row of the same bytes, restored or not.
    ids = sorted(
        other.pk for other in group
        if other.visibility == Visibility.SHOWN
        or (staff and image.sha256 and other.sha256 == image.sha256 and not other.is_hidden)
    )  # fmt: skip
    if not ids:
        return
    with transaction.atomic():
        rows = Image.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        locked = [i.pk for i in rows if not i.is_hidden]
        Image.objects.filter(pk__in=locked).update(
            visibility=visibility, hidden_at=timezone.now(), hidden_with=image, held_at=None
        )
        # Their own records, apart from the hides the breaker counts.
        ModerationEvent.objects.bulk_create(
            ModerationEvent(
                action=Action.FOLLOW, image_id=pk, why=f"look-alike of image {image_id}"
            )
            for pk in locked
        )
        _after_change(locked)


def hide(image: Image, actor: User | None, why: str = "") -> None:
    """Staff hide an image (restored or not) and its look-alikes."""
    now = timezone.now()
    with transaction.atomic():
        Image.objects.filter(pk=image.pk).update(
            visibility=Visibility.STAFF_HIDDEN, hidden_at=now, hidden_with=None, reviewed_at=now
        )
        ModerationEvent.objects.create(action=Action.HIDE, image=image, actor=actor, why=why)
        _hide_lookalikes(image, Visibility.STAFF_HIDDEN, now, staff=True)


def restore(image: Image, actor: User | None, why: str = "") -> None:
    """Staff put an image back, with the look-alikes hidden with it; it stays immune to
    automatic hiding until staff lift that."""
    now = timezone.now()
    with transaction.atomic():
        group = list(Image.objects.filter(Q(pk=image.pk) | Q(hidden_with=image)))
        same_bytes = {i.sha256 for i in group if i.sha256}
        twins = Image.objects.filter(sha256__in=same_bytes, visibility__in=HIDDEN)
        ids = {i.pk for i in group} | set(twins.values_list("pk", flat=True))
        Image.objects.filter(pk__in=ids).update(
            visibility=Visibility.RESTORED, hidden_with=None, reviewed_at=now
        )
        ModerationEvent.objects.create(action=Action.RESTORE, image=image, actor=actor, why=why)
        _after_change(ids)


def dismiss(image: Image, actor: User | None, why: str = "") -> None:
    """Staff set an image's reports aside: kept as evidence (and so the same readers
    cannot count again), they no longer count toward hiding."""
    now = timezone.now()
    with transaction.atomic():
        ImageReport.objects.filter(image=image, dismissed_at__isnull=True).update(dismissed_at=now)
        Image.objects.filter(pk=image.pk).update(report_count=0, reviewed_at=now, held_at=None)
        ModerationEvent.objects.create(action=Action.DISMISS, image=image, actor=actor, why=why)


def lift_immunity(image: Image, actor: User | None, why: str = "") -> None:
    """The picture (this row, its same-bytes rows and restored look-alikes: what
    immunity covers) may be hidden automatically again."""
    image.refresh_from_db()
    restored = Image.objects.filter(visibility=Visibility.RESTORED)
    ids = [image.pk] + [
        other.pk
        for other in restored.exclude(pk=image.pk)
        if (image.sha256 and other.sha256 == image.sha256) or _look_alike(image, other)
    ]
    with transaction.atomic():
        # A review too: only reports made from now on count toward hiding it.
        if Image.objects.filter(pk__in=ids, visibility=Visibility.RESTORED).update(
            visibility=Visibility.SHOWN, reviewed_at=timezone.now()
        ):
            ModerationEvent.objects.create(
                action=Action.LIFT_IMMUNITY, image=image, actor=actor, why=why
            )


def mark_reviewed(image: Image, actor: User | None, why: str = "") -> None:
    """Staff looked at a hidden image and keep it hidden: it leaves the review queue."""
    with transaction.atomic():
        Image.objects.filter(pk=image.pk).update(reviewed_at=timezone.now())
        ModerationEvent.objects.create(action=Action.REVIEW, image=image, actor=actor, why=why)


def set_article_hidden(article: Article, hidden: bool, actor: User | None, why: str = "") -> None:
    """Staff hide an article from every page, feed, sitemap and search (or show it)."""
    from articles.search.index import index_articles

    with transaction.atomic():
        if not Article.objects.filter(pk=article.pk).exclude(hidden=hidden).update(hidden=hidden):
            return
        action = Action.HIDE_ARTICLE if hidden else Action.SHOW_ARTICLE
        ModerationEvent.objects.create(action=action, article=article, actor=actor, why=why)
        index_articles([article.pk])
        ContentVersion.objects.bump()


# The breaker ------------------------------------------------------------------------


def _state() -> ModerationState:
    state, _created = ModerationState.objects.get_or_create(id=1)
    return state


def breaker_tripped() -> bool:
    return ModerationState.objects.filter(id=1, breaker_tripped_at__isnull=False).exists()


def _trip_breaker_if_needed(now: datetime) -> None:
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


# Files and caches -------------------------------------------------------------------


def _after_change(image_ids: Iterable[int]) -> None:
    """Once committed: copies follow visibility (public media or quarantine), and every
    cached page and fragment is rebuilt."""
    ids = list(image_ids)
    ContentVersion.objects.bump()
    transaction.on_commit(lambda: _guarded(place_copies, ids))


def _guarded(work: Callable[..., None], *args: object) -> None:
    """Work done after a commit: a failure is logged for staff (the repair sweep,
    ``repair_copies``, puts files right later), never shown to the reader."""
    try:
        work(*args)
    except Exception:
        logger.exception("moderation follow-up %s failed", getattr(work, "__name__", work))


def place_copies(image_ids: Iterable[int]) -> None:
    """Put the copy and thumbnail files of these images where visibility says: in the
    quarantine storage when every image using a file is hidden, else in the public
    media storage. Decided per file: rows of the same bytes share their files."""
    quarantine = storages["quarantine"]
    names: set[str] = set()
    digests: set[str] = set()
    for copy, thumbnail, sha256 in Image.objects.filter(pk__in=list(image_ids)).values_list(
        "copy", "thumbnail", "sha256"
    ):
        names.update(name for name in (copy, thumbnail) if name)
        digests.add(sha256)
    if not names:
        return
    # Files are named after the bytes' sha256: the rows sharing them share it (indexed).
    public: set[str] = set()
    for copy, thumbnail, visibility in Image.objects.filter(
        Q(pk__in=list(image_ids)) | Q(sha256__in=digests - {""})
    ).values_list("copy", "thumbnail", "visibility"):
        if visibility not in HIDDEN:
            public.update((copy, thumbnail))
    for name in sorted(names):
        if name in public:
            _move(name, quarantine, default_storage)
        else:
            _move(name, default_storage, quarantine)


def repair_copies(hours: int = 24) -> int:
    """Put right the files of images moderated within ``hours`` (a move that failed or
    was cut short). The scheduler runs it every few minutes; returns images checked."""
    since = timezone.now() - timedelta(hours=hours)
    ids = list(
        Image.objects.filter(Q(hidden_at__gte=since) | Q(reviewed_at__gte=since))
        .values_list("pk", flat=True)
    )  # fmt: skip
    place_copies(ids)
    return len(ids)


def _move(name: str, source: Storage, target: Storage) -> None:
    """Copy ``name`` to ``target``, check it arrived whole, then delete it from
    ``source``: a failure at any point leaves the file in at least one place."""
    if not source.exists(name):
        return  # already where it belongs (or moved by a twin)
    with source.open(name, "rb") as handle:
        data = handle.read()
    if target.exists(name):
        with target.open(name, "rb") as handle:
            same = handle.read() == data
        if not same:
            target.delete(name)
    if not target.exists(name):
        saved = target.save(name, ContentFile(data))
        if saved != name:
            logger.error("moved image copy %s was stored as %s", name, saved)
            return
    with target.open(name, "rb") as handle:
        if handle.read() != data:
            logger.error("moved image copy %s did not arrive whole", name)
            return
    source.delete(name)

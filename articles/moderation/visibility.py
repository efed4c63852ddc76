"""Hiding and showing pictures and articles: a hidden picture takes its twins and
look-alikes with it; staff actions and automatic ones call the same functions, and
every action is a ``ModerationEvent``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from articles.images.likeness import hash_distance, is_distinctive, same_tone
from articles.models import (
    HIDDEN,
    Article,
    ContentVersion,
    Image,
    ImageReport,
    ModerationEvent,
    Visibility,
)
from articles.moderation.files import after_change, guarded
from articles.search.index import index_articles
from articles.stories.summary import refresh, stories_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User


logger = logging.getLogger(__name__)


Action = ModerationEvent.Action


def picture_is_immune(image: Image) -> bool:
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


def follow_copy(sender: object, image_id: int, **kwargs: object) -> None:
    """Receiver of ``images.copy.copy_recorded`` (connected in articles.apps)."""
    follow_hidden(image_id)


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
    after_change([image.pk])
    return True


def hide_lookalikes(image: Image, visibility: str, now: datetime, *, staff: bool) -> None:
    """After the hide commits, hide the picture's other rows in a transaction of their
    own: the look-alike scan runs outside any lock, and the rows are locked in id order,
    so two pictures hidden at once cannot deadlock each other."""
    after_change([image.pk])
    image_id = image.pk
    transaction.on_commit(lambda: guarded(_spread_hide, image_id, visibility, staff))


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
        after_change(locked)


def hide(image: Image, actor: User | None, why: str = "") -> None:
    """Staff hide an image (restored or not) and its look-alikes."""
    now = timezone.now()
    with transaction.atomic():
        Image.objects.filter(pk=image.pk).update(
            visibility=Visibility.STAFF_HIDDEN, hidden_at=now, hidden_with=None, reviewed_at=now
        )
        ModerationEvent.objects.create(action=Action.HIDE, image=image, actor=actor, why=why)
        hide_lookalikes(image, Visibility.STAFF_HIDDEN, now, staff=True)


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
        after_change(ids)


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
    with transaction.atomic():
        if not Article.objects.filter(pk=article.pk).exclude(hidden=hidden).update(hidden=hidden):
            return
        action = Action.HIDE_ARTICLE if hidden else Action.SHOW_ARTICLE
        ModerationEvent.objects.create(action=action, article=article, actor=actor, why=why)
        index_articles([article.pk])
        refresh(stories_of([article.pk]))  # its story counts visible reports only
        ContentVersion.objects.bump()


def queue_of_review(images: QuerySet[Image] | None = None) -> QuerySet[Image]:
    """What waits for staff: images hidden automatically and not reviewed yet (not
    those hidden with them, which show beside them), and images held while automatic
    hiding was stopped."""
    images = Image.objects.all() if images is None else images
    return images.filter(
        Q(visibility=Visibility.AUTO_HIDDEN, reviewed_at__isnull=True, hidden_with__isnull=True)
        | Q(visibility=Visibility.SHOWN, held_at__isnull=False)
    )

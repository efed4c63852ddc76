"""Images an article names, our copies of them, and where they stand in an article."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


@functools.lru_cache(maxsize=16)
def _image_prefix(language: str | None) -> str:
    with translation.override(language):
        return reverse("articles:image", args=[1])[: -len("1/")]


def image_report_path(image_id: int, language: str | None) -> str:
    """/images/<id>/ in ``language``'s edition: the report form of one image."""
    return f"{_image_prefix(language)}{image_id}/"


class ImageQuerySet(models.QuerySet["Image"]):
    def stored(self) -> ImageQuerySet:
        return self.filter(status=Image.Status.STORED)

    def stranded(self, now: datetime, max_attempts: int) -> ImageQuerySet:
        """Pending images whose copy task was lost (worker killed, broker down): never
        tried for ten minutes, or not tried for an hour, longer than any retry waits."""
        return self.filter(status=Image.Status.PENDING, attempts__lt=max_attempts).filter(
            Q(attempted_at__isnull=True, created_at__lt=now - timedelta(minutes=10))
            | Q(attempted_at__lt=now - timedelta(hours=1))
        )


def image_upload_to(instance: Image | None, filename: str) -> str:
    """images/ab/abcdef…-1200.webp: copies are named after their content hash."""
    return f"images/{filename[:2]}/{filename}"


class Visibility(models.TextChoices):
    SHOWN = "shown", _("ظاهرة")
    AUTO_HIDDEN = "auto_hidden", _("محجوبة تلقائيا")
    STAFF_HIDDEN = "staff_hidden", _("محجوبة من الطاقم")
    RESTORED = "restored", _("أعيدت (محصنة)")


HIDDEN = (Visibility.AUTO_HIDDEN, Visibility.STAFF_HIDDEN)

# What the placeholder tells readers: why the picture is really hidden. Automatic hiding
# follows readers' reports; staff hide for reasons of their own (rights, a wrong picture),
# and a look-alike takes the visibility of the picture it was hidden with.
HIDDEN_REASONS = {
    Visibility.AUTO_HIDDEN: _("صورة محجوبة بعد بلاغات القراء"),
    Visibility.STAFF_HIDDEN: _("صورة حجبها فريق التحرير"),
}


def hidden_reason(visibility: str) -> str:
    """The placeholder's words for a picture of ``visibility`` (empty if it is shown)."""
    reason = HIDDEN_REASONS.get(visibility)  # type: ignore[call-overload]
    return str(reason) if reason is not None else ""


class Image(models.Model):
    """One row per image URL, shared by every article that uses it, and our copy of it.

    Pages never show ``url``: only ``copy`` (about 1200 px wide) and ``thumbnail``
    (about 400 px), made by articles.images from bytes we fetched and verified.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("في الانتظار")
        STORED = "stored", _("محفوظة")
        FAILED = "failed", _("فشلت")

    url = models.CharField(_("الرابط"), max_length=2000, unique=True)
    created_at = models.DateTimeField(_("أضيفت في"), default=timezone.now)
    status = models.CharField(
        _("الحالة"), max_length=10, choices=Status.choices, db_default=Status.PENDING
    )
    error_code = models.CharField(_("رمز الخطأ"), max_length=40, blank=True, db_default="")
    attempts = models.PositiveSmallIntegerField(_("المحاولات"), db_default=0)
    attempted_at = models.DateTimeField(_("آخر محاولة"), null=True, blank=True)
    copied_at = models.DateTimeField(_("نسخت في"), null=True, blank=True)
    # The original, as downloaded.
    width = models.PositiveIntegerField(_("العرض"), null=True, blank=True)
    height = models.PositiveIntegerField(_("الارتفاع"), null=True, blank=True)
    byte_size = models.PositiveIntegerField(_("الحجم بالبايت"), null=True, blank=True)
    sha256 = models.CharField(_("بصمة المحتوى"), max_length=64, blank=True, db_default="")
    phash = models.CharField(_("البصمة الإدراكية"), max_length=16, blank=True, db_default="")
    # Our copies, named after the content hash so the same bytes are stored once.
    # Defaults live in the database: articles.ingest.store inserts rows with plain SQL.
    # FileField, not ImageField: dimensions are known when we write the copy, and
    # ImageField would re-read files from storage (S3) to learn them.
    copy = models.FileField(_("النسخة"), upload_to=image_upload_to, blank=True, db_default="")
    copy_width = models.PositiveIntegerField(null=True, blank=True)
    copy_height = models.PositiveIntegerField(null=True, blank=True)
    copy_byte_size = models.PositiveIntegerField(null=True, blank=True)
    thumbnail = models.FileField(
        _("المصغرة"), upload_to=image_upload_to, blank=True, db_default=""
    )
    thumbnail_width = models.PositiveIntegerField(null=True, blank=True)
    thumbnail_height = models.PositiveIntegerField(null=True, blank=True)

    # Moderation (articles.moderation): readers' reports hide an image everywhere.
    visibility = models.CharField(
        _("الظهور"), max_length=12, choices=Visibility.choices, db_default=Visibility.SHOWN
    )
    hidden_at = models.DateTimeField(_("حجبت في"), null=True, blank=True)
    # The reported image whose look-alike this one is, when hidden with it.
    hidden_with = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="lookalikes",
        verbose_name=_("حجبت مع"),
    )  # fmt: skip
    reviewed_at = models.DateTimeField(_("روجعت في"), null=True, blank=True)
    # Reported enough while automatic hiding was stopped (the breaker): waits for staff.
    held_at = models.DateTimeField(_("معلقة منذ"), null=True, blank=True)
    # From our copy's pixels (articles.images.likeness.picture_traits): a plain picture (a logo
    # on a plain ground, a banner, a placeholder) never matches others by perceptual
    # hash; ``tone`` is its average colour, which look-alikes must share. Unknown (None)
    # for copies made before these were recorded: matched by bytes only.
    plain = models.BooleanField(_("صورة بسيطة"), null=True, blank=True)
    tone = models.CharField(_("اللون الغالب"), max_length=6, blank=True, db_default="")
    report_count = models.PositiveIntegerField(_("البلاغات"), db_default=0)
    last_reported_at = models.DateTimeField(_("آخر بلاغ"), null=True, blank=True)

    objects = ImageQuerySet.as_manager()

    class Meta:
        verbose_name = _("صورة")
        verbose_name_plural = _("الصور")
        indexes = [
            # ImageQuerySet.stranded(): the scheduler's sweep every minute.
            models.Index(fields=["status", "attempted_at"], name="image_pending_idx"),
            # Same bytes under another URL: reuse the stored copy.
            models.Index(fields=["sha256"], name="image_sha256_idx"),
            # Moderation: the same picture served under different URLs and encodings.
            models.Index(fields=["phash"], name="image_phash_idx"),
            # The review queue: hidden images, most reported first.
            models.Index(fields=["visibility", "-report_count"], name="image_review_idx"),
        ]

    def __str__(self) -> str:
        return self.url

    @property
    def is_hidden(self) -> bool:
        return self.visibility in HIDDEN

    @property
    def hidden_reason(self) -> str:
        return hidden_reason(self.visibility)

    @property
    def is_shown(self) -> bool:
        """Stored and not hidden: a page may show our copy."""
        return self.status == self.Status.STORED and not self.is_hidden and bool(self.copy)


class ReviewQueueImage(Image):
    """Admin's review queue (articles.admin.ReviewQueueAdmin): images hidden
    automatically that staff have not reviewed yet."""

    class Meta:
        proxy = True
        verbose_name = _("صورة للمراجعة")
        verbose_name_plural = _("قائمة المراجعة: صور حجبت تلقائيا")

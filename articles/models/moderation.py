"""Readers' reports on images, staff's moderation events and the breaker's state."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from articles.models.articles import Article
from articles.models.images import Image


class ReportReason(models.TextChoices):
    INAPPROPRIATE = "inappropriate", _("غير لائقة")
    VIOLENT = "violent", _("عنيفة أو صادمة")
    UNRELATED = "unrelated", _("لا علاقة لها بالخبر")
    COPYRIGHT = "copyright", _("حقوق النشر")
    OTHER = "other", _("أخرى")


class ImageReport(models.Model):
    """One reader's report of one image. The reader and their network are stored only
    as keyed hashes (articles.moderation), each unique per image: one reader, or one
    /24 (IPv4) or /48 (IPv6) network, counts once."""

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(_("السبب"), max_length=20, choices=ReportReason.choices)
    note = models.CharField(_("ملاحظة"), max_length=500, blank=True)
    # Set aside by staff: kept (so the same readers cannot count again), never counted.
    dismissed_at = models.DateTimeField(_("رفض في"), null=True, blank=True)
    reader = models.CharField(max_length=64)
    network = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("التاريخ"), default=timezone.now)

    class Meta:
        verbose_name = _("بلاغ عن صورة")
        verbose_name_plural = _("البلاغات عن الصور")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["image", "reader"], name="report_one_per_reader"),
            models.UniqueConstraint(fields=["image", "network"], name="report_one_per_network"),
        ]
        indexes = [
            models.Index(fields=["image", "created_at"], name="report_window_idx"),
            models.Index(fields=["reason"], name="report_reason_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.image_id}: {self.get_reason_display()}"


class ModerationEvent(models.Model):
    """Every automatic and staff action on images and articles: who, what, when, why."""

    class Action(models.TextChoices):
        AUTO_HIDE = "auto_hide", _("حجب تلقائي")
        HIDE = "hide", _("حجب من الطاقم")
        RESTORE = "restore", _("إعادة")
        DISMISS = "dismiss", _("رفض البلاغات")
        REVIEW = "review", _("مراجعة مع إبقاء الحجب")
        FOLLOW = "follow", _("تتبع صورة أخرى (نسخة أو شبيهة)")
        HOLD = "hold", _("تعليق بسبب توقف الحجب التلقائي")
        LIFT_IMMUNITY = "lift_immunity", _("رفع التحصين")
        BREAKER_TRIP = "breaker_trip", _("توقف الحجب التلقائي")
        BREAKER_RESET = "breaker_reset", _("استئناف الحجب التلقائي")
        HIDE_ARTICLE = "hide_article", _("حجب مقال")
        SHOW_ARTICLE = "show_article", _("إظهار مقال")

    action = models.CharField(_("الإجراء"), max_length=20, choices=Action.choices)
    image = models.ForeignKey(
        Image, on_delete=models.CASCADE, null=True, blank=True, related_name="events",
        verbose_name=_("الصورة"),
    )  # fmt: skip
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="events",
        verbose_name=_("المقال"),
    )  # fmt: skip
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        verbose_name=_("من"),
    )  # fmt: skip
    why = models.CharField(_("السبب"), max_length=500, blank=True)
    threshold = models.PositiveSmallIntegerField(_("العتبة المعمول بها"), null=True, blank=True)
    created_at = models.DateTimeField(_("متى"), default=timezone.now)

    class Meta:
        verbose_name = _("إجراء إشراف")
        verbose_name_plural = _("سجل الإشراف")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["action", "-created_at"], name="event_action_idx")]

    def __str__(self) -> str:
        who = self.actor or _("تلقائي")
        # Casablanca's time in the site's format, as every time staff read in admin.
        when = formats.date_format(timezone.localtime(self.created_at), "DATETIME_FORMAT")
        return f"{self.get_action_display()}، {when} ({who})"


class ModerationState(models.Model):
    """One row: whether automatic hiding is stopped (the breaker) and since when."""

    breaker_tripped_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return "tripped" if self.breaker_tripped_at else "ok"

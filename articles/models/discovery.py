"""Every change of an outlet's feed address, and the proposals staff decide on
(articles.discovery, docs/discovery.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from articles.models.outlets import Outlet


class FeedChange(models.Model):
    """One address an outlet's feed moved to (or was first found at): proposed by the
    search, then accepted or rejected by staff, or taken at once (automatic)."""

    class FoundBy(models.TextChoices):
        LINK = "link", _("رابط alternate في الصفحة الرئيسية")
        PATH = "path", _("مسار معتاد")
        STAFF = "staff", _("أدخله المحررون")

    class State(models.TextChoices):
        PROPOSED = "proposed", _("مقترح")
        ACCEPTED = "accepted", _("مقبول")
        REJECTED = "rejected", _("مرفوض")
        AUTOMATIC = "automatic", _("اعتمد تلقائيا")

    outlet = models.ForeignKey(
        Outlet, on_delete=models.CASCADE, related_name="feed_changes", verbose_name=_("المصدر")
    )
    # Empty when the outlet was created from its site's address.
    old_url = models.URLField(_("العنوان السابق"), max_length=1000, blank=True)
    new_url = models.URLField(_("العنوان الجديد"), max_length=1000)
    created_at = models.DateTimeField(_("التاريخ"), default=timezone.now)
    found_by = models.CharField(_("طريقة العثور"), max_length=10, choices=FoundBy.choices)
    state = models.CharField(_("الحالة"), max_length=10, choices=State.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("قرره"),
    )  # fmt: skip
    decided_at = models.DateTimeField(_("تاريخ القرار"), null=True, blank=True)

    class Meta:
        verbose_name = _("تغيير عنوان التغذية")
        verbose_name_plural = _("تغييرات عناوين التغذية")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "-created_at"], name="feedchange_state_idx")]
        constraints = [
            # Two searches racing never propose the same address twice.
            models.UniqueConstraint(
                fields=["outlet", "new_url"],
                condition=Q(state="proposed"),
                name="feedchange_one_pending_per_url",
            )
        ]

    def __str__(self) -> str:
        when = formats.date_format(timezone.localtime(self.created_at), "DATETIME_FORMAT")
        return _("%(outlet)s: %(url)s (%(state)s، %(time)s)") % {
            "outlet": self.outlet,
            "url": self.new_url,
            "state": self.get_state_display(),
            "time": when,
        }

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PROPOSED

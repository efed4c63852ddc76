"""Hosts of outlets' article pages: robots.txt and each host's turn (full text)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PageHost(models.Model):
    """One host whose article pages we fetch (articles.fulltext.hosts): its turn, shared
    by every worker on every machine, and its robots.txt as last fetched.

    One page request per host at a time: a worker takes the lease with one conditional
    UPDATE, and gives it back with the time before which nobody may ask again."""

    class Robots(models.TextChoices):
        UNKNOWN = "unknown", _("لم يجلب")
        RULES = "rules", _("قواعد")
        ALLOW_ALL = "allow_all", _("غير موجود: مسموح")
        DISALLOW_ALL = "disallow_all", _("تعذر جلبه: ممنوع")

    name = models.CharField(_("المضيف"), max_length=255, unique=True)
    lease_owner = models.CharField(max_length=100, blank=True, db_default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    next_request_at = models.DateTimeField(_("الطلب القادم"), null=True, blank=True)
    robots_status = models.CharField(
        _("robots.txt"), max_length=12, choices=Robots.choices, db_default=Robots.UNKNOWN
    )
    # The origin (scheme://host[:port]) the rules came from, and the rules.
    robots_origin = models.CharField(max_length=300, blank=True, db_default="")
    robots_txt = models.TextField(blank=True, db_default="")
    robots_expires_at = models.DateTimeField(_("صلاحية robots.txt"), null=True, blank=True)

    class Meta:
        verbose_name = _("مضيف صفحات")
        verbose_name_plural = _("مضيفو الصفحات")

    def __str__(self) -> str:
        return self.name

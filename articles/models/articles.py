"""Articles and the content version that keys the page cache."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from articles.models.images import Image
from articles.models.outlets import Language, Outlet, Section, outlet_path
from articles.models.regions import Region


class FullTextStatus(models.TextChoices):
    NONE = "none", _("لم يطلب")
    PENDING = "pending", _("في الانتظار")
    EXTRACTED = "extracted", _("أخذ من الصفحة")
    KEPT = "kept", _("أبقي نص التغذية")
    FAILED = "failed", _("فشل")


# Up to this many articles, a region's page reads them by id and sorts them: cheaper
# than walking the newest-first index for the few that are about it.
SMALL_REGION = 1000


class ArticleQuerySet(models.QuerySet["Article"]):
    def visible(self) -> ArticleQuerySet:
        """What readers may see: every article but those staff hid."""
        return self.filter(hidden=False)

    def newest(self) -> ArticleQuerySet:
        """Visible articles, newest first, with their outlet and section."""
        return self.visible().select_related("outlet", "section").order_by("-published_at", "-id")

    def listed(self) -> ArticleQuerySet:
        """Newest first, with what a list of headlines shows (not the body)."""
        return self.newest().defer("body_html", "content_hash", "key")

    def in_region(self, region_id: int) -> ArticleQuerySet:
        """Articles about a region. A region with few articles is read by their ids
        (its links, then a sort of at most ``SMALL_REGION`` rows); a larger one by a
        correlated EXISTS, not a join: the page is read in (published_at, id) order from
        that index, each row checked against the link table's (article_id, region_id)
        unique index, so no region's articles are gathered and sorted first. The EXISTS
        alone walked the whole index for a region of 8 articles: 160 ms at 100,000
        (docs/regions.md, "Pages")."""
        through = Article.regions.through.objects
        few = list(
            through.filter(region_id=region_id).values_list("article_id", flat=True)[
                : SMALL_REGION + 1
            ]
        )
        if len(few) <= SMALL_REGION:
            return self.filter(pk__in=few)
        links = through.filter(article_id=models.OuterRef("pk"), region_id=region_id)
        return self.filter(models.Exists(links))

    def older_than(self, published_at: datetime, article_id: int) -> ArticleQuerySet:
        """Articles after (published_at, id) in newest-first order: a keyset page.
        Written as a range plus a residual test so that one index seek serves it."""
        return self.filter(published_at__lte=published_at).exclude(
            published_at=published_at, id__gte=article_id
        )

    def newer_than(self, published_at: datetime, article_id: int) -> ArticleQuerySet:
        return self.filter(published_at__gte=published_at).exclude(
            published_at=published_at, id__lte=article_id
        )


class Article(models.Model):
    # Columns keep their first names (source_id, category_id): renamed in code only.
    outlet = models.ForeignKey(
        Outlet, on_delete=models.CASCADE, related_name="articles",
        db_column="source_id", verbose_name=_("source"),  # old names kept (in the state)
    )  # fmt: skip
    key = models.CharField(
        _("المفتاح"), max_length=255, help_text=_("guid أو الرابط القانوني، فريد لكل مصدر")
    )
    url = models.URLField(_("الرابط"), max_length=2000, blank=True)
    title = models.CharField(_("العنوان"), max_length=500)
    summary = models.TextField(_("الملخص"), blank=True)
    body_html = models.TextField(_("النص (HTML منقّى)"), blank=True)
    author = models.CharField(_("الكاتب"), max_length=200, blank=True)
    language = models.CharField(
        _("اللغة"), max_length=2, choices=Language.choices, default=Language.ARABIC
    )
    section = models.ForeignKey(
        Section,
        db_column="category_id",  # old names kept
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("القسم"),
    )
    published_at = models.DateTimeField(_("تاريخ النشر"))
    fetched_at = models.DateTimeField(_("تاريخ الجلب"))
    updated_at = models.DateTimeField(_("آخر تحديث"))
    content_hash = models.CharField(max_length=64)
    # Hidden by staff (articles.moderation.visibility.set_article_hidden): off every
    # page, feed and search.
    hidden = models.BooleanField(_("محجوب"), db_default=False)
    # Full text from the outlet's page (articles.fulltext): where it stands and why.
    fulltext_status = models.CharField(
        _("النص الكامل"),
        max_length=10,
        choices=FullTextStatus.choices,
        db_default=FullTextStatus.NONE,
    )
    fulltext_code = models.CharField(
        _("رمز النص الكامل"), max_length=40, blank=True, db_default=""
    )
    fulltext_attempts = models.PositiveSmallIntegerField(db_default=0, editable=False)
    # body_html came from the outlet's page, not the feed: a feed update keeps it.
    page_body = models.BooleanField(_("النص من صفحة المقال"), db_default=False)
    # When it was queued or last tried: the scheduler re-queues what waits too long.
    fulltext_at = models.DateTimeField(_("آخر محاولة للنص الكامل"), null=True, blank=True)
    # Its story (articles.stories): null when no other outlet reported the event.
    story = models.ForeignKey(
        "Story", on_delete=models.SET_NULL, null=True, blank=True, related_name="articles",
        verbose_name=_("القصة"),
    )  # fmt: skip
    # Staff placed it (articles.stories.staff): the grouping never moves it again.
    story_by_staff = models.BooleanField(_("قصته بقرار الإدارة"), db_default=False)
    # The regions it is about (articles.regions); staff's correction is never redone.
    regions: models.ManyToManyField[Region, Any] = models.ManyToManyField(
        "Region", blank=True, related_name="articles", verbose_name=_("الجهات")
    )
    regions_by_staff = models.BooleanField(_("جهاته بقرار الإدارة"), db_default=False)
    images: models.ManyToManyField[Image, ArticleImage] = models.ManyToManyField(
        "Image", through="ArticleImage", related_name="articles"
    )

    objects = ArticleQuerySet.as_manager()
    # Set by a prefetch (articles.site.reading.with_images): the images we hold copies
    # of (hidden ones shown as placeholders), and those of them that are not hidden.
    pictures: list[ArticleImage]
    shown_images: list[ArticleImage]

    class Meta:
        verbose_name = _("مقال")
        verbose_name_plural = _("المقالات")
        constraints = [
            models.UniqueConstraint(fields=["outlet", "key"], name="article_unique_key"),
        ]
        indexes = [
            # ArticleQuerySet.newest(): the home page and the ticker.
            models.Index(fields=["-published_at", "-id"], name="article_latest_idx"),
            # Outlet pages (keyset pages, newest first) and each outlet's latest headline.
            models.Index(
                fields=["outlet", "-published_at", "-id"], name="article_source_page_idx"
            ),
            # Section pages (keyset pages, newest first) and the home page's sections.
            models.Index(
                fields=["section", "-published_at", "-id"], name="article_category_page_idx"
            ),
            # The scheduler's sweep for full-text work whose task was lost: a few rows.
            models.Index(
                fields=["fulltext_at"],
                name="article_fulltext_pending_idx",
                condition=Q(fulltext_status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        # The article route is <outlet>/<id>/ under the outlet's (articles.site.urls):
        # a list page builds dozens of these, and reversing each costs 45 µs.
        return f"{outlet_path(self.outlet.slug, get_language())}{self.pk}/"

    @property
    def byline_author(self) -> str:
        """The author, unless the feed names the outlet itself as the author."""
        if self.author in (self.outlet.name, self.outlet.name_latin):
            return ""
        return self.author

    @property
    def original_url(self) -> str:
        """The outlet's page for this article, only if it is an http(s) address."""
        return self.url if self.url.lower().startswith(("https://", "http://")) else ""


class ContentVersionManager(models.Manager["ContentVersion"]):
    def current(self) -> ContentVersion:
        version = self.filter(id=1).first()
        return version or ContentVersion(id=1, number=0, changed_at=timezone.now())

    def bump(self) -> None:
        """Say that what readers see has changed. Called by the writers (store, image
        copies) inside or right after their transaction, so a page cached under the new
        number can never hold the old rows."""
        now = timezone.now()
        if not self.filter(id=1).update(number=F("number") + 1, changed_at=now):
            self.get_or_create(id=1, defaults={"number": 1, "changed_at": now})


class ContentVersion(models.Model):
    """One row: a number that grows whenever stored articles or image copies change.

    Page and fragment caches are keyed by it and pages carry it in their validators,
    so every web process, worker and machine agrees on what is fresh without a timer;
    it lives in the database because the default cache (local memory) is per process.
    """

    number = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    objects = ContentVersionManager()

    def __str__(self) -> str:
        return f"v{self.number}"


class ArticleImage(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="article_images")
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="article_images")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "image"], name="article_image_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}#{self.position}: {self.image_id}"

"""Newsroom's data: outlets, sections, articles, images and the fetch log.

Rows are written by the ingest stages (``articles.store``) with bulk upserts keyed on
unique constraints, so re-running any stage changes nothing.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from articles.fulltext.extract import validate_selector


class Language(models.TextChoices):
    ARABIC = "ar", _("العربية")
    FRENCH = "fr", _("الفرنسية")


# The site's own words: an outlet page lives at /<slug>/, so no outlet may take the
# address of a page, a file or a language prefix.
RESERVED_SLUGS = frozenset(
    {"about", "admin", "api", "ar", "favicon.ico", "feed", "feeds", "fr", "i18n", "images",
     "image", "login", "logout", "media", "outlets", "report", "robots.txt", "rss",
     "search", "section", "sections", "sitemap", "sitemap.xml", "static", "en"}
)  # fmt: skip


def is_reserved_slug(slug: str) -> bool:
    return slug.lower() in RESERVED_SLUGS


def validate_outlet_slug(slug: str) -> None:
    if is_reserved_slug(slug):
        raise ValidationError(
            _("«%(slug)s» كلمة محجوزة للموقع ولا يمكن أن تكون معرّف مصدر."),
            code="reserved",
            params={"slug": slug},
        )


@functools.lru_cache(maxsize=4096)
def outlet_path(slug: str, language: str | None) -> str:
    """/<slug>/ in ``language``'s edition, reversed once per outlet and edition."""
    with translation.override(language):
        return reverse("articles:outlet", args=[slug])


@functools.lru_cache(maxsize=16)
def _image_prefix(language: str | None) -> str:
    with translation.override(language):
        return reverse("articles:image", args=[1])[: -len("1/")]


def image_report_path(image_id: int, language: str | None) -> str:
    """/images/<id>/ in ``language``'s edition: the report form of one image."""
    return f"{_image_prefix(language)}{image_id}/"


class SourceQuerySet(models.QuerySet["Source"]):
    def active(self) -> SourceQuerySet:
        return self.filter(status=Source.Status.ACTIVE)

    def due(self, now: datetime) -> SourceQuerySet:
        """Active sources whose next fetch time has come and that nobody holds a lease on."""
        return self.active().filter(
            Q(next_fetch_at__isnull=True) | Q(next_fetch_at__lte=now),
            Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now),
        )

    def failing(self) -> SourceQuerySet:
        return self.filter(consecutive_failures__gt=0)


class Source(models.Model):
    """A news outlet and the state of its feed."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("مفعّل")
        PAUSED = "paused", _("موقوف")

    class FetchStatus(models.TextChoices):
        NEVER = "never", _("لم يجلب بعد")
        OK = "ok", _("سليم")
        NOT_MODIFIED = "not_modified", _("بلا تغيير (304)")
        UNCHANGED = "unchanged", _("بلا تغيير")
        ERROR = "error", _("خطأ")

    name = models.CharField(_("الاسم"), max_length=200)
    name_latin = models.CharField(_("الاسم بالحروف اللاتينية"), max_length=200, blank=True)
    slug = models.SlugField(
        _("المعرّف"), max_length=100, unique=True, validators=[validate_outlet_slug]
    )
    site_url = models.URLField(_("الموقع"), max_length=500, blank=True)
    feed_url = models.URLField(_("رابط التغذية"), max_length=1000, unique=True)
    language = models.CharField(
        _("اللغة"), max_length=2, choices=Language.choices, default=Language.ARABIC
    )
    status = models.CharField(
        _("الحالة"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("أضيف في"), default=timezone.now)

    # Fetch state, written only by articles.ingest.
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    body_hash = models.CharField(max_length=64, blank=True)
    next_fetch_at = models.DateTimeField(_("الجلب القادم"), null=True, blank=True)
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Times the current lease owner took its own lease back (its worker died mid-fetch).
    lease_attempts = models.PositiveSmallIntegerField(default=0)
    consecutive_failures = models.PositiveIntegerField(_("إخفاقات متتالية"), default=0)
    last_status = models.CharField(
        _("آخر نتيجة"), max_length=20, choices=FetchStatus.choices, default=FetchStatus.NEVER
    )
    last_error_code = models.CharField(_("رمز الخطأ"), max_length=40, blank=True)
    last_fetched_at = models.DateTimeField(_("آخر جلب"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("آخر نجاح"), null=True, blank=True)

    # Full text from the outlet's own pages (articles.fulltext), for feeds that carry
    # only a teaser. The selectors are checked by articles.fulltext.extract.
    full_text = models.BooleanField(
        _("النص الكامل من صفحة المقال"),
        db_default=False,
        help_text=_("جلب صفحة كل مقال جديد وأخذ نصه وصورته الرئيسية منها، إن كانت التغذية "
                    "لا تحمل إلا مقتطفا."),
    )  # fmt: skip
    body_selector = models.CharField(
        _("محدد CSS لنص المقال"),
        max_length=500,
        blank=True,
        db_default="",
        validators=[validate_selector],
        help_text=_("اختياري، مثل div.entry-content. يترك فارغا ليبحث الموقع عن النص بنفسه."),
    )
    drop_selector = models.CharField(
        _("محدد CSS لما يحذف"),
        max_length=1000,
        blank=True,
        db_default="",
        validators=[validate_selector],
        help_text=_("اختياري: كتل «اقرأ أيضا» وأزرار المشاركة والإعلانات والتعليقات، "
                    "مثل .related-posts, .share-bar"),
    )  # fmt: skip

    objects = SourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("مصدر")
        verbose_name_plural = _("المصادر")
        ordering = ["name"]
        indexes = [
            # SourceQuerySet.due(): the scheduler's query every minute.
            models.Index(fields=["status", "next_fetch_at"], name="source_due_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return outlet_path(self.slug, get_language())

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def display_name(self) -> str:
        """The outlet's name for the current edition: Latin letters in French."""
        if get_language() == "fr" and self.name_latin:
            return self.name_latin
        return self.name


class Category(models.Model):
    """One of the canonical Moroccan news sections."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(_("الاسم"), max_length=100)
    name_fr = models.CharField(_("الاسم بالفرنسية"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("الترتيب"), default=0)

    class Meta:
        verbose_name = _("قسم")
        verbose_name_plural = _("الأقسام")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:section", args=[self.slug])

    @property
    def display_name(self) -> str:
        if get_language() == "fr" and self.name_fr:
            return self.name_fr
        return self.name


class CategoryAlias(models.Model):
    """A category label as an outlet writes it, mapped onto a canonical section.

    An alias with no source applies to every outlet; an outlet's own alias wins.
    ``label`` is stored normalised by ``articles.text.normalize_label``.
    """

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="aliases")
    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, null=True, blank=True, related_name="category_aliases"
    )
    label = models.CharField(_("التسمية"), max_length=200)

    class Meta:
        verbose_name = _("تسمية بديلة للقسم")
        verbose_name_plural = _("التسميات البديلة للأقسام")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "label"],
                name="alias_unique_per_source",
                condition=Q(source__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["label"], name="alias_unique_global", condition=Q(source__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} → {self.category}"


class FullTextStatus(models.TextChoices):
    NONE = "none", _("لم يطلب")
    PENDING = "pending", _("في الانتظار")
    EXTRACTED = "extracted", _("أخذ من الصفحة")
    KEPT = "kept", _("أبقي نص التغذية")
    FAILED = "failed", _("فشل")


class ArticleQuerySet(models.QuerySet["Article"]):
    def visible(self) -> ArticleQuerySet:
        """What readers may see: every article but those staff hid."""
        return self.filter(hidden=False)

    def newest(self) -> ArticleQuerySet:
        """Visible articles, newest first, with their outlet and section."""
        return self.visible().select_related("source", "category").order_by("-published_at", "-id")

    def listed(self) -> ArticleQuerySet:
        """Newest first, with what a list of headlines shows (not the body)."""
        return self.newest().defer("body_html", "content_hash", "key")

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
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="articles")
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
    category = models.ForeignKey(
        Category,
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
    # Hidden by staff (articles.moderation.hide_article): off every page, feed and search.
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
            models.UniqueConstraint(fields=["source", "key"], name="article_unique_key"),
        ]
        indexes = [
            # ArticleQuerySet.newest(): the home page and the ticker.
            models.Index(fields=["-published_at", "-id"], name="article_latest_idx"),
            # Outlet pages (keyset pages, newest first) and each outlet's latest headline.
            models.Index(
                fields=["source", "-published_at", "-id"], name="article_source_page_idx"
            ),
            # Section pages (keyset pages, newest first) and the home page's sections.
            models.Index(
                fields=["category", "-published_at", "-id"], name="article_category_page_idx"
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
        return f"{outlet_path(self.source.slug, get_language())}{self.pk}/"

    @property
    def byline_author(self) -> str:
        """The author, unless the feed names the outlet itself as the author."""
        if self.author in (self.source.name, self.source.name_latin):
            return ""
        return self.author

    @property
    def original_url(self) -> str:
        """The outlet's page for this article, only if it is an http(s) address."""
        return self.url if self.url.lower().startswith(("https://", "http://")) else ""


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
    # Defaults live in the database: articles.store inserts rows with plain SQL.
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
    # From our copy's pixels (articles.images.picture_traits): a plain picture (a logo
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


class FetchLog(models.Model):
    """One fetch of one source; ingest keeps the last ``FETCH_LOG_KEEP`` per source."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="fetch_logs")
    started_at = models.DateTimeField(_("البداية"))
    duration_ms = models.PositiveIntegerField(_("المدة (مللي ثانية)"), default=0)
    status = models.CharField(_("النتيجة"), max_length=20, choices=Source.FetchStatus.choices)
    http_status = models.PositiveSmallIntegerField(_("رمز HTTP"), null=True, blank=True)
    bytes_received = models.PositiveIntegerField(_("البايتات"), default=0)
    new_count = models.PositiveIntegerField(_("جديد"), default=0)
    updated_count = models.PositiveIntegerField(_("محدّث"), default=0)
    # Entries of the feed that could not be read (the others were stored), and why.
    dropped_count = models.PositiveIntegerField(_("مواد متروكة"), default=0)
    dropped_code = models.CharField(_("سبب الترك"), max_length=40, blank=True)
    error_code = models.CharField(_("رمز الخطأ"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("سجل جلب")
        verbose_name_plural = _("سجل الجلب")
        ordering = ["-started_at"]
        indexes = [
            # Source admin page and log trimming: the latest fetches of one source.
            models.Index(fields=["source", "-started_at"], name="fetchlog_source_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


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


class SearchEntry(models.Model):
    """An article's place in the search index (articles.search.index).

    The words themselves live where each engine wants them: an FTS5 table on SQLite, a
    ``document`` tsvector column added to this table on PostgreSQL (migration 0005).
    ``source_id`` and ``category_id`` are copies of the article's, for filtering
    inside the index; every writer of those reindexes the article.
    """

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="search_entry"
    )
    # Published second and id in one integer (articles.search.index.sort_key).
    sort_key = models.BigIntegerField()
    source_id = models.BigIntegerField()
    category_id = models.BigIntegerField(null=True)

    def __str__(self) -> str:
        return f"search:{self.article_id}"


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
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()} ({who})"


class ModerationState(models.Model):
    """One row: whether automatic hiding is stopped (the breaker) and since when."""

    breaker_tripped_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return "tripped" if self.breaker_tripped_at else "ok"

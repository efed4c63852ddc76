"""Outlets (``Source``), their canonical sections and the log of their feed fetches."""

from __future__ import annotations

import functools
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from articles.lib.selectors import validate_selector


class Language(models.TextChoices):
    ARABIC = "ar", _("العربية")
    FRENCH = "fr", _("الفرنسية")


# The site's own words: an outlet page lives at /<slug>/, so no outlet may take the
# address of a page, a file or a language prefix.
RESERVED_SLUGS = frozenset(
    {"about", "admin", "api", "ar", "favicon.ico", "feed", "feeds", "fr", "i18n", "images",
     "image", "login", "logout", "media", "offline", "outlets", "read", "reads", "report",
     "robots.txt", "rss", "search", "section", "sections", "sitemap", "sitemap.xml",
     "static", "en", "story", "stories", "region", "regions"}
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


class OutletQuerySet(models.QuerySet["Outlet"]):
    def active(self) -> OutletQuerySet:
        """Outlets the scheduler fetches. A fetch state, not what readers are shown:
        reader pages list ``listed()``."""
        return self.filter(status=Outlet.Status.ACTIVE)

    def listed(self) -> OutletQuerySet:
        """The outlets readers see in lists (the outlets page, the home page's block, the
        menu, the sitemap): every outlet that has an article readers can see, and every
        active one (it will have some soon). Pausing an outlet stops its fetching only:
        its articles stay on the site, so its name stays in the lists beside them."""
        articles = self.model._meta.get_field("articles").related_model
        shown = articles.objects.filter(outlet=OuterRef("pk"), hidden=False)  # type: ignore[union-attr]
        return self.filter(Q(status=Outlet.Status.ACTIVE) | Exists(shown))

    def due(self, now: datetime) -> OutletQuerySet:
        """Active outlets whose next fetch time has come and that nobody holds a lease on."""
        return self.active().filter(
            Q(next_fetch_at__isnull=True) | Q(next_fetch_at__lte=now),
            Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now),
        )

    def failing(self) -> OutletQuerySet:
        return self.filter(consecutive_failures__gt=0)


class Outlet(models.Model):
    """A news outlet and the state of its feed."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("مفعّل")
        PAUSED = "paused", _("موقوف")

    class Kind(models.TextChoices):
        NATIONAL = "national", _("وطني")
        REGIONAL = "regional", _("جهوي")
        SPORTS = "sports", _("رياضي")
        ECONOMY = "economy", _("اقتصادي")
        CULTURE = "culture", _("ثقافي")
        AGENCY = "agency", _("وكالة أنباء")
        GOVERNMENT = "government", _("مؤسسة رسمية")

    class Evidence(models.TextChoices):
        """How sure the roster is of the feed address (docs/outlets.md)."""

        VERIFIED = "verified", _("مُتحقَّق منها")
        SEEN = "seen", _("مرئية في صفحة الموقع")
        CITED = "cited", _("مذكورة في قوائم عامة")
        GUESS = "guess", _("تخمين غير مُتحقَّق منه")

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
    kind = models.CharField(_("النوع"), max_length=12, choices=Kind.choices, default=Kind.NATIONAL)
    # A regional outlet's region (its articles are about it unless they say otherwise).
    region = models.ForeignKey(
        "Region", on_delete=models.SET_NULL, null=True, blank=True, related_name="outlets",
        verbose_name=_("الجهة"),
    )  # fmt: skip
    evidence = models.CharField(
        _("مصدر رابط التغذية"), max_length=10, choices=Evidence.choices, blank=True
    )
    # Why staff or the roster paused it (a 403, robots.txt forbidding the feed...).
    paused_reason = models.CharField(_("سبب الإيقاف"), max_length=300, blank=True)

    # Feed discovery (articles.discovery, docs/discovery.md): take an address the search
    # finds when the feed moved, or only propose it to staff (the default).
    follow_feed_moves = models.BooleanField(
        _("اعتماد عنوان التغذية الجديد تلقائيا"),
        db_default=False,
        help_text=_("إذا انتقلت التغذية (404 أو 410 أو صفحة HTML)، يبحث الموقع عن عنوانها "
                    "الجديد. مفعّل: يعتمده فورا. غير مفعّل: يقترحه على المحررين."),
    )  # fmt: skip
    feed_search_at = models.DateTimeField(_("آخر بحث عن التغذية"), null=True, blank=True)
    feed_search_note = models.CharField(
        _("نتيجة آخر بحث عن التغذية"), max_length=500, blank=True, db_default=""
    )

    # Fetch state, written by articles.ingest (articles.discovery resets it when the
    # feed's address changes).
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

    objects = OutletQuerySet.as_manager()

    class Meta:
        # The table keeps its first name: a rename of the model only, in code.
        db_table = "articles_source"
        verbose_name = _("مصدر")
        verbose_name_plural = _("المصادر")
        ordering = ["name"]
        indexes = [
            # OutletQuerySet.due(): the scheduler's query every minute.
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


class Section(models.Model):
    """One of the canonical Moroccan news sections."""

    # The outlets' own "regions" section: read on the region pages (/regions/), which
    # tag every outlet's articles by the places they name, not on a section page.
    REGIONS = "regions"

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(_("الاسم"), max_length=100)
    name_fr = models.CharField(_("الاسم بالفرنسية"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("الترتيب"), default=0)

    class Meta:
        db_table = "articles_category"
        verbose_name = _("قسم")
        verbose_name_plural = _("الأقسام")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        if self.slug == self.REGIONS:
            return reverse("articles:regions")
        return reverse("articles:section", args=[self.slug])

    @property
    def display_name(self) -> str:
        if get_language() == "fr" and self.name_fr:
            return self.name_fr
        return self.name


# The outlet and section keys of the older tables keep their first English verbose names,
# so Django's migration state is unchanged; as lazy msgids, locale/ar gives them their
# Arabic names (admin showed "SOURCE" and "CATEGORY" as column titles).


class SectionAlias(models.Model):
    """A category label as an outlet writes it, mapped onto a canonical section.

    An alias with no outlet applies to every outlet; an outlet's own alias wins.
    ``label`` is stored normalised by ``articles.lib.text.normalize_label``.
    """

    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="aliases",
        db_column="category_id", verbose_name=_("category"),  # old names kept (in the state)
    )  # fmt: skip
    outlet = models.ForeignKey(
        Outlet, on_delete=models.CASCADE, null=True, blank=True, related_name="section_aliases",
        db_column="source_id", verbose_name=_("source"),  # old names kept (in the state)
    )  # fmt: skip
    label = models.CharField(_("التسمية"), max_length=200)

    class Meta:
        db_table = "articles_categoryalias"
        verbose_name = _("تسمية بديلة للقسم")
        verbose_name_plural = _("التسميات البديلة للأقسام")
        constraints = [
            models.UniqueConstraint(
                fields=["outlet", "label"],
                name="alias_unique_per_source",
                condition=Q(outlet__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["label"], name="alias_unique_global", condition=Q(outlet__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} → {self.section}"


class FetchLog(models.Model):
    """One fetch of one outlet; ingest keeps the last ``FETCH_LOG_KEEP`` per outlet."""

    outlet = models.ForeignKey(
        Outlet, on_delete=models.CASCADE, related_name="fetch_logs",
        db_column="source_id", verbose_name=_("source"),  # old names kept (in the state)
    )  # fmt: skip
    started_at = models.DateTimeField(_("البداية"))
    duration_ms = models.PositiveIntegerField(_("المدة (مللي ثانية)"), default=0)
    status = models.CharField(_("النتيجة"), max_length=20, choices=Outlet.FetchStatus.choices)
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
            # Outlet admin page and log trimming: the latest fetches of one outlet.
            models.Index(fields=["outlet", "-started_at"], name="fetchlog_source_latest_idx"),
        ]

    def __str__(self) -> str:
        # As staff read times everywhere in admin: Casablanca's, in the site's format.
        started = formats.date_format(timezone.localtime(self.started_at), "DATETIME_FORMAT")
        return _("جلب %(outlet)s، %(time)s: %(status)s") % {
            "outlet": self.outlet,
            "time": started,
            "status": self.get_status_display(),
        }

"""Django admin, in Arabic: outlets with their fetch health, articles, images."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from articles import moderation
from articles.fulltext import pages
from articles.models import (
    Article,
    ArticleImage,
    Category,
    CategoryAlias,
    ContentVersion,
    FetchLog,
    FullTextStatus,
    Image,
    ImageReport,
    ModerationEvent,
    PageHost,
    ReportReason,
    ReviewQueueImage,
    Source,
    Visibility,
)
from articles.search.index import index_articles
from articles.tasks import copy_image, fetch_source, queue_pages

admin.site.site_header = _("إدارة نيوزروم")
admin.site.site_title = _("نيوزروم")
admin.site.index_title = _("لوحة التحكم")
admin.site.enable_nav_sidebar = False


def staff(request: HttpRequest) -> User:
    """The signed-in staff member (admin views run only for them)."""
    assert isinstance(request.user, User)
    return request.user


FROM_ADMIN = "admin"  # a ModerationEvent's "why" for actions taken in admin

FETCH_LOG_COLUMNS = (
    "started_at",
    "status",
    "http_status",
    "duration_ms",
    "bytes_received",
    "new_count",
    "updated_count",
    "dropped_count",
    "dropped_code",
    "error_code",
)


class FetchLogInline(admin.TabularInline):
    model = FetchLog
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-started_at"]
    fields = readonly_fields = FETCH_LOG_COLUMNS


class CategoryAliasInline(admin.TabularInline):
    model = CategoryAlias
    extra = 1
    fields = ["label", "category"]


class HealthFilter(admin.SimpleListFilter):
    title = _("صحة التغذية")
    parameter_name = "health"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, StrOrPromise]]:
        return [("failing", _("متعثرة")), ("healthy", _("سليمة")), ("never", _("لم تجلب بعد"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Source]) -> QuerySet[Source]:
        if self.value() == "failing":
            return queryset.failing()  # type: ignore[attr-defined]
        if self.value() == "healthy":
            return queryset.filter(consecutive_failures=0).exclude(
                last_status=Source.FetchStatus.NEVER
            )
        if self.value() == "never":
            return queryset.filter(last_status=Source.FetchStatus.NEVER)
        return queryset


class ChangesWhatReadersSee(admin.ModelAdmin):  # type: ignore[type-arg]
    """Admin edits change reader pages: they bump the content version like ingest does."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Last, after the object and its inlines: the version row is locked briefly.
        super().save_related(request, form, formsets, change)
        ContentVersion.objects.bump()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        ContentVersion.objects.bump()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        ContentVersion.objects.bump()


@admin.register(Source)
class SourceAdmin(ChangesWhatReadersSee):
    list_display = [
        "name",
        "language",
        "status",
        "health",
        "full_text",
        "article_count",
        "last_success_at",
        "next_fetch_at",
    ]
    list_filter = ["status", "language", HealthFilter, "last_status", "full_text"]
    search_fields = ["name", "name_latin", "slug", "feed_url"]
    prepopulated_fields = {"slug": ["name_latin"]}
    readonly_fields = [
        "etag",
        "last_modified",
        "body_hash",
        "lease_owner",
        "lease_expires_at",
        "consecutive_failures",
        "last_status",
        "last_error_code",
        "last_fetched_at",
        "last_success_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "name_latin",
                    "slug",
                    "site_url",
                    "feed_url",
                    "language",
                    "status",
                ]
            },
        ),
        (
            _("النص الكامل من صفحات المقالات"),
            {
                "fields": ["full_text", "body_selector", "drop_selector"],
                "description": _(
                    "لمصادر لا تحمل تغذيتها إلا مقتطفا: تجلب صفحة كل مقال جديد (مع احترام "
                    "robots.txt، طلبا واحدا في كل مرة لكل موقع) ويؤخذ منها النص والصورة "
                    "الرئيسية. بعد تغيير المحددات، اختر «أعد استخراج النص الكامل» من قائمة "
                    "المصادر."
                ),
            },
        ),
        (
            _("صحة التغذية"),
            {
                "fields": [
                    "last_status",
                    "last_error_code",
                    "consecutive_failures",
                    "last_fetched_at",
                    "last_success_at",
                    "next_fetch_at",
                ]
            },
        ),
        (
            _("حالة الجلب التقنية"),
            {
                "classes": ["collapse"],
                "fields": [
                    "etag",
                    "last_modified",
                    "body_hash",
                    "lease_owner",
                    "lease_expires_at",
                ],
            },
        ),
    ]
    inlines = [CategoryAliasInline, FetchLogInline]
    actions = ["fetch_now", "pause", "activate", "rerun_full_text"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Source]:
        return super().get_queryset(request).annotate(article_total=Count("articles"))

    @admin.display(description=_("المقالات"), ordering="article_total")
    def article_count(self, source: Source) -> int:
        return source.article_total  # type: ignore[attr-defined,no-any-return]

    @admin.display(description=_("صحة التغذية"), ordering="consecutive_failures")
    def health(self, source: Source) -> str:
        if source.last_status != Source.FetchStatus.ERROR:
            return format_html(
                '<span class="health health-{}">{}</span>',
                source.last_status,
                source.get_last_status_display(),
            )
        return format_html(
            '<span class="health health-error" title="{}">✗ <code>{}</code> ×{}</span>',
            _("إخفاقات متتالية"),
            source.last_error_code,
            source.consecutive_failures,
        )

    @admin.action(description=_("اجلب الآن"))
    def fetch_now(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        count = 0
        for source in queryset.active():  # type: ignore[attr-defined]
            fetch_source.delay_on_commit(source.id)
            count += 1
        queryset.active().update(next_fetch_at=timezone.now())  # type: ignore[attr-defined]
        self.message_user(request, _("طُلب جلب %(n)d مصدر.") % {"n": count}, messages.SUCCESS)

    @admin.action(description=_("أعد استخراج النص الكامل لأحدث مقالات المصادر المختارة"))
    def rerun_full_text(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        off = [source.name for source in queryset if not source.full_text]
        ids = []
        for source in queryset.filter(full_text=True):
            ids += pages.queue_again(source=source)
        queue_pages(ids)
        if off:
            self.message_user(
                request,
                _("النص الكامل غير مفعّل لهذه المصادر، فُعّله أولا: %(names)s")
                % {"names": "، ".join(off)},
                messages.WARNING,
            )
        if ids:
            self.message_user(
                request, _("طُلب استخراج النص الكامل لـ %(n)d مقال.") % {"n": len(ids)},
                messages.SUCCESS,
            )  # fmt: skip

    @admin.action(description=_("أوقف المصادر المختارة"))
    def pause(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        queryset.update(status=Source.Status.PAUSED)
        ContentVersion.objects.bump()

    @admin.action(description=_("فعّل المصادر المختارة"))
    def activate(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        queryset.update(status=Source.Status.ACTIVE, next_fetch_at=timezone.now())
        ContentVersion.objects.bump()


class ArticleImageInline(admin.TabularInline):
    model = ArticleImage
    extra = 0
    raw_id_fields = ["image"]


# An article's state, written by moderation and the full-text stage only.
STATE_FIELDS = ("hidden", "fulltext_status", "fulltext_code", "fulltext_at", "page_body")


@admin.register(Article)
class ArticleAdmin(ChangesWhatReadersSee):
    list_display = [
        "title", "source", "category", "language", "published_at", "fetched_at", "full_text",
    ]  # fmt: skip
    list_filter = ["hidden", "fulltext_status", "source", "category", "language"]
    search_fields = ["title", "key", "url"]
    actions = ["hide_articles", "show_articles", "rerun_full_text"]
    date_hierarchy = "published_at"
    list_select_related = ["source", "category"]
    raw_id_fields = ["source"]
    # "hidden" changes only through the hide/show actions, which record who and why;
    # the full-text fields only through extraction.
    readonly_fields = ["key", "content_hash", "fetched_at", "updated_at", *STATE_FIELDS]
    inlines = [ArticleImageInline]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A new article has no moderation or full-text state yet (their defaults live
        # in the database): the add form shows none of it.
        fields = super().get_fields(request, obj)
        return fields if obj is not None else [f for f in fields if f not in STATE_FIELDS]

    @admin.display(description=_("النص الكامل"), ordering="fulltext_status")
    def full_text(self, article: Article) -> str:
        if article.fulltext_status == FullTextStatus.NONE:
            return "—"
        return format_html(
            '<span class="fulltext fulltext-{}">{}</span> <code>{}</code>',
            article.fulltext_status,
            article.get_fulltext_status_display(),
            article.fulltext_code,
        )

    @admin.action(description=_("أعد استخراج النص الكامل للمقالات المختارة"))
    def rerun_full_text(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        ids = pages.queue_again(article_ids=queryset.values_list("id", flat=True))
        queue_pages(ids)
        skipped = queryset.count() - len(ids)
        if ids:
            self.message_user(
                request, _("طُلب استخراج النص الكامل لـ %(n)d مقال.") % {"n": len(ids)},
                messages.SUCCESS,
            )  # fmt: skip
        if skipped:
            self.message_user(
                request,
                _("تُرك %(n)d مقال: النص الكامل غير مفعّل لمصدره أو لا رابط له.") % {"n": skipped},
                messages.WARNING,
            )

    @admin.action(description=_("احجب المقالات المختارة عن القراء"))
    def hide_articles(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        for article in queryset:
            moderation.set_article_hidden(article, True, staff(request), FROM_ADMIN)
        self.message_user(request, _("حُجبت المقالات المختارة."), messages.SUCCESS)

    @admin.action(description=_("أظهر المقالات المختارة للقراء"))
    def show_articles(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        for article in queryset:
            moderation.set_article_hidden(article, False, staff(request), FROM_ADMIN)
        self.message_user(request, _("أُظهرت المقالات المختارة."), messages.SUCCESS)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Search finds the article by what staff wrote, in the same transaction.
        index_articles([form.instance.pk])
        super().save_related(request, form, formsets, change)


def _picture(
    image: Image, file: FieldFile, width: int | None, height: int | None, size: str
) -> str:
    """Our copy, sized by a class of admin.css (the CSP allows no style attribute); a
    hidden image's copy is in quarantine, shown to staff through a staff-only view."""
    if not file:
        return "—"
    url = reverse("quarantine-file", args=[file.name]) if image.is_hidden else file.url
    return format_html(
        '<img src="{}" width="{}" height="{}" alt="" loading="lazy" class="preview-{}">',
        url, width, height, size,
    )  # fmt: skip


IMAGE_DETAIL_FIELDS = (
    "preview_large", "visibility", "report_count", "last_reported_at", "hidden_at",
    "hidden_with", "reviewed_at", "used_by", "hidden_together", "url", "status",
    "error_code", "attempts", "copied_at", "width", "height", "byte_size", "sha256",
    "phash", "copy", "thumbnail", "created_at",
)  # fmt: skip


class ImageReportInline(admin.TabularInline):
    """Readers' reports: reason, note and time. Who reported is never shown: only keyed
    hashes are stored, and they mean nothing to staff."""

    model = ImageReport
    extra = 0
    max_num = 0
    can_delete = False
    fields = readonly_fields = ("created_at", "reason", "note")
    ordering = ["-created_at"]


class ModerationEventInline(admin.TabularInline):
    model = ModerationEvent
    fk_name = "image"
    extra = 0
    max_num = 0
    can_delete = False
    fields = readonly_fields = ("created_at", "action", "actor", "why", "threshold")
    ordering = ["-created_at"]


class OutletFilter(admin.SimpleListFilter):
    title = _("المصدر")
    parameter_name = "outlet"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, StrOrPromise]]:
        return [(s.slug, s.name) for s in Source.objects.only("slug", "name")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Image]) -> QuerySet[Image]:
        if self.value():
            return queryset.filter(articles__source__slug=self.value()).distinct()
        return queryset


class ReasonFilter(admin.SimpleListFilter):
    title = _("سبب البلاغ")
    parameter_name = "reason"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, StrOrPromise]]:
        return list(ReportReason.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Image]) -> QuerySet[Image]:
        if self.value():
            return queryset.filter(reports__reason=self.value()).distinct()
        return queryset


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Images and their moderation. Every action goes through articles.moderation,
    like the automatic ones, and is recorded (ModerationEvent)."""

    list_display = ["preview", "visibility", "report_count", "last_reported_at", "status",
                    "size", "outlets", "created_at"]  # fmt: skip
    list_filter = ["visibility", ReasonFilter, OutletFilter, "status", "error_code"]
    search_fields = ["url", "sha256", "phash"]
    fields = readonly_fields = IMAGE_DETAIL_FIELDS
    inlines = [ImageReportInline, ModerationEventInline]
    actions = ["hide_images", "restore_images", "dismiss_reports", "lift_immunity",
               "mark_reviewed", "copy_again"]  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[Image]:
        # The outlets column needs the outlets' names, not the articles' bodies.
        articles = Article.objects.select_related("source").only("id", "source__name")
        return super().get_queryset(request).prefetch_related(Prefetch("articles", articles))

    @admin.display(description=_("المعاينة"))
    def preview(self, image: Image) -> str:
        """Our thumbnail, never the outlet's URL: the admin must not hotlink either."""
        return _picture(
            image, image.thumbnail, image.thumbnail_width, image.thumbnail_height, "small"
        )

    @admin.display(description=_("النسخة"))
    def preview_large(self, image: Image) -> str:
        return _picture(image, image.copy, image.copy_width, image.copy_height, "large")

    @admin.display(description=_("الأبعاد"))
    def size(self, image: Image) -> str:
        return f"{image.width}×{image.height}" if image.width else "—"

    @admin.display(description=_("المصادر"))
    def outlets(self, image: Image) -> str:
        names = sorted({article.source.name for article in image.articles.all()})
        return "، ".join(names) or "—"

    @admin.display(description=_("المقالات التي تستعملها"))
    def used_by(self, image: Image) -> str:
        articles = image.articles.select_related("source").order_by("-published_at")[:20]
        return format_html_join(
            "", '<p><a href="{}">{}</a> ({})</p>',
            ((reverse("admin:articles_article_change", args=[a.pk]), a.title, a.source.name)
             for a in articles),
        ) or "—"  # fmt: skip

    @admin.display(description=_("حجبت معها"))
    def hidden_together(self, image: Image) -> str:
        return format_html_join(
            " ", '<a href="{}">{}</a>',
            ((reverse("admin:articles_image_change", args=[i.pk]),
              _picture(i, i.thumbnail, i.thumbnail_width, i.thumbnail_height, "small"))
             for i in image.lookalikes.all()),
        ) or "—"  # fmt: skip

    @admin.display(description=_("المصدر"))
    def source_url(self, image: Image) -> str:
        """The original address, as text (a link would send staff to the outlet)."""
        return format_html('<code class="image-source" dir="ltr">{}</code>', image.url)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # images arrive with articles, never by hand

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # hide instead: a deleted row would come back with the next fetch

    def _each(
        self, request: HttpRequest, queryset: QuerySet[Image], act: Any, done: StrOrPromise
    ) -> None:
        images = list(queryset)
        for image in images:
            act(image, staff(request), FROM_ADMIN)
        self.message_user(request, done % {"n": len(images)}, messages.SUCCESS)

    @admin.action(description=_("احجب الصور المختارة (ومثيلاتها)"))
    def hide_images(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        self._each(request, queryset, moderation.hide, _("حُجبت %(n)d صورة."))

    @admin.action(description=_("أعد الصور المختارة (وتحصينها من الحجب التلقائي)"))
    def restore_images(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        self._each(request, queryset, moderation.restore, _("أعيدت %(n)d صورة."))

    @admin.action(description=_("ارفض بلاغات الصور المختارة"))
    def dismiss_reports(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        self._each(request, queryset, moderation.dismiss, _("رُفضت بلاغات %(n)d صورة."))

    @admin.action(description=_("ارفع التحصين عن الصور المختارة"))
    def lift_immunity(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        self._each(request, queryset, moderation.lift_immunity, _("رُفع تحصين %(n)d صورة."))

    @admin.action(description=_("علّم الصور المختارة كمراجعة"))
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        self._each(request, queryset, moderation.mark_reviewed, _("روجعت %(n)d صورة."))

    @admin.action(description=_("أعد نسخ الصور المختارة"))
    def copy_again(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        ids = list(queryset.exclude(status=Image.Status.STORED).values_list("id", flat=True))
        queryset.filter(id__in=ids).update(status=Image.Status.PENDING, attempts=0)
        for image_id in ids:
            copy_image.delay_on_commit(image_id)
        self.message_user(request, _("طُلب نسخ %(n)d صورة.") % {"n": len(ids)}, messages.SUCCESS)


def queue_of_review(images: QuerySet[Image] | None = None) -> QuerySet[Image]:
    """What waits for staff: images hidden automatically and not reviewed yet (not
    those hidden with them, which show beside them), and images held while automatic
    hiding was stopped."""
    images = Image.objects.all() if images is None else images
    return images.filter(
        Q(visibility=Visibility.AUTO_HIDDEN, reviewed_at__isnull=True, hidden_with__isnull=True)
        | Q(visibility=Visibility.SHOWN, held_at__isnull=False)
    )


@admin.register(ReviewQueueImage)
class ReviewQueueAdmin(ImageAdmin):
    """Images hidden automatically that staff have not reviewed, most reported first,
    each with the look-alikes hidden with it."""

    list_display = ["preview", "report_count", "last_reported_at", "hidden_at", "outlets",
                    "hidden_together"]  # fmt: skip
    list_filter = [ReasonFilter, OutletFilter]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Image]:
        queue = queue_of_review(super().get_queryset(request))
        return queue.prefetch_related("lookalikes").order_by("-report_count", "-last_reported_at")


@admin.register(ModerationEvent)
class ModerationEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["created_at", "action", "image", "article", "actor", "why", "threshold"]
    list_filter = ["action"]
    list_select_related = ["image", "article", "actor"]
    raw_id_fields = ["image", "article"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(ChangesWhatReadersSee):
    list_display = ["name", "name_fr", "slug", "position"]
    list_editable = ["position"]
    inlines = [CategoryAliasInline]


@admin.register(FetchLog)
class FetchLogAdmin(admin.ModelAdmin):
    list_display = ["source", *FETCH_LOG_COLUMNS]
    list_filter = ["status", "error_code", "source"]
    list_select_related = ["source"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PageHost)
class PageHostAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The hosts whose pages we read: their robots.txt and their turn (read only)."""

    list_display = ["name", "robots_status", "robots_expires_at", "next_request_at", "lease_owner"]
    list_filter = ["robots_status"]
    search_fields = ["name"]
    fields = readonly_fields = (
        "name", "robots_status", "robots_origin", "robots_expires_at", "robots_txt",
        "next_request_at", "lease_owner", "lease_expires_at",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

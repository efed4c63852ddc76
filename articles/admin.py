"""Django admin, in Arabic: outlets with their fetch health, articles, images."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from articles.models import (
    Article,
    ArticleImage,
    Category,
    CategoryAlias,
    ContentVersion,
    FetchLog,
    Image,
    Source,
)
from articles.search.index import index_articles
from articles.tasks import copy_image, fetch_source

admin.site.site_header = _("إدارة نيوزروم")
admin.site.site_title = _("نيوزروم")
admin.site.index_title = _("لوحة التحكم")
admin.site.enable_nav_sidebar = False


FETCH_LOG_COLUMNS = (
    "started_at",
    "status",
    "http_status",
    "duration_ms",
    "bytes_received",
    "new_count",
    "updated_count",
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
        "article_count",
        "last_success_at",
        "next_fetch_at",
    ]
    list_filter = ["status", "language", HealthFilter, "last_status"]
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
    actions = ["fetch_now", "pause", "activate"]

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


@admin.register(Article)
class ArticleAdmin(ChangesWhatReadersSee):
    list_display = ["title", "source", "category", "language", "published_at", "fetched_at"]
    list_filter = ["source", "category", "language"]
    search_fields = ["title", "key", "url"]
    date_hierarchy = "published_at"
    list_select_related = ["source", "category"]
    raw_id_fields = ["source"]
    readonly_fields = ["key", "content_hash", "fetched_at", "updated_at"]
    inlines = [ArticleImageInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Search finds the article by what staff wrote, in the same transaction.
        index_articles([form.instance.pk])
        super().save_related(request, form, formsets, change)


def _picture(file: FieldFile, width: int | None, height: int | None, size: str) -> str:
    """Our copy, sized by a class of admin.css (the CSP allows no style attribute)."""
    if not file:
        return "—"
    return format_html(
        '<img src="{}" width="{}" height="{}" alt="" loading="lazy" class="preview-{}">',
        file.url, width, height, size,
    )  # fmt: skip


IMAGE_DETAIL_FIELDS = (
    "preview_large", "url", "status", "error_code", "attempts", "copied_at", "width",
    "height", "byte_size", "sha256", "phash", "copy", "thumbnail", "created_at",
)  # fmt: skip


@admin.register(Image)
class ImageAdmin(ChangesWhatReadersSee):
    list_display = ["preview", "status", "error_code", "size", "byte_size", "attempts",
                    "created_at", "source_url"]  # fmt: skip
    list_filter = ["status", "error_code"]
    search_fields = ["url", "sha256", "phash"]
    fields = readonly_fields = IMAGE_DETAIL_FIELDS
    actions = ["copy_again"]

    @admin.display(description=_("المعاينة"))
    def preview(self, image: Image) -> str:
        """Our thumbnail, never the outlet's URL: the admin must not hotlink either."""
        return _picture(image.thumbnail, image.thumbnail_width, image.thumbnail_height, "small")

    @admin.display(description=_("النسخة"))
    def preview_large(self, image: Image) -> str:
        return _picture(image.copy, image.copy_width, image.copy_height, "large")

    @admin.display(description=_("الأبعاد"))
    def size(self, image: Image) -> str:
        return f"{image.width}×{image.height}" if image.width else "—"

    @admin.display(description=_("المصدر"))
    def source_url(self, image: Image) -> str:
        """The original address, as text (a link would send staff to the outlet)."""
        return format_html('<code class="image-source" dir="ltr">{}</code>', image.url)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # images arrive with articles, never by hand

    @admin.action(description=_("أعد نسخ الصور المختارة"))
    def copy_again(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        ids = list(queryset.exclude(status=Image.Status.STORED).values_list("id", flat=True))
        queryset.filter(id__in=ids).update(status=Image.Status.PENDING, attempts=0)
        for image_id in ids:
            copy_image.delay_on_commit(image_id)
        self.message_user(request, _("طُلب نسخ %(n)d صورة.") % {"n": len(ids)}, messages.SUCCESS)


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

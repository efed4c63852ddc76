"""Outlets in admin: feed health at a glance, fetch now, pause, full-text settings; their
sections, fetch log and page hosts.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from articles.admin.base import ChangesWhatReadersSee
from articles.fulltext import pages
from articles.models import (
    Category,
    CategoryAlias,
    ContentVersion,
    FetchLog,
    PageHost,
    Source,
)
from articles.tasks import fetch_source, queue_pages

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

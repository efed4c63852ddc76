"""Outlets in admin: feed health at a glance, fetch now, pause, full-text settings; their
sections, fetch log and page hosts.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from articles.admin.base import ChangesWhatReadersSee, KeepsOldLookups
from articles.admin.discovery import FeedChangeInline, OutletAddForm, record_address
from articles.admin.words import counted
from articles.fulltext import pages
from articles.models import (
    ContentVersion,
    FetchLog,
    Outlet,
    PageHost,
    Section,
    SectionAlias,
)
from articles.tasks import fetch_outlet, queue_pages

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


class SectionAliasInline(admin.TabularInline):
    model = SectionAlias
    extra = 1
    fields = ["label", "section"]


class HealthFilter(admin.SimpleListFilter):
    title = _("صحة التغذية")
    parameter_name = "health"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, StrOrPromise]]:
        return [("failing", _("متعثرة")), ("healthy", _("سليمة")), ("never", _("لم تجلب بعد"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Outlet]) -> QuerySet[Outlet]:
        if self.value() == "failing":
            return queryset.failing()  # type: ignore[attr-defined]
        if self.value() == "healthy":
            return queryset.filter(consecutive_failures=0).exclude(
                last_status=Outlet.FetchStatus.NEVER
            )
        if self.value() == "never":
            return queryset.filter(last_status=Outlet.FetchStatus.NEVER)
        return queryset


@admin.register(Outlet)
class OutletAdmin(ChangesWhatReadersSee):
    list_display = [
        "name",
        "language",
        "kind",
        "region",
        "status",
        "feed_evidence",
        "health",
        "full_text",
        "article_count",
        "last_success_at",
        "next_fetch_at",
    ]
    # Staff sort the roster's outlets by kind and region straight from the list.
    list_editable = ["kind", "region"]
    list_filter = [
        "status",
        "kind",
        "region",
        "evidence",
        "language",
        HealthFilter,
        "last_status",
        "full_text",
    ]
    list_select_related = ["region"]
    search_fields = ["name", "name_latin", "slug", "feed_url"]
    prepopulated_fields = {"slug": ["name_latin"]}
    ltr_fields = ("body_selector", "drop_selector")
    readonly_fields = [
        "feed_search_at",
        "feed_search_note",
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
                    "kind",
                    "region",
                    "status",
                    "paused_reason",
                    "evidence",
                ]
            },
        ),
        (
            _("عنوان التغذية إذا انتقلت"),
            {
                "fields": ["follow_feed_moves", "feed_search_at", "feed_search_note"],
                "description": _(
                    "عند الإضافة يكفي عنوان الموقع: تترك «رابط التغذية» فارغا فيبحث الموقع "
                    "عنها. وإذا صار رابط التغذية يعيد 404 أو 410 أو صفحة HTML، يبحث عنها من "
                    "جديد مرة كل ست ساعات على الأكثر ويقترح ما يجده أدناه."
                ),
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
    inlines = [SectionAliasInline, FeedChangeInline, FetchLogInline]
    actions = ["fetch_now", "pause", "activate", "rerun_full_text"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Outlet]:
        return super().get_queryset(request).annotate(article_total=Count("articles"))

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = OutletAddForm  # a site's address alone will do
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Outlet, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record_address(request, obj, form, change)  # every feed address kept, FeedChange

    @admin.display(description=_("المقالات"), ordering="article_total")
    def article_count(self, outlet: Outlet) -> int:
        return outlet.article_total  # type: ignore[attr-defined,no-any-return]

    @admin.display(description=_("مصدر رابط التغذية"), ordering="evidence")
    def feed_evidence(self, outlet: Outlet) -> str:
        """The roster's evidence for the feed; a guess stands out until staff check it."""
        if outlet.evidence != Outlet.Evidence.GUESS:
            return outlet.get_evidence_display()
        return format_html(
            '<span class="evidence-guess">⚠ {}</span>', outlet.get_evidence_display()
        )

    @admin.display(description=_("صحة التغذية"), ordering="consecutive_failures")
    def health(self, outlet: Outlet) -> str:
        if outlet.last_status != Outlet.FetchStatus.ERROR:
            return format_html(
                '<span class="health health-{}">{}</span>',
                outlet.last_status,
                outlet.get_last_status_display(),
            )
        return format_html(
            '<span class="health health-error" title="{}">✗ <code dir="ltr">{}</code> ×{}</span>',
            _("إخفاقات متتالية"),
            outlet.last_error_code,
            outlet.consecutive_failures,
        )

    @admin.action(description=_("اجلب الآن"))
    def fetch_now(self, request: HttpRequest, queryset: QuerySet[Outlet]) -> None:
        count = 0
        for outlet in queryset.active():  # type: ignore[attr-defined]
            fetch_outlet.delay_on_commit(outlet.id)
            count += 1
        queryset.active().update(next_fetch_at=timezone.now())  # type: ignore[attr-defined]
        asked = _("طُلب جلب %(outlets)s.") % {"outlets": counted("articles.outlet", count)}
        self.message_user(request, asked, messages.SUCCESS)

    @admin.action(description=_("أعد استخراج النص الكامل لأحدث مقالات المصادر المختارة"))
    def rerun_full_text(self, request: HttpRequest, queryset: QuerySet[Outlet]) -> None:
        off = [outlet.name for outlet in queryset if not outlet.full_text]
        ids = []
        for outlet in queryset.filter(full_text=True):
            ids += pages.queue_again(outlet=outlet)
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
                request, _("طُلب استخراج النص الكامل: %(articles)s.")
                % {"articles": counted("articles.article", len(ids))},
                messages.SUCCESS,
            )  # fmt: skip

    @admin.action(description=_("أوقف المصادر المختارة"))
    def pause(self, request: HttpRequest, queryset: QuerySet[Outlet]) -> None:
        queryset.update(status=Outlet.Status.PAUSED)
        ContentVersion.objects.bump()

    @admin.action(description=_("فعّل المصادر المختارة"))
    def activate(self, request: HttpRequest, queryset: QuerySet[Outlet]) -> None:
        # The reason it was paused no longer holds once staff enable it.
        queryset.update(
            status=Outlet.Status.ACTIVE, paused_reason="", next_fetch_at=timezone.now()
        )
        ContentVersion.objects.bump()


@admin.register(Section)
class SectionAdmin(ChangesWhatReadersSee):
    list_display = ["name", "name_fr", "address", "position"]
    list_editable = ["position"]
    inlines = [SectionAliasInline]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "slug":
            # The model's field has no Arabic name (its migrations' state would change).
            field.label = _("المعرّف")
        return field

    @admin.display(description=_("المعرّف"), ordering="slug")
    def address(self, section: Section) -> str:
        return format_html('<bdi dir="ltr">{}</bdi>', section.slug)


@admin.register(FetchLog)
class FetchLogAdmin(KeepsOldLookups):
    list_display = ["outlet", *FETCH_LOG_COLUMNS]
    list_filter = ["status", "error_code", "outlet"]
    list_select_related = ["outlet"]

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

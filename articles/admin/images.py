"""Image moderation in admin: every picture with its reports and events, the review
queue, and staff's actions (hide, restore, dismiss, lift immunity, copy again).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.db.models.fields.files import FieldFile
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from articles.admin.base import FROM_ADMIN, staff
from articles.admin.words import counted
from articles.models import (
    Article,
    Image,
    ImageReport,
    ModerationEvent,
    Outlet,
    ReportReason,
    ReviewQueueImage,
)
from articles.moderation import visibility
from articles.moderation.visibility import queue_of_review
from articles.tasks import copy_image


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
        return [(s.slug, s.name) for s in Outlet.objects.only("slug", "name")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Image]) -> QuerySet[Image]:
        if self.value():
            return queryset.filter(articles__outlet__slug=self.value()).distinct()
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
        articles = Article.objects.select_related("outlet").only("id", "outlet__name")
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
        names = sorted({article.outlet.name for article in image.articles.all()})
        return "، ".join(names) or "—"

    @admin.display(description=_("المقالات التي تستعملها"))
    def used_by(self, image: Image) -> str:
        articles = image.articles.select_related("outlet").order_by("-published_at")[:20]
        return format_html_join(
            "", '<p><a href="{}">{}</a> ({})</p>',
            ((reverse("admin:articles_article_change", args=[a.pk]), a.title, a.outlet.name)
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

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        """The moderation permission, the same on the review queue (a proxy model with
        permissions of its own): hide, restore, dismiss, review, copy again."""
        return bool(request.user.has_perm("articles.change_image"))

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        # Django leaves out the actions a user may not run, and a post of one then only
        # shows the list again: staff who may only look are refused it outright (403).
        name = request.POST.get("action", "") if request.method == "POST" else ""
        if name in self.actions and name not in self.get_actions(request):
            raise PermissionDenied
        return super().changelist_view(request, extra_context)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # hide instead: a deleted row would come back with the next fetch

    def _each(
        self, request: HttpRequest, queryset: QuerySet[Image], act: Any, done: StrOrPromise
    ) -> None:
        images = list(queryset)
        for image in images:
            act(image, staff(request), FROM_ADMIN)
        said = done % {"images": counted("articles.image", len(images))}
        self.message_user(request, said, messages.SUCCESS)

    @admin.action(description=_("احجب الصور المختارة (ومثيلاتها)"), permissions=["moderate"])
    def hide_images(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        self._each(request, queryset, visibility.hide, _("حُجبت %(images)s."))

    @admin.action(
        description=_("أعد الصور المختارة (وتحصينها من الحجب التلقائي)"), permissions=["moderate"]
    )
    def restore_images(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        self._each(request, queryset, visibility.restore, _("أعيدت %(images)s."))

    @admin.action(description=_("ارفض بلاغات الصور المختارة"), permissions=["moderate"])
    def dismiss_reports(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        self._each(request, queryset, visibility.dismiss, _("رُفضت بلاغات %(images)s."))

    @admin.action(description=_("ارفع التحصين عن الصور المختارة"), permissions=["moderate"])
    def lift_immunity(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        self._each(request, queryset, visibility.lift_immunity, _("رُفع تحصين %(images)s."))

    @admin.action(description=_("علّم الصور المختارة كمراجعة"), permissions=["moderate"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        self._each(request, queryset, visibility.mark_reviewed, _("روجعت %(images)s."))

    @admin.action(description=_("أعد نسخ الصور المختارة"), permissions=["moderate"])
    def copy_again(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        ids = list(queryset.exclude(status=Image.Status.STORED).values_list("id", flat=True))
        queryset.filter(id__in=ids).update(status=Image.Status.PENDING, attempts=0)
        for image_id in ids:
            copy_image.delay_on_commit(image_id)
        asked = _("طُلب نسخ %(images)s.") % {"images": counted("articles.image", len(ids))}
        self.message_user(request, asked, messages.SUCCESS)


@admin.register(ReviewQueueImage)
class ReviewQueueAdmin(ImageAdmin):
    """Images hidden automatically that staff have not reviewed, most reported first,
    each with the look-alikes hidden with it."""

    list_display = ["preview", "report_count", "last_reported_at", "hidden_at", "outlets",
                    "hidden_together"]  # fmt: skip
    list_filter = [ReasonFilter, OutletFilter]
    # With nothing to review, the page says so (Django's list would show no row at all).
    change_list_template = "admin/articles/reviewqueueimage/change_list.html"

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

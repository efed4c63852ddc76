"""Articles in admin: their pictures, full-text state, hiding an article."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from articles.admin.base import FROM_ADMIN, ChangesWhatReadersSee, KeepsOldLookups, staff
from articles.admin.words import counted
from articles.fulltext import pages
from articles.models import (
    Article,
    ArticleImage,
    FullTextStatus,
)
from articles.moderation import visibility
from articles.regions.assign import tag as tag_regions
from articles.search.index import index_articles
from articles.tasks import queue_pages


class ArticleImageInline(admin.TabularInline):
    model = ArticleImage
    extra = 0
    raw_id_fields = ["image"]


# An article's state, written by moderation, the full-text stage and the grouping (or
# staff's story decisions, on the story's page: articles.admin.stories) only.
STATE_FIELDS = (
    "hidden", "fulltext_status", "fulltext_code", "fulltext_at", "page_body",
    "story", "story_by_staff",
)  # fmt: skip


@admin.register(Article)
class ArticleAdmin(KeepsOldLookups, ChangesWhatReadersSee):
    list_display = [
        "title", "outlet", "section", "language", "published_at", "fetched_at", "full_text",
    ]  # fmt: skip
    list_filter = ["hidden", "fulltext_status", "outlet", "section", "regions", "language"]
    search_fields = ["title", "key", "url"]
    actions = ["hide_articles", "show_articles", "rerun_full_text"]
    date_hierarchy = "published_at"
    list_select_related = ["outlet", "section"]
    raw_id_fields = ["outlet"]
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
            '<span class="fulltext fulltext-{}">{}</span> <code dir="ltr">{}</code>',
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
                request, _("طُلب استخراج النص الكامل: %(articles)s.")
                % {"articles": counted("articles.article", len(ids))},
                messages.SUCCESS,
            )  # fmt: skip
        if skipped:
            self.message_user(
                request,
                _("تُرك %(articles)s: النص الكامل غير مفعّل لمصدره أو لا رابط له.")
                % {"articles": counted("articles.article", skipped)},
                messages.WARNING,
            )

    @admin.action(description=_("احجب المقالات المختارة عن القراء"))
    def hide_articles(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        for article in queryset:
            visibility.set_article_hidden(article, True, staff(request), FROM_ADMIN)
        self.message_user(request, _("حُجبت المقالات المختارة."), messages.SUCCESS)

    @admin.action(description=_("أظهر المقالات المختارة للقراء"))
    def show_articles(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        for article in queryset:
            visibility.set_article_hidden(article, False, staff(request), FROM_ADMIN)
        self.message_user(request, _("أُظهرت المقالات المختارة."), messages.SUCCESS)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # Twelve regions: boxes to tick, not a list to Ctrl-click.
        if db_field.name == "regions":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Search finds the article by what staff wrote, in the same transaction.
        index_articles([form.instance.pk])
        super().save_related(request, form, formsets, change)
        self.save_regions_choice(form)

    @staticmethod
    def save_regions_choice(form: Any) -> None:
        """Regions staff changed are theirs: no tagging changes them again. Unticking
        "by staff" without changing them gives the article back to the tagger."""
        article = form.instance
        if "regions" in form.changed_data:
            Article.objects.filter(pk=article.pk).update(regions_by_staff=True)
        elif "regions_by_staff" in form.changed_data and not article.regions_by_staff:
            tag_regions([article.pk])

"""Stories in admin: the list (size, outlets, first and last report), and on a story its
reports, where staff rename its headline, take a report out, or merge another story
into it. Every change goes through ``articles.stories.staff``, so the grouping never
undoes it; stories are made and dissolved by the grouping only (no add, no delete).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.models import Article, Story
from articles.stories import staff

ACTION_FIELDS = ("take_out", "merge_from")


class ReportsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Article) -> str:  # type: ignore[override]
        return f"{obj.outlet.name} — {obj.title}"


class StoryForm(forms.ModelForm):  # type: ignore[type-arg]
    take_out = ReportsField(
        queryset=Article.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("أخرج من القصة"),
        help_text=gettext_lazy("يبقى المقال المخرج وحده، ولا يعيده التجميع إلى أي قصة."),
    )
    merge_from = forms.ModelChoiceField(
        queryset=Story.objects.all(),
        required=False,
        # The lookup's popup lists stories (Article.story points at them).
        widget=ForeignKeyRawIdWidget(Article._meta.get_field("story").remote_field, admin.site),
        label=gettext_lazy("ادمج فيها القصة رقم"),
        help_text=gettext_lazy("تنتقل تقارير تلك القصة إلى هذه وتحذف تلك، ولا يفرقها التجميع."),
    )

    class Meta:
        model = Story
        fields = ["headline"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and "take_out" in self.fields:
            self.fields["take_out"].queryset = reports_of(self.instance)  # type: ignore[attr-defined]
            self.fields["merge_from"].queryset = Story.objects.exclude(pk=self.instance.pk)  # type: ignore[attr-defined]


def reports_of(story: Story) -> QuerySet[Article]:
    """Every report of the story, hidden ones too (staff see them), newest first."""
    return story.articles.select_related("outlet").order_by("-published_at", "-id")


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = StoryForm
    list_display = [
        "shown_title", "article_count", "outlet_count", "first_published_at", "last_published_at",
    ]  # fmt: skip
    list_select_related = ["lead"]
    ordering = ["-last_published_at", "-id"]
    search_fields = ["headline", "articles__title"]
    date_hierarchy = "last_published_at"
    actions = ["merge_stories"]
    readonly_fields = [
        "lead", "article_count", "outlet_count", "first_published_at", "last_published_at",
        "updated_at", "reports",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the grouping makes stories

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # staff take reports out; a story of fewer than two dissolves

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        decisions = ["headline"]
        if obj is not None and self.has_change_permission(request, obj):
            decisions += ACTION_FIELDS
        return [
            (None, {"fields": decisions}),
            (_("التقارير"), {"fields": ["reports"]}),
            (_("ما يحسبه التجميع"), {"fields": self.readonly_fields[:-1]}),
        ]

    @admin.display(description=gettext_lazy("العنوان"))
    def shown_title(self, story: Story) -> str:
        return story.title

    @admin.display(description=gettext_lazy("تقارير القصة"))
    def reports(self, story: Story) -> SafeString:
        rows = format_html_join(
            "",
            '<tr><td>{}</td><td>{}</td><td><a href="{}">{}</a></td><td>{}</td>'
            '<td><a href="{}">{}</a></td></tr>',
            (
                (
                    timezone.localtime(article.published_at).strftime("%Y-%m-%d %H:%M"),
                    article.outlet.name,
                    reverse("admin:articles_article_change", args=[article.pk]),
                    article.title,
                    _("محجوب") if article.hidden else "",
                    article.get_absolute_url(),
                    _("صفحته"),
                )
                for article in reports_of(story)
            ),
        )
        head = [_("النشر"), _("المنبر"), _("العنوان"), _("الحالة"), _("في الموقع")]
        return format_html(
            '<table class="story-reports"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>',
            format_html_join("", '<th scope="col">{}</th>', ((name,) for name in head)),
            rows,
        )

    def save_model(self, request: HttpRequest, obj: Story, form: Any, change: bool) -> None:
        """Staff's decisions, each through ``stories.staff``: the merge first (the
        reports taken out may dissolve this story), the headline last."""
        other = form.cleaned_data.get("merge_from")
        if other is not None:
            staff.merge(obj, other)
            messages.success(request, _("دُمجت القصة رقم %(id)d في هذه القصة.") % {"id": other.pk})
        taken = list(form.cleaned_data.get("take_out") or [])
        for article in taken:
            staff.take_out(article)
        if taken:
            messages.success(
                request, _("عدد المقالات المخرجة من القصة: %(n)d.") % {"n": len(taken)}
            )
        if "headline" in form.changed_data and Story.objects.filter(pk=obj.pk).exists():
            staff.rename(obj, form.cleaned_data["headline"])

    def response_change(self, request: HttpRequest, obj: Story) -> HttpResponse:
        if not Story.objects.filter(pk=obj.pk).exists():
            messages.info(request, _("لم يبق في القصة مقالان، فلم تعد قصة."))
            return HttpResponseRedirect(reverse("admin:articles_story_changelist"))
        return super().response_change(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=gettext_lazy("دمج القصص المحددة"), permissions=["change"])
    def merge_stories(self, request: HttpRequest, queryset: QuerySet[Story]) -> None:
        """Into the oldest of them (by its first report): its address stays."""
        chosen = list(queryset.order_by("first_published_at", "id"))
        if len(chosen) < 2:
            self.message_user(request, _("اختر قصتين على الأقل للدمج."), messages.WARNING)
            return
        target, *others = chosen
        for other in others:
            staff.merge(target, other)
        target.refresh_from_db()
        self.message_user(
            request,
            _("دُمج في «%(title)s» عدد من القصص: %(n)d.")
            % {"n": len(others), "title": target.title},
            messages.SUCCESS,
        )

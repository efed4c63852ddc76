"""Feed addresses in admin: an outlet added by its site's address alone, the changes of
its feed's address on its page, and the proposals staff accept or reject
(articles.discovery, docs/discovery.md)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from articles.admin.base import staff
from articles.admin.words import counted
from articles.discovery import moves
from articles.discovery.search import find_feed
from articles.models import FeedChange, Outlet

NAME = "articles_feedchange"  # the prefix of its admin URLs' names
CHANGE_COLUMNS = ("created_at", "old_url", "new_url", "found_by", "state", "decided_by")


class OutletAddForm(forms.ModelForm):  # type: ignore[type-arg]
    """The add form: the feed's address, or the site's address alone, whose feed is
    then looked for (the home page's advertised feeds, then the usual paths)."""

    found_by = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["feed_url"].required = False
        self.fields["feed_url"].help_text = _(
            "اتركه فارغا ليبحث الموقع عن التغذية في عنوان الموقع."
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("feed_url") or self.has_error("site_url") or self.has_error("feed_url"):
            return cleaned
        if not cleaned.get("site_url"):
            self.add_error("feed_url", _("أدخل رابط التغذية، أو عنوان الموقع ليبحث عنها."))
            return cleaned
        report = find_feed(cleaned["site_url"])
        if report.found is None:
            self.add_error(
                "site_url",
                _("لم نجد في هذا الموقع تغذية RSS أو Atom فيها مواد. ما جُرّب: %(tried)s")
                % {"tried": report.note()},
            )
        elif Outlet.objects.filter(feed_url=report.found.url).exists():
            self.add_error(
                "site_url",
                _("وجدنا التغذية %(url)s، لكنها لمصدر موجود.") % {"url": report.found.url},
            )
        else:
            cleaned["feed_url"], self.found_by = report.found.url, report.found.found_by
        return cleaned


def record_address(request: HttpRequest, outlet: Outlet, form: Any, change: bool) -> None:
    """After the outlet admin saved ``outlet``: record its address as found (a new
    outlet added by its site) or as staff typed it (a changed feed address)."""
    if not change and isinstance(form, OutletAddForm) and form.found_by:
        moves.record_found_at_creation(outlet, form.found_by, staff(request))
    elif change and "feed_url" in form.changed_data:
        moves.record_staff_change(outlet, form.initial.get("feed_url", ""), staff(request))


class FeedChangeInline(admin.TabularInline):  # type: ignore[type-arg]
    """An outlet's feed addresses, newest first, with a pending proposal's buttons."""

    model = FeedChange
    fk_name = "outlet"
    extra = 0
    max_num = 0
    can_delete = False
    fields = readonly_fields = (*CHANGE_COLUMNS, "decision")
    verbose_name_plural = _("تغييرات عنوان التغذية")

    @admin.display(description=_("القرار"))
    def decision(self, change: FeedChange) -> str:
        return decision_buttons(
            change, reverse("admin:articles_outlet_change", args=[change.outlet_id])
        )


def decision_buttons(change: FeedChange, back: str) -> str:
    """Accept and reject for a pending proposal: buttons that post to their own address
    (``formaction``), so they work inside the outlet's form, CSRF token included; the
    page comes back to ``back``."""
    if not change.is_pending:
        return ""
    return format_html_join(
        " ",
        '<button type="submit" class="button" formaction="{}" formmethod="post" '
        'name="next" value="{}">{}</button>',
        (
            (reverse(f"admin:articles_feedchange_{verb}", args=[change.id]), back, label)
            for verb, label in (("accept", _("اعتمد العنوان")), ("reject", _("ارفضه")))
        ),
    )


class PendingFilter(admin.SimpleListFilter):
    title = _("الحالة")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return FeedChange.State.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[FeedChange]) -> Any:
        return queryset.filter(state=self.value()) if self.value() else queryset


@admin.register(FeedChange)
class FeedChangeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Every change of a feed's address; ?state=proposed is the list of pending ones."""

    list_display = ["outlet", *CHANGE_COLUMNS[1:], "created_at", "decision"]
    list_filter = [PendingFilter, "found_by"]
    list_select_related = ["outlet", "decided_by"]
    search_fields = ["outlet__name", "old_url", "new_url"]
    fields = readonly_fields = ("outlet", *CHANGE_COLUMNS, "decided_at")
    actions = ["accept_selected", "reject_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("القرار"))
    def decision(self, change: FeedChange) -> str:
        # The list is a form too (the actions'): the same buttons work in it.
        pending = reverse("admin:articles_feedchange_changelist") + "?state=proposed"
        return decision_buttons(change, pending)

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("<int:change_id>/accept/", wrap(self.accept_view), name=f"{NAME}_accept"),
            path("<int:change_id>/reject/", wrap(self.reject_view), name=f"{NAME}_reject"),
            *super().get_urls(),
        ]

    @admin.action(description=_("اعتمد العناوين المقترحة المختارة"), permissions=["change"])
    def accept_selected(self, request: HttpRequest, queryset: QuerySet[FeedChange]) -> None:
        self.decide(request, queryset, moves.accept, _("اعتُمد %(changes)s."))

    @admin.action(description=_("ارفض العناوين المقترحة المختارة"), permissions=["change"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet[FeedChange]) -> None:
        self.decide(request, queryset, moves.reject, _("رُفض %(changes)s."))

    def decide(self, request: HttpRequest, queryset: Any, verb: Any, done: Any) -> None:
        count = 0
        for change in queryset:
            try:
                verb(change, staff(request))
                count += 1
            except moves.MoveRefused as refused:
                self.message_user(request, refusal(change, refused), messages.ERROR)
        if count:
            changes = counted("articles.feedchange", count)
            self.message_user(request, done % {"changes": changes}, messages.SUCCESS)

    def accept_view(self, request: HttpRequest, change_id: int) -> HttpResponse:
        return self.decide_one(request, change_id, moves.accept, _("اعتُمد العنوان الجديد."))

    def reject_view(self, request: HttpRequest, change_id: int) -> HttpResponse:
        return self.decide_one(request, change_id, moves.reject, _("رُفض العنوان المقترح."))

    def decide_one(
        self, request: HttpRequest, change_id: int, verb: Any, done: Any
    ) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        change = get_object_or_404(FeedChange, id=change_id)
        if not self.has_change_permission(request, change):
            return HttpResponse(status=403)
        try:
            verb(change, staff(request))
            self.message_user(request, done, messages.SUCCESS)
        except moves.MoveRefused as refused:
            self.message_user(request, refusal(change, refused), messages.ERROR)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}):
            back = reverse("admin:articles_feedchange_changelist")
        return HttpResponseRedirect(back)


REFUSALS = {
    moves.MoveRefused.DECIDED: _("قُرّر فيه من قبل"),
    moves.MoveRefused.TAKEN: _("عنوانه الجديد لمصدر آخر"),
}


def refusal(change: FeedChange, refused: moves.MoveRefused) -> str:
    why = REFUSALS.get(refused.code, refused.code)
    return _("تعذر القرار في %(change)s: %(why)s") % {"change": change, "why": why}

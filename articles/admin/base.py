"""What every admin page of ours shares: the acting staff member, and saves that change
what readers see bumping the content version.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.models import User
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, QueryDict
from django.utils.translation import gettext_lazy as _

from articles.models import ContentVersion

admin.site.site_header = _("إدارة نيوزروم")
admin.site.site_title = _("نيوزروم")
admin.site.index_title = _("لوحة التحكم")
admin.site.enable_nav_sidebar = False

# Lookups that staff's bookmarks carry from before outlets and sections had one name in
# code (?source__id__exact=3): the list answers with the same filter under the new name.
RENAMED_LOOKUPS = {"source": "outlet", "category": "section"}  # old names -> new


def staff(request: HttpRequest) -> User:
    """The signed-in staff member (admin views run only for them)."""
    assert isinstance(request.user, User)
    return request.user


# What staff read and type left to right on an Arabic page: addresses, slugs, codes, CSS
# selectors, e-mail addresses. Laid out right to left, "https://www.goud.ma/feed/" reads
# "/https://www.goud.ma/feed". Inputs of these types (and a page's ``ltr_fields``) get
# dir="ltr"; values shown as text are isolated left to right by static/css/admin.css.
LTR_FIELD_TYPES = (models.URLField, models.SlugField, models.EmailField)


class LeftToRight:
    """Mixed into a ModelAdmin or an inline: its address, slug and e-mail inputs, and
    the fields named in ``ltr_fields`` (selectors, codes), are typed left to right."""

    ltr_fields: tuple[str, ...] = ()

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if isinstance(db_field, models.URLField):
            # An address typed without its scheme ("www.goud.ma/feed") is https, as
            # outlets serve today (and as Django 6 will assume).
            kwargs.setdefault("assume_scheme", "https")
        field = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and (
            isinstance(db_field, LTR_FIELD_TYPES) or db_field.name in self.ltr_fields
        ):
            field.widget.attrs["dir"] = "ltr"
        return field


FROM_ADMIN = "admin"  # a ModerationEvent's "why" for actions taken in admin


class ChangesWhatReadersSee(LeftToRight, admin.ModelAdmin):  # type: ignore[type-arg]
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


def renamed_lookups(query: QueryDict) -> str | None:
    """``query`` with the old names of its lookups replaced, or None if it has none."""
    renamed = query.copy()
    found = False
    for key in list(query):
        first, _sep, rest = key.partition("__")
        if first in RENAMED_LOOKUPS and rest:
            renamed.setlist(f"{RENAMED_LOOKUPS[first]}__{rest}", renamed.pop(key))
            found = True
    return renamed.urlencode() if found else None


class KeepsOldLookups(admin.ModelAdmin):  # type: ignore[type-arg]
    """A change list whose filters once named an outlet "source", a section "category"."""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        renamed = renamed_lookups(request.GET)
        if renamed is not None:
            return HttpResponsePermanentRedirect(f"{request.path}?{renamed}")
        return super().changelist_view(request, extra_context)

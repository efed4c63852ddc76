"""What every admin page of ours shares: the acting staff member, and saves that change
what readers see bumping the content version.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from articles.models import (
    ContentVersion,
)

admin.site.site_header = _("إدارة نيوزروم")


admin.site.site_title = _("نيوزروم")


admin.site.index_title = _("لوحة التحكم")


admin.site.enable_nav_sidebar = False


def staff(request: HttpRequest) -> User:
    """The signed-in staff member (admin views run only for them)."""
    assert isinstance(request.user, User)
    return request.user


FROM_ADMIN = "admin"  # a ModerationEvent's "why" for actions taken in admin


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

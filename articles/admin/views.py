"""Staff-only pages beside Django admin: quarantined copies and the breaker's reset."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django.views.static import serve

from articles.moderation import reports


@require_safe
@staff_member_required
@permission_required("articles.view_image", raise_exception=True)
def quarantine_file(request: HttpRequest, name: str) -> HttpResponseBase:
    """A hidden image's copy, for staff reviewing it (never public, never cached)."""
    response = serve(request, name, document_root=str(settings.QUARANTINE_ROOT))
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@staff_member_required
@permission_required("articles.change_image", raise_exception=True)
def reset_breaker(request: HttpRequest) -> HttpResponse:
    reports.reset_breaker(request.user, _("من لوحة الإدارة"))  # type: ignore[arg-type]
    messages.success(request, _("استؤنف الحجب التلقائي للصور."))
    return HttpResponseRedirect(reverse("admin:index"))


# Staff's bookmarks from before outlets and sections had one name in code: the admin's
# old addresses answer with the new ones, their query (filters, search) kept.
RENAMED_PAGES = {"source": "outlet", "category": "section"}  # old names -> new


def renamed_page(request: HttpRequest, old: str, rest: str) -> HttpResponsePermanentRedirect:
    target = reverse("admin:app_list", args=["articles"]) + f"{RENAMED_PAGES[old]}/{rest}"
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)

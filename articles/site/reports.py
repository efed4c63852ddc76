"""The "report this image" flow, for readers.

Pages that show images are cached whole and carry no per-reader token: each image has a
plain link to ``/images/<id>/`` (not cached), whose form carries the CSRF token and posts
to ``/images/<id>/report/``. Without JavaScript the reader follows the link, posts, and is
sent back to the page they came from, where the thanks is a Django message (a page
holding a message is never served from or stored in the page cache). With JavaScript
(``static/js/report.js``) the same form is fetched into a ``<dialog>`` and posted with
``fetch``; the answer is JSON and the thanks appears in place.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from articles.lib import clients
from articles.lib.text import INVISIBLE_CONTROLS
from articles.models import Image, ReportReason
from articles.moderation import reports

READER_COOKIE = "newsroom_reader"
READER_SALT = "newsroom.reader"
READER_COOKIE_AGE = 365 * 24 * 3600
NOTE_LENGTH = 500


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("ما المشكلة في هذه الصورة؟"),
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("اختر سببا من القائمة."),
            "invalid_choice": gettext_lazy("اختر سببا من القائمة."),
        },
    )
    note = forms.CharField(
        label=gettext_lazy("ملاحظة (اختيارية)"),
        required=False,
        max_length=NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTE_LENGTH, "dir": "auto"}),
        error_messages={
            "max_length": gettext_lazy("الملاحظة أطول من %(limit_value)d حرف."),
        },
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


def thanks() -> str:
    return _(
        "شكرا على الإبلاغ! سيتم حجب هذه الصورة تلقائيا عندما يتم الإبلاغ عنها من طرف عدة أشخاص."
    )


def safe_next(request: HttpRequest, value: str) -> str:
    """A path of ours to go back to, or the home page: never another host, scheme or
    a protocol-relative //host address."""
    if (
        value.startswith("/")
        and not value.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(value, allowed_hosts=None)
    ):
        return value
    return "/"


@require_safe
def report_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The report form for one image (what the image's report link opens)."""
    image = _reportable(pk)
    form = ReportForm(initial={"next": safe_next(request, request.GET.get("next", ""))})
    return _form_page(request, image, form)


@require_POST
def report(request: HttpRequest, pk: int) -> HttpResponse:
    image = _reportable(pk)
    form = ReportForm(request.POST)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not form.is_valid():
        if wants_json and not _from_dialog(request):
            return JsonResponse({"errors": form.errors}, status=400)
        return _form_page(request, image, form, status=400)
    known_reader = str(request.get_signed_cookie(READER_COOKIE, default="", salt=READER_SALT))
    reader_id = known_reader or secrets.token_urlsafe(24)
    reporter = reports.Reporter.of(reader_id, clients.client_address(request))
    note = INVISIBLE_CONTROLS.sub("", form.cleaned_data["note"]).strip()
    reports.report_image(image, reporter, form.cleaned_data["reason"], note)
    # The same thanks whatever happened: counted, repeated or over the rate limit.
    if wants_json:
        response: HttpResponse = JsonResponse({"message": thanks()})
    else:
        messages.success(request, thanks())
        response = HttpResponseRedirect(_back_to(request, form.cleaned_data["next"], image))
    if not known_reader:
        _remember_reader(request, response, reader_id)
    return response


def _remember_reader(request: HttpRequest, response: HttpResponse, reader_id: str) -> None:
    """The reader's random id, signed: one counted report per reader and image."""
    response.set_signed_cookie(
        READER_COOKIE, reader_id, salt=READER_SALT, max_age=READER_COOKIE_AGE,
        secure=request.is_secure(), httponly=True, samesite="Lax",
    )  # fmt: skip


def _reportable(pk: int) -> Image:
    """A stored image that some visible article shows (else 404)."""
    images = Image.objects.filter(status=Image.Status.STORED, articles__hidden=False)
    return get_object_or_404(images.distinct(), pk=pk)


def _back_to(request: HttpRequest, next_path: str, image: Image) -> str:
    """The page the reader came from, marked so their browser fetches it afresh (its
    cached copy has no thanks), scrolled to the thanks."""
    parts = urlsplit(safe_next(request, next_path))
    query = "&".join(q for q in (parts.query, urlencode({"reported": image.pk})) if q)
    return urlunsplit(("", "", parts.path, query, "messages"))


def _from_dialog(request: HttpRequest) -> bool:
    """report.js asks for the form alone, to show it in its dialog."""
    return request.headers.get("X-Requested-With") == "report-dialog"


def _form_page(
    request: HttpRequest, image: Image, form: ReportForm, status: int = 200
) -> HttpResponse:
    back = safe_next(request, str(form["next"].value() or ""))
    context: dict[str, Any] = {
        "image": image,
        "form": form,
        "note_length": NOTE_LENGTH,
        "back": back,
    }
    template = "articles/report_form.html" if _from_dialog(request) else "articles/report.html"
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response

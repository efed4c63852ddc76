"""The search form: what a reader may ask for, checked before any query runs."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from articles.models import Outlet, Section
from articles.search.documents import Filters
from articles.search.query import Order
from articles.search.words import MAX_QUERY_LENGTH


class SlugChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A model chosen by slug; a value that cannot be a slug is refused before any
    query (PostgreSQL refuses NUL characters with an error, not an empty result)."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not validators.slug_re.match(str(value)):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class FreeTextField(forms.CharField):
    """Words as typed, never refused: control characters (NUL included) and lone
    surrogates become spaces, and the text is cut to MAX_QUERY_LENGTH."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators = []  # CharField refuses NUL; here it is only a separator

    def to_python(self, value: Any) -> str:
        return readable(str(super().to_python(value)))


class SearchForm(forms.Form):
    """?q=words&source=slug&section=slug&from=YYYY-MM-DD&to=YYYY-MM-DD&sort=newest|relevance

    The words are free text and never invalid; the filters are checked, and a bad one
    gets its own message. Dates are days in Africa/Casablanca, both ends included.
    """

    q = FreeTextField(label=_("كلمات البحث"), required=False)
    # The outlet, named "source" in the address: the parameter readers' links carry.
    source = SlugChoiceField(
        label=_("المصدر"),
        queryset=Outlet.objects.only("name", "name_latin", "slug"),
        to_field_name="slug",
        required=False,
        empty_label=_("كل المصادر"),
        error_messages={"invalid_choice": _("هذا المصدر غير موجود.")},
    )
    section = SlugChoiceField(
        label=_("القسم"),
        queryset=Section.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("كل الأقسام"),
        error_messages={"invalid_choice": _("هذا القسم غير موجود.")},
    )
    sort = forms.ChoiceField(
        label=_("الترتيب"),
        choices=[("newest", _("الأحدث أولا")), ("relevance", _("الأقرب إلى البحث"))],
        required=False,
        error_messages={"invalid_choice": _("ترتيب غير معروف.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Labels in the reader's edition (the querysets are evaluated per form).
        self.fields["source"].label_from_instance = lambda s: s.display_name  # type: ignore[attr-defined]
        self.fields["section"].label_from_instance = lambda c: c.display_name  # type: ignore[attr-defined]

    @property
    def display_query(self) -> str:
        """What the reader typed, fit to show back in the box (even on a bad form)."""
        return readable(str(self.data.get("q", "")))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("from"), data.get("to")
        if since and until and since > until:
            self.add_error("to", _("تاريخ النهاية قبل تاريخ البداية."))
        return data

    @property
    def order(self) -> Order:
        return "relevance" if self.cleaned_data.get("sort") == "relevance" else "newest"

    @property
    def filters(self) -> Filters:
        data = self.cleaned_data
        outlet, section = data.get("source"), data.get("section")
        since, until = data.get("from"), data.get("to")
        return Filters(
            outlet_id=outlet.id if outlet else None,
            section_id=section.id if section else None,
            since=_start_of(since) if since else None,
            until=_start_of(until + timedelta(days=1)) if until and until < date.max else None,
        )

    @property
    def has_filters(self) -> bool:
        return any(self.cleaned_data.get(name) for name in ("source", "section", "from", "to"))


def readable(text: str) -> str:
    """Free text fit to echo back into a page: no control characters or lone
    surrogates (which UTF-8 cannot encode), one line, at most MAX_QUERY_LENGTH."""
    return " ".join(UNREADABLE.sub(" ", text[: MAX_QUERY_LENGTH * 2]).split())[:MAX_QUERY_LENGTH]


UNREADABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffd-\uffff]")


def _start_of(day: date) -> datetime:
    """Midnight of ``day`` in the site's time zone (Africa/Casablanca)."""
    return timezone.make_aware(datetime.combine(day, time.min))


class DayInput(forms.DateInput):
    """``<input type=date>``: its value must be an ISO date, so text the form refused
    is not echoed into it (the error message says what was wrong)."""

    input_type = "date"

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(value).isoformat() if isinstance(value, str) else None
        except ValueError:
            return None


DATE_ERRORS = {"invalid": _("اكتب التاريخ على الشكل 2026-12-31.")}


def day_field(label: StrOrPromise) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=DayInput(),
        error_messages=DATE_ERRORS,
    )


# "from" is a Python keyword, and the address reads ?from=...&to=...
SearchForm.base_fields["from"] = day_field(_("من يوم"))
SearchForm.base_fields["to"] = day_field(_("إلى يوم"))

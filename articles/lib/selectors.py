"""CSS selectors that staff type for an outlet (full text): checked once, with
soupsieve's own message when one does not parse.
"""

from __future__ import annotations

import soupsieve
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_SELECTOR_LENGTH = 1000


def selector_error(selector: str) -> str:
    """Why ``selector`` is not a CSS selector BeautifulSoup can use (in English, from
    soupsieve), or '' if it is one (or empty)."""
    if not selector.strip():
        return ""
    if len(selector) > MAX_SELECTOR_LENGTH:
        return f"longer than {MAX_SELECTOR_LENGTH} characters"
    try:
        soupsieve.compile(selector)
    except (soupsieve.SelectorSyntaxError, ValueError, TypeError) as error:
        return str(error).splitlines()[0][:200] or "not a CSS selector"
    return ""


def validate_selector(selector: str) -> None:
    """The form validator of the outlet's selectors (admin)."""
    error = selector_error(selector)
    if error:
        raise ValidationError(
            _("محدد CSS غير صالح: %(error)s"), code="bad_selector", params={"error": error}
        )

"""The admin's words: its lists' counts with Arabic plural forms (admin/pagination.html)."""

from __future__ import annotations

from typing import Any

from django import template

from articles.admin.words import counted

register = template.Library()


@register.simple_tag
def result_count(cl: Any) -> str:
    """How many rows a change list has, counted in words ("23 مصدرا")."""
    return counted(cl.opts.label_lower, cl.result_count)

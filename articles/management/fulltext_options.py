"""Command-line options shared by addsource and fulltext: the outlet's selectors."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from articles.lib.selectors import selector_error


def add_fulltext_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--body-selector",
        metavar="CSS",
        help="CSS selector of the article body on the outlet's pages, e.g. 'div.entry-content'",
    )
    parser.add_argument(
        "--drop-selector",
        metavar="CSS",
        help="CSS selector of blocks to drop from the body, e.g. '.related-posts, .share'",
    )


def checked_selectors(options: dict[str, Any]) -> dict[str, str]:
    """The selectors given on the command line (only those given), checked: a selector
    that does not parse stops the command with a clear message."""
    selectors = {}
    for name in ("body_selector", "drop_selector"):
        value = options.get(name)
        if value is None:
            continue
        value = value.strip()
        error = selector_error(value)
        if error:
            flag = "--" + name.replace("_", "-")
            raise CommandError(f"{flag} {value!r} is not a CSS selector: {error}")
        selectors[name] = value
    return selectors

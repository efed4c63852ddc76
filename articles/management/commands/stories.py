from __future__ import annotations

from argparse import ArgumentTypeError
from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from articles.stories.rebuild import rebuild

DEFAULT_DAYS = 7


def moment(text: str) -> datetime:
    """An ISO date or date-time; a naive one is in the site's time zone."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as error:
        raise ArgumentTypeError(f"not an ISO date: {text!r} (e.g. 2026-11-01)") from error
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class Command(BaseCommand):
    help = (
        "Group articles into stories again: --rebuild re-prints and re-groups the "
        f"articles published since --since (default: the last {DEFAULT_DAYS} days). "
        "Staff decisions are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true", help="re-group a window")
        parser.add_argument("--since", type=moment, help="ISO date, e.g. 2026-11-01")
        parser.add_argument("--until", type=moment, help="ISO date (exclusive)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["rebuild"]:
            raise CommandError("nothing to do: give --rebuild [--since DATE] [--until DATE]")
        since = options["since"] or timezone.now() - timedelta(days=DEFAULT_DAYS)
        until = options["until"]
        if until is not None and until <= since:
            raise CommandError("--until must come after --since")
        done = rebuild(since, until)
        self.stdout.write(
            f"{done['articles']} article(s) since {since:%Y-%m-%d %H:%M}: "
            f"{done['stories']} story(ies) changed"
        )

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.management.commands.stories import moment
from articles.regions.assign import retag


class Command(BaseCommand):
    help = (
        "Tag articles with their regions again: --retag re-reads every article (or those "
        "published since --since). Articles whose regions staff set are never changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--retag", action="store_true", help="tag the articles again")
        parser.add_argument("--since", type=moment, help="ISO date, e.g. 2026-11-01")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["retag"]:
            raise CommandError("nothing to do: give --retag [--since DATE]")
        done = retag(options["since"])
        since = options["since"]
        scope = f" published since {since:%Y-%m-%d %H:%M}" if since else ""
        self.stdout.write(f"{done} article(s){scope} tagged (staff's choices kept)")

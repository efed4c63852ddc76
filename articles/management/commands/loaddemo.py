from typing import Any

from django.core.management.base import BaseCommand

from articles.ingest.roster import load_demo


class Command(BaseCommand):
    help = "Load the bundled offline demo feeds through the normal parse/store code."

    def handle(self, *args: Any, **options: Any) -> None:
        for load in load_demo():
            self.stdout.write(
                f"{load.slug:<14} new {load.result.new:>3}  updated {load.result.updated:>3}  "
                f"unchanged {load.result.unchanged:>3}"
            )

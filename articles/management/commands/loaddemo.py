from typing import Any

from django.core.management.base import BaseCommand

from articles.ingest.roster import load_demo
from articles.stories.assign import assign


class Command(BaseCommand):
    help = "Load the bundled offline demo feeds through the normal parse/store code."

    def handle(self, *args: Any, **options: Any) -> None:
        loads = load_demo()
        # As a worker would after each store: the demo's reports of one event, grouped.
        assign(article_id for load in loads for article_id in load.result.article_ids)
        for load in loads:
            self.stdout.write(
                f"{load.slug:<14} new {load.result.new:>3}  updated {load.result.updated:>3}  "
                f"unchanged {load.result.unchanged:>3}"
            )

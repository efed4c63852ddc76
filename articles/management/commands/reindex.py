from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from articles.search.index import rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the stored articles (after a change to the "
        "normalisation, or rows written around the store). Readers keep searching the "
        "old index until the new one commits."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            count = rebuild()
        self.stdout.write(f"indexed {count} articles")

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from articles.ingest.roster import ReservedSlugError, load_outlets


class Command(BaseCommand):
    help = "Create the default Moroccan outlet roster (existing sources are left as they are)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            created = load_outlets()
        except ReservedSlugError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"{created} outlet(s) created."))

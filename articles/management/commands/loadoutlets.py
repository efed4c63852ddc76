from typing import Any

from django.core.management.base import BaseCommand

from articles.roster import load_outlets


class Command(BaseCommand):
    help = "Create the default Moroccan outlet roster (existing sources are left as they are)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = load_outlets()
        self.stdout.write(self.style.SUCCESS(f"{created} outlet(s) created."))

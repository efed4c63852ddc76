from typing import Any

from django.core.management.base import BaseCommand, CommandError

from articles.ingest.roster import RosterError, RosterLoad, load_outlets


class Command(BaseCommand):
    help = (
        "Create the default Moroccan outlet roster's missing outlets (docs/outlets.md). "
        "Existing outlets keep staff's edits; what the roster would change is reported."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            load = load_outlets()
        except RosterError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"{len(load.created)} outlet(s) created."))
        self.report(load)

    def report(self, load: RosterLoad) -> None:
        """What the operator should know beyond the count: outlets from before the
        roster's kinds and evidence, and the roster's entries that were not created."""
        if load.classified:
            self.stdout.write(
                f"{len(load.classified)} existing outlet(s) given their kind, region and "
                "evidence from the roster."
            )
        for slug, reason in load.paused:
            self.stdout.write(self.style.WARNING(f"paused {slug}: {reason}"))
        for slug, difference in load.differences:
            self.stdout.write(f"{slug}: {difference}")
        for slug, other in load.skipped:
            self.stdout.write(
                self.style.WARNING(f"not created {slug}: outlet {other} has its feed URL")
            )

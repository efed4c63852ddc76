from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from articles.fulltext.pages import fill_article, queue_again
from articles.images.copy import copy_image
from articles.management.fulltext_options import add_fulltext_arguments, checked_selectors
from articles.models import Outlet

PAGE_WAIT_SECONDS = 120


class Command(BaseCommand):
    help = (
        "Turn full text from the outlet's pages on or off for one outlet, and set its "
        "selectors. With --rerun, read the pages of its newest articles again now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the outlet's slug")
        parser.add_argument("state", choices=("on", "off"), help="full text on or off")
        add_fulltext_arguments(parser)
        parser.add_argument(
            "--rerun",
            action="store_true",
            help="fetch and read the pages of the outlet's newest articles now, in this "
            "process (politely: one request per host at a time)",
        )
        parser.add_argument(
            "--limit", type=int, default=None, metavar="N", help="with --rerun: newest N only"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        outlet = Outlet.objects.filter(slug=options["slug"]).first()
        if outlet is None:
            raise CommandError(f"no source with slug {options['slug']!r}")
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be a positive number")
        turned_on = options["state"] == "on"
        if options["rerun"] and not turned_on:
            raise CommandError("--rerun needs full text on")
        fields = {"full_text": turned_on, **checked_selectors(options)}
        Outlet.objects.filter(pk=outlet.pk).update(**fields)
        selectors = ", ".join(f"{k}={v!r}" for k, v in fields.items() if k != "full_text")
        self.stdout.write(
            f"{outlet.slug}: full text {options['state']}"
            + (f" ({selectors})" if selectors else "")
        )
        if options["rerun"]:
            self._rerun(outlet, options)

    def _rerun(self, outlet: Outlet, options: dict[str, Any]) -> None:
        with transaction.atomic():
            ids = queue_again(outlet=outlet, limit=options["limit"])
        counts: dict[str, int] = {}
        copied = 0
        for article_id in tqdm(ids, unit="page", disable=options["no_progress"], file=self.stderr):
            result = fill_article(article_id, wait=PAGE_WAIT_SECONDS)
            counts[result.code or result.status] = counts.get(result.code or result.status, 0) + 1
            copied += sum(
                1 for image_id in result.new_image_ids if copy_image(image_id).status == "stored"
            )
        summary = (
            ", ".join(f"{code}: {n}" for code, n in sorted(counts.items())) or "nothing to do"
        )
        self.stdout.write(f"{len(ids)} article(s): {summary}; {copied} image(s) copied")

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from articles.fulltext.pages import fill_article
from articles.images.copy import copy_image
from articles.ingest.feeds import IngestResult, ingest_outlet, trim_fetch_logs
from articles.models import Image, Outlet
from articles.stories.assign import assign

# Longest wait for a host's turn inline: longer than any crawl delay we honour.
PAGE_WAIT_SECONDS = 120


class Command(BaseCommand):
    help = (
        "Fetch and store outlets now, synchronously: everything a worker would do, "
        "with no broker. All active outlets, or one with --outlet."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--outlet", "--source", dest="outlet", metavar="SLUG",
            help="only this outlet (even if paused); --source is its older name",
        )  # fmt: skip
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["outlet"]:
            outlets = list(Outlet.objects.filter(slug=options["outlet"]))
            if not outlets:
                raise CommandError(f"no source with slug {options['outlet']!r}")
        else:
            outlets = list(Outlet.objects.active().order_by("slug"))
        rows: list[tuple[Outlet, IngestResult, int]] = []
        bar = tqdm(outlets, unit="outlet", disable=options["no_progress"], file=self.stderr)
        for outlet in bar:
            bar.set_postfix_str(outlet.slug)
            result = ingest_outlet(outlet.id, include_paused=True)
            # No broker here: fetch the pages and copy the new images now, as the
            # worker's tasks would (a page waits its host's turn instead of requeueing).
            image_ids = list(result.new_image_ids)
            for article_id in result.page_ids:
                image_ids += fill_article(article_id, wait=PAGE_WAIT_SECONDS).new_image_ids
            copies = [copy_image(image_id) for image_id in image_ids]
            assign(result.article_ids)
            stored = sum(1 for copy in copies if copy.status == Image.Status.STORED)
            rows.append((outlet, result, stored))
        trim_fetch_logs()
        self._summary(rows)

    def _summary(self, rows: list[tuple[Outlet, IngestResult, int]]) -> None:
        width = max([len(s.slug) for s, _, _ in rows] + [6])
        self.stdout.write(
            f"{'source':<{width}}  {'status':<12} {'new':>5} {'updated':>7} {'images':>6}  error"
        )
        for outlet, result, images in rows:
            self.stdout.write(
                f"{outlet.slug:<{width}}  {result.status:<12} {result.new:>5} "
                f"{result.updated:>7} {images:>6}  {result.error_code}"
            )
        failed = sum(1 for _, r, _ in rows if r.status == Outlet.FetchStatus.ERROR)
        new = sum(r.new for _, r, _ in rows)
        updated = sum(r.updated for _, r, _ in rows)
        images = sum(n for _, _, n in rows)
        self.stdout.write(
            f"{len(rows)} source(s): {new} new, {updated} updated, {failed} failed; "
            f"{images} image(s) copied"
        )

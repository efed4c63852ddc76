from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from articles.fulltext.pages import fill_article
from articles.images.copy import copy_image
from articles.ingest.feeds import IngestResult, ingest_source, trim_fetch_logs
from articles.models import Image, Source

# Longest wait for a host's turn inline: longer than any crawl delay we honour.
PAGE_WAIT_SECONDS = 120


class Command(BaseCommand):
    help = (
        "Fetch and store sources now, synchronously: everything a worker would do, "
        "with no broker. All active sources, or one with --source."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", metavar="SLUG", help="only this source (even if paused)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["source"]:
            sources = list(Source.objects.filter(slug=options["source"]))
            if not sources:
                raise CommandError(f"no source with slug {options['source']!r}")
        else:
            sources = list(Source.objects.active().order_by("slug"))
        rows: list[tuple[Source, IngestResult, int]] = []
        bar = tqdm(sources, unit="source", disable=options["no_progress"], file=self.stderr)
        for source in bar:
            bar.set_postfix_str(source.slug)
            result = ingest_source(source.id, include_paused=True)
            # No broker here: fetch the pages and copy the new images now, as the
            # worker's tasks would (a page waits its host's turn instead of requeueing).
            image_ids = list(result.new_image_ids)
            for article_id in result.page_ids:
                image_ids += fill_article(article_id, wait=PAGE_WAIT_SECONDS).new_image_ids
            copies = [copy_image(image_id) for image_id in image_ids]
            stored = sum(1 for copy in copies if copy.status == Image.Status.STORED)
            rows.append((source, result, stored))
        trim_fetch_logs()
        self._summary(rows)

    def _summary(self, rows: list[tuple[Source, IngestResult, int]]) -> None:
        width = max([len(s.slug) for s, _, _ in rows] + [6])
        self.stdout.write(
            f"{'source':<{width}}  {'status':<12} {'new':>5} {'updated':>7} {'images':>6}  error"
        )
        for source, result, images in rows:
            self.stdout.write(
                f"{source.slug:<{width}}  {result.status:<12} {result.new:>5} "
                f"{result.updated:>7} {images:>6}  {result.error_code}"
            )
        failed = sum(1 for _, r, _ in rows if r.status == Source.FetchStatus.ERROR)
        new = sum(r.new for _, r, _ in rows)
        updated = sum(r.updated for _, r, _ in rows)
        images = sum(n for _, _, n in rows)
        self.stdout.write(
            f"{len(rows)} source(s): {new} new, {updated} updated, {failed} failed; "
            f"{images} image(s) copied"
        )

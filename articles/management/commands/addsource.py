from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import URLValidator, validate_slug
from django.utils.text import slugify

from articles.management.fulltext_options import add_fulltext_arguments, checked_selectors
from articles.models import ContentVersion, Language, Outlet, is_reserved_slug


class Command(BaseCommand):
    help = "Add a news source by its feed URL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the outlet's name, e.g. 'هسبريس'")
        parser.add_argument("feed_url", help="http(s) URL of its RSS or Atom feed")
        parser.add_argument("--slug", help="short Latin identifier (default: from the URL)")
        parser.add_argument("--language", choices=Language.values, default=Language.ARABIC)
        parser.add_argument("--name-latin", default="", help="the name in Latin letters")
        add_fulltext_arguments(parser)
        parser.add_argument(
            "--full-text",
            action="store_true",
            help="take each new article's body and lead image from its page",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        feed_url = options["feed_url"].strip()
        try:
            URLValidator(schemes=["http", "https"])(feed_url)
        except ValidationError as exc:
            raise CommandError(f"not an http(s) URL: {feed_url!r}") from exc
        slug = options["slug"] or slug_from_url(feed_url)
        try:
            validate_slug(slug)
        except ValidationError as exc:
            raise CommandError(f"invalid slug {slug!r}: use letters, digits, - and _") from exc
        if is_reserved_slug(slug):
            raise CommandError(
                f"slug {slug!r} is one of the site's own addresses (/{slug}/); "
                "choose another with --slug"
            )
        if Outlet.objects.filter(slug=slug).exists():
            raise CommandError(f"a source with slug {slug!r} exists; choose another with --slug")
        if Outlet.objects.filter(feed_url=feed_url).exists():
            raise CommandError(f"a source with this feed URL exists: {feed_url}")
        selectors = checked_selectors(options)
        parts = urlsplit(feed_url)
        outlet = Outlet.objects.create(
            full_text=options["full_text"],
            **selectors,
            name=options["name"].strip(),
            name_latin=options["name_latin"],
            slug=slug,
            feed_url=feed_url,
            site_url=f"{parts.scheme}://{parts.netloc}",
            language=options["language"],
        )
        ContentVersion.objects.bump()
        full_text = " with full text from its pages" if outlet.full_text else ""
        self.stdout.write(
            self.style.SUCCESS(f"added {outlet.slug} ({outlet.feed_url}){full_text}")
        )


def slug_from_url(url: str) -> str:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return slugify(host.rsplit(".", 1)[0].replace(".", "-"))[:100] or "source"

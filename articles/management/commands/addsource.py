from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import URLValidator, validate_slug
from django.utils.text import slugify

from articles.discovery.moves import record_found_at_creation
from articles.discovery.search import find_feed
from articles.management.fulltext_options import add_fulltext_arguments, checked_selectors
from articles.models import ContentVersion, Language, Outlet, is_reserved_slug


class Command(BaseCommand):
    help = (
        "Add a news source by its feed URL (addsource NAME FEED_URL), or by its site's "
        "address alone (addsource SITE_URL): the feed is then looked for as readers' "
        "browsers do (docs/discovery.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "name", help="the outlet's name, e.g. 'هسبريس'; or, alone, its site's address"
        )
        parser.add_argument(
            "feed_url", nargs="?", help="http(s) URL of its RSS or Atom feed (omit to look for it)"
        )
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
        if options["feed_url"] is None:
            self.add_by_site(options)
            return
        feed_url = checked_url(options["feed_url"], "not an http(s) URL")
        parts = urlsplit(feed_url)
        outlet = self.create(
            options, options["name"].strip(), feed_url, f"{parts.scheme}://{parts.netloc}"
        )
        self.added(outlet)

    def add_by_site(self, options: dict[str, Any]) -> None:
        """SITE_URL alone: look for its feed (guarded client, robots.txt, the host's
        turn), then add the outlet with what was found."""
        usage = self.create_parser("manage.py", "addsource").format_usage().strip()
        site_url = checked_url(options["name"], f"{usage}\nnot an http(s) site address")
        report = find_feed(site_url)
        if report.found is None:
            raise CommandError(f"no feed found at {site_url}: {report.note()}")
        name = report.found.title or urlsplit(site_url).hostname or site_url
        outlet = self.create(options, name, report.found.url, site_url)
        record_found_at_creation(outlet, report.found.found_by)
        self.stdout.write(f"found {outlet.feed_url} ({report.found.found_by})")
        self.added(outlet)

    def create(self, options: dict[str, Any], name: str, feed_url: str, site_url: str) -> Outlet:
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
        outlet = Outlet.objects.create(
            full_text=options["full_text"],
            **selectors,
            name=name,
            name_latin=options["name_latin"],
            slug=slug,
            feed_url=feed_url,
            site_url=site_url,
            language=options["language"],
        )
        ContentVersion.objects.bump()
        return outlet

    def added(self, outlet: Outlet) -> None:
        full_text = " with full text from its pages" if outlet.full_text else ""
        self.stdout.write(
            self.style.SUCCESS(f"added {outlet.slug} ({outlet.feed_url}){full_text}")
        )


def checked_url(value: str, complaint: str) -> str:
    url = value.strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise CommandError(f"{complaint}: {url!r}") from exc
    return url


def slug_from_url(url: str) -> str:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return slugify(host.rsplit(".", 1)[0].replace(".", "-"))[:100] or "source"

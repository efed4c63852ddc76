"""Look for a site's feed the way readers do: the feeds its home page advertises, then
the usual paths, each fetched and taken only if it parses as a feed with entries.

Every request goes through the guarded client (articles.lib.http: private addresses
refused unless the settings allow them), asks robots.txt first, and takes its host's
turn (articles.fulltext.hosts): the same per-host spacing as the article pages, so a
search is never a burst against one site. What was skipped and why is kept in the
report for staff.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from articles.discovery.candidates import advertised_feeds, usual_feeds
from articles.fulltext.hosts import HostBusy, allowed_by_robots, host_of, host_turn
from articles.ingest.parse import parse_feed
from articles.lib.http import FEED_ACCEPT, FetchError, FetchResult, fetch_url
from articles.models import FeedChange

HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
ROBOTS_DISALLOWED = "robots_disallowed"
# Failures that mean the site itself cannot be reached (or must not be): its other
# addresses would fail the same way, so the search stops there.
SITE_UNREACHABLE = frozenset(
    {"blocked_address", "bad_url", "bad_scheme", "dns_error", "connection_refused", "tls_error"}
)
MAX_NOTE_LENGTH = 500

FoundBy = FeedChange.FoundBy


@dataclass(frozen=True)
class FoundFeed:
    url: str
    found_by: str
    title: str = ""


@dataclass
class SearchReport:
    """What one search tried, what it skipped, and the feed it found (or None)."""

    site_url: str
    found: FoundFeed | None = None
    # (address, code) for every candidate not taken: an HTTP error, not_a_feed,
    # no_entries, robots_disallowed, host_busy...
    refused: list[tuple[str, str]] = field(default_factory=list)

    @property
    def robots_skipped(self) -> list[str]:
        return [url for url, code in self.refused if code == ROBOTS_DISALLOWED]

    def note(self) -> str:
        """A short account for staff (the outlet's page, addsource's error)."""
        head = f"found {self.found.url}" if self.found else "no_feed"
        tried = "; ".join(f"{code} {url}" for url, code in self.refused)
        text = f"{head}; {tried}" if tried else head
        return text if len(text) <= MAX_NOTE_LENGTH else text[: MAX_NOTE_LENGTH - 1] + "…"


def find_feed(
    site_url: str, *, exclude: Collection[str] = (), owner: str | None = None
) -> SearchReport:
    """Search ``site_url`` for its feed, never taking an address in ``exclude`` (the
    feed that just failed, say). Never raises for what a site answers."""
    owner = owner or uuid.uuid4().hex
    report = SearchReport(site_url)
    home = polite_get(site_url, report, owner, accept=HTML_ACCEPT)
    if home is None and report.refused and report.refused[-1][1] in SITE_UNREACHABLE:
        return report
    advertised = advertised_feeds(home.body, home.url) if home else []
    for url, found_by in candidates(site_url, advertised, exclude):
        response = polite_get(url, report, owner)
        if response is None:
            continue
        verdict, title = read_candidate(response)
        if verdict:
            report.refused.append((url, verdict))
            continue
        report.found = FoundFeed(url, found_by, title)
        break
    return report


def candidates(
    site_url: str, advertised: list[str], exclude: Collection[str]
) -> list[tuple[str, str]]:
    """The addresses to try, advertised first, at most DISCOVERY_MAX_CANDIDATES."""
    tagged: dict[str, str] = dict.fromkeys(advertised, FoundBy.LINK)
    for url in usual_feeds(site_url):
        tagged.setdefault(url, FoundBy.PATH)
    kept = [(url, how) for url, how in tagged.items() if url not in exclude]
    return kept[: settings.DISCOVERY_MAX_CANDIDATES]


def polite_get(
    url: str, report: SearchReport, owner: str, *, accept: str = FEED_ACCEPT
) -> FetchResult | None:
    """GET ``url`` in its host's turn if robots.txt allows it; None (and the reason in
    ``report``) if not."""
    try:
        with host_turn(host_of(url), owner, wait=settings.DISCOVERY_HOST_WAIT_SECONDS):
            if not allowed_by_robots(url):
                report.refused.append((url, ROBOTS_DISALLOWED))
                return None
            return fetch_url(url, accept=accept, timeout=settings.FULLTEXT_TIMEOUT_SECONDS)
    except HostBusy:
        report.refused.append((url, "host_busy"))
    except FetchError as error:
        report.refused.append((url, error.code))
    return None


def read_candidate(response: FetchResult) -> tuple[str, str]:
    """('', the feed's title) if ``response`` is a feed with entries, else (why, '')."""
    parsed = parse_feed(
        response.body,
        url=response.url,
        headers=response.headers,
        fetched_at=timezone.now(),
        max_entries=settings.FETCH_MAX_ENTRIES,
    )
    if parsed.error_code:
        return parsed.error_code, ""
    if not parsed.entries:
        return "no_entries", ""
    return "", parsed.title

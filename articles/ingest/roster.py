"""Loading reference data: the outlet roster and the bundled offline demo."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from articles.images.copy import copy_image
from articles.ingest.feeds import ingest_bytes
from articles.ingest.outlets import OUTLETS, RosterEntry
from articles.ingest.store import StoreResult
from articles.models import ContentVersion, Image, Outlet, is_reserved_slug

DEMO_DIR = Path(__file__).resolve().parent / "demo"


class ReservedSlugError(ValueError):
    """A roster entry would take one of the site's own addresses."""


def load_outlets(entries: tuple[RosterEntry, ...] = OUTLETS) -> int:
    """Create the roster's outlets that don't exist yet; staff edits are kept.
    Returns how many were created. Refuses the whole roster, before writing anything,
    if an entry's slug is one of the site's own words."""
    reserved = [entry.slug for entry in entries if is_reserved_slug(entry.slug)]
    if reserved:
        raise ReservedSlugError(
            f"reserved slug(s) {', '.join(reserved)}: these are the site's own addresses"
        )
    created = 0
    for entry in entries:
        _outlet, was_created = Outlet.objects.get_or_create(
            slug=entry.slug, defaults=_outlet_fields(entry)
        )
        created += was_created
    if created:
        ContentVersion.objects.bump()
    return created


def _outlet_fields(entry: RosterEntry) -> dict[str, object]:
    return {
        "name": entry.name,
        "name_latin": entry.name_latin,
        "site_url": entry.site_url,
        "feed_url": entry.feed_url,
        "language": entry.language,
        "status": Outlet.Status.ACTIVE if entry.is_active_default else Outlet.Status.PAUSED,
    }


@dataclass(frozen=True)
class DemoLoad:
    slug: str
    result: StoreResult


def load_demo(demo_dir: Path = DEMO_DIR) -> list[DemoLoad]:
    """Store the bundled feed snapshots through the normal parse/store path.

    Each file is named after its entry's slug. Fetch state is left alone, so the
    scheduler still fetches the live feed when the network allows. Images are copied
    by the normal copy code, from bundled pictures instead of the network.
    """
    by_slug = {entry.slug: entry for entry in OUTLETS}
    loads = []
    now = timezone.now()
    for path in sorted(demo_dir.glob("*.xml")):
        entry = by_slug.get(path.stem)
        if entry is None:
            continue
        outlet, _ = Outlet.objects.get_or_create(slug=entry.slug, defaults=_outlet_fields(entry))
        loads.append(DemoLoad(entry.slug, ingest_bytes(outlet, path.read_bytes(), fetched_at=now)))
    pending = Image.objects.filter(
        status=Image.Status.PENDING, articles__outlet__slug__in=[load.slug for load in loads]
    ).distinct()
    for image_id in pending.values_list("id", flat=True):
        copy_image(image_id, download=bundled_picture)
    return loads


def bundled_picture(url: str, referer: str) -> bytes:
    """The demo's stand-in for downloading ``url``: one of the bundled pictures, chosen
    by the URL so the choice is stable (and some URLs share bytes, as in real feeds)."""
    pictures = sorted((DEMO_DIR / "images").glob("*.jpg"))
    index = int(hashlib.sha256(url.encode()).hexdigest(), 16) % len(pictures)
    return pictures[index].read_bytes()

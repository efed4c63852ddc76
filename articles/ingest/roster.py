"""Loading reference data: the outlet roster and the bundled offline demo."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from articles.images.copy import copy_image
from articles.ingest.feeds import ingest_bytes
from articles.ingest.outlets import OUTLETS, Outlet
from articles.ingest.store import StoreResult
from articles.models import ContentVersion, Image, Source, is_reserved_slug

DEMO_DIR = Path(__file__).resolve().parent / "demo"


class ReservedSlugError(ValueError):
    """A roster outlet would take one of the site's own addresses."""


def load_outlets(outlets: tuple[Outlet, ...] = OUTLETS) -> int:
    """Create the roster's sources that don't exist yet; staff edits are kept.
    Returns how many were created. Refuses the whole roster, before writing anything,
    if an outlet's slug is one of the site's own words."""
    reserved = [outlet.slug for outlet in outlets if is_reserved_slug(outlet.slug)]
    if reserved:
        raise ReservedSlugError(
            f"reserved slug(s) {', '.join(reserved)}: these are the site's own addresses"
        )
    created = 0
    for outlet in outlets:
        _source, was_created = Source.objects.get_or_create(
            slug=outlet.slug, defaults=_source_fields(outlet)
        )
        created += was_created
    if created:
        ContentVersion.objects.bump()
    return created


def _source_fields(outlet: Outlet) -> dict[str, object]:
    return {
        "name": outlet.name,
        "name_latin": outlet.name_latin,
        "site_url": outlet.site_url,
        "feed_url": outlet.feed_url,
        "language": outlet.language,
        "status": Source.Status.ACTIVE if outlet.is_active_default else Source.Status.PAUSED,
    }


@dataclass(frozen=True)
class DemoLoad:
    slug: str
    result: StoreResult


def load_demo(demo_dir: Path = DEMO_DIR) -> list[DemoLoad]:
    """Store the bundled feed snapshots through the normal parse/store path.

    Each file is named after its outlet's slug. Fetch state is left alone, so the
    scheduler still fetches the live feed when the network allows. Images are copied
    by the normal copy code, from bundled pictures instead of the network.
    """
    by_slug = {outlet.slug: outlet for outlet in OUTLETS}
    loads = []
    now = timezone.now()
    for path in sorted(demo_dir.glob("*.xml")):
        outlet = by_slug.get(path.stem)
        if outlet is None:
            continue
        source, _ = Source.objects.get_or_create(slug=outlet.slug, defaults=_source_fields(outlet))
        loads.append(
            DemoLoad(outlet.slug, ingest_bytes(source, path.read_bytes(), fetched_at=now))
        )
    pending = Image.objects.filter(
        status=Image.Status.PENDING, articles__source__slug__in=[load.slug for load in loads]
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

"""Loading reference data: the outlet roster and the bundled offline demo."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils import timezone

from articles.images.copy import copy_image
from articles.ingest.feeds import ingest_bytes
from articles.ingest.outlets import OUTLETS, RosterEntry
from articles.ingest.store import StoreResult
from articles.models import ContentVersion, Image, Language, Outlet, Region, is_reserved_slug

DEMO_DIR = Path(__file__).resolve().parent / "demo"


class RosterError(ValueError):
    """The roster cannot be loaded as it is (nothing was written)."""


class ReservedSlugError(RosterError):
    """A roster entry would take one of the site's own addresses."""


@dataclass
class RosterLoad:
    """What ``load_outlets`` did, for the command to tell the operator."""

    created: list[str] = field(default_factory=list)
    # Outlets that were there before the roster knew kinds and evidence, given them now.
    classified: list[str] = field(default_factory=list)
    # (slug, reason): outlets this load paused because their site refuses crawlers.
    paused: list[tuple[str, str]] = field(default_factory=list)
    # (slug, what the roster says): kept as they are, for staff to decide.
    differences: list[tuple[str, str]] = field(default_factory=list)
    # (slug, the outlet that already has its feed URL under another slug): not created.
    skipped: list[tuple[str, str]] = field(default_factory=list)


def load_outlets(entries: tuple[RosterEntry, ...] = OUTLETS) -> RosterLoad:
    """Create the roster's outlets that don't exist yet; staff edits are kept.

    An outlet from before the roster had kinds and evidence (blank evidence) is
    classified once: evidence, and kind and region if still the defaults. If the roster
    knows its site refuses crawlers like ours and it is active, it is paused with the
    reason (pausing is safe and staff may undo it); any other disagreement (another feed
    URL, a guess that is now trusted) is only reported. Nothing is written if an entry
    is invalid."""
    check_entries(entries)
    regions = _region_ids(entries)
    load = RosterLoad()
    with transaction.atomic():
        existing = Outlet.objects.in_bulk([entry.slug for entry in entries], field_name="slug")
        feeds = dict(Outlet.objects.values_list("feed_url", "slug"))
        for entry in entries:
            outlet = existing.get(entry.slug)
            if outlet is not None:
                _classify(outlet, entry, regions, load)
            elif entry.feed_url in feeds:
                load.skipped.append((entry.slug, feeds[entry.feed_url]))
            else:
                Outlet.objects.create(**_outlet_fields(entry, regions))
                load.created.append(entry.slug)
        if load.created or load.classified:
            ContentVersion.objects.bump()
    return load


def check_entries(entries: tuple[RosterEntry, ...]) -> None:
    """Raise RosterError naming every invalid entry: a reserved, malformed or repeated
    slug, a repeated feed URL, or a language, kind, region or evidence the site does not
    know (a region is required of regional outlets, and of them only)."""
    reserved = [entry.slug for entry in entries if is_reserved_slug(entry.slug)]
    if reserved:
        raise ReservedSlugError(
            f"reserved slug(s) {', '.join(reserved)}: these are the site's own addresses"
        )
    problems = [f"{entry.slug}: {problem}" for entry in entries for problem in _problems(entry)]
    for name, values in (
        ("slug", [e.slug for e in entries]),
        ("feed URL", [e.feed_url for e in entries]),
    ):
        problems += [
            f"{value}: {name} used twice" for value, n in Counter(values).items() if n > 1
        ]
    if problems:
        raise RosterError("invalid roster entries: " + "; ".join(problems))


def _problems(entry: RosterEntry) -> list[str]:
    problems = []
    try:
        validate_slug(entry.slug)
    except ValidationError:
        problems.append("the slug may have only letters, digits, - and _")
    choices = (
        ("language", entry.language, Language.values),
        ("kind", entry.kind, Outlet.Kind.values),
        ("evidence", entry.evidence, Outlet.Evidence.values),
    )
    for name, value, allowed in choices:
        if value not in allowed:
            problems.append(f"{name} {value!r} is not one of {', '.join(allowed)}")
    if (entry.kind == Outlet.Kind.REGIONAL) != bool(entry.region):
        problems.append("a region is for regional outlets, and every one needs one")
    if bool(entry.refused) != bool(entry.refused_on):
        problems.append("a refusal needs its date, and a date its refusal")
    return problems


def _region_ids(entries: tuple[RosterEntry, ...]) -> dict[str, int]:
    """The roster's regions by slug (created by migration 0012)."""
    ids = Region.objects.ids()
    unknown = sorted({entry.region for entry in entries if entry.region} - set(ids))
    if unknown:
        raise RosterError(f"unknown region(s) {', '.join(unknown)}")
    return ids


def _outlet_fields(entry: RosterEntry, regions: dict[str, int]) -> dict[str, object]:
    return {
        "name": entry.name,
        "name_latin": entry.name_latin,
        "slug": entry.slug,
        "site_url": entry.site_url,
        "feed_url": entry.feed_url,
        "language": entry.language,
        "kind": entry.kind,
        "region_id": regions.get(entry.region),
        "evidence": entry.evidence,
        "status": Outlet.Status.ACTIVE if entry.is_active_default else Outlet.Status.PAUSED,
        "paused_reason": entry.paused_reason,
    }


def _classify(
    outlet: Outlet, entry: RosterEntry, regions: dict[str, int], load: RosterLoad
) -> None:
    """Give an outlet from before kinds and evidence the roster's, once (its evidence is
    blank until then); staff's later edits are never touched again."""
    if outlet.evidence:
        return
    outlet.evidence = entry.evidence
    if outlet.kind == Outlet.Kind.NATIONAL and outlet.region_id is None:
        outlet.kind, outlet.region_id = entry.kind, regions.get(entry.region)
    if entry.refused and outlet.is_active:
        outlet.status, outlet.paused_reason = Outlet.Status.PAUSED, entry.paused_reason
        load.paused.append((outlet.slug, entry.paused_reason))
    elif entry.is_active_default and not outlet.is_active:
        load.differences.append((outlet.slug, "the roster now starts it active; kept paused"))
    if outlet.feed_url != entry.feed_url:
        load.differences.append((outlet.slug, f"the roster's feed is {entry.feed_url}; kept"))
    outlet.save(update_fields=["evidence", "kind", "region", "status", "paused_reason"])
    load.classified.append(outlet.slug)


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
    regions = _region_ids(OUTLETS)
    loads = []
    now = timezone.now()
    for path in sorted(demo_dir.glob("*.xml")):
        entry = by_slug.get(path.stem)
        if entry is None:
            continue
        outlet, _ = Outlet.objects.get_or_create(
            slug=entry.slug, defaults=_outlet_fields(entry, regions)
        )
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

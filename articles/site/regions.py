"""What the region pages show: the twelve regions with their latest headline, a region's
regional outlets, an article's regions. Cached by content version in the views."""

from __future__ import annotations

from dataclasses import dataclass

from articles.models import Article, Outlet, Region


@dataclass(frozen=True)
class RegionBlock:
    region: Region
    latest: Article | None
    outlets: list[Outlet]


def region_outlets(region: Region) -> list[Outlet]:
    """The regional outlets readers can read that cover ``region``."""
    return list(
        Outlet.objects.listed()
        .filter(kind=Outlet.Kind.REGIONAL, region=region)
        .only("name", "name_latin", "slug", "language")
        .order_by("name")
    )


def latest_in(region: Region) -> Article | None:
    return Article.objects.listed().in_region(region.pk).first()


def region_blocks() -> list[RegionBlock]:
    """The twelve regions, north to south, each with its latest headline (one index
    walk per region) and its regional outlets."""
    outlets: dict[int, list[Outlet]] = {}
    regional = Outlet.objects.listed().filter(kind=Outlet.Kind.REGIONAL, region__isnull=False)
    for outlet in regional.only("name", "name_latin", "slug", "language", "region_id"):
        outlets.setdefault(outlet.region_id or 0, []).append(outlet)
    return [
        RegionBlock(region, latest_in(region), outlets.get(region.pk, []))
        for region in Region.objects.all()
    ]

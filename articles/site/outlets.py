"""The outlets page: the whole roster, grouped by kind (national, regional, economy,
sports, culture, agencies, official sites) and the regional ones by region, north to
south; within a group the active outlets first, each part freshest first as
``reading.outlet_blocks`` orders them. Which outlets are paused, and why, is for staff
(admin); readers see every outlet we know, and what each has published here."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from articles.models import Outlet, Region
from articles.site.reading import OutletBlock, outlet_blocks

Kind = Outlet.Kind

# The page's order and its headings: the kinds' own names are adjectives for a form
# ("وطني"); a heading names the group of outlets.
KIND_HEADINGS: dict[str, StrOrPromise] = {
    Kind.NATIONAL: _("منابر وطنية"),
    Kind.REGIONAL: _("منابر جهوية"),
    Kind.ECONOMY: _("اقتصاد وأعمال"),
    Kind.SPORTS: _("رياضة"),
    Kind.CULTURE: _("ثقافة وفكر"),
    Kind.AGENCY: _("وكالات الأنباء"),
    Kind.GOVERNMENT: _("مواقع رسمية"),
}


@dataclass(frozen=True)
class RegionRef:
    """A region as a heading names it (plain values: the page's groups are cached)."""

    slug: str
    name: str
    name_fr: str

    @property
    def display_name(self) -> str:
        return self.name_fr if get_language() == "fr" else self.name

    def get_absolute_url(self) -> str:
        return reverse("articles:region", args=[self.slug])


@dataclass(frozen=True)
class RegionGroup:
    region: RegionRef | None  # None: regional outlets staff have not given a region
    blocks: list[OutletBlock]


@dataclass(frozen=True)
class KindGroup:
    kind: str
    blocks: list[OutletBlock] = field(default_factory=list)
    regions: list[RegionGroup] = field(default_factory=list)  # the regional kind only

    @property
    def heading(self) -> StrOrPromise:
        return KIND_HEADINGS[self.kind]

    @property
    def anchor(self) -> str:
        return f"kind-{self.kind}"


def outlet_groups(outlets: QuerySet[Outlet]) -> list[KindGroup]:
    """``outlets`` with their latest headline and article count, grouped for the page,
    the active ones first in each group; kinds and regions without an outlet are left
    out."""
    rows = outlets.values_list("id", "kind", "region_id", "status")
    places = {pk: (kind, region) for pk, kind, region, _status in rows}
    paused = {pk for pk, _kind, _region, status in rows if status != Outlet.Status.ACTIVE}
    # A stable sort: the freshest first among the active, then among the others.
    blocks = sorted(outlet_blocks(outlets, counts=True), key=lambda b: b.outlet.id in paused)
    by_kind: dict[str, list[OutletBlock]] = {}
    for block in blocks:
        kind, _region = places[block.outlet.id]
        by_kind.setdefault(kind, []).append(block)
    groups = []
    for kind in KIND_HEADINGS:
        if kind == Kind.REGIONAL and kind in by_kind:
            regions = region_groups(by_kind[kind], {pk: r for pk, (_k, r) in places.items()})
            groups.append(KindGroup(kind, regions=regions))
        elif kind in by_kind:
            groups.append(KindGroup(kind, blocks=by_kind[kind]))
    return groups


def region_groups(
    blocks: list[OutletBlock], region_of: dict[int, int | None]
) -> list[RegionGroup]:
    """Regional outlets by region, north to south; those without one last."""
    by_region: dict[int | None, list[OutletBlock]] = {}
    for block in blocks:
        by_region.setdefault(region_of[block.outlet.id], []).append(block)
    groups = [
        RegionGroup(RegionRef(slug, name, name_fr), by_region[pk])
        for pk, slug, name, name_fr in Region.objects.values_list("id", "slug", "name", "name_fr")
        if pk in by_region
    ]
    if None in by_region:
        groups.append(RegionGroup(None, by_region[None]))
    return groups

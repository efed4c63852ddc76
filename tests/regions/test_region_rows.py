"""The twelve regions are there whenever tagging or the roster needs them: migration
0012 makes them, and a database emptied since (a flushed test database) gets them back
instead of failing an ingest on an unknown slug."""

from __future__ import annotations

import pytest

from articles.models import REGIONS, Region

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_the_migration_made_the_twelve_regions() -> None:
    assert list(Region.objects.values_list("slug", flat=True)) == [r[0] for r in REGIONS]


def test_regions_lost_since_are_made_again_once() -> None:
    kept = Region.objects.get(slug="oriental")
    Region.objects.exclude(pk=kept.pk).delete()

    ids = Region.objects.ids()

    assert sorted(ids) == sorted(r[0] for r in REGIONS)
    assert ids["oriental"] == kept.pk  # the row still there keeps its id
    assert Region.objects.get(slug="souss-massa").name == "جهة سوس ماسة"
    assert Region.objects.ids() == ids and Region.objects.count() == 12

"""The breaker: more automatic hides within an hour than IMAGE_HIDE_BREAKER stop
automatic hiding (reports keep counting, images are held for staff) until staff reset
it."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from articles.models import Image, ImageReport, ModerationEvent, Outlet, Visibility
from articles.moderation import breaker, reports
from tests.support.moderation import (
    Action,
    auto_hides,
    make_article,
    refresh,
    reporter,
    stored_image,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.usefixtures("_quarantine_in_tmp", "sections"),
]


def test_the_breaker_stops_automatic_hiding_until_staff_reset_it(
    outlets: tuple[Outlet, Outlet], settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.IMAGE_HIDE_BREAKER = 2
    threshold = settings.IMAGE_REPORT_THRESHOLD
    images = [stored_image(make_article(outlets[0])) for _ in range(4)]
    reporters = iter(range(1000))

    def reach_threshold(image: Image) -> list[bool]:
        return [
            reports.report_image(image, reporter(next(reporters)), "violent").hidden
            for _ in range(threshold)
        ]

    # "More than" IMAGE_HIDE_BREAKER automatic hides within an hour trip it.
    assert reach_threshold(images[0]) == [False] * (threshold - 1) + [True]
    assert reach_threshold(images[1])[-1] is True
    assert not breaker.breaker_tripped()
    with caplog.at_level(logging.WARNING, logger="articles.moderation"):
        assert reach_threshold(images[2])[-1] is True
    assert breaker.breaker_tripped()
    (trip,) = ModerationEvent.objects.filter(action=Action.BREAKER_TRIP)
    assert trip.threshold == 2
    assert "breaker tripped" in caplog.text

    # Tripped: reports keep counting, the image reaches the threshold and stays shown.
    assert reach_threshold(images[3]) == [False] * threshold
    refresh(*images)
    assert images[3].visibility == Visibility.SHOWN
    assert images[3].report_count == threshold
    assert ImageReport.objects.filter(image=images[3]).count() == threshold
    assert auto_hides() == 3
    assert breaker.breaker_tripped()

    # Held for staff meanwhile: in the review queue, with its own record.
    assert images[3].held_at is not None
    assert ModerationEvent.objects.filter(action=Action.HOLD, image=images[3]).count() == 1
    from articles.moderation.visibility import queue_of_review

    assert images[3].pk in set(queue_of_review().values_list("pk", flat=True))

    reports.reset_breaker(None, "حملة مراجعة")
    assert ModerationEvent.objects.filter(action=Action.BREAKER_RESET).count() == 1
    # Reset: held images are decided at once; this one is over the threshold.
    images[3].refresh_from_db()
    assert images[3].visibility == Visibility.AUTO_HIDDEN and images[3].held_at is None
    # Hides before the reset no longer count: one more does not trip it again.
    assert not breaker.breaker_tripped()


def test_automatic_hides_older_than_an_hour_do_not_trip_the_breaker(
    outlets: tuple[Outlet, Outlet], settings: Any
) -> None:
    settings.IMAGE_HIDE_BREAKER = 2
    old = [stored_image(make_article(outlets[0])) for _ in range(2)]
    for image in old:
        ModerationEvent.objects.create(
            action=Action.AUTO_HIDE, image=image, threshold=3,
            created_at=timezone.now() - timedelta(hours=2),
        )  # fmt: skip
    image = stored_image(make_article(outlets[0]))

    for n in range(settings.IMAGE_REPORT_THRESHOLD):
        reports.report_image(image, reporter(n), "violent")

    image.refresh_from_db()
    assert image.visibility == Visibility.AUTO_HIDDEN
    assert not breaker.breaker_tripped()

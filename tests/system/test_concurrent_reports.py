"""Concurrent image reports on PostgreSQL, from real threads released together: one
reader's twenty reports are one report, and the threshold's distinct readers at once hide
the image exactly once. Deselected on the embedded default (SQLite serialises writers)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection

from articles.models import ImageReport, ModerationEvent, Outlet, Visibility
from articles.moderation import reports
from articles.moderation.reports import Outcome, Reporter
from tests.support.moderation import (
    DISTINCTIVE,
    Action,
    flip,
    make_article,
    refresh,
    reporter,
    stored_image,
    two_outlets,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db,
    pytest.mark.usefixtures("_quarantine_in_tmp", "sections"),
]


@pytest.fixture
def outlets(make_outlet: Callable[..., Outlet]) -> tuple[Outlet, Outlet]:
    return two_outlets(make_outlet)


def run_at_once(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Run ``calls`` in threads released together; each thread closes its connection."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Callable[[], Any]) -> None:
        try:
            connection.ensure_connection()  # connected first: the reports start together
            barrier.wait(timeout=30)
            result = call()
            with lock:
                results.append(result)
        except BaseException as error:  # noqa: BLE001 - every failure is reported
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


@pytest.fixture
def on_postgresql() -> None:
    # Marked postgres_only: deselected (not skipped) on the embedded default, where
    # SQLite serialises writers; this guards a run that forces them onto SQLite.
    assert connection.vendor == "postgresql", "concurrent writers need PostgreSQL"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_reports_from_one_reader_are_one_report(
    on_postgresql: None, outlets: tuple[Outlet, Outlet], settings: Any
) -> None:
    settings.IMAGE_REPORT_RATE = 100  # every one of them reaches the database
    image = stored_image(make_article(outlets[0]))
    one = Reporter.of("the-same-reader", "203.0.113.10")

    results, errors = run_at_once(
        [lambda: reports.report_image(image, one, "violent") for _ in range(20)]
    )

    assert errors == []
    assert sorted(r.outcome for r in results) == [Outcome.COUNTED] + [Outcome.REPEATED] * 19
    assert ImageReport.objects.filter(image=image).count() == 1
    image.refresh_from_db()
    assert image.report_count == 1 and image.visibility == Visibility.SHOWN


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("readers_per_threshold", [1, 4])
def test_threshold_many_distinct_readers_at_once_hide_exactly_once(
    on_postgresql: None,
    outlets: tuple[Outlet, Outlet],
    settings: Any,
    readers_per_threshold: int,
) -> None:
    settings.IMAGE_REPORT_THRESHOLD = 5
    readers = 5 * readers_per_threshold
    image = stored_image(make_article(outlets[0]), phash=DISTINCTIVE)
    lookalike = stored_image(make_article(outlets[1]), phash=flip(DISTINCTIVE, 2))

    results, errors = run_at_once(
        [partial(reports.report_image, image, reporter(n), "violent") for n in range(readers)]
    )

    assert errors == []
    assert [r.outcome for r in results] == [Outcome.COUNTED] * readers
    assert sum(r.hidden for r in results) == 1
    refresh(image, lookalike)
    assert image.visibility == lookalike.visibility == Visibility.AUTO_HIDDEN
    assert image.report_count == readers == ImageReport.objects.filter(image=image).count()
    (event,) = ModerationEvent.objects.filter(image=image)
    assert (event.action, event.image_id, event.threshold) == (Action.AUTO_HIDE, image.pk, 5)

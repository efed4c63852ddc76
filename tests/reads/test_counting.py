"""Counting reads without tracking anyone (articles.reads, docs/privacy.md): one count
per reader (network and browser, hashed with the day's salt) per article per day, kept
in the ``reads`` cache and moved into ``DailyReads`` by the flush, exactly once."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from articles.models import DailyReads, ReadingSalt
from articles.reads import counting, flush
from tests.support.reads import stored_strings
from tests.support.site import make_article

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reads")]

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 probe-7f3a"
CHROME = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile probe-c41d"


def post(client: Client, article_id: int | str, address: str, agent: str = FIREFOX) -> Any:
    return client.post(
        "/read/", f"article={article_id}", content_type="application/x-www-form-urlencoded",
        REMOTE_ADDR=address, HTTP_USER_AGENT=agent, HTTP_SEC_FETCH_SITE="same-origin",
    )  # fmt: skip


def readers(article_id: int) -> dict[str, int]:
    rows = DailyReads.objects.filter(article_id=article_id)
    return {row.day.isoformat(): row.readers for row in rows}


@pytest.fixture
def article(make_outlet: Any) -> Any:
    return make_article(make_outlet(), title="خبر يقرأ")


def test_distinct_readers_each_count(client: Client, article: Any) -> None:
    answers = [
        post(client, article.pk, "203.0.113.5"),
        post(client, article.pk, "198.51.100.7"),
        post(client, article.pk, "2001:db8:1::5"),
        post(client, article.pk, "203.0.113.5", agent=CHROME),  # another browser there
    ]
    assert [a.status_code for a in answers] == [204] * 4
    assert flush.flush() == 4
    assert readers(article.pk) == {timezone.localdate().isoformat(): 4}


def test_the_same_reader_twice_a_day_counts_once(client: Client, article: Any) -> None:
    # One network (the /24, the /48) and one browser are one reader, whatever the host.
    for address in ("203.0.113.5", "203.0.113.200", "203.0.113.5"):
        assert post(client, article.pk, address).status_code == 204
    for address in ("2001:db8:1::5", "2001:db8:1:ff::9"):
        assert post(client, article.pk, address).status_code == 204
    flush.flush()
    assert readers(article.pk) == {timezone.localdate().isoformat(): 2}


def test_a_flood_from_one_address_counts_once_per_article(article: Any, make_outlet: Any) -> None:
    other = make_article(article.outlet, title="خبر آخر")
    counting.salt_for(timezone.localdate())  # made here: the threads only read the cache

    def read(n: int) -> bool:
        return counting.count_read((article, other)[n % 2].pk, "203.0.113.0/24", FIREFOX)

    with ThreadPoolExecutor(max_workers=16) as pool:
        counted = list(pool.map(read, range(400)))
    assert counted.count(True) == 2
    flush.flush()
    today = timezone.localdate().isoformat()
    assert (readers(article.pk), readers(other.pk)) == ({today: 1}, {today: 1})


def test_a_new_day_salts_anew_and_yesterdays_salt_is_gone(article: Any) -> None:
    now = timezone.now()
    tomorrow = now + timedelta(days=1)
    assert counting.count_read(article.pk, "203.0.113.0/24", FIREFOX, now=now)
    assert not counting.count_read(article.pk, "203.0.113.0/24", FIREFOX, now=now)
    first = ReadingSalt.objects.get()
    assert first.day == timezone.localdate(now)
    # The next day the same reader is a stranger: counted again, under a new salt.
    assert counting.count_read(article.pk, "203.0.113.0/24", FIREFOX, now=tomorrow)
    assert list(ReadingSalt.objects.values_list("day", flat=True)) == [
        timezone.localdate(tomorrow)
    ]
    assert ReadingSalt.objects.get().salt != first.salt
    assert counting.reader_of(first.salt, "203.0.113.0/24", FIREFOX) != counting.reader_of(
        ReadingSalt.objects.get().salt, "203.0.113.0/24", FIREFOX
    )
    flush.flush(today=timezone.localdate(tomorrow))
    assert readers(article.pk) == {
        timezone.localdate(now).isoformat(): 1,
        timezone.localdate(tomorrow).isoformat(): 1,
    }


def test_the_flush_moves_the_counters_exactly_once(article: Any, reads: str) -> None:
    for n in range(3):
        counting.count_read(article.pk, f"198.51.{n}.0/24", FIREFOX)
    today = timezone.localdate().isoformat()
    assert flush.flush() == 3
    assert flush.flush() == 0  # run twice: nothing added the second time
    assert readers(article.pk) == {today: 3}
    for n in range(3, 5):
        counting.count_read(article.pk, f"198.51.{n}.0/24", FIREFOX)
    assert flush.flush() == 2
    assert flush.flush() == 0
    assert readers(article.pk) == {today: 5}
    # The cache restarted and lost its counters: what comes after still adds up.
    from django.core.cache import caches

    caches["reads"].clear() if reads == "file" else _forget_counters()
    counting.count_read(article.pk, "198.51.9.0/24", FIREFOX)
    assert flush.flush() == 1
    assert readers(article.pk) == {today: 6}


def _forget_counters() -> None:
    from django.core.cache import caches

    from articles.reads import keys

    day = timezone.localdate()
    store = caches["reads"]
    count = store.get(keys.slots(day)) or 0
    listed = store.get_many([keys.slot(day, n) for n in range(1, count + 1)])
    store.delete_many([keys.slots(day), *(keys.total(day, a) for a in listed.values())])


def test_the_last_minutes_before_midnight_are_flushed_after_it(article: Any) -> None:
    today = timezone.localdate()
    late = timezone.make_aware(timezone.datetime.combine(today, timezone.datetime.min.time()))
    late -= timedelta(minutes=2)  # 23:58 yesterday
    assert counting.count_read(article.pk, "203.0.113.0/24", FIREFOX, now=late)
    flush.flush(today=today)
    assert readers(article.pk) == {(today - timedelta(days=1)).isoformat(): 1}


def test_old_daily_rows_and_salts_are_deleted(article: Any, settings: Any) -> None:
    settings.READS_KEEP_DAYS = 7
    today = timezone.localdate()
    for age in (0, 7, 8, 30):
        DailyReads.objects.create(article=article, day=today - timedelta(days=age), readers=1)
    ReadingSalt.objects.create(day=today - timedelta(days=1), salt="0" * 64)
    flush.flush(today=today)
    kept = sorted((today - row.day).days for row in DailyReads.objects.all())
    assert kept == [0, 7]
    assert not ReadingSalt.objects.filter(day__lt=today).exists()


def every_stored_text() -> str:
    """Every row of every table, as text."""
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (our own table names)
            dump.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(dump)


def test_nothing_identifying_is_stored_or_logged(
    client: Client, article: Any, reads: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert post(client, article.pk, "203.0.113.77").status_code == 204
    assert post(client, article.pk, "2001:db8:1::5", agent=CHROME).status_code == 204
    flush.flush()
    first_day = every_stored_text()
    first_cache = stored_strings(reads, tmp_path / "reads")
    # The next day, the same two readers again.
    tomorrow = timezone.now() + timedelta(days=1)
    counting.count_read(article.pk, "203.0.113.0/24", FIREFOX, now=tomorrow)
    counting.count_read(article.pk, "2001:db8:1::/48", CHROME, now=tomorrow)
    flush.flush(today=timezone.localdate(tomorrow))
    second_day = every_stored_text()
    everything = "\n".join([first_day, second_day, *first_cache, caplog.text])
    everything += "\n".join(stored_strings(reads, tmp_path / "reads"))
    for secret in ("203.0.113", "2001:db8", "probe-7f3a", "probe-c41d", "Firefox", "Chrome"):
        assert secret not in everything
    # No hash-like value (the salt included) outlives its day in the database.
    salts = [salt for (salt,) in ReadingSalt.objects.values_list("salt")]
    assert len(salts) == 1 and salts[0] not in first_day
    assert not [w for w in _hex_words(first_day) if w in _hex_words(second_day)]


def _hex_words(text: str) -> set[str]:
    import re

    return set(re.findall(r"[0-9a-f]{16,}", text))

"""Stories made by real `celery worker` processes, as articles arrive (issue 16).

Every outlet's fetch queues the assignment of its new articles once its rows are
committed (``articles.tasks.fetch_source`` -> ``assign_stories``); nothing here calls
the grouping by hand. The feeds carry reports of a few distinct events (one report of
each per outlet, worded differently) and a few reports nobody else has, dated within the
last hours; the stories read back must be exactly the events: every report of an event
in one story, no story mixing two events, the lone reports alone, and one story row per
event. On PostgreSQL the outlets are fetched and assigned by several workers at once:
two assignments running side by side must still never make two stories of one event
(they take turns, ``articles.stories.assign.take_turn``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape

import pytest

from tests.support.workers import FeedServer, Stack, wait_until

ENQUEUE_DUE = (
    "import json; from articles.tasks import schedule_due_outlets\n"
    "print(json.dumps(schedule_due_outlets()))"
)
Feeds = dict[str, tuple[str, bytes]]

# Six events, each reported by every outlet in its own words: one city, one figure and
# most of the vocabulary shared, as outlets rewrite one agency dispatch. The events
# differ from each other in city, figure and topic. An outlet takes headline n % 4 and
# lead (n // 4) % 4, so no two outlets of a dozen carry the same pair.
EVENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "fire-marrakech": (
        (
            "حريق مهول يأتي على 37 محلا تجاريا بسوق شعبي في مراكش",
            "مراكش: النيران تلتهم 37 محلا تجاريا داخل سوق شعبي",
            "حريق سوق شعبي بمراكش يأتي على 37 محلا تجاريا",
            "خسائر كبيرة بعد حريق التهم 37 محلا تجاريا بسوق مراكش الشعبي",
        ),
        (
            "اندلع حريق مهول بسوق شعبي في مدينة مراكش أتى على 37 محلا تجاريا، وتدخلت "
            "عناصر الوقاية المدنية لإخماد النيران دون تسجيل خسائر في الأرواح.",
            "أتى حريق مهول على 37 محلا تجاريا بسوق شعبي في مراكش، قبل أن تتمكن عناصر "
            "الوقاية المدنية من إخماد النيران، ولم يسجل أي مصاب.",
            "التهمت النيران 37 محلا تجاريا بسوق شعبي في مراكش، واستنفر الحريق عناصر "
            "الوقاية المدنية التي أخمدته بعد ساعات دون خسائر في الأرواح.",
            "خلف حريق سوق شعبي بمراكش خسائر مادية كبيرة بعد أن أتى على 37 محلا تجاريا، "
            "فيما أخمدت الوقاية المدنية النيران ولا ضحايا.",
        ),
    ),
    "hashish-tangier": (
        (
            "حجز 1250 كيلوغراما من الشيرا بميناء طنجة المتوسط",
            "ميناء طنجة المتوسط: إحباط تهريب 1250 كيلوغراما من الشيرا",
            "إحباط محاولة تهريب 1250 كيلوغراما من مخدر الشيرا عبر ميناء طنجة المتوسط",
            "الجمارك تحجز 1250 كيلوغراما من الشيرا داخل شاحنة بميناء طنجة المتوسط",
        ),
        (
            "أحبطت عناصر الجمارك والأمن بميناء طنجة المتوسط محاولة تهريب 1250 كيلوغراما "
            "من مخدر الشيرا كانت مخبأة داخل شاحنة للنقل الدولي، وتم توقيف سائقها.",
            "حجزت مصالح الجمارك بميناء طنجة المتوسط 1250 كيلوغراما من الشيرا مخبأة في "
            "شاحنة للنقل الدولي للبضائع، وأوقفت السائق.",
            "تمكنت الجمارك والأمن في ميناء طنجة المتوسط من حجز 1250 كيلوغراما من مخدر "
            "الشيرا داخل شاحنة للنقل الدولي وتوقيف سائقها.",
            "شاحنة للنقل الدولي تخفي 1250 كيلوغراما من الشيرا: الجمارك بميناء طنجة "
            "المتوسط تحبط التهريب وتوقف السائق.",
        ),
    ),
    "quake-hoceima": (
        (
            "هزة أرضية بقوة 4.7 درجات تضرب إقليم الحسيمة",
            "إقليم الحسيمة: هزة أرضية بقوة 4.7 درجات على سلم ريشتر",
            "هزة أرضية قوتها 4.7 درجات تثير هلع سكان الحسيمة",
            "المعهد الوطني للجيوفيزياء يرصد هزة أرضية بقوة 4.7 درجات بإقليم الحسيمة",
        ),
        (
            "سجلت هزة أرضية بقوة 4.7 درجات على سلم ريشتر بإقليم الحسيمة، حسب المعهد "
            "الوطني للجيوفيزياء، ولم تخلف أضرارا بشرية أو مادية.",
            "رصد المعهد الوطني للجيوفيزياء هزة أرضية بقوة 4.7 درجات بإقليم الحسيمة "
            "شعر بها السكان دون أن تخلف أضرارا.",
            "ضربت هزة أرضية بقوة 4.7 درجات على سلم ريشتر إقليم الحسيمة، وأثارت هلع "
            "السكان، دون تسجيل أضرار بشرية أو مادية.",
            "أفاد المعهد الوطني للجيوفيزياء بأن هزة أرضية قوتها 4.7 درجات ضربت إقليم "
            "الحسيمة، ولا أضرار بشرية ولا مادية.",
        ),
    ),
    "desalination-agadir": (
        (
            "تدشين محطة لتحلية مياه البحر بطاقة 275 ألف متر مكعب يوميا في أكادير",
            "أكادير: محطة تحلية مياه البحر تنتج 275 ألف متر مكعب يوميا",
            "محطة جديدة لتحلية مياه البحر بأكادير بطاقة 275 ألف متر مكعب",
            "أكادير تدشن محطة تحلية مياه البحر بقدرة 275 ألف متر مكعب في اليوم",
        ),
        (
            "دشنت بأكادير محطة لتحلية مياه البحر بطاقة إنتاجية تبلغ 275 ألف متر مكعب "
            "يوميا، لتأمين الماء الشروب والسقي بسهل سوس.",
            "تنتج محطة تحلية مياه البحر التي دشنت بأكادير 275 ألف متر مكعب يوميا من "
            "الماء الشروب ومياه السقي لفائدة سهل سوس.",
            "بطاقة 275 ألف متر مكعب يوميا، دخلت محطة تحلية مياه البحر بأكادير حيز "
            "الخدمة لتزويد سهل سوس بالماء الشروب ومياه السقي.",
            "محطة تحلية مياه البحر بأكادير، التي دشنت بطاقة 275 ألف متر مكعب يوميا، "
            "ستؤمن الماء الشروب والسقي في سهل سوس.",
        ),
    ),
    "migrants-oujda": (
        (
            "تفكيك شبكة للهجرة السرية وتوقيف 23 مرشحا في وجدة",
            "وجدة: الأمن يوقف 23 مرشحا للهجرة السرية ويفكك شبكة للتهجير",
            "توقيف 23 مرشحا للهجرة السرية وتفكيك شبكة للتهجير بوجدة",
            "أمن وجدة يفكك شبكة للهجرة السرية ويوقف 23 مرشحا",
        ),
        (
            "فككت المصالح الأمنية بوجدة شبكة إجرامية تنشط في تنظيم الهجرة السرية، "
            "وأوقفت 23 مرشحا للهجرة كانوا يستعدون لعبور الحدود.",
            "أوقفت عناصر الأمن بوجدة 23 مرشحا للهجرة السرية وفككت شبكة إجرامية تنشط "
            "في التهجير عبر الحدود.",
            "أسفرت عملية أمنية بوجدة عن تفكيك شبكة للهجرة السرية وتوقيف 23 مرشحا "
            "كانوا يستعدون لعبور الحدود.",
            "شبكة إجرامية للهجرة السرية تسقط في وجدة: توقيف 23 مرشحا كانوا يستعدون "
            "لعبور الحدود بتنسيق مع الشبكة.",
        ),
    ),
    "tramway-rabat": (
        (
            "توقف حركة الترامواي بالرباط وسلا لمدة 45 دقيقة بسبب عطل كهربائي",
            "عطل كهربائي يشل حركة الترامواي بين الرباط وسلا لمدة 45 دقيقة",
            "الرباط وسلا: الترامواي يتوقف 45 دقيقة إثر عطل كهربائي",
            "ركاب الترامواي بالرباط وسلا عالقون 45 دقيقة بسبب عطل كهربائي",
        ),
        (
            "توقفت حركة الترامواي بين الرباط وسلا لمدة 45 دقيقة بسبب عطل كهربائي، "
            "وعلق مئات الركاب في المحطات قبل استئناف الخدمة.",
            "تسبب عطل كهربائي في شل حركة الترامواي بالرباط وسلا لمدة 45 دقيقة، ما "
            "أدى إلى اكتظاظ المحطات بالركاب.",
            "علق ركاب الترامواي بالرباط وسلا لمدة 45 دقيقة بعدما توقفت الحركة بسبب "
            "عطل كهربائي، قبل أن تستأنف الخدمة.",
            "استأنف الترامواي الخدمة بين الرباط وسلا بعد توقف دام 45 دقيقة بسبب عطل "
            "كهربائي ترك الركاب عالقين في المحطات.",
        ),
    ),
}

# Reports that no other outlet carries: each must stay alone. Other cities, other
# figures, other subjects than the events above and than each other.
LONE = (
    (
        "مهرجان ورزازات للفيلم يحتفي بالسينما الإفريقية في دورته 19",
        "افتتحت فعاليات مهرجان ورزازات للفيلم في دورته 19 بمشاركة أفلام من القارة "
        "الإفريقية وتكريم ممثلين وممثلات.",
    ),
    (
        "جامعة ابن زهر تطلق منصة رقمية لتسجيل 62 ألف طالب",
        "أعلنت جامعة ابن زهر عن إطلاق منصة رقمية تتيح للطلبة التسجيل والاطلاع على "
        "نتائج الامتحانات عن بعد.",
    ),
    (
        "الثلوج تقطع الطريق بين إفران وأزرو لساعات",
        "قطعت التساقطات الثلجية الكثيفة حركة السير على الطريق الرابطة بين إفران "
        "وأزرو، وتدخلت كاسحات الثلوج لإعادة فتحها.",
    ),
    (
        "تعاونية نسائية بتارودانت تصدر زيت الأركان إلى 14 بلدا",
        "نجحت تعاونية نسائية بإقليم تارودانت في تصدير زيت الأركان ومنتجاته "
        "التجميلية إلى أسواق أوروبية وآسيوية.",
    ),
)

# One outlet's reports are published this many minutes apart (event by event), and each
# outlet a few minutes after the previous one: everything within the last few hours.
EVENT_SPACING, OUTLET_SPACING = 17, 3


def story_feed(slug: str, n: int, now: datetime, lone: Sequence[int] = ()) -> bytes:
    """Outlet number ``n``'s RSS: its report of every event, and the lone reports of
    ``lone``. The link tells the event a report is of (``event_of``)."""
    items = []
    reports = [
        (event, headlines[n % 4], leads[(n // 4) % 4], e)
        for e, (event, (headlines, leads)) in enumerate(EVENTS.items())
    ]
    reports += [(f"lone-{i}", *LONE[i], len(EVENTS) + i) for i in lone]
    for event, title, lead, e in reports:
        published = now - timedelta(minutes=e * EVENT_SPACING + n * OUTLET_SPACING)
        url = f"https://{slug}.example.ma/{event}.html"
        items.append(
            f"<item><title>{escape(title)}</title><link>{escape(url)}</link>"
            f'<guid isPermaLink="false">{escape(url)}</guid>'
            f"<pubDate>{format_datetime(published)}</pubDate>"
            f"<description>{escape(f'<p>{lead}</p>')}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{slug}</title><link>https://{slug}.example.ma/</link>"
        f"{''.join(items)}</channel></rss>"
    ).encode()


def event_of(url: str) -> str:
    return url.rsplit("/", 1)[1].removesuffix(".html")


def serve(server: FeedServer, first: int, count: int, lone_outlets: int = 0) -> Feeds:
    """Feeds of outlets number ``first`` .. ``first + count - 1``; the first
    ``lone_outlets`` of them also carry one lone report each."""
    now = datetime.now(UTC)
    feeds = {}
    for n in range(first, first + count):
        slug = f"outlet-{n}"
        lone = [n - first] if n - first < lone_outlets else []
        body = story_feed(slug, n, now, lone)
        feeds[slug] = (server.add_feed(f"/{slug}.xml", body), body)
    return feeds


# Reading the stories back --------------------------------------------------------------

STATE = (
    "import json; from articles.models import Article, Story, StoryPrint, StoryKey\n"
    "from articles.models import ContentVersion\n"
    "articles = [[a.outlet.slug, a.url, a.story_id, hasattr(a, 'story_print')]\n"
    "            for a in Article.objects.select_related('outlet', 'story_print')]\n"
    "stories = {s.id: [s.outlet_count, s.article_count, s.lead_id,\n"
    "                  s.first_published_at.isoformat(), s.last_published_at.isoformat(),\n"
    "                  s.updated_at.isoformat()] for s in Story.objects.all()}\n"
    "print(json.dumps({'articles': sorted(articles), 'stories': stories,\n"
    "    'prints': StoryPrint.objects.count(), 'keys': StoryKey.objects.count(),\n"
    "    'version': ContentVersion.objects.current().number}))"
)


def state(stack: Stack) -> dict[str, Any]:
    return stack.shell(STATE)


def wait_all_assigned(stack: Stack, articles: int, timeout: float = 90) -> dict[str, Any]:
    """Wait until ``articles`` articles are stored and every one has its print (its
    assignment committed); returns the state then."""

    def assigned() -> dict[str, Any] | None:
        failed = [
            line
            for _process, log in stack.workers
            for line in log.read_text(errors="replace").splitlines()
            if "articles.tasks.assign_stories[" in line and "] raised " in line
        ]
        assert not failed, f"an assignment failed: {failed}"
        found = state(stack)
        rows = found["articles"]
        return found if len(rows) == articles and all(row[3] for row in rows) else None

    try:
        return wait_until(assigned, timeout, "every article to be assigned", interval=1)
    except AssertionError as error:
        found = state(stack)["articles"]
        missing = sum(1 for row in found if not row[3])
        raise AssertionError(
            f"{error}: {len(found)} of {articles} articles stored, {missing} without a print"
        ) from None


def check_stories(found: dict[str, Any], feeds: Feeds, lone: int) -> None:
    """The stories are the events: each event's reports all in one story of its own,
    with as many outlets as reported it; the lone reports alone."""
    by_event: dict[str, dict[str, int | None]] = defaultdict(dict)
    for slug, url, story, _printed in found["articles"]:
        by_event[event_of(url)][slug] = story
    assert sorted(by_event) == sorted([*EVENTS, *(f"lone-{i}" for i in range(lone))])

    story_event: dict[int, str] = {}
    for event in EVENTS:
        placed = sorted(set(by_event[event].values()), key=str)
        assert len(by_event[event]) == len(feeds), event
        assert placed != [None], f"{event}: no report is in a story"
        assert len(placed) == 1, f"{event} split over stories {placed}: {by_event[event]}"
        story = placed[0]
        assert story is not None
        assert story not in story_event, f"{event} and {story_event[story]} share a story"
        story_event[story] = event
    for i in range(lone):
        assert list(by_event[f"lone-{i}"].values()) == [None], f"lone-{i} joined a story"

    rows = {int(story_id): row for story_id, row in found["stories"].items()}
    assert sorted(rows) == sorted(story_event), "a story row that is no event's"
    for story_id, event in story_event.items():
        outlet_count, article_count = rows[story_id][:2]
        assert (outlet_count, article_count) == (len(feeds), len(feeds)), (event, story_id)


def succeeded(stack: Stack, task: str) -> int:
    """How many runs of ``task`` the workers' logs say succeeded."""
    return sum(
        1
        for _process, log in stack.workers
        for line in log.read_text(errors="replace").splitlines()
        if f"articles.tasks.{task}[" in line and "] succeeded in " in line
    )


RUN = re.compile(
    r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): [^]]*\] Task articles\.tasks\.(\w+)\[[^]]+\]"
    r" succeeded in ([\d.]+)s"
)


def most_at_once(stack: Stack, task: str) -> int:
    """The most runs of ``task`` under way at one moment, by the workers' logs (each
    success line gives its end and its duration)."""
    moments = []
    for _process, log in stack.workers:
        for line in log.read_text(errors="replace").splitlines():
            match = RUN.match(line)
            if match and match[2] == task:
                end = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S,%f").timestamp()
                moments += [(end - float(match[3]), 1), (end, -1)]
    running = most = 0
    for _moment, step in sorted(moments):
        running += step
        most = max(most, running)
    return most


# The tests -----------------------------------------------------------------------------

# Sized so that the race is lost without the turn: with take_turn() taken out of
# assign(), the first test failed in 22 of 23 runs on a 2-CPU machine (every one of
# 14 at 24 outlets; 8 of 9 at 16): reports of one event split over two stories,
# story counts left stale by a concurrent refresh, deadlocks and foreign-key errors
# between assignments that each merged stories the other was filling.
WORKERS = 4
OUTLETS = 24
LONE_OUTLETS = len(LONE)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.mark.redis
@pytest.mark.postgres_server
@pytest.mark.slow
def test_workers_at_once_on_postgres_make_one_story_per_event(
    postgres_redis: tuple[Stack, Any], feed_server: FeedServer
) -> None:
    """Every outlet is fetched and assigned while the others are: WORKERS workers of
    two processes each take the fetches, and each fetch's assignment follows at once."""
    stack, _redis = postgres_redis
    server = feed_server
    feeds = serve(server, 1, OUTLETS, LONE_OUTLETS)
    for slug in feeds:
        # Fetches answered together end together: their assignments overlap.
        server.delays[f"/{slug}.xml"] = 1.0
    with stack:
        stack.create_outlets(feeds)
        for _ in range(WORKERS):
            stack.start_worker()
        assert stack.shell(ENQUEUE_DUE) == OUTLETS
        stack.wait_all_ok(timeout=90)
        found = wait_all_assigned(stack, OUTLETS * len(EVENTS) + LONE_OUTLETS)

        check_stories(found, feeds, LONE_OUTLETS)
        # Each fetch was assigned by its own task, on the workers.
        assert succeeded(stack, "assign_stories") == OUTLETS
        # The race was run: assignments were under way side by side (the later ones
        # waiting for their turn), on more than one worker.
        assert most_at_once(stack, "assign_stories") >= 3
        busy = [log.read_text() for _process, log in stack.workers]
        assert sum("assign_stories[" in text for text in busy) >= 2


@pytest.mark.slow
def test_worker_on_the_embedded_default_groups_stories_after_each_fetch(
    embedded: Stack, feed_server: FeedServer
) -> None:
    """SQLite and the filesystem broker, one worker: the fetch chain alone makes the
    stories, and outlets fetched later join them (no new story, no split)."""
    stack = embedded
    server = feed_server
    first = serve(server, 1, 3, lone_outlets=2)
    later = serve(server, 4, 2)
    with stack:
        stack.create_outlets(first)
        stack.start_worker()
        assert stack.shell(ENQUEUE_DUE) == 3
        stack.wait_all_ok()
        found = wait_all_assigned(stack, 3 * len(EVENTS) + 2)
        check_stories(found, first, 2)
        before = {int(i) for i in found["stories"]}

        stack.create_outlets(later)
        assert stack.shell(ENQUEUE_DUE) == 2
        stack.wait_all_ok()
        found = wait_all_assigned(stack, 5 * len(EVENTS) + 2)
        check_stories(found, {**first, **later}, 2)
        assert {int(i) for i in found["stories"]} == before, "a later report made a new story"


REASSIGN = (
    "import json; from articles.models import Article; from articles.tasks import assign_stories\n"
    "ids = sorted(Article.objects.values_list('id', flat=True))\n"
    "print(json.dumps(assign_stories(ids)))"
)
REDELIVER = (
    "import json, uuid; from articles.models import Article\n"
    "from articles.tasks import assign_stories\n"
    "for slug in {slugs!r}:\n"
    "    task_id = str(uuid.uuid4())\n"
    "    ids = sorted(Article.objects.filter(outlet__slug=slug).values_list('id', flat=True))\n"
    "    assign_stories.apply_async((ids,), task_id=task_id)\n"
    "    assign_stories.apply_async((ids,), task_id=task_id)\n"
    "print(json.dumps(True))"
)


@pytest.mark.redis
@pytest.mark.postgres_server
@pytest.mark.slow
def test_assigning_again_changes_nothing(
    postgres_redis: tuple[Stack, Any], feed_server: FeedServer
) -> None:
    """A redelivered assignment (at least once: acks_late) finds every article placed
    and changes nothing: not a story, not a count, not the content version."""
    stack, _redis = postgres_redis
    feeds = serve(feed_server, 1, 4, lone_outlets=2)
    with stack:
        stack.create_outlets(feeds)
        stack.start_worker()
        assert stack.shell(ENQUEUE_DUE) == 4
        stack.wait_all_ok()
        found = wait_all_assigned(stack, 4 * len(EVENTS) + 2)
        check_stories(found, feeds, 2)
        wait_until(lambda: succeeded(stack, "assign_stories") == 4, 20, "the assignments")

        # The task body again, in this process, with every id at once.
        assert stack.shell(REASSIGN) == 0
        assert state(stack) == found
        # Every fetch's assignment delivered twice more, to the worker's two processes.
        stack.shell(REDELIVER.format(slugs=sorted(feeds)))
        wait_until(lambda: succeeded(stack, "assign_stories") == 12, 30, "the redeliveries")
        assert state(stack) == found

"""Search: one normalisation for text and queries, the same answers on SQLite FTS5 and
PostgreSQL, and a results page that survives whatever a reader types.

The tests marked ``postgres`` run on the embedded default and again on PostgreSQL
(``make test``); the case table is the contract both engines keep.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import lxml.html
import pytest
from django.db import connection
from django.test import Client

from articles.ingest.store import store_entries
from articles.models import Article, Outlet, SearchEntry, Section
from articles.search import words
from articles.search.documents import Filters, sort_key
from articles.search.index import index_articles, rebuild
from articles.search.query import find
from articles.search.words import parse_query
from tests.support.search import CASES, CORPUS, NOW, entry, store_corpus


@pytest.fixture
def corpus(make_outlet) -> dict[str, int]:
    return store_corpus(make_outlet(name="هسبريس", slug="hespress"))


def keys_found(corpus: dict[str, int], query: str, **options: object) -> list[str]:
    by_id = {v: k for k, v in corpus.items()}
    hits = find(parse_query(query), Filters(), limit=100, **options)  # type: ignore[arg-type]
    return [by_id[hit.article_id] for hit in hits]


@pytest.mark.postgres
@pytest.mark.parametrize(("query", "expected"), CASES, ids=[q for q, _ in CASES])
def test_search_finds_what_the_reader_means(
    corpus: dict[str, int], query: str, expected: list[str]
) -> None:
    assert keys_found(corpus, query) == expected


def test_the_case_table_is_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("query", "ranked"),
    [
        # "طنجة" is the title of one and four times in the body of another (newer).
        ("طنجة", ["hospital", "tangier-body"]),
        # Title matches for both words rank above one in the body.
        ("وزير الداخلية", ["interior", "apart", "said-minister"]),
    ],
)
def test_title_matches_rank_above_body_matches(
    corpus: dict[str, int], query: str, ranked: list[str]
) -> None:
    assert keys_found(corpus, query, order="relevance") == ranked
    # Newest first, the same articles in another order.
    assert sorted(keys_found(corpus, query)) == sorted(ranked)


# Normalisation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("أإآٱا", "ااااا"),
        ("مدرسة", "مدرسه"),
        ("مستشفى", "مستشفي"),
        ("مؤتمر", "موتمر"),
        ("رئيس", "رييس"),
        ("مُحَمَّدٌ", "محمد"),
        ("الـــمـغـرب", "المغرب"),
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),
        ("Météo À Éssaouira", "meteo a essaouira"),
        ("\u202bالرباط\u202c\u200f", "الرباط"),
        ("ﻻ", "لا"),  # presentation forms, as some PDFs paste them
    ],
)
def test_normalize_folds_what_phones_and_quotes_vary(typed: str, normal: str) -> None:
    assert words.normalize(typed) == normal
    # The same function for text and queries: normalising again changes nothing.
    assert words.normalize(normal) == normal


@pytest.mark.parametrize(
    ("word", "canonical", "bare"),
    [
        ("المغرب", "مغرب", "مغرب"),
        ("والمغرب", "مغرب", "مغرب"),
        ("بالمغرب", "مغرب", "مغرب"),
        ("للمغرب", "مغرب", "مغرب"),
        ("ومراكش", "ومراكش", "مراكش"),
        ("وللمغرب", "وللمغرب", "مغرب"),
        ("وزير", "وزير", "زير"),
        ("الله", "الله", "الله"),  # three letters must remain
        ("ولد", "ولد", "ولد"),
    ],
)
def test_prefixes_come_off_only_when_a_word_remains(word: str, canonical: str, bare: str) -> None:
    assert (words.canonical(word), words.bare(word)) == (canonical, bare)


@pytest.mark.parametrize(
    ("typed", "phrases"),
    [
        ("وزير  الداخلية", (("وزير",), ("داخليه",))),
        ('"محمد السادس" الرباط', (("محمد", "سادس"), ("رباط",))),
        ('"unclosed phrase', (("unclosed", "phrase"),)),
        ('"', ()),
        ("* OR NEAR( AND -", (("or",), ("near",), ("and",))),
        (
            "'; DROP TABLE articles_article; --",
            (("drop",), ("table",), ("articles",), ("article",)),
        ),
        ("title:foo body:bar^", (("title",), ("foo",), ("body",), ("bar",))),
        ("المغرب المغرب والمغرب", (("مغرب",),)),
        ("\x00\x01\ud800", ()),
    ],
)
def test_queries_are_words_and_phrases_never_syntax(typed: str, phrases: tuple) -> None:
    assert parse_query(typed).phrases == phrases


def test_a_long_query_is_cut_to_a_bounded_number_of_words() -> None:
    query = parse_query(" ".join(f"كلمة{n}" for n in range(1000)))
    assert 0 < len(query.phrases) <= words.MAX_QUERY_TERMS


def test_sort_keys_order_like_published_time_then_id_even_before_1970() -> None:
    moments = [
        datetime(1960, 5, 1, 10, 0, 0, 500000, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
    ]
    keys = [sort_key(moment, article_id) for moment in moments for article_id in (7, 8)]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert [key & ((1 << 30) - 1) for key in keys[:2]] == [7, 8]


# Filters and pages ------------------------------------------------------------------


@pytest.fixture
def two_outlets(make_outlet, sections) -> dict[str, Outlet]:
    first = make_outlet(name="هسبريس", slug="hespress")
    second = make_outlet(name="لكم", slug="lakome")
    return {"hespress": first, "lakome": second}


@pytest.mark.postgres
def test_filters_narrow_by_outlet_section_and_casablanca_days(two_outlets) -> None:
    hespress, lakome = two_outlets["hespress"], two_outlets["lakome"]
    sports = Section.objects.get(slug="sports")
    # Casablanca is UTC+1 on these days: 23:30 UTC on the 10th is 00:30 on the 11th there.
    store_entries(hespress, [
        entry("h-late", "المنتخب يتأهل", categories=("رياضة",), minutes_ago=0),
        entry("h-politics", "المنتخب في البرلمان", minutes_ago=60),
    ], fetched_at=NOW)  # fmt: skip
    store_entries(lakome, [entry("l-any", "المنتخب يتدرب", minutes_ago=30)], fetched_at=NOW)
    late = Article.objects.get(key="h-late")
    Article.objects.filter(pk=late.pk).update(
        published_at=datetime(2026, 11, 10, 23, 30, tzinfo=UTC)
    )
    index_articles([late.pk])
    query = parse_query("المنتخب")

    def found(**filters: object) -> set[str]:
        hits = find(query, Filters(**filters), limit=50)  # type: ignore[arg-type]
        return set(
            Article.objects.filter(id__in=[h.article_id for h in hits]).values_list(
                "key", flat=True
            )
        )

    assert found() == {"h-late", "h-politics", "l-any"}
    assert found(outlet_id=lakome.id) == {"l-any"}
    assert found(section_id=sports.id) == {"h-late"}
    assert found(outlet_id=lakome.id, section_id=sports.id) == set()

    from articles.site.forms import SearchForm

    def found_on(**params: str) -> set[str]:
        form = SearchForm({"q": "المنتخب", **params})
        assert form.is_valid(), form.errors
        hits = find(query, form.filters, limit=50)
        return set(
            Article.objects.filter(id__in=[h.article_id for h in hits]).values_list(
                "key", flat=True
            )
        )

    assert found_on(**{"from": "2026-11-11", "to": "2026-11-11"}) == {"h-late"}
    assert found_on(**{"to": "2026-11-10"}) == set()
    assert found_on(**{"from": "2026-11-12"}) == {"h-politics", "l-any"}


@pytest.mark.postgres
@pytest.mark.parametrize("order", ["newest", "relevance"])
def test_pages_of_results_visit_every_match_once(make_outlet, order: str) -> None:
    outlet = make_outlet()
    # Some in the same second, some with the word twice: ties in both orders.
    entries = [
        entry(f"k{n}", "خبر عن الماء" + (" الماء" if n % 3 == 0 else ""), minutes_ago=n // 4)
        for n in range(47)
    ]
    store_entries(outlet, [*entries, entry("other", "خبر آخر")], fetched_at=NOW)
    query = parse_query("الماء")
    seen: list[int] = []
    after = ""
    pages = 0
    while True:
        hits = find(query, Filters(), order=order, after=after, limit=10)  # type: ignore[arg-type]
        seen.extend(h.article_id for h in hits)
        pages += 1
        if len(hits) < 10:
            break
        after = hits[-1].cursor
    expected = set(Article.objects.filter(key__startswith="k").values_list("id", flat=True))
    assert sorted(seen) == sorted(expected)
    assert len(seen) == len(set(seen)) == 47
    assert pages == 5
    if order == "newest":
        published = dict(Article.objects.values_list("id", "published_at"))
        assert [published[i] for i in seen] == sorted((published[i] for i in seen), reverse=True)


@pytest.mark.postgres
def test_a_malformed_cursor_starts_from_the_first_page(corpus: dict[str, int]) -> None:
    query = parse_query("المغرب")
    first = find(query, Filters())
    for cursor in [
        "garbage",
        "k",
        "r1.0",
        "k99999999999999999999999",
        "r-x_1",
        "knan",
        # 19 digits, past a signed 64-bit integer: no sort key
        "k9999999999999999999",
        "k-9999999999999999999",
        "r1.5_9999999999999999999",
    ]:
        assert find(query, Filters(), after=cursor) == first
        assert find(query, Filters(), order="relevance", after=cursor) == find(
            query, Filters(), order="relevance"
        )


# Keeping the index in step ----------------------------------------------------------


@pytest.mark.postgres
def test_an_updated_article_is_found_by_its_new_words_only(make_outlet) -> None:
    outlet = make_outlet()
    store_entries(outlet, [entry("a", "أمطار غزيرة في فاس")], fetched_at=NOW)
    assert len(find(parse_query("فاس"), Filters())) == 1
    store_entries(outlet, [entry("a", "أمطار غزيرة في مكناس")], fetched_at=NOW)
    assert find(parse_query("فاس"), Filters()) == []
    assert len(find(parse_query("مكناس"), Filters())) == 1
    assert SearchEntry.objects.count() == 1


@pytest.mark.postgres
def test_deleting_an_outlet_removes_its_articles_from_search(make_outlet) -> None:
    kept, deleted = make_outlet(), make_outlet()
    store_entries(kept, [entry("a", "انتخابات جماعية")], fetched_at=NOW)
    store_entries(deleted, [entry("b", "انتخابات تشريعية")], fetched_at=NOW)
    deleted.delete()
    hits = find(parse_query("انتخابات"), Filters())
    assert [h.article_id for h in hits] == [Article.objects.get(key="a").id]
    assert SearchEntry.objects.count() == 1
    assert index_rows() == 1


def index_rows() -> int:
    """Rows in the engine's own index (the FTS5 table on SQLite)."""
    if connection.vendor != "sqlite":
        return SearchEntry.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM articles_search")
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_rebuild_indexes_articles_written_around_the_store(make_outlet) -> None:
    outlet = make_outlet()
    article = Article.objects.create(
        outlet=outlet, key="raw", url="", title="مهرجان الموسيقى الروحية", published_at=NOW,
        fetched_at=NOW, updated_at=NOW, content_hash="x",
    )  # fmt: skip
    assert find(parse_query("مهرجان"), Filters()) == []
    assert rebuild() == 1
    assert [h.article_id for h in find(parse_query("مهرجان"), Filters())] == [article.id]
    assert index_rows() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_migration_indexes_articles_already_stored() -> None:
    from django.core.management import call_command
    from django.db.migrations.executor import MigrationExecutor

    before = ("articles", "0004_reading_site")
    call_command("migrate", *before, verbosity=0)
    try:
        # The tables as they were then: the model as it was then.
        old_apps = MigrationExecutor(connection).loader.project_state(before).apps
        old_article = old_apps.get_model("articles", "Article")
        outlet = old_apps.get_model("articles", "Source").objects.create(  # old names
            name="مصدر", slug="old-outlet", feed_url="http://127.0.0.1:9/old.xml"
        )
        old_article.objects.create(
            source_id=outlet.id, key="old", url="", title="أرشيف قديم عن الزلزال",
            published_at=NOW, fetched_at=NOW, updated_at=NOW, content_hash="x",
        )  # fmt: skip
    finally:
        call_command("migrate", "articles", verbosity=0)
    assert len(find(parse_query("الزلزال"), Filters())) == 1


@pytest.mark.postgres
def test_staff_edits_in_admin_are_what_search_finds(admin_client: Client, make_outlet) -> None:
    outlet = make_outlet()
    store_entries(outlet, [entry("a", "عنوان بخطأ مطبعي")], fetched_at=NOW)
    article = Article.objects.get(key="a")
    form = {
        "outlet": outlet.id, "key": article.key, "url": article.url, "title": "عنوان مصحح",
        "summary": "", "body_html": "", "author": "", "language": "ar", "section": "",
        "published_at_0": "2026-11-20", "published_at_1": "13:00:00",
        "article_images-TOTAL_FORMS": "0", "article_images-INITIAL_FORMS": "0",
        "article_images-MIN_NUM_FORMS": "0", "article_images-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    response = admin_client.post(f"/admin/articles/article/{article.id}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(find(parse_query("مصحح"), Filters())) == 1
    assert find(parse_query("مطبعي"), Filters()) == []


# The results page -------------------------------------------------------------------


def page(client: Client, params: dict[str, str] | str, path: str = "/search/"):  # type: ignore[no-untyped-def]
    response = client.get(path, params) if isinstance(params, dict) else client.get(path + params)
    return response, lxml.html.fromstring(response.content)


def result_titles(tree: lxml.html.HtmlElement) -> list[str]:
    return [h.text_content() for h in tree.cssselect(".search-results .story-title")]


@pytest.mark.postgres
def test_results_are_highlighted_and_the_query_kept(
    client: Client, corpus: dict[str, int]
) -> None:
    response, tree = page(client, {"q": "المملكه"})
    assert response.status_code == 200
    assert result_titles(tree) == [CORPUS["kingdom"][0], CORPUS["kingdom-h"][0]]
    marks = [m.text_content() for m in tree.cssselect(".search-results .story-title mark")]
    assert marks == ["المملكة", "المملكه"]
    assert tree.cssselect("#id_q")[0].get("value") == "المملكه"
    assert tree.cssselect("#search-q")[0].get("value") == "المملكه"  # the header's box
    assert tree.cssselect('meta[name="robots"]')[0].get("content") == "noindex"


@pytest.mark.postgres
def test_a_snippet_comes_from_the_body_around_the_match(client: Client, make_outlet) -> None:
    filler = " ".join(f"كلمة{n}" for n in range(200))
    store_entries(make_outlet(), [
        entry("a", "خبر", f"{filler} وقع زلزال قوي في الحوز {filler}", summary="ملخص بلا صلة"),
    ], fetched_at=NOW)  # fmt: skip
    _, tree = page(client, {"q": "زلزال"})
    (snippet,) = tree.cssselect(".story-snippet")
    text = snippet.text_content()
    assert text.startswith("…") and text.endswith("…")
    assert [m.text_content() for m in snippet.cssselect("mark")] == ["زلزال"]
    assert "الحوز" in text and len(text.split()) < 60


HOSTILE_QUERIES = [
    "x" * 2000,
    "ب" * 2000,
    "'",
    '"',
    "*",
    "OR",
    "NEAR(",
    'NEAR("a" "b", 2)',
    '"unbalanced',
    "a AND OR NOT b",
    "title:المغرب",
    "^المغرب",
    "المغرب*",
    "'; DROP TABLE articles_article; --",
    "1' OR '1'='1",
    "%' OR 1=1 --",
    "\\'\\\"",
    "<script>alert(1)</script>",
    "\x00\x01\x07\x1b[31m",
    "{col1 col2}: x",
    "&#0; &lt;b&gt;",
]


@pytest.mark.postgres
@pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=range(len(HOSTILE_QUERIES)))
def test_hostile_queries_are_searched_as_plain_words(
    client: Client, corpus: dict[str, int], query: str
) -> None:
    response, tree = page(client, {"q": query})
    assert response.status_code == 200
    assert not tree.cssselect("main script, main img, main b")
    kept = tree.cssselect("#id_q")[0].get("value")
    assert len(kept) <= words.MAX_QUERY_LENGTH
    assert not re.search("[\x00-\x1f]", kept)


@pytest.mark.postgres
@pytest.mark.parametrize("raw", ["%ED%A0%80", "%ED%BF%BF%ED%A0%80", "%C0%AF", "%FF%FE", "%00"])
def test_broken_utf8_and_surrogates_in_the_address_do_not_break_the_page(
    client: Client, corpus: dict[str, int], raw: str
) -> None:
    response, tree = page(client, f"?q=المغرب{raw}")
    assert response.status_code == 200
    response.content.decode("utf-8")  # the page itself is valid UTF-8


@pytest.mark.postgres
def test_a_hostile_title_is_highlighted_without_its_markup(client: Client, make_outlet) -> None:
    outlet = make_outlet()
    Article.objects.create(
        outlet=outlet, key="evil", url="", published_at=NOW, fetched_at=NOW, updated_at=NOW,
        title='<img src=x onerror=alert(1)> المغرب <b>"\'&', content_hash="x",
        summary="<script>alert(2)</script> المغرب",
    )  # fmt: skip
    rebuild()
    response, tree = page(client, {"q": "المغرب"})
    (title,) = tree.cssselect(".search-results .story-title a")
    assert [child.tag for child in title.iter()][1:] == ["mark"]
    assert title.text_content() == "<img src=x onerror=alert(1)> المغرب <b>\"'&"
    body = response.content.decode()
    assert "<img src=x" not in body and "<script>alert" not in body
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>المغرب</mark>" in body


def test_an_empty_query_shows_the_form_and_no_articles(
    client: Client, corpus: dict[str, int]
) -> None:
    for params in ({}, {"q": ""}, {"q": "   "}):
        response, tree = page(client, params)
        assert response.status_code == 200
        assert tree.cssselect("form.search-page")
        assert not tree.cssselect(".search-results, .no-results, .story")


def test_a_query_of_punctuation_only_says_there_is_nothing_to_search(
    client: Client, corpus: dict[str, int]
) -> None:
    response, tree = page(client, {"q": "*** ؟ !"})
    assert response.status_code == 200
    assert "اكتب كلمة أو أكثر" in tree.cssselect("main [role=status]")[0].text_content()


@pytest.mark.postgres
def test_nothing_found_says_so_and_offers_what_to_try(client: Client, two_outlets) -> None:
    store_entries(two_outlets["hespress"], [entry("a", "أمطار في الشمال")], fetched_at=NOW)
    response, tree = page(client, {"q": "أمطار", "source": "lakome"})
    assert response.status_code == 200
    (box,) = tree.cssselect(".no-results")
    assert "بالمرشحات المختارة" in box.text_content()
    links = [a.get("href") for a in box.cssselect("a")]
    # Drop the filter: the same words in all the news; or the latest news.
    unfiltered = client.get("/search/" + links[0])
    assert result_titles(lxml.html.fromstring(unfiltered.content)) == ["أمطار في الشمال"]
    assert links[1] == "/"
    # Without filters there is no filter to drop.
    _, tree = page(client, {"q": "ثلوج"})
    assert [a.get("href") for a in tree.cssselect(".no-results a")] == ["/"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "yesterday"}, "from", "2026-12-31"),
        ({"to": "2026-02-30"}, "to", "2026-12-31"),
        ({"from": "2026-11-02", "to": "2026-11-01"}, "to", "قبل تاريخ البداية"),
        ({"source": "nowhere"}, "source", "هذا المصدر غير موجود"),
        ({"source": "a\x00b"}, "source", "هذا المصدر غير موجود"),
        ({"section": "../../etc"}, "section", "هذا القسم غير موجود"),
        ({"sort": "random"}, "sort", "ترتيب غير معروف"),
    ],
)
@pytest.mark.postgres
def test_a_bad_filter_gets_a_clear_message_and_400(
    client: Client, corpus: dict[str, int], params: dict[str, str], field: str, message: str
) -> None:
    response, tree = page(client, {"q": "المغرب", **params})
    assert response.status_code == 400
    (error,) = tree.cssselect(f"#id_{field}_error")
    assert message in error.text_content()
    assert tree.cssselect(f"#id_{field}")[0].get("aria-invalid") == "true"
    assert tree.cssselect("#id_q")[0].get("value") == "المغرب"
    assert not tree.cssselect(".story")


@pytest.mark.postgres
def test_filters_and_sort_are_kept_in_the_form_and_the_next_page(
    client: Client, two_outlets
) -> None:
    store_entries(
        two_outlets["hespress"],
        [entry(f"k{n}", f"الماء رقم {n}", minutes_ago=n) for n in range(25)],
        fetched_at=NOW,
    )
    params = {"q": "الماء", "source": "hespress", "sort": "relevance", "from": "2026-11-01"}
    _, tree = page(client, params)
    assert len(result_titles(tree)) == 20
    assert tree.cssselect("#id_source option[selected]")[0].get("value") == "hespress"
    assert tree.cssselect("#id_sort option[selected]")[0].get("value") == "relevance"
    assert tree.cssselect("#id_from")[0].get("value") == "2026-11-01"
    assert tree.cssselect("details.search-filters")[0].get("open") is not None
    (more,) = tree.cssselect(".pager a[rel=next]")
    _, second = page(client, more.get("href"))
    assert len(result_titles(second)) == 5
    assert not second.cssselect(".pager a[rel=next]")
    first_page = second.cssselect(".pager a:not([rel])")[0].get("href")
    assert "after=" not in first_page and "source=hespress" in first_page


@pytest.mark.postgres
def test_the_french_edition_searches_with_french_words(
    client: Client, corpus: dict[str, int]
) -> None:
    response, tree = page(client, {"q": "meteo"}, path="/fr/search/")
    assert response.status_code == 200
    assert tree.get("lang") == "fr"
    assert tree.cssselect("label[for=id_q]")[0].text_content().strip() == "Mots recherchés"
    assert result_titles(tree) == [CORPUS["meteo"][0]]
    _, tree = page(client, {"q": "rien-du-tout"}, path="/fr/search/")
    assert "Aucun article" in tree.cssselect(".no-results")[0].text_content()


def test_search_is_get_only(client: Client) -> None:
    assert client.post("/search/", {"q": "x"}).status_code == 405


@pytest.mark.postgres
def test_reindex_command_rebuilds_the_index(make_outlet) -> None:
    from io import StringIO

    from django.core.management import call_command

    store_entries(make_outlet(), [entry("a", "خبر أول"), entry("b", "خبر ثان")], fetched_at=NOW)
    SearchEntry.objects.all().delete()
    assert find(parse_query("خبر"), Filters()) == []
    out = StringIO()
    call_command("reindex", stdout=out)
    assert out.getvalue().strip() == "indexed 2 articles"
    assert len(find(parse_query("خبر"), Filters())) == 2


@pytest.mark.postgres
def test_relevance_ranks_the_newest_matches_only(make_outlet, monkeypatch) -> None:
    """Scoring every match of a common word is slow; relevance orders the newest
    RELEVANCE_POOL matches (the best of what is recent, as news readers want)."""
    from articles.search import query

    monkeypatch.setattr(query, "RELEVANCE_POOL", 3)
    store_entries(make_outlet(), [
        entry("old-best", "الماء الماء في العنوان", minutes_ago=100),
        *(entry(f"new{n}", "خبر", f"نص عن الماء رقم {n}", minutes_ago=n) for n in range(3)),
    ], fetched_at=NOW)  # fmt: skip
    by_id = dict(Article.objects.values_list("id", "key"))
    hits = find(parse_query("الماء"), Filters(), order="relevance")
    assert sorted(by_id[h.article_id] for h in hits) == ["new0", "new1", "new2"]
    monkeypatch.setattr(query, "RELEVANCE_POOL", 2000)
    hits = find(parse_query("الماء"), Filters(), order="relevance")
    assert by_id[hits[0].article_id] == "old-best"

"""Issue 18: the roster (articles/ingest/data/outlets.csv) and what ``load_outlets``
does to a new and to an existing installation: new outlets appear, staff edits stay,
outlets that refuse crawlers like ours start (or are made) paused with the reason."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from articles.ingest.outlets import OUTLETS, RosterFileError, read_roster
from articles.ingest.roster import RosterError, check_entries, load_outlets
from articles.models import RESERVED_SLUGS, Outlet, Region

ENTRIES = {entry.slug: entry for entry in OUTLETS}


def test_the_roster_ships_over_100_valid_outlets_in_arabic_or_french() -> None:
    check_entries(OUTLETS)  # raises on a reserved, repeated or malformed entry

    assert len(OUTLETS) >= 100
    assert not {entry.slug for entry in OUTLETS} & RESERVED_SLUGS
    assert {entry.language for entry in OUTLETS} == {"ar", "fr"}
    regional = [entry for entry in OUTLETS if entry.kind == "regional"]
    assert all(entry.region for entry in regional)
    assert not [entry for entry in OUTLETS if entry.region and entry.kind != "regional"]


def test_the_roster_counts_that_docs_outlets_md_gives() -> None:
    evidence = Counter(entry.evidence for entry in OUTLETS)
    kinds = Counter(entry.kind for entry in OUTLETS)
    regions = Counter(entry.region for entry in OUTLETS if entry.region)

    assert len(OUTLETS) == 129
    assert evidence == {"verified": 15, "seen": 10, "cited": 81, "guess": 23}
    assert kinds == {"national": 68, "regional": 35, "economy": 7, "sports": 7,
                     "culture": 6, "agency": 4, "government": 2}  # fmt: skip
    assert regions == {"tanger-tetouan-al-hoceima": 11, "oriental": 6, "souss-massa": 5,
                       "marrakech-safi": 4, "beni-mellal-khenifra": 3, "casablanca-settat": 3,
                       "draa-tafilalet": 1, "laayoune-sakia-el-hamra": 1,
                       "dakhla-oued-ed-dahab": 1}  # fmt: skip
    assert sum(entry.is_active_default for entry in OUTLETS) == 96
    assert sorted(entry.slug for entry in OUTLETS if entry.refused) == [
        "alyaoum24", "h24info", "leconomiste", "ledesk", "lematin", "mapexpress",
        "mapexpress-ar", "mapnews-ar", "mapnews-fr", "medias24", "snrtnews",
    ]  # fmt: skip


def old_installation() -> dict[str, Outlet]:
    """Outlets as the 23-outlet roster left them, before kinds and evidence: blank
    evidence, the default kind; one re-pointed and renamed by staff, one activated."""
    old = {
        "goud": {"name": "كود الجديد", "feed_url": "https://www.goud.ma/rss/"},
        "alyaoum24": {},
        "hesport": {"feed_url": "https://hesport.com/feed", "status": Outlet.Status.PAUSED},
        "kech24": {},
        "febrayer": {"feed_url": "https://www.febrayer.com/feed", "status": "paused"},
        "rue20": {"feed_url": "https://www.rue20.com/feed", "status": "active"},
    }
    made = {}
    for slug, edits in old.items():
        entry = ENTRIES[slug]
        fields = {"name": entry.name, "feed_url": entry.feed_url, "language": entry.language}
        made[slug] = Outlet.objects.create(slug=slug, **(fields | edits))
    return made


@pytest.mark.django_db
def test_an_existing_installation_gets_the_new_outlets_and_keeps_staff_edits() -> None:
    old_installation()

    load = load_outlets()

    outlets = {outlet.slug: outlet for outlet in Outlet.objects.select_related("region")}
    assert len(outlets) == len(OUTLETS)
    old = {"goud", "alyaoum24", "hesport", "kech24", "febrayer", "rue20"}
    assert sorted(load.created) == sorted(set(ENTRIES) - old)
    goud = outlets["goud"]
    assert (goud.name, goud.feed_url, goud.status) == (
        "كود الجديد", "https://www.goud.ma/rss/", Outlet.Status.ACTIVE,
    )  # fmt: skip
    # Classified once: evidence, and the kind and region still at their defaults.
    assert sorted(load.classified) == ["alyaoum24", "febrayer", "goud", "hesport", "kech24",
                                       "rue20"]  # fmt: skip
    assert (outlets["kech24"].kind, outlets["kech24"].region.slug) == (
        "regional", "marrakech-safi",
    )  # fmt: skip
    assert outlets["hesport"].evidence == "verified"
    # Its site refuses our feed: paused with the reason, and said so.
    assert outlets["alyaoum24"].status == Outlet.Status.PAUSED
    assert "robots.txt" in outlets["alyaoum24"].paused_reason
    assert [slug for slug, _reason in load.paused] == ["alyaoum24"]
    # Other disagreements are only reported: staff's feed URL and status stay.
    assert outlets["hesport"].feed_url == "https://hesport.com/feed"
    assert outlets["hesport"].status == Outlet.Status.PAUSED
    assert outlets["rue20"].feed_url == "https://www.rue20.com/feed"
    assert {slug for slug, _text in load.differences} == {"goud", "hesport", "febrayer", "rue20"}


@pytest.mark.django_db
def test_loading_again_changes_nothing() -> None:
    old_installation()
    load_outlets()
    rows = list(Outlet.objects.order_by("slug").values())

    again = load_outlets()

    assert list(Outlet.objects.order_by("slug").values()) == rows
    assert again == type(again)()  # nothing created, classified, paused or reported


@pytest.mark.django_db
def test_staff_classification_is_never_redone() -> None:
    load_outlets()
    marrakech = Region.objects.get(slug="marrakech-safi")
    Outlet.objects.filter(slug="kech24").update(kind="national", region=None)
    Outlet.objects.filter(slug="ledesk").update(status="active", paused_reason="")
    Outlet.objects.filter(slug="goud").update(kind="regional", region=marrakech)

    load_outlets()

    kinds = dict(Outlet.objects.values_list("slug", "kind"))
    assert (kinds["kech24"], kinds["goud"]) == ("national", "regional")
    assert Outlet.objects.get(slug="ledesk").status == "active"


@pytest.mark.django_db
def test_an_entry_whose_feed_staff_added_under_another_slug_is_not_created() -> None:
    Outlet.objects.create(slug="kif", name="كيفاش", feed_url=ENTRIES["kifache"].feed_url)

    load = load_outlets()

    assert load.skipped == [("kifache", "kif")]
    assert not Outlet.objects.filter(slug="kifache").exists()
    assert Outlet.objects.count() == len(OUTLETS)


@pytest.mark.django_db
def test_an_invalid_roster_is_refused_whole_before_anything_is_written() -> None:
    goud = ENTRIES["goud"]
    bad = (
        goud,
        dataclasses.replace(goud, slug="goud-en", feed_url="https://x.ma/1", language="en"),
        dataclasses.replace(goud, slug="goud-r", feed_url="https://x.ma/2", kind="regional"),
        dataclasses.replace(goud, slug="goud-k", feed_url="https://x.ma/3", evidence="rumour"),
        dataclasses.replace(goud, slug="goud-z", feed_url=goud.feed_url),
    )

    with pytest.raises(RosterError) as refused:
        load_outlets(bad)

    message = str(refused.value)
    assert "goud-en: language 'en' is not one of ar, fr" in message
    assert "goud-r: a region is for regional outlets, and every one needs one" in message
    assert "goud-k: evidence 'rumour'" in message
    assert f"{goud.feed_url}: feed URL used twice" in message
    assert not Outlet.objects.exists()


@pytest.mark.django_db
def test_a_reserved_slug_refuses_the_roster() -> None:
    bad = (*OUTLETS[:2], dataclasses.replace(ENTRIES["goud"], slug="outlets"))

    with pytest.raises(RosterError, match="reserved slug"):
        load_outlets(bad)
    assert not Outlet.objects.exists()


def test_a_row_with_a_missing_column_names_its_line(tmp_path: Path) -> None:
    roster = tmp_path / "outlets.csv"
    header = "slug,name,name_latin,site_url,feed_url,language,kind,region,evidence,refused,note"
    roster.write_text(
        f"{header}\ngoud,كود,Goud,https://www.goud.ma,https://www.goud.ma/feed/,ar\n"
    )

    with pytest.raises(RosterFileError, match="line 2: wrong number of columns"):
        read_roster(roster)

"""Web benchmark: what the reading site serves per second on one core, and how fast.

A benchmark, not a test: it prints figures and ratios and asserts nothing about time.
See bench/README.md. Run from the repository root:

    .venv/bin/python bench/web.py                    # 100,000 articles, SQLite + PostgreSQL
    .venv/bin/python bench/web.py --quick            # 5,000 articles, short runs
    .venv/bin/python bench/web.py --no-postgres --profile    # + where an uncached page goes

Layout of one run, for SQLite and then (when it answers) PostgreSQL:

* a fresh database is migrated with ``manage.py migrate`` and filled by a spawned
  process through the normal store code: ``articles.ingest.store.store_entries`` with
  ``articles.ingest.parse.ParsedEntry`` objects, one call per outlet per time window, oldest
  window first (as a worker polling for two years would have written them). Bodies are
  WordPress-style HTML of real Moroccan news text run through the app's own
  ``clean_html``. Image copies are the one bulk path: real WebP copy/thumbnail pairs are
  written with ``articles.images.store_file`` and ``Image`` rows are marked stored with one
  ``UPDATE`` per row, as ``_record_twin`` does for an image whose bytes are known;
* ``collectstatic`` runs once into the run's NEWSROOM_VAR_DIR (STATIC_ROOT);
* gunicorn (``newsroom.wsgi``, one sync worker, pinned to one CPU when ``taskset``
  exists) serves the database twice with production settings (DEBUG=0, WhiteNoise,
  manifest static files): once as configured (page cache on), once with
  PAGE_CACHE_SECONDS=0 (page cache off), nothing else changed;
* ``wrk`` (pinned to the other CPU) sends ``Accept-Encoding: gzip`` to each page and to
  a static file served by the same worker (the baseline, measured at the start and at
  the end of each server run): requests/second with 4 connections, p50/p99 latency
  with 1 connection (one sync worker serves one request at a time, so at 4 connections
  each request would also wait for the 3 ahead of it);
* "report this image": the pages measured carry the report control (a plain link per
  image, counted in each page); then, on the same database, a gunicorn run with
  IMAGE_REPORT_RATE and IMAGE_REPORT_THRESHOLD set very high has 20 readers at once
  (threads in a spawned client process, each with its own cookies and its socket bound
  to 127.0.N.1, so each comes from its own /24) GET report form pages, POST reports of
  many stored images (Accept: application/json) and GET a cached page, every request
  timed; then a run with the default settings times the report that hides an image
  (the look-alike scan over every stored image's perceptual hash), one at a time.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import http.client
import io
import json
import math
import multiprocessing as mp
import os
import pickle
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from benchlib import (
    DEFAULT_SEED,
    REPO,
    PostgresDatabases,
    SqliteDatabases,
    base_env,
    django_setup,
    machine_busy,
    print_header,
    progress,
    temp_dir,
)
from ingest import AUTHORS, OUTLET_WORDS, CorpusWriter

DEFAULT_ARTICLES = 100_000
QUICK_ARTICLES = 5_000
OUTLET_COUNT = 100
FRENCH_SHARE = 0.10
YEARS = 2
WINDOWS = 20  # store_entries calls per outlet (time windows), oldest first
IMAGE_SHARE = 0.70  # articles with a picture in their body
STORED_SHARE = 0.85  # of those pictures, the ones we hold a copy of
PICTURES = 40  # distinct copy/thumbnail pairs on disk, shared as twins share them
DEEP_PAGE = 2_000
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
TARGET_P50_MS = 25.0
TARGET_HOME_RATIO = 0.50
READERS = 20  # concurrent readers of the report measurement
REPORTS = 50  # reports per reader (QUICK_REPORTS with --quick)
QUICK_REPORTS = 10
HIDES = 5  # images hidden one at a time for the hiding path (QUICK_HIDES with --quick)
QUICK_HIDES = 3
LOOKALIKES = 2  # look-alike rows (another outlet's copy of the picture) per hidden image
COUNTED_RATE = 1_000_000  # IMAGE_REPORT_RATE of the counted run: nothing is rate limited
COUNTED_THRESHOLD = 1_000_000  # IMAGE_REPORT_THRESHOLD of the counted run: nothing hides
# Settings the counted and hiding runs control: anything the caller's environment has
# for them is dropped, so that the hiding run has the code's defaults.
MODERATION_SETTINGS = (
    "IMAGE_REPORT_THRESHOLD", "IMAGE_REPORT_WINDOW_DAYS", "IMAGE_REPORT_RATE",
    "IMAGE_HIDE_BREAKER", "IMAGE_LOOKALIKE_DISTANCE", "TRUSTED_PROXY_COUNT",
)  # fmt: skip

# How often each section is the one an article is filed under (national news and
# accidents dominate Moroccan outlets): at 100,000 articles "society" has some 45,000,
# so its page 2,000 exists.
SECTION_WEIGHTS = {
    "society": 46, "politics": 11, "sports": 10, "economy": 8, "world": 6, "regions": 5,
    "culture": 4, "health": 2, "tech": 2, "misc": 2, "opinion": 2, "religion": 2,
}  # fmt: skip
NO_SECTION_SHARE = 0.04  # only labels no section alias knows ("الرئيسية", "À la une")
UNMAPPED_AR = ("الرئيسية", "عاجل", "أخبار", "مميز")
UNMAPPED_FR = ("À la une", "Actualité", "Une", "Dernière minute")
LATIN_WORDS = (
    "akhbar", "sawt", "nabd", "bawaba", "jarida", "maghrib", "ribat", "atlas", "chamal",
    "janoub", "alyaoum", "hadat", "saha", "madar", "minbar",
)  # fmt: skip
FRENCH_OUTLETS = (
    ("Le Reporter", "le-reporter"), ("Maroc Diplomatique", "maroc-diplomatique"),
    ("L'Opinion", "lopinion-ma"), ("Finances News", "finances-news"),
)  # fmt: skip
FRENCH_AUTHORS = ("La rédaction", "Yasmine Benali", "Karim Alaoui", "Nadia Tazi", "MAP")
FRENCH_HEADLINES = (
    "Le Maroc lance un vaste programme de dessalement de l'eau de mer",
    "CAN 2025 : les Lions de l'Atlas préparent le match face à la Zambie",
    "Intempéries : des pluies record enregistrées à Tanger en 24 heures",
    "Le FMI appelle le Maroc à accélérer les réformes structurelles",
    "Tanger Med prévoit une extension majeure de son terminal passagers",
    "Casablanca : le tramway prolongé vers Sidi Moumen",
    "Le secteur automobile marocain franchit un nouveau cap à l'export",
    "Agriculture : la campagne céréalière s'annonce meilleure que prévu",
    "Marrakech accueille un sommet africain sur l'investissement",
    "Éducation : le versement de la prime des écoles pionnières reporté à 2026",
    "Santé : ouverture d'un nouveau centre hospitalier universitaire à Agadir",
    "Le dirham reste stable face à l'euro selon Bank Al-Maghrib",
    "Mondial 2030 : les chantiers des stades avancent à Rabat et Casablanca",
    "Les exportations de phosphates en hausse au premier trimestre",
    "Chutes de neige et rafales de vent attendues dans plusieurs provinces",
    "Le Parlement adopte le projet de loi de finances en deuxième lecture",
    "Tourisme : le Maroc dépasse les 17 millions de visiteurs",
    "Cinéma amazigh : un festival célèbre la création régionale à Agadir",
)
FRENCH_SENTENCES = (
    "Selon les chiffres publiés par le ministère, la hausse concerne l'ensemble des "
    "régions du Royaume, avec une progression plus marquée dans le Nord.",
    "Les autorités locales ont mobilisé des équipes pour accompagner les habitants "
    "touchés par les intempéries et recenser les dégâts.",
    "Cette décision s'inscrit dans le cadre de la stratégie nationale adoptée il y a "
    "trois ans, qui vise à diversifier les partenaires économiques du pays.",
    "Le projet, d'un coût global de plusieurs milliards de dirhams, devrait être achevé "
    "avant la fin de l'année prochaine.",
    "Interrogé par nos soins, un responsable a indiqué que les premiers résultats "
    "étaient encourageants, sans donner davantage de détails.",
    "Les professionnels du secteur saluent une mesure attendue depuis longtemps, tout en "
    "appelant à un meilleur suivi de sa mise en œuvre.",
    "La sélection nationale a effectué sa dernière séance d'entraînement au complexe "
    "Mohammed VI de Maâmora, en présence du staff technique au complet.",
    "D'après les prévisions de la Direction générale de la météorologie, le temps "
    "restera instable jusqu'à la fin de la semaine.",
    "Les députés de l'opposition ont réclamé des éclaircissements sur le calendrier et "
    "sur les modalités de financement du programme.",
    "Plusieurs associations de la société civile ont participé à la rencontre, organisée "
    "à l'initiative du conseil régional.",
)
PAGES = ("home", "article", "section", "section_deep", "outlet", "rss")


# --------------------------------------------------------------------------- corpus


class FrenchWriter(CorpusWriter):
    """The same WordPress-style bodies, from French Moroccan news text."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.headlines = list(FRENCH_HEADLINES)
        self.sentences = list(FRENCH_SENTENCES)
        text = " ".join(FRENCH_HEADLINES + FRENCH_SENTENCES)
        self.words = re.findall(r"[A-Za-zÀ-ÿœ']{3,}", text)
        self.tag_words = sorted({w for w in self.words if len(w) >= 5})

    def synthetic_sentence(self, low: int = 7, high: int = 18) -> str:
        rng = self.rng
        words = [rng.choice(self.words) for _ in range(rng.randint(low, high))]
        for i in range(3, len(words) - 2, rng.randint(4, 8)):
            words[i] += ","
        return (" ".join(words) + rng.choice((".", ".", ".", " ?", " :"))).capitalize()


def _outlets(rng: random.Random) -> list[dict[str, Any]]:
    """100 outlets: the real roster first, then Arabic and French ones of our own."""
    from articles.ingest.outlets import OUTLETS

    outlets = [
        {
            "name": o.name,
            "name_latin": o.name_latin,
            "slug": o.slug,
            "site_url": o.site_url,
            "feed_url": o.feed_url,
            "language": o.language,
        }
        for o in OUTLETS
    ]
    french = sum(1 for o in outlets if o["language"] == "fr")
    for name, slug in FRENCH_OUTLETS[: max(0, round(OUTLET_COUNT * FRENCH_SHARE) - french)]:
        outlets.append(
            {"name": name, "name_latin": name, "slug": slug, "language": "fr",
             "site_url": f"https://www.{slug}.ma", "feed_url": f"https://www.{slug}.ma/feed/"}
        )  # fmt: skip
    pairs = [(a, b) for a in range(len(OUTLET_WORDS)) for b in range(len(OUTLET_WORDS)) if a != b]
    rng.shuffle(pairs)
    for a, b in pairs[: OUTLET_COUNT - len(outlets)]:
        slug = f"{LATIN_WORDS[a]}-{LATIN_WORDS[b]}"
        outlets.append(
            {"name": f"{OUTLET_WORDS[a]} {OUTLET_WORDS[b]}",
             "name_latin": f"{LATIN_WORDS[a].title()} {LATIN_WORDS[b].title()}",
             "slug": slug, "language": "ar", "site_url": f"https://www.{slug}.ma",
             "feed_url": f"https://www.{slug}.ma/feed/"}
        )  # fmt: skip
    # Unequal output, as real outlets have; French outlets write FRENCH_SHARE of it.
    for outlet in outlets:
        outlet["weight"] = rng.uniform(0.3, 3.0)
    for language, share in (("fr", FRENCH_SHARE), ("ar", 1 - FRENCH_SHARE)):
        group = [o for o in outlets if o["language"] == language]
        total = sum(o["weight"] for o in group)
        for outlet in group:
            outlet["weight"] *= share / total
    return outlets


def _section_labels() -> dict[str, tuple[list[str], list[str]]]:
    """Section slug -> (Arabic labels, Latin labels) as outlets write them."""
    from articles.ingest.outlets import SECTIONS

    arabic = re.compile("[\u0600-\u06ff]")
    return {
        slug: (
            [label for label in (name, *aliases) if arabic.search(label)],
            [label for label in (name_fr, *aliases) if not arabic.search(label)],
        )
        for slug, name, name_fr, aliases in SECTIONS
    }


# --------------------------------------------------------------------------- loader


def _picture(index: int) -> Any:
    """A photo-like 1600 x 900 scene (sky, sun, hills, blocks), drawn with Pillow."""
    from PIL import Image as PILImage
    from PIL import ImageDraw, ImageFilter

    rng = random.Random(index)
    width, height = 1600, 900
    sky = (rng.randint(20, 140), rng.randint(60, 190), rng.randint(120, 230))
    land = (rng.randint(30, 200), rng.randint(40, 150), rng.randint(20, 90))
    accent = (rng.randint(150, 250), rng.randint(40, 200), rng.randint(30, 120))
    picture = PILImage.new("RGB", (width, height), sky)
    draw = ImageDraw.Draw(picture)
    for y in range(height // 2):
        draw.line([(0, y), (width, y)], fill=tuple(min(255, c + y // 5) for c in sky))
    x, r = rng.randint(150, width - 150), rng.randint(40, 90)
    draw.ellipse((x - r, 130 - r, x + r, 130 + r), fill=accent)
    for layer in range(3):
        base = height // 2 + layer * 90
        points = [(0, height)]
        points += [
            (x, base - rng.randint(0, 130 - layer * 30)) for x in range(0, width + 120, 120)
        ]
        draw.polygon([*points, (width, height)], fill=tuple(max(0, c - 25 * layer) for c in land))
    for _ in range(rng.randint(6, 16)):
        x, w, h = rng.randint(0, width - 80), rng.randint(30, 80), rng.randint(60, 240)
        draw.rectangle((x, height - h, x + w, height), fill=accent)
    return picture.filter(ImageFilter.GaussianBlur(1.5)).effect_spread(2)


def _write_pictures(count: int) -> list[dict[str, Any]]:
    """``count`` copy/thumbnail pairs made by the app's encoder and stored by its own
    ``store_file`` (in MEDIA_ROOT): the fields ``_record_copy`` writes. Made once per run:
    the second database reuses the files."""
    from django.conf import settings

    from articles.images import likeness
    from articles.images.copy import store_file
    from articles.images.likeness import perceptual_hash
    from articles.images.picture import encode, resize

    # Whether a picture is plain and its average colour, where the app records them
    # (look-alikes must be neither plain nor of another colour).
    traits = getattr(likeness, "picture_traits", None)
    index_file = Path(settings.MEDIA_ROOT) / f"bench-pictures-{count}.json"
    if index_file.exists():
        return list(json.loads(index_file.read_text()))
    pictures = []
    for index in range(count):
        original = _picture(index)
        sha256 = hashlib.sha256(b"bench-web-%d" % index).hexdigest()
        copy = resize(original, settings.IMAGE_COPY_WIDTH, True)
        thumbnail = resize(copy, settings.IMAGE_THUMBNAIL_WIDTH, True)
        copy_r, thumb_r = encode(copy), encode(thumbnail)
        pictures.append(
            {
                "width": original.width, "height": original.height,
                "byte_size": 180_000 + index * 1_111, "sha256": sha256,
                "phash": perceptual_hash(copy),
                "copy": store_file(f"{sha256}-{copy_r.width}.webp", copy_r.data),
                "copy_width": copy_r.width, "copy_height": copy_r.height,
                "copy_byte_size": len(copy_r.data),
                "thumbnail": store_file(f"{sha256}-{thumb_r.width}.webp", thumb_r.data),
                "thumbnail_width": thumb_r.width, "thumbnail_height": thumb_r.height,
            }
        )  # fmt: skip
        if traits is not None:
            pictures[-1]["plain"], pictures[-1]["tone"] = traits(thumbnail)
    index_file.write_text(json.dumps(pictures))
    return pictures


def _plan(count: int, seed: int, outlets: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """(published_at, outlet index, section slug or None, has image), oldest first."""
    rng = random.Random(seed)
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)
    span = int(YEARS * 365 * 86400)
    weights = [o["weight"] for o in outlets]
    picks = rng.choices(range(len(outlets)), weights=weights, k=count)
    slugs, section_weights = list(SECTION_WEIGHTS), list(SECTION_WEIGHTS.values())
    plan = []
    for outlet in picks:
        when = end - timedelta(seconds=rng.randrange(span))
        section = (
            None if rng.random() < NO_SECTION_SHARE else rng.choices(slugs, section_weights)[0]
        )
        plan.append((when, outlet, section, rng.random() < IMAGE_SHARE))
    plan.sort(key=lambda item: item[0])
    return plan


FIGURE = re.compile(r"<figure\b.*?</figure>\n?", re.S)


def _entry(
    writer: CorpusWriter,
    outlet: dict[str, Any],
    post_id: int,
    when: datetime,
    section: str | None,
    has_image: bool,
    labels: dict[str, tuple[list[str], list[str]]],
) -> Any:
    from articles.ingest.parse import MAX_SUMMARY_LENGTH, ParsedEntry
    from articles.lib.html import clean_html
    from articles.lib.text import plain_text

    rng = writer.rng
    french = outlet["language"] == "fr"
    host = urlsplit(outlet["site_url"]).hostname or "example.ma"
    title = writer.title()
    slug = "-".join(title.split()[:6])
    url = f"https://{host}/{when:%Y/%m/%d}/{quote(slug)}/"
    raw = writer.content(host, post_id, title, when, lazy=False)
    if not has_image:
        raw = FIGURE.sub("", raw, count=1)
    images: list[str] = []
    body = clean_html(raw, url, images)
    excerpt = " ".join(re.sub(r"<[^>]+>", " ", raw).split()[:45]) + " […]"
    unmapped = UNMAPPED_FR if french else UNMAPPED_AR
    categories: list[str] = []
    if section is None or rng.random() < 0.15:
        categories.append(rng.choice(unmapped))
    if section is not None:
        choices = labels[section][1 if french else 0] or labels[section][0]
        categories.append(rng.choice(choices))
    categories += [rng.choice(writer.tag_words) for _ in range(rng.randint(0, 2))]
    summary = plain_text(excerpt, MAX_SUMMARY_LENGTH)
    author = rng.choice(FRENCH_AUTHORS if french else AUTHORS)
    key = f"https://{host}/?p={post_id}"
    digest = hashlib.sha256("\x1f".join([key, title, summary, body]).encode()).hexdigest()
    return ParsedEntry(
        key=key, url=url, title=title, summary=summary, body_html=body, author=author,
        language=outlet["language"], published_at=when, categories=tuple(categories),
        image_urls=tuple(images), content_hash=digest,
    )  # fmt: skip


def _windows(
    corpus: Path, count: int, seed: int, outlets: list[dict[str, Any]]
) -> Iterator[tuple[dict[int, list[Any]], datetime]]:
    """The corpus, window by window, oldest first: ({outlet index: entries}, fetch time).
    Generated by the first database's loader and kept in ``corpus`` (one pickle per
    window), so that the second database gets the same articles without the cost."""
    if corpus.exists():
        with corpus.open("rb") as source:
            while True:
                try:
                    yield pickle.load(source)
                except EOFError:
                    return
    labels = _section_labels()
    rng = random.Random(seed)
    writers = {"ar": CorpusWriter(seed + 1), "fr": FrenchWriter(seed + 2)}
    plan = _plan(count, seed + 3, outlets)
    post_id = 100_000
    size = max(1, -(-len(plan) // WINDOWS))
    partial = corpus.with_suffix(".partial")
    with partial.open("wb") as out:
        for start in range(0, len(plan), size):
            batches: dict[int, list[Any]] = {}
            for when, outlet, section, has_image in plan[start : start + size]:
                post_id += rng.randint(1, 9)
                writer = writers[outlets[outlet]["language"]]
                entry = _entry(writer, outlets[outlet], post_id, when, section, has_image, labels)
                batches.setdefault(outlet, []).append(entry)
            fetched_at = plan[min(start + size, len(plan)) - 1][0] + timedelta(minutes=2)
            pickle.dump((batches, fetched_at), out, protocol=pickle.HIGHEST_PROTOCOL)
            yield batches, fetched_at
    partial.rename(corpus)


def _load(env: dict[str, str], count: int, seed: int, corpus: Path, conn: Any) -> None:
    """Child process: fill the migrated database of ``env``; send timings and URLs."""
    django_setup(env)
    from django.db import connection
    from django.db.models import Count

    from articles.ingest.store import store_entries
    from articles.models import (
        Article,
        ArticleImage,
        Category,
        ContentVersion,
        Image,
        ReportReason,
        Source,
        Visibility,
    )
    from articles.site.paging import PAGE_SIZE, encode_cursor

    reused = corpus.exists()
    outlets = _outlets(random.Random(seed))
    Source.objects.bulk_create(
        Source(**{k: v for k, v in o.items() if k != "weight"}) for o in outlets
    )
    sources = {s.slug: s for s in Source.objects.all()}
    by_index = [sources[o["slug"]] for o in outlets]

    gen = store = 0.0
    statuses: Counter[str] = Counter()
    stored = 0
    windows = _windows(corpus, count, seed, outlets)
    while True:
        t0 = time.perf_counter()
        window = next(windows, None)
        t1 = time.perf_counter()
        if window is None:
            break
        batches, fetched_at = window
        for outlet, entries in sorted(batches.items()):
            result = store_entries(by_index[outlet], entries, fetched_at=fetched_at)
            statuses["new"] += result.new
            statuses["updated"] += result.updated
            stored += len(entries)
        t2 = time.perf_counter()
        gen, store = gen + t1 - t0, store + t2 - t1
        progress(f"  stored {stored}/{count} articles ...")

    rng = random.Random(seed + 4)
    t0 = time.perf_counter()
    pictures = _write_pictures(PICTURES)
    t1 = time.perf_counter()
    image_ids = list(Image.objects.order_by("id").values_list("id", flat=True))
    fields = [
        "width", "height", "byte_size", "sha256", "phash", "copy", "copy_width",
        "copy_height", "copy_byte_size", "thumbnail", "thumbnail_width", "thumbnail_height",
    ]  # fmt: skip
    columns = {field.name for field in Image._meta.get_fields()}
    fields += [f for f in ("plain", "tone") if f in columns and f in pictures[0]]
    q = connection.ops.quote_name
    table = q(Image._meta.db_table)
    assignments = ", ".join(f"{q(f)} = %s" for f in ["status", "copied_at", "attempts", *fields])
    now = connection.ops.adapt_datetimefield_value(datetime.now(UTC))
    stored_rows, other_rows = [], []
    for image_id in image_ids:
        roll = rng.random()
        if roll < STORED_SHARE:
            picture = pictures[rng.randrange(len(pictures))]
            stored_rows.append(["stored", now, 1, *(picture[f] for f in fields), image_id])
        else:
            status = "failed" if roll < STORED_SHARE + 0.10 else "pending"
            other_rows.append([status, "http_404" if status == "failed" else "", image_id])
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", stored_rows)  # noqa: S608
        cursor.executemany(
            f"UPDATE {table} SET status = %s, error_code = %s, attempts = 1 WHERE id = %s",  # noqa: S608
            other_rows,
        )
    ContentVersion.objects.bump()
    t2 = time.perf_counter()
    if connection.vendor == "postgresql":
        # In production autovacuum has analysed the tables long since.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    t3 = time.perf_counter()

    # What to ask for: the newest illustrated article (its first picture stored and
    # shown: the lead, with its report link), the biggest section (and its page
    # DEEP_PAGE, or the deepest it has), the biggest outlet.
    link = (
        ArticleImage.objects.filter(
            position=0,
            image__status=Image.Status.STORED,
            image__visibility=Visibility.SHOWN,
        )
        .order_by("-article__published_at", "-article_id")
        .values_list("article_id", "article__source__slug", "image_id")
        .first()
    )
    assert link is not None, "no illustrated article"
    # Images to report, in a fixed order: stored ones, the measured article's lead aside.
    report_images = [row[-1] for row in stored_rows if row[-1] != link[2]]
    random.Random(seed + 5).shuffle(report_images)
    sections = list(
        Category.objects.annotate(n=Count("articles")).order_by("-n").values_list("slug", "n")
    )
    section, section_count = sections[0]
    outlet, outlet_count = (
        Source.objects.annotate(n=Count("articles")).order_by("-n").values_list("slug", "n")[0]
    )
    page = max(2, min(DEEP_PAGE, (section_count - 1) // PAGE_SIZE))
    # Page p starts after the last article of page p - 1: 0-based position (p-1)*20 - 1.
    anchor = (
        Article.objects.filter(category__slug=section)
        .order_by("-published_at", "-id")
        .only("id", "published_at")[(page - 1) * PAGE_SIZE - 1]
    )
    conn.send(
        {
            "articles": Article.objects.count(),
            "french": Article.objects.filter(language="fr").count(),
            "no_section": Article.objects.filter(category__isnull=True).count(),
            "images": Image.objects.count(),
            "stored_images": Image.objects.filter(status=Image.Status.STORED).count(),
            "links": ArticleImage.objects.count(),
            "oldest": Article.objects.order_by("published_at").values_list(
                "published_at", flat=True
            )[0],
            "newest": Article.objects.order_by("-published_at").values_list(
                "published_at", flat=True
            )[0],
            "statuses": dict(statuses),
            "generate_s": gen,
            "corpus_reused": reused,
            "store_s": store,
            "pictures_s": t1 - t0,
            "images_s": t2 - t1,
            "finish_s": t3 - t2,
            "sections": sections,
            "outlet_count": outlet_count,
            "deep_page": page,
            "lead_image": link[2],
            "report_images": report_images,
            "reasons": list(ReportReason.values),
            "urls": {
                "home": "/",
                "article": f"/{link[1]}/{link[0]}/",
                "section": f"/section/{section}/",
                "section_deep": f"/section/{section}/?before={encode_cursor(anchor)}",
                "outlet": f"/{outlet}/",
                "rss": "/rss/",
            },
        }
    )
    conn.close()


# --------------------------------------------------------------------------- server


def manage(env: dict[str, str], *command: str) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *command, "--noinput", "-v", "0"],
        env=env,
        cwd=REPO,
        check=True,
    )


def write_profile(out: Any, profile: Any, per: int, *, top: int) -> None:
    """The ``top`` functions of a cProfile by own time, per request (``per`` of them)."""
    import pstats

    raw = pstats.Stats(profile, stream=io.StringIO()).stats  # type: ignore[attr-defined]
    rows = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)
    for (filename, line, func), (_cc, calls, own, cum, _callers) in rows[:top]:
        where = "/".join(Path(filename).parts[-2:]) if filename != "~" else "~"
        out.write(
            f"   {own / per * 1000:7.2f} own {cum / per * 1000:7.2f} cum "
            f"{calls / per:>7.0f} calls  {where}:{line}({func})\n"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(cpu: int) -> list[str]:
    """``taskset -c cpu`` when there are 2+ CPUs and taskset exists, else nothing."""
    if (os.cpu_count() or 1) < 2 or not shutil.which("taskset"):
        return []
    return ["taskset", "-c", str(cpu)]


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@contextlib.contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[tuple[str, int]]:
    """One sync gunicorn worker on a free port; yields (base URL, worker pid)."""
    port = free_port()
    binary = REPO / ".venv" / "bin" / "gunicorn"
    if not binary.exists():
        binary = Path(sys.executable).parent / "gunicorn"
    command = [
        *pinned(1), str(binary), "newsroom.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--worker-class", "sync", "--chdir", str(REPO),
        "--log-level", "warning", "--error-logfile", "-",
    ]  # fmt: skip
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log}")
            with contextlib.suppress(OSError):
                if fetch(base + "/robots.txt")[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer within 60 s; see {log}")
            time.sleep(0.2)
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        workers = children.read_text().split() if children.exists() else []
        yield base, int(workers[0]) if len(workers) == 1 else 0
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def process_cpu(pid: int) -> float:
    """CPU-seconds (user + system) process ``pid`` has used, or 0."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match[1]) * UNITS[match[2]]


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/s, p50/p99 (ms), request count and errors from ``wrk --latency``."""
    figures: dict[str, Any] = {"errors": 0, "non_2xx": 0}
    for line in output.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            figures["rps"] = float(parts[1])
        elif len(parts) == 2 and parts[0] in ("50%", "99%"):
            figures["p" + parts[0].rstrip("%")] = _ms(parts[1])
        elif " requests in " in line:
            figures["requests"] = int(parts[0])
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            figures["non_2xx"] = int(parts[-1])
        elif line.strip().startswith("Socket errors:"):
            figures["errors"] = sum(int(n) for n in re.findall(r"\d+", line))
    missing = {"rps", "p50", "p99", "requests"} - figures.keys()
    if missing:
        raise RuntimeError(f"could not read {sorted(missing)} from wrk:\n{output}")
    return figures


def wrk(url: str, connections: int, seconds: float) -> dict[str, Any]:
    command = [
        *pinned(0), "wrk", "-t1", f"-c{connections}", f"-d{max(1, math.ceil(seconds))}s",
        "--timeout", "10s", "--latency", "-H", "Accept-Encoding: gzip", url,
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def measure(url: str, worker: int, args: argparse.Namespace) -> dict[str, Any]:
    """Throughput at ``--connections``, then latency at 1 connection."""
    cpu0, busy0 = process_cpu(worker), machine_busy()
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = wrk(url, args.connections, args.duration)
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = process_cpu(worker) - cpu0
    wrk_cpu = (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime)
    other = max(0.0, machine_busy() - busy0 - worker_cpu - wrk_cpu)
    # About 10 samples or more at 1 connection, even for a slow page (up to 10 s).
    seconds = max(args.latency_duration, min(10.0, 10 / load["rps"] if load["rps"] else 10.0))
    latency = wrk(url, 1, seconds)
    return {
        "rps": load["rps"],
        "p50": latency["p50"],
        "p99": latency["p99"],
        "p50_loaded": load["p50"],
        "latency_requests": latency["requests"],
        "cpu_ms": 1000 * worker_cpu / load["requests"] if load["requests"] and worker else None,
        "other_share": other / (args.duration * (os.cpu_count() or 1)),
        "errors": load["errors"] + latency["errors"],
        "non_2xx": load["non_2xx"] + latency["non_2xx"],
    }


def check_page(base: str, name: str, path: str) -> dict[str, Any]:
    """GET ``path`` once as a browser would: status, gzip, size, images shown."""
    status, headers, body = fetch(base + path)
    if status != 200:
        raise RuntimeError(f"{name} {path} answered {status}")
    encoding = headers.get("Content-Encoding", "")
    text = gzip.decompress(body) if encoding == "gzip" else body
    return {
        "bytes": len(body),
        "raw_bytes": len(text),
        "gzip": encoding == "gzip",
        "images": len(re.findall(rb'src="/media/images/', text)),
        "stories": text.count(b'<article class="story'),
        "items": text.count(b"<item>"),
        "media": re.search(rb'src="(/media/images/[^"]+)"', text),
        # The report control: one plain link per image shown, the lead's in its figure;
        # no per-reader CSRF token in a page that may be cached.
        "report_links": text.count(b"data-report-image"),
        "lead_report": bool(LEAD_REPORT.search(text)),
        "csrf_tokens": text.count(b"csrfmiddlewaretoken"),
    }


LEAD_REPORT = re.compile(rb'<figure class="lead-figure"(?:(?!</figure>).)*data-report-image', re.S)


def server_run(
    env: dict[str, str], urls: dict[str, str], static: str, args: argparse.Namespace, log: Path
) -> dict[str, Any]:
    """One gunicorn run: check every page, then measure the static file, each page,
    and the static file again."""
    with gunicorn(env, log) as (base, worker):
        checks = {name: check_page(base, name, path) for name, path in urls.items()}
        media = next((c["media"] for c in checks.values() if c["media"]), None)
        media_status = fetch(base + media.group(1).decode())[0] if media else None
        for path in [static, *urls.values()]:  # warm up: caches, connections, imports
            deadline = time.monotonic() + 2
            for _ in range(args.warmup):
                fetch(base + path)
                if time.monotonic() > deadline:
                    break
        results: dict[str, Any] = {"checks": checks, "media_status": media_status}
        progress(f"    static {static} ...")
        first = measure(base + static, worker, args)
        for name, path in urls.items():
            progress(f"    {name} {path[:60]} ...")
            results[name] = measure(base + path, worker, args)
        last = measure(base + static, worker, args)
        results["static_runs"] = (first, last)
        results["static"] = {
            key: (first[key] + last[key]) / 2 if first[key] is not None else None
            for key in ("rps", "p50", "p99", "p50_loaded", "cpu_ms", "other_share")
        }
        results["static"].update(
            errors=first["errors"] + last["errors"],
            non_2xx=first["non_2xx"] + last["non_2xx"],
            latency_requests=min(first["latency_requests"], last["latency_requests"]),
        )
        results["worker"] = worker
    return results


# --------------------------------------------------------------------------- reports


def moderation_env(env: dict[str, str], **settings: int) -> dict[str, str]:
    """``env`` with the moderation settings at the code's defaults, but for ``settings``."""
    clean = {k: v for k, v in env.items() if k not in MODERATION_SETTINGS}
    return {**clean, **{name: str(value) for name, value in settings.items()}}


def form_path(image: int, back: str) -> str:
    """The report form of ``image`` as a page's report link gives it."""
    return f"/images/{image}/?{urlencode({'next': back})}"


TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class Reader:
    """One reader: their own cookies, and their own network (the client socket bound
    to ``source``, 127.0.N.1, so the server sees a /24 of its own)."""

    def __init__(self, port: int, source: str) -> None:
        self.source = source
        self.connection = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=60, source_address=(source, 0)
        )
        self.cookies: dict[str, str] = {}
        self.token = ""

    def request(
        self,
        method: str,
        path: str,
        body: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, float]:
        """(status, body decompressed, seconds from sending to the last byte). gunicorn's
        sync worker closes every connection, so each request connects anew (as wrk's)."""
        sent = {"Accept-Encoding": "gzip", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        t0 = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            return 0, b"", time.perf_counter() - t0
        seconds = time.perf_counter() - t0
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            if value and "max-age=0" not in header.lower():
                self.cookies[name.strip()] = value.strip()
            else:
                self.cookies.pop(name.strip(), None)
        if response.getheader("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        return response.status, data, seconds

    def open_form(self, path: str) -> tuple[bool, float]:
        """GET a report form page; keep its CSRF token (the cookie comes with it)."""
        status, body, seconds = self.request("GET", path)
        token = TOKEN.search(body)
        if token:
            self.token = token.group(1).decode()
        return (
            status == 200 and token is not None and "csrftoken" in self.cookies,
            seconds,
        )

    def report(self, image: int, reason: str, back: str, note: str = "") -> tuple[bool, float]:
        """POST one report as report.js does (the JSON answer: the thanks)."""
        body = urlencode(
            {
                "reason": reason,
                "note": note,
                "next": back,
                "csrfmiddlewaretoken": self.token,
            }
        )
        status, data, seconds = self.request(
            "POST",
            f"/images/{image}/report/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        return status == 200 and b'"message"' in data, seconds

    def page(self, path: str) -> tuple[bool, float]:
        status, _body, seconds = self.request("GET", path)
        return status == 200, seconds


def _phase(
    readers: list[Reader], work: list[list[int]], action: Any, worker: int
) -> dict[str, Any]:
    """Every reader at once (one thread each, started together): ``action(reader, image,
    n)`` for each image of its list. Latencies, failures, wall, and the CPU the worker,
    this process and the rest of the machine used meanwhile."""
    results: list[list[tuple[bool, float]]] = [[] for _ in readers]
    start = threading.Barrier(len(readers) + 1)

    def run(index: int) -> None:
        start.wait()
        for n, image in enumerate(work[index]):
            results[index].append(action(readers[index], image, n))

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(readers))]
    for thread in threads:
        thread.start()
    cpu0, busy0, own0 = process_cpu(worker), machine_busy(), time.process_time()
    t0 = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - t0
    worker_cpu = process_cpu(worker) - cpu0 if worker else 0.0
    own = time.process_time() - own0
    other = max(0.0, machine_busy() - busy0 - worker_cpu - own)
    flat = [r for rs in results for r in rs]
    return {
        "readers": len(readers),
        "latencies": sorted(seconds for _ok, seconds in flat),
        "failed": sum(1 for ok, _seconds in flat if not ok),
        "wall": wall,
        "worker_cpu": worker_cpu if worker else None,
        "client_cpu": own,
        "other_share": other / (wall * (os.cpu_count() or 1)) if wall else 0.0,
    }


def _readers(port: int, worker: int, plan: dict[str, Any], conn: Any) -> None:
    """Client process (pinned to CPU 0, as wrk is): the counted-report measurement.
    Each reader first opens one form page, untimed (its CSRF cookie and token), then,
    everyone at once, phase by phase: GET the form page of each of its images, POST a
    report of each, GET the cached article page as many times; then one reader alone
    (context: the same requests without the 19 others ahead in the worker's queue)."""
    if pinned(0):
        os.sched_setaffinity(0, {0})
    back, reasons = plan["article"], plan["reasons"]
    work: list[list[int]] = plan["work"]
    readers = [Reader(port, source) for source in plan["sources"]]
    warm = [
        reader.open_form(form_path(images[0], back))[0]
        for reader, images in zip(readers, work, strict=True)
    ]
    # One report, untimed, by a reader of its own: the worker's first POST imports and
    # warms what every POST uses.
    spare = Reader(port, "127.0.0.1")
    spare.open_form(form_path(plan["warm_image"], back))
    warm.append(spare.report(plan["warm_image"], reasons[0], back)[0])

    def form(reader: Reader, image: int, n: int) -> tuple[bool, float]:
        return reader.open_form(form_path(image, back))

    def report(reader: Reader, image: int, n: int) -> tuple[bool, float]:
        # A note on one report in five, as some readers write one.
        note = "الصورة لا علاقة لها بالخبر" if n % 5 == 4 else ""
        return reader.report(image, reasons[n % len(reasons)], back, note)

    def page(reader: Reader, image: int, n: int) -> tuple[bool, float]:
        return reader.page(back)

    phases = {
        "form": _phase(readers, work, form, worker),
        "report": _phase(readers, work, report, worker),
        "page": _phase(readers, work, page, worker),
        # Reader 0 alone, on reader 1's images (reported from another network: counted).
        "form_alone": _phase(readers[:1], work[1:2], form, worker),
        "report_alone": _phase(readers[:1], work[1:2], report, worker),
    }
    conn.send({"warm_failed": warm.count(False), "phases": phases})
    conn.close()


def _hiders(port: int, worker: int, plan: dict[str, Any], conn: Any) -> None:
    """Client process: for each target image, ``threshold`` readers from as many
    networks report it, one request at a time: the last report hides it. Each POST is
    timed, with the worker's CPU over it."""
    if pinned(0):
        os.sched_setaffinity(0, {0})
    back, reasons, threshold = plan["article"], plan["reasons"], plan["threshold"]
    warm = Reader(port, "127.0.0.1")
    warm.open_form(form_path(plan["warm_image"], back))
    warm_ok = warm.report(plan["warm_image"], reasons[0], back)[0]
    rows = []
    for t, image in enumerate(plan["targets"]):
        for nth in range(1, threshold + 1):
            reader = Reader(port, f"127.0.{threshold * t + nth}.1")
            opened, _seconds = reader.open_form(form_path(image, back))
            cpu0 = process_cpu(worker)
            ok, seconds = reader.report(image, reasons[nth % len(reasons)], back)
            rows.append(
                {"target": image, "nth": nth, "ok": ok and opened, "seconds": seconds,
                 "cpu": process_cpu(worker) - cpu0 if worker else None}
            )  # fmt: skip
    conn.send({"warm_ok": warm_ok, "rows": rows})
    conn.close()


def _report_state(env: dict[str, str], conn: Any) -> None:
    """Child process: what the reports left in the database."""
    django_setup(env)
    from django.db.models import Count

    from articles.models import Image, ImageReport, ModerationEvent

    def counts(queryset: Any, field: str) -> dict[str, int]:
        rows = queryset.order_by().values_list(field).annotate(n=Count("id"))
        return {str(key): n for key, n in rows}

    conn.send(
        {
            "reports": ImageReport.objects.count(),
            "visibility": counts(Image.objects.all(), "visibility"),
            "events": counts(ModerationEvent.objects.all(), "action"),
        }
    )
    conn.close()


def _hide_prep(
    env: dict[str, str], kind: str, spare: list[int], targets: int, seed: int, conn: Any
) -> None:
    """Child process: make every stored image a picture of its own, as outlets' photos
    are, before the hiding run. The loader's rows share 40 pictures (sha256, phash and
    files), so that hiding one would hide the ~1/40 of all images that are its twins:
    here each row gets its own sha256 and a random distinctive phash (nothing within
    IMAGE_LOOKALIKE_DISTANCE of another but by chance; ``plain`` and ``tone``, where the
    model has them, stay those of the row's picture), and each target image, chosen
    among pictures that are not plain, gets LOOKALIKES look-alike rows: its phash with
    2-4 bits flipped and its tone (another outlet's copy of the photo at another size).
    Targets and look-alikes get copy and thumbnail files of their own, so that hiding
    them moves files to the quarantine storage."""
    django_setup(env)
    from django.conf import settings
    from django.core.files.storage import default_storage
    from django.db import connection, transaction

    from articles.images.copy import store_file
    from articles.images.likeness import is_distinctive
    from articles.models import Image

    t0 = time.perf_counter()
    rng = random.Random(seed + 6)
    columns = {field.name for field in Image._meta.get_fields()}
    traits = "plain" in columns and "tone" in columns
    rows = {
        row[0]: row
        for row in Image.objects.filter(status=Image.Status.STORED).values_list(
            "id", "copy", "thumbnail", "copy_width", "thumbnail_width",
            *(("plain", "tone") if traits else ()),
        )
    }  # fmt: skip

    def distinctive() -> str:
        while True:
            value = f"{rng.getrandbits(64):016x}"
            if is_distinctive(value):
                return value

    def plain(image: int) -> bool | None:
        return rows[image][5] if traits else False

    sha = {i: hashlib.sha256(f"bench-web-{kind}-{i}".encode()).hexdigest() for i in rows}
    phash = {i: distinctive() for i in rows}
    picked = [i for i in spare if i in rows and plain(i) is False][:targets]
    rest = [i for i in spare if i in rows and i not in set(picked)]
    twins, rest = rest[: len(picked) * LOOKALIKES], rest[len(picked) * LOOKALIKES :]
    tone_of: dict[int, str] = {}
    for n, target in enumerate(picked):
        for k, twin in enumerate(twins[n * LOOKALIKES : (n + 1) * LOOKALIKES]):
            while True:
                bits = int(phash[target], 16)
                for bit in rng.sample(range(64), 2 + k % 3):
                    bits ^= 1 << bit
                if is_distinctive(f"{bits:016x}"):
                    phash[twin] = f"{bits:016x}"
                    break
            if traits:
                tone_of[twin] = rows[target][6]
    files: list[tuple[str, str, int]] = []
    for image in picked + twins:
        copy, thumbnail, copy_width, thumbnail_width = rows[image][1:5]
        names = []
        for name, width in ((copy, copy_width), (thumbnail, thumbnail_width)):
            with default_storage.open(name, "rb") as handle:
                names.append(store_file(f"{sha[image]}-{width}.webp", handle.read()))
        files.append((names[0], names[1], image))
    table = connection.ops.quote_name(Image._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET sha256 = %s, phash = %s WHERE id = %s",  # noqa: S608
            [(sha[i], phash[i], i) for i in rows],
        )
        cursor.executemany(
            f"UPDATE {table} SET copy = %s, thumbnail = %s WHERE id = %s",  # noqa: S608
            files,
        )
        if traits:
            cursor.executemany(
                f"UPDATE {table} SET plain = %s, tone = %s WHERE id = %s",  # noqa: S608
                [(False, tone, i) for i, tone in tone_of.items()],
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    conn.send(
        {
            "seconds": time.perf_counter() - t0,
            "rows": len(rows),
            # What lookalikes() walks: stored, not plain (where recorded), with a phash.
            "candidates": sum(1 for i in rows if plain(i) is False or i in tone_of),
            "traits": traits,
            "targets": picked,
            "rest": rest,
            "threshold": settings.IMAGE_REPORT_THRESHOLD,
            "rate": settings.IMAGE_REPORT_RATE,
            "breaker": settings.IMAGE_HIDE_BREAKER,
            "distance": settings.IMAGE_LOOKALIKE_DISTANCE,
        }
    )
    conn.close()


def _profile_reports(
    env: dict[str, str], counted: list[int], hiding: list[int], repeat: int, conn: Any
) -> None:
    """Child process: the report view through Django's test client: one counted report
    (threshold out of reach) and one hiding report (threshold 1) with their SQL, and
    cProfile's top functions over ``repeat`` counted reports and over the other hiding
    report."""
    django_setup(env)
    import cProfile

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT="application/json")
    out = io.StringIO()
    addresses = iter(f"127.0.{n // 250 + 100}.{n % 250 + 1}" for n in range(10**6))

    def post(image: int) -> int:
        data = {"reason": "other", "note": "", "next": "/"}
        path = f"/images/{image}/report/"
        return client.post(path, data, REMOTE_ADDR=next(addresses)).status_code

    def queries(label: str, image: int) -> None:
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            status = post(image)
            wall = time.perf_counter() - t0
        timed = [(float(q["time"]), q["sql"]) for q in captured.captured_queries]
        out.write(
            f"\n{label}: status {status}, {wall * 1000:.1f} ms with SQL capture, "
            f"{len(timed)} queries, {sum(t for t, _ in timed) * 1000:.1f} ms in SQL\n"
        )
        for seconds, sql in sorted(timed, reverse=True)[:6]:
            out.write(f"   {seconds * 1000:7.2f} ms  {sql[:150]}\n")

    def profiled(label: str, images: list[int]) -> None:
        profile = cProfile.Profile()
        t0 = time.perf_counter()
        profile.enable()
        for image in images:
            post(image)
        profile.disable()
        out.write(
            f"   cProfile, {label}: {(time.perf_counter() - t0) * 1000 / len(images):.1f} "
            "ms/report under the profiler; top functions by own time (per report):\n"
        )
        write_profile(out, profile, len(images), top=10)

    with override_settings(
        IMAGE_REPORT_RATE=COUNTED_RATE, IMAGE_REPORT_THRESHOLD=COUNTED_THRESHOLD
    ):
        post(counted[0])  # warm: imports, templates, connections
        queries("counted report", counted[1])
        profiled(f"{len(counted) - 2} counted reports", counted[2:])
    with override_settings(IMAGE_REPORT_RATE=COUNTED_RATE, IMAGE_REPORT_THRESHOLD=1):
        queries("hiding report (threshold 1)", hiding[0])
        profiled("1 hiding report", hiding[1:2])
    conn.send(out.getvalue())
    conn.close()


def report_runs(
    ctx: Any,
    env: dict[str, str],
    data: dict[str, Any],
    kind: str,
    args: argparse.Namespace,
    log: Path,
) -> dict[str, Any]:
    """The counted-report run (20 readers at once), then the hiding run (one at a time)."""
    article = data["urls"]["article"]
    images: list[int] = data["report_images"]
    extra = 2 if args.profile else 0
    # Kept aside for the hiding run: targets and their look-alikes, warm-ups, profile.
    aside = (args.hides + extra) * (1 + LOOKALIKES) + args.profile_requests + 10
    pool = images[: max(1, min(args.readers * args.reports, len(images) - aside))]
    work = [
        [pool[(r * args.reports + n) % len(pool)] for n in range(args.reports)]
        for r in range(args.readers)
    ]
    spare = images[len(pool) :]
    plan = {
        "article": article,
        "reasons": data["reasons"],
        "work": work,
        "sources": [f"127.0.{r + 1}.1" for r in range(args.readers)],
        "warm_image": spare[0],
    }
    counted_env = moderation_env(
        env, IMAGE_REPORT_RATE=COUNTED_RATE, IMAGE_REPORT_THRESHOLD=COUNTED_THRESHOLD
    )
    progress(
        f"[{kind}] gunicorn, {args.readers} readers x {args.reports} reports (counted path) ..."
    )
    with gunicorn(counted_env, log) as (base, worker):
        status = fetch(base + form_path(pool[0], article))[0]
        if status != 200:
            raise RuntimeError(f"the report form answered {status}; see {log}")
        counted = child(ctx, _readers, int(base.rsplit(":", 1)[1]), worker, plan)
    counted["state"] = child(ctx, _report_state, env)
    # Counted: each (reader, image) once (readers are distinct networks too), the
    # lone reader's reports of reader 1's images, and the warm-up report.
    pairs = {(r, image) for r, images in enumerate(work) for image in images}
    pairs |= {(0, image) for image in work[1]}
    counted.update(
        distinct=len(set(pool)),
        sent=args.readers * args.reports,
        expected=len(pairs) + 1,
    )

    hide_env = moderation_env(env)
    progress(f"[{kind}] one picture per image row, {args.hides} targets with look-alikes ...")
    prep = child(ctx, _hide_prep, hide_env, kind, spare[1:], args.hides + extra, args.seed)
    targets = prep["targets"][: args.hides]
    if prep["threshold"] * len(targets) > 254:
        raise RuntimeError(
            f"IMAGE_REPORT_THRESHOLD {prep['threshold']} x {len(targets)} images: more "
            "networks than 127.0.N.1 gives"
        )
    hide_plan = {
        "article": article,
        "reasons": data["reasons"],
        "targets": targets,
        "threshold": prep["threshold"],
        "warm_image": prep["rest"][0],
    }
    progress(
        f"[{kind}] gunicorn, default settings: {len(targets)} images reported until hidden ..."
    )
    with gunicorn(hide_env, log) as (base, worker):
        hiding = child(ctx, _hiders, int(base.rsplit(":", 1)[1]), worker, hide_plan)
    hiding["state"] = child(ctx, _report_state, env)
    hiding["prep"] = prep
    hiding["before"] = counted["state"]
    profile = ""
    if args.profile:
        progress(f"[{kind}] profiling the report view (test client) ...")
        rest = prep["rest"][1:]
        profile = child(
            ctx,
            _profile_reports,
            moderation_env(env),
            rest[: args.profile_requests + 2],
            prep["targets"][args.hides :],
            args.profile_requests,
        )
    return {"counted": counted, "hiding": hiding, "profile": profile}


# --------------------------------------------------------------------------- profile


def _profile(
    env: dict[str, str], urls: dict[str, str], static: str, repeat: int, conn: Any
) -> None:
    """Child process: each page through Django's test client with the page cache off:
    SQL queries (count, time, the slowest) and cProfile's top functions by own time;
    then a cached home page hit and the static file, for the cached-home ratio."""
    env = {**env, "PAGE_CACHE_SECONDS": "0"}
    django_setup(env)
    import cProfile

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_ENCODING="gzip")
    out = io.StringIO()

    def one(label: str, path: str, requests: int) -> None:
        client.get(path)  # warm: fragments, templates, imports, the page cache
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            status = client.get(path).status_code
            wall = time.perf_counter() - t0
        timed = sorted(
            ((float(q["time"]), q["sql"]) for q in queries.captured_queries), reverse=True
        )
        out.write(
            f"\n{label} {path}: status {status}, {wall * 1000:.1f} ms with SQL capture, "
            f"{len(timed)} queries, {sum(t for t, _ in timed) * 1000:.1f} ms in SQL\n"
        )
        for seconds, sql in timed[:3]:
            out.write(f"   {seconds * 1000:7.2f} ms  {sql[:150]}\n")
        profile = cProfile.Profile()
        t0 = time.perf_counter()
        profile.enable()
        for _ in range(requests):
            client.get(path)
        profile.disable()
        out.write(
            f"   cProfile, {requests} requests: "
            f"{(time.perf_counter() - t0) * 1000 / requests:.2f} ms/request under the "
            "profiler; top functions by own time (per request):\n"
        )
        write_profile(out, profile, requests, top=8)

    for name, path in urls.items():
        one(name, path, repeat)
    with override_settings(PAGE_CACHE_SECONDS=600):
        one("home, page cache on (hits)", "/", repeat * 20)
    one("static file", static, repeat * 20)
    conn.send(out.getvalue())
    conn.close()


# --------------------------------------------------------------------------- main


class ScratchPostgres(PostgresDatabases):
    """Benchlib's scratch PostgreSQL databases, dropped without Django in this process."""

    def cleanup(self) -> None:
        for name in reversed(self.created):
            self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.close()


def postgres_reachable(url: str) -> str:
    """'' when PostgreSQL answers at ``url``, else why not."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0]
    return ""


def child(ctx: Any, target: Any, *args: Any) -> Any:
    """Run ``target(*args, conn)`` in a spawned process; return what it sends."""
    parent, child_end = ctx.Pipe(duplex=False)
    process = ctx.Process(target=target, args=(*args, child_end))
    process.start()
    child_end.close()
    try:
        result = parent.recv()
    except EOFError:
        process.join()
        raise RuntimeError(f"{target.__name__} failed (exit code {process.exitcode})") from None
    process.join()
    return result


def run_backend(
    ctx: Any,
    args: argparse.Namespace,
    databases: SqliteDatabases | PostgresDatabases,
    common: dict[str, str],
    static: str,
    tmp: Path,
) -> dict[str, Any]:
    env = {**common, **databases.env("web")}
    databases.create("web")
    progress(f"[{databases.kind}] migrating {databases.describe('web')} ...")
    t0 = time.perf_counter()
    manage(env, "migrate")
    migrate_s = time.perf_counter() - t0
    progress(f"[{databases.kind}] loading {args.articles} articles ...")
    t0 = time.perf_counter()
    data = child(ctx, _load, env, args.articles, args.seed, tmp / "corpus.pickle")
    data["load_s"] = time.perf_counter() - t0
    data["migrate_s"] = migrate_s
    runs = {}
    for label, cache_env in (("cached", {}), ("uncached", {"PAGE_CACHE_SECONDS": "0"})):
        progress(f"[{databases.kind}] gunicorn, page cache {label} ...")
        runs[label] = server_run(
            {**env, **cache_env}, data["urls"], static, args, tmp / "gunicorn.log"
        )
    profile = ""
    if args.profile:
        progress(f"[{databases.kind}] profiling the pages (test client, page cache off) ...")
        profile = child(ctx, _profile, env, data["urls"], static, args.profile_requests)
    reports = None
    if not args.no_reports:
        reports = report_runs(ctx, env, data, databases.kind, args, tmp / "gunicorn.log")
    return {
        "kind": databases.kind,
        "where": databases.describe("web"),
        "data": data,
        "runs": runs,
        "profile": profile,
        "reports": reports,
    }


def server_env(var_dir: Path) -> dict[str, str]:
    """What the gunicorn worker (and manage.py) see: a production web process."""
    env = {k: v for k, v in os.environ.items() if k not in ("PAGE_CACHE_SECONDS", "SQLITE_PATH")}
    env.update(base_env(var_dir))
    env.pop("FETCH_ALLOW_PRIVATE_ADDRESSES", None)  # a web process never fetches
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-not-secret-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SERVE_MEDIA": "1",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(REPO),
        }
    )
    return env


def static_path(var_dir: Path) -> str:
    """The hashed name of css/site.css, as pages link it (from the manifest)."""
    manifest = json.loads((var_dir / "staticfiles" / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["css/site.css"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        epilog="Targets: uncached p50 <= 25 ms for every page; cached home >= 50%% of "
        "the static file's requests/s. See bench/README.md.",
    )
    parser.add_argument(
        "--articles", type=int, default=None, help=f"articles to load (default {DEFAULT_ARTICLES})"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_ARTICLES} articles (unless --articles), 2 s + 1 s per URL",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    parser.add_argument(
        "--duration", type=float, default=None, help="seconds of wrk per URL for req/s (5)"
    )
    parser.add_argument(
        "--latency-duration",
        type=float,
        default=None,
        help="seconds of wrk per URL at 1 connection for p50/p99 (3)",
    )
    parser.add_argument("--connections", type=int, default=4, help="wrk connections for req/s (4)")
    parser.add_argument(
        "--database-url",
        default=POSTGRES_URL,
        help=f"PostgreSQL server for the second run (default {POSTGRES_URL}); a scratch "
        "database is created there and dropped at the end",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile each page (test client, page cache off): SQL and cProfile",
    )
    parser.add_argument(
        "--readers",
        type=int,
        default=READERS,
        help=f"concurrent readers of the report measurement ({READERS})",
    )
    parser.add_argument(
        "--reports",
        type=int,
        default=None,
        help=f"reports (and form pages, cached pages) per reader ({REPORTS}; --quick "
        f"{QUICK_REPORTS})",
    )
    parser.add_argument(
        "--hides",
        type=int,
        default=None,
        help=f"images reported until hidden, one at a time ({HIDES}; --quick {QUICK_HIDES})",
    )
    parser.add_argument(
        "--no-reports", action="store_true", help="skip the report POST and hiding runs"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = parser.parse_args(argv)
    if args.reports is None:
        args.reports = QUICK_REPORTS if args.quick else REPORTS
    if args.hides is None:
        args.hides = QUICK_HIDES if args.quick else HIDES
    if args.articles is None:
        args.articles = QUICK_ARTICLES if args.quick else DEFAULT_ARTICLES
    if args.duration is None:
        args.duration = 2.0 if args.quick else 5.0
    if args.latency_duration is None:
        args.latency_duration = 1.0 if args.quick else 3.0
    args.warmup = 5 if args.quick else 20
    args.profile_requests = 5 if args.quick else 20
    if args.articles < 1_000:
        parser.error("--articles must be at least 1000 (12 sections x 100 outlets)")
    if args.duration < 1 or args.latency_duration < 1:
        parser.error("--duration and --latency-duration must be at least 1 second")
    if not 1 <= args.connections <= 256:
        parser.error("--connections must be between 1 and 256")
    # Reader N connects from 127.0.N.1; the hiding run's readers use 127.0.1.1 up to
    # 127.0.(3 x hides).1, and the default IMAGE_HIDE_BREAKER (20) must not trip.
    if not 2 <= args.readers <= 250:
        parser.error("--readers must be between 2 and 250 (one 127.0.N.1 network each)")
    if not 1 <= args.reports <= 10_000:
        parser.error("--reports must be between 1 and 10000")
    if not 1 <= args.hides <= 15:
        parser.error("--hides must be between 1 and 15 (under the hiding breaker)")
    if args.database_url and urlsplit(args.database_url).scheme not in ("postgres", "postgresql"):
        parser.error("--database-url must be a postgres:// URL")
    return args


def main() -> None:
    args = parse_args()
    if not shutil.which("wrk"):
        print("bench/web.py: wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        sys.exit(2)
    ctx = mp.get_context("spawn")
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    skipped = ""
    with temp_dir("newsroom-bench-web-", args.keep) as tmp:
        var_dir = tmp / "var"
        common = server_env(var_dir)
        progress("collectstatic ...")
        manage({**common, "SQLITE_PATH": str(tmp / "unused.sqlite3")}, "collectstatic")
        static = static_path(var_dir)
        backends: list[Any] = [lambda: SqliteDatabases(tmp)]
        if not args.no_postgres:
            skipped = postgres_reachable(args.database_url)
            if not skipped:
                backends.append(lambda: ScratchPostgres(args.database_url))
        for make in backends:
            databases = make()
            try:
                results.append(run_backend(ctx, args, databases, common, static, tmp))
            finally:
                databases.cleanup()
        report(args, results, static, skipped, time.perf_counter() - started)


# --------------------------------------------------------------------------- report


def report(
    args: argparse.Namespace,
    results: list[dict[str, Any]],
    static: str,
    skipped: str,
    elapsed: float,
) -> None:
    import django

    version = subprocess.run(
        [str(REPO / ".venv" / "bin" / "gunicorn"), "--version"], capture_output=True, text=True
    ).stdout
    gunicorn_version = ["gunicorn", *re.findall(r"\d+(?:\.\d+)+", version)[:1]]
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()
    print()
    print(
        f"Newsroom web benchmark: {args.articles} articles, {OUTLET_COUNT} outlets, 12 sections"
        f" (seed {args.seed}); Python {sys.version.split()[0]}, Django {django.__version__}, "
        f"{' '.join(gunicorn_version)}, wrk "
        f"{wrk_version[1] if len(wrk_version) > 1 else '?'}; {os.cpu_count()} CPUs"
    )
    print(
        "server: gunicorn newsroom.wsgi, 1 sync worker"
        f"{' pinned to CPU 1' if pinned(1) else ''}; DEBUG=0, WhiteNoise + manifest static "
        "files, SERVE_MEDIA=1, local-memory cache (CACHE_URL empty)."
    )
    print(
        f"client: wrk{' pinned to CPU 0' if pinned(0) else ''}, Accept-Encoding: gzip; req/s "
        f"with {args.connections} connections over {args.duration:g} s, p50/p99 with 1 "
        f"connection over {args.latency_duration:g} s; baseline = {static} (mean of the "
        "server run's first and last measurement)."
    )
    print(
        "cached = as configured (page cache on); uncached = PAGE_CACHE_SECONDS=0 (whole-page "
        "cache off; the nav/ticker/home-block fragments stay cached, as configured)."
    )
    if skipped:
        print(f"PostgreSQL skipped: {skipped}")
    for result in results:
        print_backend(result, static, args)
    print()
    print(f"whole run: {elapsed:.0f} s")


def _rate(rps: float) -> str:
    return f"{rps:.0f}" if rps >= 100 else f"{rps:.1f}"


def print_backend(result: dict[str, Any], static: str, args: argparse.Namespace) -> None:
    data, runs = result["data"], result["runs"]
    finish = "VACUUM ANALYZE" if result["kind"] == "postgresql" else "WAL checkpoint"
    corpus = "corpus read back" if data["corpus_reused"] else "generate + clean_html"
    print()
    print(f"== {result['kind']} ({result['where']})")
    sections = ", ".join(f"{slug} {n}" for slug, n in data["sections"][:3])
    print(
        f"data: {data['articles']} articles ({data['french']} French, {data['no_section']} in "
        f"no section), {data['oldest']:%Y-%m-%d} .. {data['newest']:%Y-%m-%d}; biggest "
        f"sections {sections}; biggest outlet {data['outlet_count']}; {data['images']} "
        f"images ({data['stored_images']} stored), {data['links']} links"
    )
    print(
        f"load: {data['load_s']:.1f} s (migrate {data['migrate_s']:.1f} s apart): {corpus} "
        f"{data['generate_s']:.1f} s, store_entries {data['store_s']:.1f} s "
        f"({data['articles'] / data['store_s']:.0f} articles/s) "
        f"({data['statuses']}), WebP pictures {data['pictures_s']:.1f} s, image rows "
        f"{data['images_s']:.1f} s, {finish} {data['finish_s']:.1f} s"
    )
    header = (
        f"  {'page':<13} {'cached req/s':>12} {'x static':>8} {'p50 ms':>7} {'p99 ms':>7}"
        f" | {'uncached req/s':>14} {'x static':>8} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms':>6}"
        f" {'KB gz':>6}  targets"
    )
    print()
    print_header(header)
    cached_static = runs["cached"]["static"]
    uncached_static = runs["uncached"]["static"]
    misses: list[str] = []
    notes: list[str] = []
    for name in ("static", *PAGES):
        c, u = runs["cached"][name], runs["uncached"][name]
        check = runs["uncached"]["checks"].get(name)
        size = f"{check['bytes'] / 1024:6.1f}" if check else f"{'':>6}"
        verdicts = []
        if name != "static":
            ok = u["p50"] <= TARGET_P50_MS
            verdicts.append(f"p50<={TARGET_P50_MS:g} {'meets' if ok else 'MISSES'}")
            if not ok:
                misses.append(f"{result['kind']} {name}: uncached p50 {u['p50']:.1f} ms")
        if name == "home":
            ratio = c["rps"] / cached_static["rps"]
            ok = ratio >= TARGET_HOME_RATIO
            verdicts.append(f"cached>={TARGET_HOME_RATIO:.0%} {'meets' if ok else 'MISSES'}")
            if not ok:
                misses.append(f"{result['kind']} home: cached {ratio:.0%} of static")
        for label, figures in (("cached", c), ("uncached", u)):
            if figures["errors"] or figures["non_2xx"]:
                notes.append(
                    f"{name} ({label}): {figures['non_2xx']} non-2xx, {figures['errors']} "
                    "socket errors"
                )
        cpu = f"{u['cpu_ms']:6.2f}" if u["cpu_ms"] is not None else f"{'?':>6}"
        for label, figures in (("cached", c), ("uncached", u)):
            if figures["latency_requests"] < 5:
                notes.append(
                    f"{name} ({label}): p50/p99 from only {figures['latency_requests']} requests"
                )
        print(
            f"  {name:<13} {_rate(c['rps']):>12} {c['rps'] / cached_static['rps']:8.3f} "
            f"{c['p50']:7.2f} {c['p99']:7.2f} | {_rate(u['rps']):>14} "
            f"{u['rps'] / uncached_static['rps']:8.3f} {u['p50']:7.2f} {u['p99']:7.2f} {cpu}"
            f" {size}  {', '.join(verdicts)}"
        )
    print()
    urls = data["urls"]
    print(
        f"  article {urls['article']}; section {urls['section']}; section_deep = page "
        f"{data['deep_page']} of it ({urls['section_deep']}); outlet {urls['outlet']}"
    )
    print(
        "  CPU ms = gunicorn worker CPU per request (uncached run, /proc); KB gz = response "
        "as sent; x static = req/s / the same run's static req/s."
    )
    for label in ("cached", "uncached"):
        first, last = runs[label]["static_runs"]
        checks = runs[label]["checks"]
        shown = ", ".join(f"{n} {c['images']}" for n, c in checks.items() if n != "rss")
        other = max(runs[label][n]["other_share"] for n in ("static", *PAGES))
        print(
            f"  {label}: static {first['rps']:.0f} -> {last['rps']:.0f} req/s (first/last); "
            f"images shown: {shown}; /media/ copy answered {runs[label]['media_status']}; "
            f"other load up to {other:.0%}"
        )
        if not all(c["gzip"] for c in checks.values()):
            notes.append(f"{label}: not every page came gzip-compressed")
        if other > 0.10:
            notes.append(
                f"{label}: other processes (PostgreSQL included) used up to {other:.0%} of "
                "the machine during a measurement"
            )
    print_report_control(runs, notes)
    for note in notes:
        print(f"  !! {note}")
    print("  verdict: " + ("every target met" if not misses else "MISSES: " + "; ".join(misses)))
    if result["profile"]:
        print()
        print(f"  profile ({result['kind']}, test client, page cache off):")
        print(result["profile"])
    if result.get("reports"):
        print_reports(result, args)


def _pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of sorted ``values``, in ms."""
    if not values:
        return float("nan")
    return 1000 * values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def print_report_control(runs: dict[str, Any], notes: list[str]) -> None:
    """The report control as the measured pages carry it."""
    for label in ("cached", "uncached"):
        checks = runs[label]["checks"]
        shown = ", ".join(
            f"{name} {check['report_links']}" for name, check in checks.items() if name != "rss"
        )
        article = checks.get("article")
        lead = "yes" if article and article["lead_report"] else "NO"
        tokens = sum(check["csrf_tokens"] for check in checks.values())
        print(
            f"  report control in place ({label}): data-report-image links: {shown}; "
            f"article lead figure has its link: {lead}; CSRF tokens in these pages: {tokens}"
        )
        if lead != "yes" or not checks["home"]["report_links"]:
            notes.append(f"{label}: the report control is missing from the measured pages")
        if tokens:
            notes.append(f"{label}: a measured page carries a CSRF token (per-reader)")


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def print_reports(result: dict[str, Any], args: argparse.Namespace) -> None:
    reports = result["reports"]
    counted, hiding = reports["counted"], reports["hiding"]
    phases = counted["phases"]
    print()
    print(
        f"  report this image: POST /images/<id>/report/ (reason, note, next, "
        "csrfmiddlewaretoken; Accept: application/json), "
        f"{phases['report']['readers']} readers at once, each with its own cookies and "
        f"network (client socket bound to 127.0.1.1 .. 127.0.{phases['report']['readers']}.1), "
        f"{args.reports} requests each, {counted['distinct']} distinct stored images; server "
        f"env IMAGE_REPORT_RATE={COUNTED_RATE} and IMAGE_REPORT_THRESHOLD={COUNTED_THRESHOLD}: "
        "every report takes the counted path (rate check on the cache, image row lock, "
        "insert with its unique hashes, window count) and none hides. Same gunicorn "
        "(1 sync worker), page cache on; each reader opened one form page first, untimed."
    )
    header = (
        f"    {'request':<28} {'n':>5} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'CPU ms':>7} {'failed':>6} {'other':>6}"
    )
    print_header(header)
    labels = {
        "form": "form page GET /images/<id>/",
        "report": "report POST",
        "page": "cached page GET (article)",
        "form_alone": "form page GET, 1 reader",
        "report_alone": "report POST, 1 reader",
    }
    notes = []
    for key, label in labels.items():
        phase = phases[key]
        n = len(phase["latencies"])
        cpu = phase["worker_cpu"]
        cpu_text = f"{1000 * cpu / n:7.2f}" if cpu is not None and n else f"{'?':>7}"
        p50, p99 = _pct(phase["latencies"], 0.5), _pct(phase["latencies"], 0.99)
        print(
            f"    {label:<28} {n:>5} {n / phase['wall']:7.1f} {p50:8.2f} {p99:8.2f} "
            f"{cpu_text} {phase['failed']:>6} {phase['other_share']:6.0%}"
        )
        if phase["failed"]:
            notes.append(f"{label}: {phase['failed']} requests failed (not 200 / no thanks)")
        if phase["other_share"] > 0.10:
            notes.append(
                f"{label}: other processes used {phase['other_share']:.0%} of the machine"
            )

    def ratio(key: str, base: str, q: float) -> str:
        return f"{_pct(phases[key]['latencies'], q) / _pct(phases[base]['latencies'], q):.2f}"

    def cpu_ratio(key: str, base: str) -> str:
        a, b = phases[key], phases[base]
        if not a["worker_cpu"] or not b["worker_cpu"]:
            return "?"
        per_a, per_b = a["worker_cpu"] / len(a["latencies"]), b["worker_cpu"] / len(b["latencies"])
        return f"{per_a / per_b:.2f}"

    versus = [
        f"POST / {label}: p50 x{ratio('report', base, 0.5)}, p99 x{ratio('report', base, 0.99)}, "
        f"worker CPU x{cpu_ratio('report', base)}"
        for base, label in (("form", "form GET"), ("page", "cached page GET"))
    ]
    versus.append(f"1 reader: POST / form GET p50 x{ratio('report_alone', 'form_alone', 0.5)}")
    print("    " + "; ".join(versus))
    print(
        "    CPU ms = gunicorn worker CPU per request (/proc; the PostgreSQL backend is in "
        "'other'); one sync worker serves one request at a time, so at 20 readers a "
        "request waits for those ahead of it: p50 there is about 20 x the request's own "
        "time, the 1-reader rows show that time."
    )
    state = counted["state"]
    hidden = sum(n for v, n in state["visibility"].items() if v in ("auto_hidden", "staff_hidden"))
    print(
        f"    database after: {state['reports']} reports counted (expected {counted['expected']}: "
        f"{counted['sent']} + {args.reports} of the lone reader + 1 warm-up), {hidden} images "
        f"hidden (expected 0); warm-up failures {counted['warm_failed']}"
    )
    if state["reports"] != counted["expected"] or hidden:
        notes.append("the counted run did not count every report, or hid an image")

    prep, rows = hiding["prep"], hiding["rows"]
    threshold = prep["threshold"]
    hides = [r for r in rows if r["nth"] == threshold]
    others = [r for r in rows if r["nth"] < threshold]
    print()
    print(
        f"  hiding path: default settings (IMAGE_REPORT_THRESHOLD={threshold}, "
        f"IMAGE_REPORT_RATE={prep['rate']}, IMAGE_HIDE_BREAKER={prep['breaker']}, "
        f"IMAGE_LOOKALIKE_DISTANCE={prep['distance']}), one request at a time: {len(hides)} "
        f"images, each reported by {threshold} readers from {threshold} networks; the "
        f"{ordinal(threshold)} report hides it, with the look-alike scan (lookalikes()) "
        f"over the {prep['candidates']} of {prep['rows']} stored images that "
        f"{'are not plain' if prep['traits'] else 'have a phash'}. Before the run every "
        f"stored image was made a picture of its own (own sha256, random phash; "
        f"{prep['seconds']:.1f} s), each target with {LOOKALIKES} look-alikes (phash 2-4 "
        "bits away, same tone) and files of its own."
    )

    def summary(items: list[dict[str, Any]]) -> str:
        seconds = sorted(r["seconds"] for r in items)
        cpus = [r["cpu"] for r in items if r["cpu"] is not None]
        tick = 1000 / os.sysconf("SC_CLK_TCK")
        cpu = (
            f", worker CPU {1000 * sum(cpus) / len(cpus):.1f} ms mean (/proc, {tick:g} ms ticks)"
            if cpus
            else ""
        )
        return (
            f"p50 {_pct(seconds, 0.5):.1f} ms (min {1000 * seconds[0]:.1f}, max "
            f"{1000 * seconds[-1]:.1f}, n {len(seconds)}){cpu}"
        )

    first = f"counted reports (1st .. {ordinal(threshold - 1)} of an image):"
    print(f"    {first:<42} {summary(others)}")
    print(f"    {f'hiding report ({ordinal(threshold)}):':<42} {summary(hides)}")
    hide_p50 = _pct(sorted(r["seconds"] for r in hides), 0.5)
    counted_p50 = _pct(sorted(r["seconds"] for r in others), 0.5)
    form_p50 = _pct(phases["form_alone"]["latencies"], 0.5)
    print(
        f"    hiding / counted p50 x{hide_p50 / counted_p50:.1f}; hiding report / form GET "
        f"(1 reader, counted run) p50 x{hide_p50 / form_p50:.1f}"
    )
    before, after = hiding["before"], hiding["state"]
    auto = after["visibility"].get("auto_hidden", 0) - before["visibility"].get("auto_hidden", 0)
    events = after["events"].get("auto_hide", 0) - before["events"].get("auto_hide", 0)
    twins = len(hides) * LOOKALIKES
    print(
        f"    database after: {auto} images hidden automatically (expected {len(hides)} + "
        f"{twins} look-alikes), {events} auto_hide events (expected {len(hides)}); failed "
        f"requests {sum(1 for r in rows if not r['ok'])}"
    )
    if auto != len(hides) + twins or events != len(hides):
        notes.append("the hiding run did not hide exactly the targets and their look-alikes")
    if any(not r["ok"] for r in rows) or not hiding["warm_ok"]:
        notes.append("the hiding run had failed requests")
    for note in notes:
        print(f"  !! {note}")
    if reports["profile"]:
        print()
        print(f"  report view profile ({result['kind']}, test client):")
        print(reports["profile"])


if __name__ == "__main__":
    main()

"""The default outlet roster (``data/outlets.csv``; docs/outlets.md says how sure we are
of each feed and why some start paused) and the canonical sections."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from articles.lib.text import normalize_label

ROSTER_FILE = Path(__file__).resolve().parent / "data" / "outlets.csv"

# Evidence grades whose feeds start active; a guess starts paused until staff check it.
TRUSTED_EVIDENCE = ("verified", "seen", "cited")

# Why a roster entry starts paused, as staff read it in admin (``Outlet.paused_reason``).
# The roster's codes: 403 (refused a polite, identifying request), robots (robots.txt
# forbids the feed to crawlers like ours), no-feed (the address answers 404 or 403).
# Never worked around: staff enable such an outlet only with the site's consent.
REFUSALS = {
    "403": "رفض الموقع طلبا مهذبا يعرّف بنفسه (HTTP 403) يوم {date}. لا نتحايل على الرفض: "
    "لا يُفعَّل المصدر إلا إن سمح لنا الموقع.",
    "robots": "ملف robots.txt في الموقع يمنع الزواحف العامة من رابط التغذية (فحص {date}). "
    "لا يُفعَّل المصدر إلا إن سمح الملف لوكيلنا NewsroomBot.",
    "no-feed": "لا تغذية صالحة في هذا الرابط: أجاب بالخطأ 404 أو 403 (فحص {date}). "
    "ابحث عن رابط التغذية الصحيح قبل تفعيله.",
}
GUESSED = "رابط التغذية تخمين لم يُتحقَّق منه: تأكد أنه يعمل قبل تفعيل المصدر."


@dataclass(frozen=True)
class RosterEntry:
    slug: str
    name: str
    name_latin: str
    site_url: str
    feed_url: str
    language: str
    evidence: str
    kind: str = "national"
    region: str = ""  # a region's slug (articles.models.regions), regional outlets only
    refused: str = ""  # a key of REFUSALS: the site refuses crawlers like ours
    refused_on: str = ""  # when it was seen refusing (YYYY-MM-DD)

    @property
    def is_active_default(self) -> bool:
        """Only verified/seen/cited feeds start active, and never one of an outlet known
        to refuse polite crawlers: those are paused, not bypassed."""
        return self.evidence in TRUSTED_EVIDENCE and not self.refused

    @property
    def paused_reason(self) -> str:
        """Why the roster starts this outlet paused (empty if it starts active)."""
        if self.refused:
            return REFUSALS[self.refused].format(date=self.refused_on)
        if self.evidence not in TRUSTED_EVIDENCE:
            return GUESSED
        return ""


class RosterFileError(ValueError):
    """A row of the roster file cannot be read (its line number says which)."""


def read_roster(path: Path = ROSTER_FILE) -> tuple[RosterEntry, ...]:
    """The roster file's rows; its ``note`` column is for maintainers only."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return tuple(_entry(row, line) for line, row in enumerate(rows, start=2))


def _entry(row: dict[str, str | None], line: int) -> RosterEntry:
    if None in row or any(value is None for value in row.values()):
        raise RosterFileError(f"{ROSTER_FILE.name} line {line}: wrong number of columns")
    values = {key: str(value).strip() for key, value in row.items() if key != "note"}
    if values["refused"] and values["refused"] not in REFUSALS:
        raise RosterFileError(
            f"{ROSTER_FILE.name} line {line}: refused must be one of {', '.join(REFUSALS)}"
        )
    return RosterEntry(**values)


OUTLETS = read_roster()

# fmt: off
# (slug, Arabic name, French name, aliases as outlets write them)
SECTIONS = (
    ("politics", "سياسة", "Politique", ("سياسة", "السياسة", "سياسي", "أخبار سياسية", "politique", "politics", "parlement")),
    ("economy", "اقتصاد", "Économie", ("اقتصاد", "الاقتصاد", "اقتصادية", "مال وأعمال", "أعمال", "economie", "économie", "economy", "business", "finance", "entreprises")),
    ("society", "مجتمع", "Société", ("مجتمع", "المجتمع", "أخبار وطنية", "وطنية", "حوادث", "société", "societe", "society", "maroc", "national")),
    ("world", "دولية", "Monde", ("دولية", "دولي", "الدولية", "العالم", "أخبار دولية", "عربي ودولي", "monde", "international", "world", "afrique")),
    ("sports", "رياضة", "Sport", ("رياضة", "الرياضة", "رياضي", "كرة القدم", "المنتخب الوطني", "كأس إفريقيا", "sport", "sports", "football")),
    ("culture", "ثقافة وفن", "Culture", ("ثقافة وفن", "ثقافة", "الثقافة", "فن", "فنون", "سينما", "ثقافة وفنون", "culture", "arts", "cinéma", "cinema")),
    ("religion", "دين", "Religion", ("دين", "الدين", "دين ودنيا", "إسلاميات", "religion")),
    ("health", "صحة", "Santé", ("صحة", "الصحة", "طب", "santé", "sante", "health")),
    ("regions", "جهات", "Régions", ("جهات", "الجهات", "جهوية", "أخبار الجهات", "régions", "regions")),
    ("tech", "تكنولوجيا", "Technologie", ("تكنولوجيا", "التكنولوجيا", "علوم وتكنولوجيا", "تقنية", "علوم", "tech", "technologie", "high-tech", "sciences")),
    ("misc", "منوعات", "Divers", ("منوعات", "متفرقات", "divers", "insolite", "lifestyle")),
    ("opinion", "رأي", "Opinion", ("رأي", "الرأي", "آراء", "مقالات رأي", "كتاب وآراء", "opinion", "opinions", "tribune", "chroniques")),
)
# fmt: on


def load_sections(section_model: Any, alias_model: Any) -> None:
    """Create the canonical sections and their global aliases; idempotent. Takes the
    model classes (the test suite passes the live ones)."""
    for position, (slug, name, name_fr, aliases) in enumerate(SECTIONS):
        section, _ = section_model.objects.get_or_create(
            slug=slug, defaults={"name": name, "name_fr": name_fr, "position": position}
        )
        for label in {normalize_label(a) for a in (name, name_fr, *aliases)}:
            alias_model.objects.get_or_create(
                outlet=None, label=label, defaults={"section": section}
            )

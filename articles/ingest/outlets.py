"""The default outlet roster (docs/outlets.md says how sure we are of each feed) and the
canonical sections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from articles.lib.text import normalize_label


@dataclass(frozen=True)
class RosterEntry:
    slug: str
    name: str
    name_latin: str
    site_url: str
    feed_url: str
    language: str
    evidence: str

    @property
    def is_active_default(self) -> bool:
        """Only verified/seen/cited feeds are active by default, and never an outlet
        known to answer with a bot challenge: those are paused, not bypassed."""
        return self.evidence in ("verified", "seen", "cited") and self.slug not in BOT_CHALLENGED


BOT_CHALLENGED = frozenset({"hespress", "medias24"})

# fmt: off
OUTLETS = (
    RosterEntry("hespress", "هسبريس", "Hespress", "https://hespress.com", "https://hespress.com/feed", "ar", "verified"),
    RosterEntry("hespress-fr", "Hespress FR", "Hespress FR", "https://fr.hespress.com", "https://fr.hespress.com/feed", "fr", "verified"),
    RosterEntry("alyaoum24", "اليوم 24", "Alyaoum24", "https://www.alyaoum24.com", "https://www.alyaoum24.com/feed", "ar", "seen"),
    RosterEntry("goud", "كود", "Goud", "https://www.goud.ma", "https://www.goud.ma/feed/", "ar", "seen"),
    RosterEntry("al3omk", "العمق المغربي", "Al3omk", "https://al3omk.com", "https://al3omk.com/feed", "ar", "seen"),
    RosterEntry("telquel", "تيل كيل", "TelQuel", "https://telquel.ma", "https://telquel.ma/feed/", "fr", "seen"),
    RosterEntry("almaghreb24", "المغرب 24", "Almaghreb24", "https://www.almaghreb24.com", "https://www.almaghreb24.com/feed/", "ar", "seen"),
    RosterEntry("akhbarona", "أخبارنا", "Akhbarona", "https://www.akhbarona.com", "https://www.akhbarona.com/feed/index.rss", "ar", "seen"),
    RosterEntry("hibapress", "هبة بريس", "Hibapress", "https://ar.hibapress.com", "https://ar.hibapress.com/feed", "ar", "cited"),
    RosterEntry("alayam24", "الأيام 24", "Alayam24", "https://www.alayam24.com", "https://www.alayam24.com/feed", "ar", "cited"),
    RosterEntry("barlamane", "برلمان.كوم", "Barlamane", "https://www.barlamane.com", "https://www.barlamane.com/feed", "ar", "cited"),
    RosterEntry("assabah", "الصباح", "Assabah", "https://assabah.ma", "https://assabah.ma/feed", "ar", "cited"),
    RosterEntry("madar21", "مدار 21", "Madar21", "https://madar21.com", "https://madar21.com/feed", "ar", "cited"),
    RosterEntry("kech24", "كشـ24", "Kech24", "https://kech24.com", "https://kech24.com/feed", "ar", "cited"),
    RosterEntry("agadir24", "أكادير 24", "Agadir24", "https://agadir24.info", "https://agadir24.info/feed", "ar", "cited"),
    RosterEntry("medias24", "ميديا 24", "Médias24", "https://medias24.com", "https://medias24.com/feed/", "fr", "cited"),
    RosterEntry("ledesk", "لوديسك", "Le Desk", "https://ledesk.ma", "https://ledesk.ma/feed/", "fr", "cited"),
    RosterEntry("challenge", "تشالنج", "Challenge", "https://www.challenge.ma", "https://www.challenge.ma/feed", "fr", "cited"),
    RosterEntry("leseco", "ليزيكو", "LesEco", "https://leseco.ma", "https://leseco.ma/feed/", "fr", "cited"),
    RosterEntry("febrayer", "فبراير", "Febrayer", "https://www.febrayer.com", "https://www.febrayer.com/feed", "ar", "guess"),
    RosterEntry("rue20", "زنقة 20", "Rue20", "https://www.rue20.com", "https://www.rue20.com/feed", "ar", "guess"),
    RosterEntry("ahdath", "الأحداث المغربية", "Ahdath", "https://ahdath.info", "https://ahdath.info/feed", "ar", "guess"),
    RosterEntry("hesport", "هسبورت", "Hesport", "https://hesport.com", "https://hesport.com/feed", "ar", "guess"),
)

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

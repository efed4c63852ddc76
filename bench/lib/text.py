"""The real news text the synthetic corpora are written from, all of it inside the
repository:

* Arabic: the items of the bundled demo feeds (articles/ingest/demo/*.xml, see its README:
  real headlines of Moroccan outlets, one real article and bodies written for the demo),
  read with feedparser: their titles are the headlines, their bodies (tags stripped)
  give the sentences, and both give the word list (with repeats, so that it carries the
  words' frequencies); plus the few headlines and sentences below, which are all there
  is when the demo feeds are missing.
* French: the headlines and sentences below (written for the bench in the style of
  Moroccan outlets).
"""

from __future__ import annotations

import functools
import html
import re

from lib import REPO

DEMO_FEEDS = REPO / "articles" / "ingest" / "demo"
ARABIC_WORD = re.compile(r"[\u0621-\u064a]{2,}")
BREAKS = re.compile(r"<(?:/p|/h\d|/li|/blockquote|/figure|br\s*/?)>", re.I)
SENTENCE_END = re.compile(r"(?<=[.!؟])\s+")

# Real headlines and sentences from Moroccan news pages: always in the Arabic text, and
# all of it when articles/ingest/demo is missing.
FALLBACK_HEADLINES = (
    "الإحصائيات تعترف للركراكي بالتميز",
    "الكاميرون تتعادل مع كوت ديفوار",
    "وسط قيود على المساعدات الإنسانية .. الأمطار تغرق خيام النازحين في غزة",
    "الأقمار الصناعية تكشف تفاصيل جديدة عن البنية المعدنية الخفية في الأطلس الصغير",
    "بحضور فوزي لقجع .. المنتخب المغربي يختتم الاستعداد لمواجهة زامبيا",
    'جبال خنيفرة تلبس "الرداء الأبيض"',
    "ميناء طنجة المتوسط يخطط لتوسعة كبرى لمحطة المسافرين استعدادًا لمونديال 2030",
    "فيضانات تجتاح جنوب إسبانيا بعد تساقطات ليلية كثيفة",
    "طنجة تتصدر مقاييس التساقطات المطرية بالمملكة خلال ال24 ساعة الماضية",
)
FALLBACK_SENTENCES = (
    "في ظل التحولات الجيوسياسية التي تعرفها المنطقة، وسعي أغلب الدول إلى تعزيز قواتهم "
    "الدفاعية عن طريق اقتناء أسلحة عسكرية متطورة تتماشى مع تطورات العصر، تناقش المملكة "
    "المغربية مع روسيا إمكانية الحصول على منظومة الدفاع الجوي.",
    "وحسب مراقبين أمنيين فإن الرباط تطمح إلى إحداث توازنات عسكرية عن طريق اقتناء منظومات "
    "دفاعية متطورة، في إطار السياسة التي اختارتها المملكة المغربية والتي تتجلى في تنويع "
    "الشركاء.",
    "وتابع المتحدث عينه أن التوجه نحو روسيا في هذا السياق ليس مجرد خطوة تقنية، بل يعكس "
    "أيضا مرونة سياسية تعزز مكانة المغرب.",
)

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


@functools.cache
def demo_items(language: str) -> tuple[tuple[str, str], ...]:
    """(title, body as plain text with one paragraph a line) of every item of the demo
    feeds in ``language`` ("ar" or "fr")."""
    import feedparser

    items = []
    for path in sorted(DEMO_FEEDS.glob("*.xml")):
        feed = feedparser.parse(path.read_bytes())
        if not feed.feed.get("language", "ar").startswith(language):
            continue
        for entry in feed.entries:
            body = " ".join(c.value for c in entry.get("content", [])) or entry.get("summary", "")
            text = html.unescape(re.sub(r"<[^>]+>", " ", BREAKS.sub("\n", body)))
            paragraphs = (" ".join(line.split()) for line in text.splitlines())
            items.append((" ".join(entry.get("title", "").split()),
                          "\n".join(p for p in paragraphs if p)))  # fmt: skip
    return tuple(items)


def arabic_text() -> tuple[list[str], list[str], list[str]]:
    """(headlines, sentences, words) of real Arabic news text: the demo feeds' items and
    the fallback text above. Words keep their repeats (their frequency)."""
    items = demo_items("ar")
    headlines = [title for title, _ in items if len(title.split()) >= 3]
    headlines += [h for h in FALLBACK_HEADLINES if h not in headlines]
    sentences: list[str] = []
    for _, body in items:
        for paragraph in body.splitlines():
            sentences += [s for s in SENTENCE_END.split(paragraph) if len(s.split()) >= 6]
    sentences += [s for s in FALLBACK_SENTENCES if s not in sentences]
    text = " ".join(title for title, _ in items) + " " + " ".join(body for _, body in items)
    words = ARABIC_WORD.findall(text + " " + " ".join(FALLBACK_SENTENCES))
    return headlines, sentences, words

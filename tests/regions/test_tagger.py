"""The tagger's rules (articles/regions/tagger.py, docs/regions.md), one case each: a
place gives its region; ordinary words that are also place names give none without
context and theirs with it; the text's word must be the form whole."""

from __future__ import annotations

import pytest

from articles.models import REGIONS
from articles.regions.gazetteer import REGION_IDS, gazetteer, region_of
from articles.regions.tagger import regions_of, text_regions

SLUGS = {slug for slug, _, _ in REGIONS}


def test_every_region_id_of_the_gazetteer_is_a_region_slug() -> None:
    assert set(REGION_IDS.values()) == SLUGS
    assert {entry.region for entry in gazetteer().forms.values()} - {None} == SLUGS


@pytest.mark.parametrize(
    ("text", "regions"),
    [
        ("حريق في سوق بأكادير", ["souss-massa"]),
        ("حريق في سوق بأگادير", ["souss-massa"]),
        ("أمطار غزيرة في تطاون وتطوان", ["tanger-tetouan-al-hoceima"]),
        ("ميناء آسفي يستقبل", ["marrakech-safi"]),
        ("الصيد في أسفي", ["marrakech-safi"]),
        ("Incendie à Fes et à Fès", ["fes-meknes"]),
        ("Laayoune accueille un forum, Laâyoune aussi", ["laayoune-sakia-el-hamra"]),
        ("ازدحام في كازا", ["casablanca-settat"]),
        ("Le port de Tangier", ["tanger-tetouan-al-hoceima"]),
        ("زلزال الحوز: إعادة الإعمار", ["marrakech-safi"]),
        ("مدينة العيون تحتضن منتدى", ["laayoune-sakia-el-hamra"]),
        ("أمطار بالبيضاء", ["casablanca-settat"]),
        ("Incendie à Salé", ["rabat-sale-kenitra"]),
        ("تساقطات ثلجية في وجدة وإفران", ["oriental", "fes-meknes"]),
        ("مدن العيون والداخلة وبوجدور", ["laayoune-sakia-el-hamra", "dakhla-oued-ed-dahab"]),
        ("الصخيرات تمارة: مشروع جديد", ["rabat-sale-kenitra"]),
    ],
)
def test_places_give_their_region(text: str, regions: list[str]) -> None:
    assert text_regions(text) == regions


@pytest.mark.parametrize(
    "text",
    [
        "أطباء العيون يحذرون من الشاشات",  # the eyes
        "ثوران بركان في إندونيسيا",  # a volcano
        "وجده ميتا في منزله",  # found him: not وجدة
        "حجاج في جدة",  # Jeddah: not وجدة without its و
        "رباط المحبة بين الشعبين",  # a bond: not الرباط
        "اعتدى عليه بفأس",  # an axe: not فاس
        "السلام عليكم والإسلام دين",  # not سلا
        "Un goût sucré-salé",  # not Salé
        "Sale temps pour les marchés",  # dirty, not Salé
        "حجز أسلحة بيضاء لدى مشتبه فيه",  # bladed weapons
        "إجراءات جديدة لوزارة الداخلية",  # the ministry
        "Tata Motors annonce des résultats",
        "التازي والفاسي في مهرجان",  # surnames
        "المغرب يحتفي بالصحراء",  # the Sahara as a whole: no one region
    ],
)
def test_ordinary_words_give_no_region(text: str) -> None:
    assert text_regions(text) == []


def test_an_ambiguous_name_needs_context_and_an_unambiguous_one_does_not() -> None:
    assert text_regions("الداخلة تحتضن المهرجان") == []
    assert text_regions("مدينة الداخلة تحتضن المهرجان") == ["dakhla-oued-ed-dahab"]
    assert text_regions("الجديدة") == []
    assert text_regions("شاطئ الجديدة") == ["casablanca-settat"]
    assert text_regions("طنجة تحتضن المهرجان") == ["tanger-tetouan-al-hoceima"]


def test_a_club_is_its_home_towns_in_a_text_about_sport() -> None:
    assert text_regions("نهضة بركان يفوز بالكأس") == ["oriental"]
    assert text_regions("الرجاء يتعاقد مع مهاجم") == ["casablanca-settat"]
    assert text_regions("الرجاء من المواطنين الالتزام بالتعليمات") == []


def test_rabat_is_the_state_beside_a_national_institution_or_a_country() -> None:
    assert text_regions("مجلس الحكومة المنعقد بالرباط يصادق") == []
    assert text_regions("Rabat et Madrid relancent le projet") == []
    assert text_regions("ترامواي الرباط يصل إلى حي الرياض") == ["rabat-sale-kenitra"]


@pytest.mark.parametrize(
    "text",
    [
        "الرباط تستنكر تصريحات مسؤول أجنبي",
        "ردت الرباط على القرار بحزم",
        "Rabat salue l'initiative",
    ],
)
def test_rabat_with_a_verb_of_the_state_is_the_state(text: str) -> None:
    assert text_regions(text) == []


def test_rabat_hosting_something_stays_a_place() -> None:
    assert text_regions("الرباط تحتضن مهرجان موازين") == ["rabat-sale-kenitra"]


def test_incidental_places_are_not_counted() -> None:
    assert text_regions("Hicham Benslimane rachète une chaîne") == []
    assert text_regions("الوزير المنحدر من مدينة فاس") == []
    assert text_regions("Sahara : à l'ONU, un élu de Laâyoune plaide") == []
    assert text_regions("Mounir Safi élu à la tête de la fédération") == []


@pytest.mark.parametrize(
    "text",
    [
        "Le navire Tanger bloqué à Rotterdam",
        "Paris : la brasserie Marrakech ferme ses portes",
        "« Casablanca » ressort dans les salles parisiennes",
        "عرض فيلم «مراكش» في مهرجان أوروبي",
    ],
)
def test_a_thing_named_after_a_place_is_not_the_place(text: str) -> None:
    assert text_regions(text) == []


def test_a_long_quotation_is_read_as_text() -> None:
    assert text_regions("قال العامل: «سنفتتح المستشفى الجديد بمدينة تيزنيت قريبا»") == [
        "souss-massa"
    ]


def test_a_place_held_by_a_known_phrase_needs_context_elsewhere_in_the_text() -> None:
    assert text_regions("La crise d'Agadir, 1911", "La canonnière mouilla devant Agadir.") == []
    assert text_regions("La crise d'Agadir revisitée", "Un colloque se tient à Agadir.") == [
        "souss-massa"
    ]
    assert text_regions("الرباط المقدس في خطر", "تراجع قيمة الرباط المقدس للزواج") == []


def test_ovens_are_not_ifrane() -> None:
    assert text_regions("أفران تقليدية تعود إلى المدينة القديمة بمراكش") == ["marrakech-safi"]
    assert text_regions("تساقطات ثلجية بإفران") == ["fes-meknes"]


def test_a_regional_outlet_adds_its_region_first() -> None:
    assert regions_of("حريق بطنجة", "", "souss-massa") == [
        "souss-massa", "tanger-tetouan-al-hoceima",
    ]  # fmt: skip
    assert regions_of("خبر وطني", "بلا مكان", None) == []


def test_the_first_paragraph_counts_as_the_title_does() -> None:
    assert regions_of("حريق مهول", "اندلع الحريق بمدينة مكناس ليلا") == ["fes-meknes"]


def test_places_across_regions_have_none() -> None:
    assert region_of("place:atlas") is None
    assert region_of("place:sebta") is None
    assert region_of("place:agadir") == "souss-massa"
    assert region_of("place:imlil") == "marrakech-safi"

"""What a print reads from a report: words, names in both languages, figures."""

from __future__ import annotations

from articles.search.words import normalize
from articles.stories.features import dumps, loads, numbers_in, print_of
from articles.stories.likeness import excluded, likeness, same_event


def test_a_figure_is_one_figure_however_it_is_written() -> None:
    assert numbers_in(normalize("13,1% puis 13.1")) == {"13.1"}
    assert numbers_in(normalize("95.000 chômeurs")) == {"95000"}
    assert numbers_in(normalize("تراجع بـ95 ألف عاطل")) == {"95000"}
    assert numbers_in(normalize("٣٫٥ و ٢٠")) >= {"20"}
    assert numbers_in(normalize("2 960 kg")) == {"2960"}


def test_a_place_is_one_name_in_arabic_and_french() -> None:
    arabic = print_of("حريق بمستودع في الدار البيضاء", "", "ar")
    french = print_of("Incendie dans un entrepôt à Casablanca", "", "fr")
    places = {n for n in arabic.names if n.startswith("place:")}
    assert places and places == {n for n in french.names if n.startswith("place:")}
    # Words of different languages are never compared; the names and topics are.
    assert likeness(arabic, french) > 0


def test_words_that_say_nothing_are_not_kept() -> None:
    found = print_of("أعلن الوزير اليوم الأحد عن برنامج", "", "ar")
    assert not {"اعلن", "يوم", "احد"} & found.words
    assert found.words


def test_a_print_survives_its_text_form() -> None:
    found = print_of("Séisme de magnitude 4,2 près d'Al Hoceïma", "Aucun dégât", "fr")
    assert loads(dumps(found)) == found


def test_same_topic_in_two_places_is_two_events() -> None:
    marrakech = print_of("حريق مهول يأتي على مستودع بمراكش", "اندلع حريق في مستودع", "ar")
    casablanca = print_of("حريق مهول يأتي على مستودع بالدار البيضاء", "اندلع حريق في مستودع", "ar")
    assert excluded(marrakech, casablanca)
    assert not same_event(marrakech, casablanca)
    again = print_of("النيران تأتي على مستودع بمراكش", "حريق في مستودع بالمدينة الحمراء", "ar")
    assert same_event(marrakech, again)


def test_two_crashes_whose_injured_went_to_one_city_are_two_events() -> None:
    taounate = print_of(
        "حادث مروع بإقليم تاونات ونقل المصابين إلى فاس",
        "لقي أربعة أشخاص مصرعهم في انقلاب سيارة بإقليم تاونات ونقل الجرحى إلى مستشفى فاس.",
        "ar",
    )
    khemisset = print_of(
        "حادثة سير قرب الخميسات على الطريق السيار الرابط بين الرباط وفاس",
        "لقي أربعة أشخاص مصرعهم في اصطدام شاحنة بسيارة قرب الخميسات.",
        "ar",
    )
    assert {"place:taounate", "place:khemisset"} <= taounate.focus | khemisset.focus
    assert taounate.names & khemisset.names & {"place:fes"}
    assert excluded(taounate, khemisset)


def test_across_languages_an_event_type_and_one_figure_are_not_enough() -> None:
    teachers = print_of(
        "Enseignement : les syndicats revendiquent 72% d'adhésion à la grève",
        "Les enseignants du public ont observé une grève de 48 heures pour réclamer les "
        "indemnités de promotion, selon les syndicats de l'éducation.",
        "fr",
    )
    nurses = print_of(
        "الممرضون وتقنيو الصحة يشلون المستشفيات العمومية",
        "خاض الممرضون وتقنيو الصحة إضرابا وطنيا لمدة 48 ساعة شل أقسام المستعجلات والمواعيد "
        "الطبية بعدد من المستشفيات.",
        "ar",
    )
    assert "topic:strike" in teachers.names & nurses.names
    assert not same_event(teachers, nurses)


def test_a_town_and_its_province_are_not_two_places() -> None:
    town = print_of(
        "الفنيدق.. مئات يحاولون العبور سباحة", "أحبطت السلطات بالفنيدق محاولة هجرة", "ar"
    )
    province = print_of(
        "توقيف 23 شخصا بعمالة المضيق الفنيدق", "بتهمة التحريض على محاولة هجرة جماعية", "ar"
    )
    assert "place:fnideq" in town.names and "place:fnideq" not in province.names
    assert not excluded(town, province)


def test_a_name_whose_first_letter_looks_like_a_prefix_is_read_with_a_prefix_too() -> None:
    found = print_of("المغرب وفرنسا يوقعان اتفاقا بفاس", "بلاغ لوزارة الصحة", "ar").names
    assert {"country:france", "place:fes", "org:ministry-health"} <= found
    assert "place:fes" in print_of("زلزال يضرب فاس", "", "ar").names


def test_a_print_stored_before_its_headline_focus_still_loads() -> None:
    found = print_of("هزة أرضية تضرب ميدلت", "سجلت هزة أرضية بإقليم ميدلت", "ar")
    assert found.head == {"place:midelt"}
    old = "\t".join(dumps(found).split("\t")[:6])
    assert loads(old).head == frozenset() and loads(old).names == found.names


def test_a_quake_whose_headline_places_it_elsewhere_is_another_quake() -> None:
    midelt = print_of(
        "هزة أرضية بقوة 4,3 درجات تضرب إقليم ميدلت",
        "سجل المعهد الوطني للجيوفيزياء هزة أرضية بإقليم ميدلت صباح اليوم.",
        "ar",
    )
    ouarzazate = print_of(
        "هزة أرضية ثانية في يومين.. هذه المرة بورزازات",
        "بعد هزة ميدلت، سجلت هزة أرضية جديدة بإقليم ورزازات.",
        "ar",
    )
    assert "place:midelt" in ouarzazate.names and "place:ouarzazate" not in midelt.names
    assert excluded(midelt, ouarzazate) and excluded(ouarzazate, midelt)
    again = print_of("ساكنة ميدلت تستيقظ على هزة أرضية", "هزة أرضية بإقليم ميدلت", "ar")
    assert not excluded(midelt, again)
    # A trial names the court's city and the place of the facts: not place-bound.
    court = print_of("إدانة رئيس جماعة سابق بالبيضاء", "صفقات جماعة بضواحي برشيد", "ar")
    commune = print_of("صفقات الطرق تطيح برئيس جماعة بضواحي برشيد", "", "ar")
    assert not excluded(court, commune)


def test_a_plain_contains_its_provinces() -> None:
    wedding = print_of("تسمم جماعي في حفل زفاف بسيدي بنور", "تسمم غذائي", "ar")
    doukkala = print_of("حفل زفاف يتحول إلى كابوس بدكالة", "تسمم غذائي بسيدي بنور", "ar")
    assert not excluded(wedding, doukkala)


def test_a_loan_to_a_foreign_country_is_not_a_loan_that_names_no_country() -> None:
    mauritania = print_of(
        "Mauritanie : la Banque mondiale finance l'accès à l'eau",
        "La Banque mondiale a approuvé un financement de 120 millions de dollars.",
        "fr",
    )
    unnamed = print_of(
        "Sécurité hydrique : un nouveau financement de la Banque mondiale",
        "La Banque mondiale a approuvé un financement pour l'accès à l'eau potable.",
        "fr",
    )
    assert likeness(mauritania, unnamed) >= 0.3
    assert excluded(mauritania, unnamed) and excluded(unnamed, mauritania)
    again = print_of("La Banque mondiale finance l'eau en Mauritanie", "", "fr")
    assert not excluded(mauritania, again)
    # In sport the other country is the opponent: the rule stays out.
    match = print_of("المنتخب المغربي يتفوق على الغابون", "فاز أسود الأطلس وديا", "ar")
    other = print_of("أسود الأطلس يفوزون وديا", "فاز المنتخب المغربي", "ar")
    assert not excluded(match, other)


def test_an_event_type_is_read_after_a_one_letter_prefix() -> None:
    found = print_of("النقابة المستقلة لأطباء القطاع العام تلوح بإضراب", "", "ar").names
    assert {"topic:medical-staff", "topic:strike"} <= found


def test_an_area_or_morocco_unsaid_does_not_make_two_events() -> None:
    atlas = print_of("أمواج عاتية على السواحل المتوسطية", "أمواج عالية بالبحر المتوسط", "ar")
    tanger = print_of("أمواج عاتية تعلق الرحلات بين طنجة وطريفة", "أمواج بالمتوسط", "ar")
    assert "place:mediterranean" in atlas.names and "place:tanger" in tanger.names
    assert not excluded(atlas, tanger)
    morocco = print_of("Tourisme : 4,3 millions d'arrivées au Maroc", "", "fr")
    markets = print_of("Arrivées record", "Des touristes de France et d'Espagne", "fr")
    assert not excluded(morocco, markets)
    egypt = print_of("Le FMI accorde un prêt à l'Égypte", "", "fr")
    assert excluded(morocco, egypt)


def test_a_stop_word_listed_with_its_hamza_is_still_a_stop_word() -> None:
    found = print_of("نسبة النجاح تبلغ 68 في المائة", "هؤلاء الناجحون", "ar").words
    assert found and not {"مايه", "ماي", "هولاء"} & found

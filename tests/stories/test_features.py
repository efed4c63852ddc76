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

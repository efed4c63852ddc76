"""words() normalises a text piece by piece (between whitespace), through memos: the
words must be those of the whole text normalised at once, on any input."""

from __future__ import annotations

import random
import sys

from articles.lib.text import INVISIBLE_CONTROLS, plain_text
from articles.search.words import WORD, field_terms, normalize, words

# Where piece-by-piece could differ: spacing marks NFKD turns into space + mark, marks
# after a space, hamza forms, digits, folding, invisible and removed characters,
# underscores, characters whose case folding is longer.
AWKWARD = list(
    " \t\n\u00a0\u2000\u3000\u00a8\u00b4\ufe70\ufe71\u0301\u0654\u0655\u064b\u0640"
    "أإآؤئةىیک٠٩۰_İΣςßﬁ\u200b\u200c\u200d\u180e\ufeff\u0345\u0130\ud800"
)
SPACES = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]


def _texts(count: int) -> list[str]:
    rnd = random.Random(16)
    texts = []
    for _ in range(count):
        pieces = []
        for _ in range(rnd.randint(0, 40)):
            roll = rnd.random()
            if roll < 0.5:
                pieces.append(rnd.choice(AWKWARD))
            elif roll < 0.7:
                pieces.append(rnd.choice(SPACES))
            else:
                code = rnd.randrange(sys.maxunicode + 1)
                pieces.append(chr(code))
        texts.append("".join(pieces))
    return texts


def test_words_are_those_of_the_whole_text() -> None:
    for text in _texts(20000):
        assert words(text) == WORD.findall(normalize(text)), repr(text)


def test_field_terms_from_the_memos_are_the_first_ones() -> None:
    texts = _texts(2000)
    first = [field_terms(text) for text in texts]
    assert [field_terms(text) for text in texts] == first


def test_plain_text_collapses_every_unicode_space() -> None:
    for space in (s for s in SPACES if not INVISIBLE_CONTROLS.match(s)):
        assert plain_text(f"{space}a{space}{space}b{space}") == "a b"

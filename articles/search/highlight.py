"""Matched words marked in plain text: escaped first, then wrapped in <mark>.

Input is plain text (titles and summaries are stored as text, bodies are reduced to
text); every piece of it goes through ``escape``, and the only markup added is ours. The
result is safe whatever the feed put in the text, so nothing here trusts stored HTML.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.search.words import bare, canonical, matches, spans, words

SNIPPET_BEFORE = 10  # words shown before the first match
SNIPPET_WORDS = 36  # words in a snippet
ELLIPSIS = "…"
MAX_TEXT = 20000  # characters of a body looked through for a snippet
FALLBACK_TEXT = 1000  # characters enough for a snippet from the start


def _first_match(text: str, wanted: frozenset[str]) -> int | None:
    """Index of the first of the query's words in ``text``, found on the normalised
    text in one pass (cheaper than testing each original word)."""
    for n, word in enumerate(words(text)):
        if canonical(word) in wanted or bare(word) in wanted:
            return n
    return None


def highlight(text: str, wanted: frozenset[str]) -> SafeString:
    """``text`` escaped, with the query's words wrapped in <mark>."""
    return _render(text, list(spans(text)), wanted, 0, None)


def snippet(texts: Iterable[str], wanted: frozenset[str]) -> SafeString:
    """A short passage around the first match in the first of ``texts`` that has one
    (else the start of the first text), escaped and highlighted, "…" where it was cut.
    ``texts`` is read lazily: a body is reduced to text only if the summary has no match."""
    fallback = ""
    for text in texts:
        text = text[:MAX_TEXT]
        hit = _first_match(text, wanted) if text else None
        if hit is None:
            fallback = fallback or text[:FALLBACK_TEXT]
            continue
        # Cut the text into pieces only as far as the window needs (and one word more,
        # to know whether to end with "…"): a body is long, a snippet is not.
        pieces: list[tuple[int, int, bool]] = []
        word_pieces: list[int] = []
        for piece in spans(text):
            pieces.append(piece)
            if piece[2]:
                word_pieces.append(len(pieces) - 1)
                if len(word_pieces) > hit + SNIPPET_WORDS:
                    break
        # Word n of the normalised text is, but for rare characters, word n here.
        first = max(0, min(hit, len(word_pieces) - 1) - SNIPPET_BEFORE)
        return _window(text, pieces, word_pieces, first, wanted)
    pieces = list(spans(fallback))
    return _window(fallback, pieces, [i for i, p in enumerate(pieces) if p[2]], 0, wanted)


def _window(
    text: str,
    pieces: list[tuple[int, int, bool]],
    words: list[int],
    first: int,
    wanted: frozenset[str],
) -> SafeString:
    if not words:
        return _render(text, pieces, wanted, 0, None)
    last = min(len(words), first + SNIPPET_WORDS) - 1
    # From the text's start, or to its end, when the window reaches them: the opening
    # quote and the final full stop belong to the snippet.
    start = words[first] if first > 0 else 0
    end = words[last] + 1 if last < len(words) - 1 else None
    return _render(text, pieces, wanted, start, end, before=first > 0, after=last < len(words) - 1)


def _render(
    text: str,
    pieces: list[tuple[int, int, bool]],
    wanted: frozenset[str],
    start: int,
    end: int | None,
    *,
    before: bool = False,
    after: bool = False,
) -> SafeString:
    out = [ELLIPSIS] if before else []
    for begin, finish, is_word in pieces[start:end]:
        piece = escape(text[begin:finish])
        out.append(
            f"<mark>{piece}</mark>" if is_word and matches(text[begin:finish], wanted) else piece
        )
    if after:
        out.append(ELLIPSIS)
    return mark_safe("".join(out).strip())  # noqa: S308 - every piece is escaped above

"""Normalising what a person typed before anything reads it."""

from __future__ import annotations

import re
import unicodedata

# Longer input is cut before parsing (and the machine says so: dialogs.machine trims a longer
# message to this bound with a notice), so regexes stay cheap.
MAX_PARSE_CHARS = 2_000

_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


class Utterance(str):
    """What a person typed in one turn, carrying its readings: a turn reads its message several
    times (commands, answers, follow-ups) and each reading of a long message walks every
    character, so clean, normalise and head keep what they made on the text itself. It lives
    and dies with the turn that wraps it (dialogs.machine); any other str is read afresh."""

    __slots__ = ("_clean", "_norm", "_heads")
    _clean: str | None
    _norm: str | None
    _heads: dict[int, Utterance] | None

    def __new__(cls, text: str) -> Utterance:
        self = super().__new__(cls, text)
        self._clean = self._norm = self._heads = None
        return self


def clean(text: str) -> str:
    """Printable text, one space between words, at most MAX_PARSE_CHARS characters."""
    if type(text) is Utterance:
        if text._clean is None:
            text._clean = _clean(text)
        return text._clean
    return _clean(text)


def normalise(text: str) -> str:
    """Lower-case words for matching: punctuation dropped except what numbers carry
    (, . $ % / + ~ ^ < > -)."""
    if type(text) is Utterance:
        if text._norm is None:
            text._norm = _normalise(text)
        return text._norm
    return _normalise(text)


def utterance(text: str) -> Utterance:
    """`text` as an Utterance (itself if it is one already), for a reader that reads it
    several times."""
    return text if type(text) is Utterance else Utterance(text)


def head(text: str, limit: int) -> Utterance:
    """The first `limit` characters as an Utterance: of an Utterance, the same one each time
    asked, so a prefix several readers read is read once."""
    said = utterance(text)
    if len(said) <= limit:
        return said
    heads = said._heads
    if heads is None:
        heads = said._heads = {}
    prefix = heads.get(limit)
    if prefix is None:
        prefix = heads[limit] = Utterance(said[:limit])
    return prefix


def _clean(text: str) -> str:
    # Cut before normalising (so normalising is bounded) and after (NFKC expands some
    # characters, one U+FDFA into 18), so what the parser reads is never longer than the bound.
    text = unicodedata.normalize("NFKC", text[:MAX_PARSE_CHARS])[:MAX_PARSE_CHARS]
    text = text.translate(_QUOTES)
    # Control and format characters (incl. zero-width and bidi overrides) become spaces.
    # isprintable() is False for exactly those (and for separators other than " "), in C.
    if not text.isprintable():
        text = "".join(ch if unicodedata.category(ch)[0] not in "CZ" or ch == " " else " "
                       for ch in text)
    return _SPACE.sub(" ", text).strip()


def _normalise(text: str) -> str:
    text = clean(text).lower()
    text = re.sub(r"[^\w\s,.$%/+'~^<>-]", " ", text)
    return _SPACE.sub(" ", text).strip()


# Words (with an apostrophe inside: "don't"), numbers as written ("2,000", "1.5m", "8x7b"),
# clause punctuation, and the signs numbers carry. Everything else is a gap between tokens.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*(?:e[+-]?\d+)?(?:x[a-z]*\d+[a-z]*|[a-z]*)"
                    r"|[a-z][a-z0-9]*(?:'[a-z]+)?|[,;.!?()]|[$%~^<>+/-]")
CLAUSE_BREAKS = frozenset({",", ";", ".", "!", "?", "(", ")", "but", "and", "also", "plus",
                           "though"})


def tokens(norm: str) -> list[tuple[str, int]]:
    """(token, start offset) for lower-cased text; linear in its length."""
    return [(m.group(0), m.start()) for m in _TOKEN.finditer(norm)]

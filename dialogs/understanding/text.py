"""Normalising what a person typed before anything reads it."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Longer input is cut before parsing (and the machine says so: dialogs.machine trims a longer
# message to this bound with a notice), so regexes stay cheap.
MAX_PARSE_CHARS = 2_000

_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


# A turn reads the same message several times (commands, answers, questions); each reading of a
# long message is a walk over every character.
@lru_cache(maxsize=64)
def clean(text: str) -> str:
    """Printable text, one space between words, at most MAX_PARSE_CHARS characters."""
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


@lru_cache(maxsize=64)
def normalise(text: str) -> str:
    """Lower-case words for matching: punctuation dropped except what numbers carry
    (, . $ % / + ~ ^ < > -)."""
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

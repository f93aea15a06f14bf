"""Normalising what a person typed before anything reads it."""

from __future__ import annotations

import re
import unicodedata

# Longer input is cut before parsing: no answer needs more, and regexes stay cheap.
MAX_PARSE_CHARS = 2_000

_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def clean(text: str) -> str:
    """Printable text, one space between words, at most MAX_PARSE_CHARS characters."""
    text = text[:MAX_PARSE_CHARS]
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    # Control and format characters (incl. zero-width and bidi overrides) become spaces.
    text = "".join(ch if unicodedata.category(ch)[0] not in "CZ" or ch == " " else " "
                   for ch in text)
    return _SPACE.sub(" ", text).strip()


def normalise(text: str) -> str:
    """Lower-case words for matching: punctuation other than digits' , . and $ dropped."""
    text = clean(text).lower()
    text = re.sub(r"[^\w\s,.$%/+'-]", " ", text)
    return _SPACE.sub(" ", text).strip()


def has_phrase(haystack: str, phrase: str) -> bool:
    """Whole-word phrase match in normalised text."""
    return re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", haystack) is not None


def clauses(text: str) -> list[str]:
    """Split a message into clauses, so "budget is tight, need it this week" keeps each
    keyword next to its own value."""
    parts = re.split(r"[;,!?]|\.(?!\d)|\b(?:but|and|also|plus)\b", text)
    return [p.strip() for p in parts if p and p.strip()]

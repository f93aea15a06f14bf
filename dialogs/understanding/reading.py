"""One message being read: its words, what the vocabulary found in them, and the result."""

from __future__ import annotations

from dataclasses import dataclass, field

from dialogs.understanding.lexicon import Lexicon
from knowledge.models import Knowledge


@dataclass
class Extraction:
    values: dict[str, object] = field(default_factory=dict)
    # Set when the text held a number that cannot be used ("-5", "1e9999", "10^1000").
    bad_number: str | None = None
    # slot -> the values the text could mean, when it could mean more than one.
    clarify: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Sentences saying what was assumed ("between 5 and 10 thousand: I took 7,500").
    notes: list[str] = field(default_factory=list)
    # Amounts read but not placed in any slot ("5 people"), for "I understood ..." re-asks.
    unplaced: list[str] = field(default_factory=list)


@dataclass
class Hit:
    start: int
    values: tuple[str, ...]
    negated: bool = False
    strong: bool = True  # False: a scale word read without its keyword
    length: int = 1      # words in the phrase


@dataclass
class Reading:
    """One message, as words, with what the lexicon found in it."""

    kb: Knowledge
    lex: Lexicon
    words: list[str]
    clause: list[int]
    pending: str | None
    asking: bool
    neg_ends: dict[int, int] = field(default_factory=dict)   # end index -> clause
    corrections: list[int] = field(default_factory=list)
    preferences: list[int] = field(default_factory=list)
    keyword_clauses: dict[str, set[int]] = field(default_factory=dict)
    hits: dict[str, list[Hit]] = field(default_factory=dict)
    used: set[int] = field(default_factory=set)  # amounts (by start) given to a slot
    out: Extraction = field(default_factory=Extraction)

    def hit(self, slot: str, start: int, values: tuple[str, ...], negated: bool = False,
            strong: bool = True, length: int = 1) -> None:
        self.hits.setdefault(slot, []).append(Hit(start, values, negated, strong, length))

    def near_keyword(self, slot: str, i: int) -> bool:
        return i < len(self.clause) and self.clause[i] in self.keyword_clauses.get(slot, ())

    def negated(self, i: int) -> bool:
        for end in (i, i - 1, i - 2, i - 3):
            if end in self.neg_ends and self.neg_ends[end] == self.clause[min(i, len(
                    self.clause) - 1)]:
                return True
        return False

    def text(self, key: str, **fmt: object) -> str:
        return self.kb.understanding.texts[key].format(**fmt)


def label(r: Reading, slot: str) -> str:
    q = r.kb.questions.get(slot)
    return q.short_label if q else slot.replace("_", " ").capitalize()

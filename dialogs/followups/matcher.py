"""Typo-tolerant matching of a message against the topics' aliases (rapidfuzz).

Each alias is compared with every run of the message's words about as long as the alias,
with and without spaces ("fine tunning" meets "finetuning", "road map" meets "roadmap").
The best topic wins; between near-equal scores the longer alias wins, so "prompt tuning"
beats "prompt" and "full fine-tune" beats "fine-tune". Short aliases ("rag", "cot") must
match a whole word exactly: a fuzzy three-letter match is a guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from knowledge.models import TopicInfo

# A match under this score is not a match: the message goes to "I can help with ...".
# Tested both ways (tests/dialogs/followups/test_classify.py): every phrasing in the table
# clears it and no unrelated text does.
MATCH_THRESHOLD = 85.0
# Aliases this short (without spaces) only count as an exact whole word.
EXACT_ONLY_MAX_LEN = 3
# Points per character of alias length when ranking near-equal matches (capped), so a
# specific alias outranks a generic one it contains.
LENGTH_BONUS_PER_CHAR = 0.4
LENGTH_BONUS_CAP_CHARS = 20
# Only a message's first words are matched: every alias is scored against every run of words,
# so the cost grows with the words, and a follow-up names its topic early. Bounds the CPU a
# crafted message ("1,1,1...") can cost.
MAX_MATCH_WORDS = 32

_APOSTROPHES = re.compile(r"['’‘`]")
_INNER_HYPHEN = re.compile(r"(?<=\w)[-‐‑–](?=\w)")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped, inner hyphens collapsed ("q-lora" -> "qlora"), other
    punctuation to single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _APOSTROPHES.sub("", text)
    text = _INNER_HYPHEN.sub("", text)
    return _NON_WORD.sub(" ", text).strip()


@dataclass(frozen=True)
class Match:
    topic: str
    score: float        # 0-100: how well the best alias matched
    alias: str


@dataclass(frozen=True)
class _Alias:
    topic: str
    text: str           # normalised
    squashed: str       # without spaces
    words: int
    letters: str        # squashed's letters sorted: runs with the same letters may be a swap


class TopicMatcher:
    """Scores text against the aliases of a set of topics."""

    def __init__(self, topics: dict[str, TopicInfo]) -> None:
        aliases: list[_Alias] = []
        for topic_id, info in topics.items():
            for alias in (info.title, *info.aliases):
                text = normalise(alias)
                if text:
                    squashed = text.replace(" ", "")
                    aliases.append(_Alias(topic_id, text, squashed, len(text.split()),
                                          "".join(sorted(squashed))))
        self._aliases = tuple(aliases)

    def best(self, text: str, only: Iterable[str] | None = None) -> Match | None:
        """The best-matching topic (restricted to `only` if given), or None when nothing
        reaches MATCH_THRESHOLD."""
        words = normalise(text).split()[:MAX_MATCH_WORDS]
        if not words:
            return None
        windows = _Windows(words)
        allowed = set(only) if only is not None else None
        best: tuple[float, Match] | None = None
        for alias in self._aliases:
            if allowed is not None and alias.topic not in allowed:
                continue
            score = windows.score(alias)
            if score < MATCH_THRESHOLD:
                continue
            rank = score + LENGTH_BONUS_PER_CHAR * min(len(alias.squashed),
                                                       LENGTH_BONUS_CAP_CHARS)
            if best is None or rank > best[0]:
                best = (rank, Match(alias.topic, score, alias.text))
        return best[1] if best else None


class _Windows:
    """Runs of n consecutive words of a message, joined with and without spaces, built once
    per message and scored against every alias in rapidfuzz's C loops."""

    def __init__(self, words: list[str]) -> None:
        self._words = words
        self._joined: dict[int, list[str]] = {}
        self._squashed: dict[int, list[str]] = {}
        self._anagrams: dict[int, dict[str, list[str]]] = {}

    def _runs(self, n: int) -> tuple[list[str], list[str]]:
        if n not in self._joined:
            w = self._words
            runs = [w[i:i + n] for i in range(len(w) - n + 1)]
            self._joined[n] = [" ".join(r) for r in runs]
            self._squashed[n] = ["".join(r) for r in runs]
        return self._joined[n], self._squashed[n]

    def _same_letters(self, n: int, letters: str) -> list[str]:
        if n not in self._anagrams:
            groups: dict[str, list[str]] = {}
            for run in self._runs(n)[1]:
                groups.setdefault("".join(sorted(run)), []).append(run)
            self._anagrams[n] = groups
        return self._anagrams[n].get(letters, [])

    def score(self, alias: _Alias) -> float:
        if len(alias.squashed) <= EXACT_ONLY_MAX_LEN:
            return 100.0 if alias.text in self._runs(alias.words)[0] else 0.0
        best = 0.0
        for n in {max(1, alias.words - 1), alias.words, alias.words + 1}:
            joined, squashed = self._runs(n)
            for query, choices in ((alias.text, joined), (alias.squashed, squashed)):
                # Below the threshold a score is never used: rapidfuzz stops early under it.
                found = process.extractOne(query, choices, scorer=fuzz.ratio,
                                           score_cutoff=max(best, MATCH_THRESHOLD))
                if found is not None and found[1] > best:
                    best = found[1]
            for run in self._same_letters(n, alias.letters):
                best = max(best, _transposition_score(run, alias.squashed))
            if best == 100.0:
                break
        return best


def _transposition_score(typed: str, alias: str) -> float:
    """Two swapped neighbours ("qlroa") are one slip, scored like one missing letter; the
    plain ratio counts them as two edits, the same as a different letter ("lord")."""
    if len(typed) != len(alias) or typed == alias or sorted(typed) != sorted(alias):
        return 0.0
    if OSA.distance(typed, alias) != 1:
        return 0.0
    return 100.0 * (1 - 1 / (len(typed) + len(alias)))

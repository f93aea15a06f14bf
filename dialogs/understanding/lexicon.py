"""The answer vocabulary (questions.yaml's synonyms and words, understanding.yaml's replies and
phrases) compiled once per knowledge object into word tries (held by dialogs/compiled.py), so
reading a message is one walk over its words whatever the size of the vocabulary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from dialogs.bounded_cache import BoundedCache
from dialogs.slots import NUMERIC_SLOTS, slot_values
from dialogs.understanding.amounts import NUMBER_WORDS
from dialogs.understanding.text import tokens
from knowledge.models import Knowledge

# A trie node: next word -> node; the key "" holds the entries of the phrase ending here.
Trie = dict[str, Any]
# (slot, value, kind): kind "syn" means the value anywhere, "word" only beside one of the
# slot's keywords, "ans" only in a reply to the slot's question, "negm" only when negated
# ("negmw": and beside a keyword), "kw" a keyword, "stop" no
# value (a hedge, "high quality output"); and the markers "neg", "corr" (a correction),
# "pref" (a preference: "x over y") and "hedge" ("not sure": its "not" negates nothing).
Entry = tuple[str, str, str]

_SYMBOLS = frozenset("$%~^<>+/-")
# Typos are looked for only in words at least this long (shorter ones collide too easily),
# among vocabulary words at most one letter shorter, and only this many per message, which
# bounds the cost.
FUZZY_MIN_LEN = 6
FUZZY_MAX_LOOKUPS = 12
FUZZY_CUTOFF = 86
FUZZ_CACHE_MAX = 4096
_HEDGES = ("not sure", "i'm not sure", "im not sure", "not certain", "not 100% sure")


@dataclass
class Lexicon:
    free: Trie = field(default_factory=dict)
    answers: dict[str, Trie] = field(default_factory=dict)
    keywords: Trie = field(default_factory=dict)
    markers: Trie = field(default_factory=dict)
    spellings: dict[str, str] = field(default_factory=dict)
    known: set[str] = field(default_factory=set)
    fuzzy_words: list[str] = field(default_factory=list)
    fuzz_cache: BoundedCache[str, tuple[str | None]] = field(
        default_factory=lambda: BoundedCache(FUZZ_CACHE_MAX))
    # the fuzzy words by their sorted letters, for swapped letters
    anagrams: dict[str, list[str]] = field(default_factory=dict)
    # slot -> the single words of its reply vocabulary, for slips in short replies.
    answer_words: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def correct_in(self, word: str, vocab: tuple[str, ...]) -> str | None:
        """The word of `vocab` a slip stands for: one edit or swap in a short word, a close
        ratio in a longer one; None when none is close or two are equally close."""
        best: str | None = None
        best_score = 0.0
        tied = False
        for candidate in vocab:
            if abs(len(candidate) - len(word)) > 2 or _holds(word, candidate) or _inflects(
                    word, candidate):
                continue
            osa = OSA.distance(word, candidate)
            score = fuzz.ratio(word, candidate)
            if not ((len(word) >= 4 and osa <= 1) or (len(word) >= 6 and score >= 85)):
                continue
            score += 20 if osa <= 1 else 0
            if score > best_score:
                best, best_score, tied = candidate, score, False
            elif score == best_score:
                tied = True
        return None if tied else best

    def correct(self, word: str) -> str:
        """The vocabulary word a misspelt word stands for, or the word itself."""
        # Remembered as a 1-tuple: None (no correction) is an answer too.
        known = self.fuzz_cache.get(word)
        if known is not None:
            return known[0] or word
        found = process.extractOne(word, self.fuzzy_words, scorer=fuzz.ratio,
                                   score_cutoff=FUZZY_CUTOFF)
        fixed = found[0] if found and found[0][0] == word[0] and not _holds(word, found[0]) \
            else None
        if fixed is None:
            # Two neighbouring letters swapped ("firday", "qaurter"), which the ratio scores
            # low in a short word. Not a changed letter: "classes" is not "clauses".
            swaps = [c for c in self.anagrams.get("".join(sorted(word)), ())
                     if c[0] == word[0] and OSA.distance(word, c) == 1]
            if len(swaps) == 1:
                fixed = swaps[0]
        self.fuzz_cache.put(word, (fixed,))
        return fixed or word


def _inflects(word: str, candidate: str) -> bool:
    """A vocabulary word with a past or comparative ending is another word ("fined" is not
    "fine", "lower" not "low")."""
    return word.startswith(candidate) and word[len(candidate):] in ("d", "ed", "r", "er")


def _holds(word: str, candidate: str) -> bool:
    """A word holding a vocabulary word after a prefix is another word, not a slip of it
    ("unacceptable" is not "acceptable"); an ending ("architectures") is a slip."""
    return candidate in word and not word.startswith(candidate)


def phrase_words(phrase: str, spellings: dict[str, str]) -> list[str]:
    out = []
    for tok, _ in tokens(phrase.lower().replace("’", "'")):
        if tok in _SYMBOLS and tok not in "%$":
            continue
        out.append(spellings.get(tok, tok))
    return out


def _add(trie: Trie, words: list[str], entry: Entry) -> None:
    if not words:
        return
    node = trie
    for w in words:
        node = node.setdefault(w, {})
    entries = node.setdefault("", [])
    if entry not in entries:
        entries.append(entry)


def longest(trie: Trie, words: list[str], i: int) -> tuple[int, list[Entry]] | None:
    """The longest phrase of the trie starting at words[i]: (end, its entries)."""
    node = trie
    best: tuple[int, list[Entry]] | None = None
    j = i
    while j < len(words):
        node = node.get(words[j])  # type: ignore[assignment]
        if node is None:
            break
        j += 1
        if "" in node:
            best = (j, node[""])
    return best


def build_lexicon(kb: Knowledge) -> Lexicon:
    """The vocabulary compiled (once, by dialogs.compiled.CompiledKnowledge.lexicon)."""
    u = kb.understanding
    lex = Lexicon(spellings=dict(u.spellings))

    def words(phrase: str) -> list[str]:
        ws = phrase_words(phrase, lex.spellings)
        lex.known.update(ws)
        return ws

    for slot, q in kb.questions.items():
        if slot in NUMERIC_SLOTS or not q.choices:
            continue
        answer_trie: Trie = lex.answers.setdefault(slot, {})
        for kw in q.keywords:
            _add(lex.keywords, words(kw), (slot, "", "kw"))
        for c in q.choices:
            extra = u.phrases.get(slot, {}).get(c.value, [])
            for p in [*c.synonyms, *extra]:
                kind = "word" if p in u.needs_keyword else "syn"
                _add(lex.free, words(p), (slot, c.value, kind))
                _add(answer_trie, words(p), (slot, c.value, "ans"))
            for w in c.words:
                _add(lex.free, words(w), (slot, c.value, "word"))
                _add(answer_trie, words(w), (slot, c.value, "ans"))
            for p in [c.label, c.value, c.value.replace("_", " "),
                      *u.answers.get(slot, {}).get(c.value, [])]:
                _add(answer_trie, words(p), (slot, c.value, "ans"))
        for value, phrases in u.negated_means.get(slot, {}).items():
            for p in phrases:
                kind = "negmw" if p in u.needs_keyword else "negm"
                _add(lex.free, words(p), (slot, value, kind))
                _add(answer_trie, words(p), (slot, value, "negm"))
        if slot_values(slot) == ("yes", "no"):
            for value, replies in (("yes", u.yes), ("no", u.no)):
                for p in replies:
                    _add(answer_trie, words(p), (slot, value, "ans"))
        lex.answer_words[slot] = tuple(sorted(
            w for w, node in answer_trie.items() if "" in node and w.isalpha() and len(w) >= 3))
    for p in u.stop_phrases:
        _add(lex.free, words(p), ("", "", "stop"))
        for answer_trie in lex.answers.values():
            _add(answer_trie, words(p), ("", "", "stop"))
    for p in u.negations:
        _add(lex.markers, words(p), ("", "", "neg"))
    for p in u.corrections:
        _add(lex.markers, words(p), ("", "", "corr"))
    for p in u.preferences:
        _add(lex.markers, words(p), ("", "", "pref"))
    for p in _HEDGES:
        _add(lex.markers, words(p), ("", "", "hedge"))
    lex.fuzzy_words = sorted(w for w in lex.known if len(w) >= FUZZY_MIN_LEN - 1 and w.isalpha())
    for w in lex.fuzzy_words:
        lex.anagrams.setdefault("".join(sorted(w)), []).append(w)
    # Number words are read by amounts.py, and some words are words of their own: never
    # "corrected" into a neighbour.
    lex.known.update(NUMBER_WORDS)
    lex.known.update(u.not_slips)
    return lex

"""Slot values from free text: "we have about 5k labelled tickets, tight budget, need it by
Friday" -> examples 5000, has_data yes, budget low, timeline week.

The vocabulary (synonyms, keywords, value words, labels) lives in knowledge/questions.yaml;
this module only knows how to look for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from dialogs.slots import ALL_SLOTS, NUMERIC_SLOTS, slot_values
from dialogs.understanding.numbers import BadNumber, Count, find_counts
from dialogs.understanding.text import clauses, has_phrase, normalise
from knowledge.models import Knowledge, QuestionInfo

# Nouns that make a number a count of training examples.
_EXAMPLE_NOUNS = frozenset(
    [
        "examples",
        "example",
        "samples",
        "sample",
        "tickets",
        "ticket",
        "records",
        "record",
        "rows",
        "row",
        "pairs",
        "pair",
        "conversations",
        "conversation",
        "documents",
        "document",
        "docs",
        "doc",
        "emails",
        "email",
        "transcripts",
        "transcript",
        "labels",
        "label",
        "datapoints",
        "items",
        "item",
        "chats",
        "chat",
        "messages",
        "queries",
        "query",
        "instances",
        "sentences",
        "texts",
        "reviews",
        "images",
        "calls",
        "cases",
        "entries",
        "logs",
        "snippets",
        "files",
        "articles",
        "labelled",
        "labeled",
        "annotated",
        "training",
        "data",
        "points",
        "q&a",
        "questions",
        "answers",
        "dialogues",
        "dialogs",
        "prompts",
        "completions",
    ]
)
# Words after a number that make it something else (a model size, a duration, money...).
_OTHER_NOUNS = frozenset(
    [
        "model",
        "models",
        "parameter",
        "parameters",
        "params",
        "gb",
        "gib",
        "vram",
        "gpu",
        "gpus",
        "dollars",
        "usd",
        "$",
        "%",
        "percent",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "hour",
        "hours",
        "minute",
        "minutes",
        "people",
        "users",
        "employees",
        "requests",
        "calls/day",
        "tokens",
        "token",
        "times",
        "x",
    ]
)
_MONEY = re.compile(r"\$\s*\d")
_TOKEN_WORDS = ("tokens", "token")
_MONTH_WORDS = ("month", "monthly", "/mo", "per mo", "a mo", "/month")

_YES = frozenset(
    {
        "yes",
        "y",
        "yep",
        "yeah",
        "yup",
        "sure",
        "we do",
        "i do",
        "correct",
        "true",
        "of course",
        "definitely",
        "absolutely",
        "we have",
        "some",
    }
)
_NO = frozenset(
    {
        "no",
        "n",
        "nope",
        "nah",
        "not yet",
        "none",
        "false",
        "not really",
        "we don't",
        "i don't",
        "we dont",
        "i dont",
        "nothing",
        "zero",
    }
)
_NONE_COUNT = frozenset(
    {"none", "zero", "no", "nothing", "not yet", "no data", "nope", "no examples", "not any", "0"}
)
# Questions are follow-ups, not answers: "can I use qlora with 2 gpus?" sets nothing.
_QUESTION_START = re.compile(
    r"^(what|how|why|which|when|where|who|can|could|should|would|is|are|does|do|will|tell)\b"
)


@dataclass
class Extraction:
    values: dict[str, object] = field(default_factory=dict)
    # Set when the text held a number that cannot be a count ("-5", "1e9999").
    bad_number: str | None = None


def extract_slots(text: str, kb: Knowledge, pending: str | None = None) -> dict[str, object]:
    """Slot -> canonical value for everything the text says (may be empty)."""
    return parse(text, kb, pending).values


def is_question(text: str) -> bool:
    norm = normalise(text)
    return text.rstrip().endswith("?") or _QUESTION_START.match(norm) is not None


def parse(text: str, kb: Knowledge, pending: str | None = None) -> Extraction:
    norm = normalise(text)
    out = Extraction()
    if not norm:
        return out
    try:
        counts = find_counts(norm)
    except BadNumber as exc:
        out.bad_number = str(exc)
        counts = []
    asking = is_question(text)

    if pending is not None and not asking:
        value = _pending_answer(norm, pending, kb, counts)
        if value is not None:
            out.values[pending] = value

    if pending == "has_data" and not out.values and not asking:
        # "Do you have training examples?" "2,000": a count answers it, and the next question.
        count = _pending_answer(norm, "examples", kb, counts)
        if count is not None:
            out.values["examples"] = count
    _counts_with_nouns(norm, counts, out.values)
    for slot, q in kb.questions.items():
        if slot in out.values or not q.choices:
            continue
        value = _enumerated(norm, q)
        if value is not None:
            out.values[slot] = value

    # The count decides whether there is data ("we have 5k tickets" means yes).
    if "examples" in out.values and "has_data" not in out.values:
        out.values["has_data"] = "yes" if out.values["examples"] else "no"
    if out.values.get("has_data") == "no" and "examples" not in out.values:
        out.values["examples"] = 0
    if out.values.get("has_data") == "yes" and out.values.get("examples") == 0:
        del out.values["examples"]
    # In question order, so "Training data: yes" is acknowledged before "Examples: 5,000".
    out.values = {k: out.values[k] for k in ALL_SLOTS if k in out.values}
    return out


def _billions(value: int) -> int | None:
    """A model size in billions of parameters: "7B" (7e9) or a bare "7"; None for a count
    that is neither (a million parameters is not a model size anyone fine-tunes here)."""
    if value >= 10**9:
        return max(1, round(value / 10**9))
    if 1 <= value < 10**6:
        return value
    return None


def _pending_answer(norm: str, slot: str, kb: Knowledge, counts: list[Count]) -> object | None:
    """The answer to the question being asked: a bare count, a value, a label, a choice's
    number, or one of its words alone ("tight" when asked about budget)."""
    if slot in NUMERIC_SLOTS:
        if slot == "examples" and norm in _NONE_COUNT:
            return 0
        # A bare answer is one number; several (or money, "$3") is not a count we can trust.
        if len(counts) + len(_MONEY.findall(norm)) != 1:
            return None
        usable = [c for c in counts if not _followed_by(norm, c, _OTHER_NOUNS)]
        if slot == "model_size":  # "a 70B model", "13 billion parameters"
            usable = [c for c in counts if not _followed_by(
                norm, c, (_OTHER_NOUNS | _EXAMPLE_NOUNS)
                - {"model", "models", "parameter", "parameters", "params"})]
        if slot == "monthly_tokens":
            usable = [
                c for c in counts if not _followed_by(norm, c, _OTHER_NOUNS - {"tokens", "token"})
            ]
        if not usable:
            return None
        return _billions(usable[-1].value) if slot == "model_size" else usable[-1].value
    q = kb.questions[slot]
    values = slot_values(slot)
    if norm.isdigit() and 1 <= int(norm) <= len(q.choices):
        return q.choices[int(norm) - 1].value
    if values == ("yes", "no"):
        if norm in _YES:
            return "yes"
        if norm in _NO:
            return "no"
    for c in q.choices:
        if norm in (c.value, c.value.replace("_", " "), c.label.lower()) or norm in c.words:
            return c.value
    # Spelling slips in a label ("consistant behaviour").
    best = max(q.choices, key=lambda c: fuzz.ratio(norm, c.label.lower()))
    if fuzz.ratio(norm, best.label.lower()) >= 85:
        return best.value
    return None


def _followed_by(
    norm: str, count: Count, nouns: frozenset[str] | tuple[str, ...], within: int = 3
) -> bool:
    after = norm[count.end :].split()[:within]
    return any(w.strip(",.") in nouns for w in after)


def _counts_with_nouns(norm: str, counts: list[Count], values: dict[str, object]) -> None:
    for c in counts:
        after = [w.strip(",.") for w in norm[c.end :].split()[:4]]
        if any(w in _TOKEN_WORDS for w in after[:2]):
            tail = " ".join(norm[c.end :].split()[:5])
            if any(m in tail for m in _MONTH_WORDS) and "monthly_tokens" not in values:
                values["monthly_tokens"] = c.value
            continue
        if after and after[0] in _OTHER_NOUNS:
            continue
        if any(w in _EXAMPLE_NOUNS for w in after[:3]) and "examples" not in values:
            values["examples"] = c.value


_PATTERNS: dict[int, tuple[QuestionInfo, re.Pattern[str] | None, dict[str, str]]] = {}


def _synonym_pattern(q: QuestionInfo) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """One alternation of every synonym, longest first, compiled once per question."""
    cached = _PATTERNS.get(id(q))
    if cached is not None and cached[0] is q:
        return cached[1], cached[2]
    phrases = {p: c.value for c in q.choices for p in c.synonyms}
    alternation = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)") if phrases else None
    _PATTERNS[id(q)] = (q, pattern, phrases)
    return pattern, phrases


def _enumerated(norm: str, q: QuestionInfo) -> str | None:
    """A value named by a synonym phrase, or by a value word next to the slot's keyword.
    Matches never overlap and the longest wins where they would ("no gpu cluster" is not
    "gpu cluster"); where two values are named, the later one wins ("low, no actually high")."""
    pattern, phrases = _synonym_pattern(q)
    if pattern is not None:
        found = [phrases[m.group(0)] for m in pattern.finditer(norm)]
        if found:
            return found[-1]
    if not q.keywords:
        return None
    best: tuple[int, str] | None = None
    offset = 0
    for clause in clauses(norm):
        offset = norm.find(clause, offset)
        if not any(has_phrase(clause, k) for k in q.keywords):
            continue
        for c in q.choices:
            for word in c.words:
                m = re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", clause)
                if m and (best is None or offset + m.start() > best[0]):
                    best = (offset + m.start(), c.value)
    return best[1] if best else None

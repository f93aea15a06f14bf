"""Slot values from free text: "we have about 5k labelled tickets, tight budget, need it by
Friday" -> examples 5000, has_data yes, budget low, timeline week.

A reply is read first as an answer to the pending question (its choices by meaning: synonyms,
a scale's words, yes/no, numbers, with negation and spelling slips), then for any other facts
it states. Precision before recall: where a reply could mean two values, the result asks
("Did you mean Low or Medium?") instead of guessing. The vocabulary lives in knowledge
(questions.yaml, understanding.yaml); this module only knows how to look for it.

Every step is a walk over the message's words (at most MAX_WORDS), so the cost of a message is
bounded by its length whatever it contains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dialogs.slots import ALL_SLOTS, slot_values
from dialogs.understanding.amounts import Amount, as_int, read_amounts, said
from dialogs.understanding.lexicon import (
    FUZZY_MAX_LOOKUPS,
    FUZZY_MIN_LEN,
    Lexicon,
    lexicon,
    longest,
)
from dialogs.understanding.text import CLAUSE_BREAKS, normalise, tokens
from knowledge.models import Bands, Knowledge

MAX_WORDS = 400
# Replies this short are read with the pending question's words for spelling slips.
SHORT_REPLY_WORDS = 6
# A reply this short ending in "?" ("maybe 2k?", "medium?") is a hedged answer; longer ones
# ("QLoRA on a 13B model?") are questions.
HEDGED_REPLY_WORDS = 3

_EXAMPLE_NOUNS = frozenset([
    "examples", "example", "samples", "sample", "tickets", "ticket", "records", "record", "rows",
    "row", "pairs", "pair", "conversations", "conversation", "documents", "document", "docs",
    "doc", "emails", "email", "transcripts", "transcript", "labels", "label", "datapoints",
    "items", "item", "chats", "chat", "messages", "queries", "query", "instances", "sentences",
    "texts", "reviews", "images", "calls", "cases", "entries", "logs", "snippets", "files",
    "articles", "labeled", "annotated", "training", "data", "points", "questions", "answers",
    "dialogues", "dialogs", "prompts", "completions", "summaries", "sequences", "contracts",
    "invoices", "posts", "resolved", "historical", "past", "existing"
])
_DATA_LABELS = frozenset({"examples", "data", "dataset", "samples", "rows", "records"})
_TOKEN_WORDS = frozenset({"tokens", "token", "toks"})
_MONTH_WORDS = frozenset({"month", "monthly", "mo", "months", "pm"})
_RATE_WORDS = frozenset({"month", "monthly", "mo", "pm", "day", "daily", "week", "weekly",
                         "year", "yearly", "annually", "hour", "hourly", "per", "/"})
_DURATION_DAYS = {"hour": 1 / 24, "hours": 1 / 24, "hrs": 1 / 24, "hr": 1 / 24, "day": 1,
                  "days": 1, "week": 7, "weeks": 7, "wks": 7, "month": 30, "months": 30,
                  "quarter": 91, "quarters": 91, "year": 365, "years": 365}
_GB = frozenset({"gb", "gig", "gigs", "vram"})
_MODEL_AFTER = frozenset({"model", "models", "params", "parameters", "parameter", "param",
                          "llm"})
_CLUSTER_WORDS = frozenset({"node", "nodes", "cluster", "clusters"})
_NONE_COUNT = frozenset({"none", "zero", "no", "nothing", "not yet", "no data", "nope",
                         "no examples", "not any", "0", "none yet", "nada", "zilch"})
# Questions are follow-ups, not answers: "can I use qlora with 2 gpus?" sets nothing.
_QUESTION_START = re.compile(
    r"^(what|how|why|which|when|where|who|can|could|should|would|is|are|does|do|will|tell)\b"
)


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


def extract_slots(text: str, kb: Knowledge, pending: str | None = None) -> dict[str, object]:
    """Slot -> canonical value for everything the text says (may be empty)."""
    return parse(text, kb, pending).values


def is_question(text: str) -> bool:
    norm = normalise(text)
    return text.rstrip().endswith("?") or _QUESTION_START.match(norm) is not None


@dataclass
class _Hit:
    start: int
    values: tuple[str, ...]
    negated: bool = False
    strong: bool = True  # False: a scale word read without its keyword
    length: int = 1      # words in the phrase


@dataclass
class _Reading:
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
    hits: dict[str, list[_Hit]] = field(default_factory=dict)
    used: set[int] = field(default_factory=set)  # amounts (by start) given to a slot
    out: Extraction = field(default_factory=Extraction)

    def hit(self, slot: str, start: int, values: tuple[str, ...], negated: bool = False,
            strong: bool = True, length: int = 1) -> None:
        self.hits.setdefault(slot, []).append(_Hit(start, values, negated, strong, length))

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


def parse(text: str, kb: Knowledge, pending: str | None = None,
          offered: tuple[str, ...] = ()) -> Extraction:
    """What the text says; `offered`: the values the pending question showed, when it showed
    only some (a typed number counts among those)."""
    norm = normalise(text)
    if not norm:
        return Extraction()
    q = kb.questions.get(pending or "")
    if q is not None and q.choices and norm.isdigit():
        numbered = offered or tuple(c.value for c in q.choices)
        if 1 <= int(norm) <= len(numbered):
            return Extraction(values={q.slot: numbered[int(norm) - 1]})
    lex = lexicon(kb)
    words, clause = _words(norm, lex)
    # "maybe 2k?": a short reply with a question mark is a hedged answer, not a question.
    asking = is_question(text) and not (
        pending is not None and _QUESTION_START.match(norm) is None
        and len(norm.split()) <= HEDGED_REPLY_WORDS)
    r = _Reading(kb, lex, words, clause, None if asking else pending, asking)
    _markers(r)
    amounts = read_amounts(words)
    bad = next((a for a in amounts if a.bad), None)
    if bad is not None:
        r.out.bad_number = bad.said
    amounts = [a for a in amounts if not a.bad]

    if r.pending in lex.answers:
        if len(words) <= SHORT_REPLY_WORDS:
            _answer_typos(r)
        _phrases(r, lex.answers[r.pending], answer_slot=r.pending)
    _phrases(r, lex.free, answer_slot=None)
    if r.pending in r.hits:
        # A word that another slot's keyword claims is not an answer to the pending question:
        # asked about accuracy, "actually our budget is high" is about the budget.
        claimed = {h.start for slot, hits in r.hits.items() if slot != r.pending
                   for h in hits if not h.strong}
        r.hits[r.pending] = [h for h in r.hits[r.pending] if h.start not in claimed]
    _hardware(r, amounts)
    _model_size(r, amounts)
    _bands(r, amounts)
    _counts(r, amounts)
    for slot, hits in r.hits.items():
        if slot not in r.out.values:
            _resolve(r, slot, hits)
    _consistency(r.out)
    r.out.unplaced = [said(words[a.start:a.end + 1]) for a in amounts
                      if a.start not in r.used][:3]
    # In question order, so "Training data: yes" is acknowledged before "Examples: 5,000".
    r.out.values = {k: r.out.values[k] for k in ALL_SLOTS if k in r.out.values}
    r.out.clarify = {k: v for k, v in r.out.clarify.items() if k not in r.out.values}
    return r.out


def _words(norm: str, lex: Lexicon) -> tuple[list[str], list[int]]:
    toks = tokens(norm)[:MAX_WORDS]
    words: list[str] = []
    clause: list[int] = []
    c = 0
    lookups = 0
    for k, (tok, _) in enumerate(toks):
        if tok in ("-", "/") and 0 < k < len(toks) - 1 and toks[k - 1][0][:1].isalpha() and \
                toks[k + 1][0][:1].isalpha():
            continue  # "domain-specific" reads as "domain specific"; "5-10k" keeps its "-"
        if tok in CLAUSE_BREAKS:
            c += 1
        tok = lex.spellings.get(tok, tok)
        if (len(tok) >= FUZZY_MIN_LEN and tok.isalpha() and tok not in lex.known
                and lookups < FUZZY_MAX_LOOKUPS):
            lookups += 1
            tok = lex.correct(tok)
        words.append(tok)
        clause.append(c)
    return words, clause


def _answer_typos(r: _Reading) -> None:
    """In a short reply, a slip in a short word is read against the question's own words
    ("tght" for tight, "hgih" for high), which few enough words to be safe."""
    vocab = r.lex.answer_words.get(r.pending or "", ())
    for k, w in enumerate(r.words):
        if len(w) >= 3 and w.isalpha() and w not in r.lex.known:
            fixed = r.lex.correct_in(w, vocab)
            if fixed is not None:
                r.words[k] = fixed


def _markers(r: _Reading) -> None:
    lex, words = r.lex, r.words
    i = 0
    while i < len(words):
        found = longest(lex.markers, words, i)
        if found is None:
            kw = longest(lex.keywords, words, i)
            if kw is not None:
                for slot, _, _ in kw[1]:
                    r.keyword_clauses.setdefault(slot, set()).add(r.clause[i])
            i += 1
            continue
        end, entries = found
        kinds = {e[2] for e in entries}
        if "neg" in kinds:
            r.neg_ends[end] = r.clause[i]
        if "corr" in kinds:
            r.corrections.append(i)
        if "pref" in kinds:
            r.preferences.append(i)
        kw = longest(lex.keywords, words, i)
        if kw is not None:
            for slot, _, _ in kw[1]:
                r.keyword_clauses.setdefault(slot, set()).add(r.clause[i])
        i = end


def _phrases(r: _Reading, trie: dict[str, object], answer_slot: str | None) -> None:
    words = r.words
    i = 0
    while i < len(words):
        found = longest(trie, words, i)
        if found is None:
            i += 1
            continue
        end, entries = found
        for slot, value, kind in entries:
            if kind == "stop":
                continue
            if answer_slot is not None and slot != answer_slot:
                continue
            if answer_slot is None and slot == r.pending:
                continue  # read by the answer pass, with the reply vocabulary
            if kind == "word" and not r.near_keyword(slot, i):
                continue
            r.hit(slot, i, (value,), r.negated(i), strong=kind != "word", length=end - i)
        i = end


def _resolve(r: _Reading, slot: str, hits: list[_Hit]) -> None:
    values = slot_values(slot)
    yes_no = values == ("yes", "no")
    plain: list[_Hit] = []
    negated: list[_Hit] = []
    for h in hits:
        if h.negated and yes_no and len(h.values) == 1:
            # "not needed" is no; "no, we don't" is no too (a doubled no, not a yes).
            plain.append(_Hit(h.start, ("no",)))
        elif h.negated:
            negated.append(h)
        else:
            plain.append(h)
    if plain:
        single = [h for h in plain if len(h.values) == 1]
        distinct = list(dict.fromkeys(h.values[0] for h in single))
        if len(distinct) == 1:
            r.out.values[slot] = distinct[0]
            return
        if len(distinct) > 1:
            last = single[-1]
            earlier = [h for h in single if h.values[0] != last.values[0]][-1]
            if any(earlier.start < c <= last.start for c in r.corrections):
                r.out.values[slot] = last.values[0]
                return
            first = single[0]
            if len(distinct) == 2 and any(first.start < c < last.start for c in r.preferences):
                r.out.values[slot] = first.values[0]  # "consistency over speed"
                return
            named = tuple(v for v in values if v in distinct)
            contrast = r.kb.understanding.contrasts.get(slot)
            if contrast is not None and set(contrast.values) <= set(named):
                r.out.values[slot] = contrast.means  # "some good, some bad": mixed
                return
            # A phrase of several words beats single words ("writing unit tests").
            length = {v: max(h.length for h in single if h.values[0] == v) for v in distinct}
            top = max(length.values())
            if not yes_no and top > 1 and [v for v in distinct if length[v] == top] == [
                    v for v in distinct if length[v] >= top - 0]:
                winners = [v for v in distinct if length[v] == top]
                if len(winners) == 1:
                    r.out.values[slot] = winners[0]
                    return
            r.out.clarify[slot] = named
            return
        r.out.clarify[slot] = plain[0].values
        return
    if negated and slot == r.pending:
        excluded = {v for h in negated for v in h.values}
        rest = tuple(v for v in values if v not in excluded)
        if len(rest) == 1:
            r.out.values[slot] = rest[0]
        elif len(rest) >= 2:
            r.out.clarify[slot] = rest
    elif negated and len(values) == 2:
        excluded = {v for h in negated for v in h.values}
        rest = tuple(v for v in values if v not in excluded)
        if len(rest) == 1:
            r.out.values[slot] = rest[0]


def _band(bands: Bands, amount: float) -> tuple[str, ...]:
    for k, band in enumerate(bands.bands):
        if band.below is None or amount < band.below:
            near: list[str] = []
            if k > 0 and bands.margin:
                edge = bands.bands[k - 1].below or 0
                if amount < edge * (1 + bands.margin):
                    near.append(bands.bands[k - 1].value)
            near.append(band.value)
            if band.below is not None and bands.margin and amount >= band.below * (
                    1 - bands.margin):
                near.append(bands.bands[k + 1].value)
            return tuple(near)
    return ()


def _bands(r: _Reading, amounts: list[Amount]) -> None:
    """Money to a budget, a percentage to an accuracy, a duration to a timeline."""
    u = r.kb.understanding
    words = r.words
    for a in amounts:
        if a.start in r.used:
            continue
        after = words[a.end] if a.end < len(words) else ""
        if after in _DURATION_DAYS and not a.money and not a.percent and a.value <= 1000:
            if r.pending == "timeline" or r.near_keyword("timeline", a.start):
                # "90 days" is a quarter: the amount decides, not its unit word ("days").
                r.hits["timeline"] = [h for h in r.hits.get("timeline", [])
                                      if h.start != a.end]
                r.hit("timeline", a.start, _band(u.duration_bands, a.value * _DURATION_DAYS[
                    after]))
            r.used.add(a.start)
            continue
        money = a.money or (r.pending == "budget" and not a.percent and a.value >= 50)
        if money:
            r.used.add(a.start)
            if r.pending == "budget" or r.near_keyword("budget", a.start):
                value = a.value - 1 if a.bound == "under" else a.value
                r.hit("budget", a.start, _band(u.money_bands, value))
            continue
        percent = a.percent or (r.pending == "accuracy" and 1 <= a.value <= 100)
        if percent:
            r.used.add(a.start)
            if r.pending == "accuracy" or r.near_keyword("accuracy", a.start):
                r.hit("accuracy", a.start, _band(u.accuracy_bands, a.value))


def _gpu_class(r: _Reading, word: str) -> str | None:
    gpus = r.kb.understanding.gpus
    for w in (word, word[:-1] if word.endswith("s") else word, word.removeprefix("rtx")):
        if w in gpus:
            return gpus[w]
    return None


def _hardware(r: _Reading, amounts: list[Amount]) -> None:
    u = r.kb.understanding
    words = r.words
    by_end = {a.end: a for a in amounts}
    for i, w in enumerate(words):
        count: float = 1
        name = w
        m = re.match(r"^(\d+)x([a-z]+\d+[a-z]*)$", w)
        if m:
            count, name = int(m.group(1)), m.group(2)
        kind = _gpu_class(r, name)
        if kind is None:
            continue
        before = by_end.get(i)
        if before is None and i > 1 and words[i - 1] in ("x", "*"):
            before = by_end.get(i - 1)  # "128 x A100"
        elif before is None and i + 2 < len(words) and words[i + 1] in ("x", "*"):
            before = next((a for a in amounts if a.start == i + 2), None)  # "3090 x 1"
        if before is not None and (before.suffix in _GB or before.money or before.percent):
            before = None  # "one 80GB A100": 80 is its memory, not a count
        if before is not None:
            count = before.value
            r.used.add(before.start)
        elif i > 0 and re.match(r"^\d+x$", words[i - 1]):
            count = int(words[i - 1][:-1])
        clause_words = {words[k] for k in range(max(0, i - 8), min(len(words), i + 8))
                        if r.clause[k] == r.clause[i]}
        if count >= u.cluster_gpus or clause_words & _CLUSTER_WORDS:
            kind = "gpu_cluster"
        # The name with its count decides, over what the name alone says ("h100s").
        r.hits["hardware"] = [h for h in r.hits.get("hardware", []) if h.start != i]
        r.hit("hardware", i, (kind,), r.negated(i))
        for a in amounts:
            if i < a.start <= i + 2 and (a.suffix in _GB or (
                    a.end < len(words) and words[a.end] in _GB)):
                r.used.add(a.start)
    if "hardware" in r.hits:
        return
    for a in amounts:
        after = words[a.end] if a.end < len(words) else ""
        if after in ("gpus", "gpu", "cards") and a.value >= u.cluster_gpus:
            r.used.add(a.start)
            r.hit("hardware", a.start, ("gpu_cluster",), r.negated(a.start))
            continue
        if a.suffix in _GB or after in _GB:
            r.used.add(a.start)
            if r.pending == "hardware" or r.near_keyword("hardware", a.start):
                kind = "consumer_gpu" if a.value <= u.consumer_max_gb else "datacenter_gpu"
                r.hit("hardware", a.start, (kind,))


def _model_size(r: _Reading, amounts: list[Amount]) -> None:
    if r.asking or "model_size" in r.out.values:
        return
    u = r.kb.understanding
    words = r.words
    families = set(u.model_families)
    for i in range(len(words)):
        for length in (2, 1):
            name = " ".join(words[i:i + length])
            if name in u.models:
                size = u.models[name]
                _take_model(r, i, size, name)
                for a in amounts:
                    if i <= a.start < i + length:
                        r.used.add(a.start)
                return
    # A size written with its "b" first: in "llama 3 70b" the 3 is a version.
    for a in sorted(amounts, key=lambda a: a.suffix != "b"):
        if a.start in r.used or a.money or a.percent:
            continue
        after = r.words[a.end] if a.end < len(words) else ""
        before = set(words[max(0, a.start - 3):a.start])
        billions: float | None = None
        if a.suffix == "b":
            if r.pending == "model_size" or before & families or after in _MODEL_AFTER:
                billions = a.value
        elif a.value >= 1e8 and after in _MODEL_AFTER:
            billions = a.value / 1e9
        elif r.pending == "model_size" and not a.suffix and 0 < a.value <= 2000:
            billions = a.value
        if billions is not None:
            r.used.add(a.start)
            _take_model(r, a.start, billions, None)
            return


def _take_model(r: _Reading, start: int, billions: float, name: str | None) -> None:
    size = max(1, as_int(billions))
    if size > 100_000:
        return
    r.out.values["model_size"] = size
    if name is not None and size != billions:
        r.out.notes.append(r.text("took_model", label=_label(r, "model_size"), value=billions,
                                  said=name))


def _label(r: _Reading, slot: str) -> str:
    q = r.kb.questions.get(slot)
    return q.short_label if q else slot.replace("_", " ").capitalize()


def _note(r: _Reading, slot: str, a: Amount, value: int) -> None:
    if a.ranged:
        r.out.notes.append(r.text("took_range", label=_label(r, slot), said=a.said,
                                  value=f"{value:,}"))
    elif a.vague:
        r.out.notes.append(r.text("took_approx", label=_label(r, slot), said=a.said,
                                  value=f"{value:,}"))


def _counts(r: _Reading, amounts: list[Amount]) -> None:
    """Example counts and monthly tokens, in free text by the noun after the number; in a
    reply to their question, one number alone."""
    words = r.words
    free = [a for a in amounts if a.start not in r.used and not a.money and not a.percent
            and a.suffix in ("", "b")]
    for a in free:
        after = words[a.end:a.end + 6]
        if a.suffix == "b" and set(after[:2]) & _TOKEN_WORDS:
            a.value *= 1e9  # "3b tokens": billions, not a model size
        if set(after[:2]) & _TOKEN_WORDS or (r.pending == "monthly_tokens" and (
                set(after[:3]) & _MONTH_WORDS)):
            tail = set(after[:6])
            if (tail & _MONTH_WORDS or r.pending == "monthly_tokens") and (
                    "monthly_tokens" not in r.out.values):
                _take_count(r, "monthly_tokens", a)
            r.used.add(a.start)
            continue
        named_before = a.start > 0 and words[a.start - 1] in _DATA_LABELS  # "data: 5k"
        if (set(after[:3]) & _EXAMPLE_NOUNS or named_before) and "examples" not in \
                r.out.values and not set(after[:4]) & _RATE_WORDS:  # "2M docs a month"
            _take_count(r, "examples", a)
            r.used.add(a.start)
    pending = r.pending
    if r.out.bad_number is not None:
        return  # "between 1e99 and 2": ask about the whole reply rather than take a part
    if pending in ("examples", "has_data", "monthly_tokens") and pending not in r.out.values:
        slot = "monthly_tokens" if pending == "monthly_tokens" else "examples"
        if slot in r.out.values:
            return
        left = [a for a in free if a.start not in r.used]
        norm = " ".join(words)
        if slot == "examples" and not left and norm in _NONE_COUNT:
            r.out.values["examples"] = 0
        elif len(left) == 1 and (pending != "has_data" or len(words) <= 4):
            _take_count(r, slot, left[0])


def _take_count(r: _Reading, slot: str, a: Amount) -> None:
    value = as_int(a.value)
    if a.bound == "under" and not a.ranged:
        value = as_int(a.value * 0.75) or 0
    r.out.values[slot] = value
    if a.bound == "under":
        r.out.notes.append(r.text("took_approx", label=_label(r, slot), said=a.said,
                                  value=f"{value:,}"))
    else:
        _note(r, slot, a, value)


def _consistency(out: Extraction) -> None:
    """The count decides whether there is data ("we have 5k tickets" means yes)."""
    values = out.values
    if "examples" in values and "has_data" not in values:
        values["has_data"] = "yes" if values["examples"] else "no"
    if values.get("has_data") == "no" and "examples" not in values:
        values["examples"] = 0
    if values.get("has_data") == "yes" and values.get("examples") == 0:
        del values["examples"]
    if values.get("has_data") == "no" and values.get("examples"):
        # "no" and a count disagree: ask rather than pick one.
        del values["has_data"]
        out.clarify.setdefault("has_data", ("yes", "no"))


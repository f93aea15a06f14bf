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
from typing import TYPE_CHECKING

from dialogs.slots import ALL_SLOTS, settled_count, slot_values
from dialogs.understanding.amounts import Amount, as_int, read_amounts, said
from dialogs.understanding.lexicon import (
    FUZZY_MAX_LOOKUPS,
    FUZZY_MIN_LEN,
    Lexicon,
    longest,
)
from dialogs.understanding.measures import amounts_as_choices, hardware, model_size
from dialogs.understanding.openings import SPACED_DASH, is_opening, task_spans
from dialogs.understanding.reading import Extraction, Hit, Reading, label
from dialogs.understanding.text import CLAUSE_BREAKS, clean, normalise, tokens, utterance

if TYPE_CHECKING:
    from dialogs.compiled import CompiledKnowledge

__all__ = ["Extraction", "extract_slots", "is_question", "parse"]

MAX_WORDS = 300
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
    "invoices", "posts", "resolved", "historical", "past", "existing", "comments", "annotations",
    "responses", "replies", "outputs", "descriptions", "threads", "notes", "claims", "prs",
    "commits", "reports", "forms", "papers", "receipts", "resumes", "cvs", "listings",
    "transactions", "txns", "recordings", "translations"
])
# Names a number after which is a version: "gpt-4", "claude 3", "python 3".
_VERSIONED = frozenset({"gpt", "claude", "gemini", "llama", "qwen", "phi", "gemma", "mistral",
                        "deepseek", "sonnet", "opus", "haiku", "version", "v", "python", "java",
                        "ios", "android", "windows"})
_PEOPLE = frozenset({"people", "engineers", "scientists", "devs", "developers", "employees",
                     "staff", "analysts", "agents", "folks", "members", "interns", "researchers",
                     "annotators", "labelers", "labellers", "persons", "ppl"})
_DATA_LABELS = frozenset({"examples", "data", "dataset", "samples", "rows", "records"})
_TOKEN_WORDS = frozenset({"tokens", "token", "toks"})
_MONTH_WORDS = frozenset({"month", "monthly", "mo", "months", "pm"})
_RATE_WORDS = frozenset({"month", "monthly", "mo", "pm", "day", "daily", "week", "weekly",
                         "year", "yearly", "annually", "hour", "hourly", "per", "/"})
_NONE_COUNT = frozenset({"none", "zero", "no", "nothing", "not yet", "no data", "nope",
                         "no examples", "not any", "0", "none yet", "nada", "zilch"})
# Questions are follow-ups, not answers: "can I use qlora with 2 gpus?" sets nothing.
_QUESTION_START = re.compile(
    r"^(what|how|why|which|when|where|who|can|could|should|would|is|are|does|do|will|tell)\b"
)


def extract_slots(text: str, ck: CompiledKnowledge,
                  pending: str | None = None) -> dict[str, object]:
    """Slot -> canonical value for everything the text says (may be empty)."""
    return parse(text, ck, pending).values


def is_question(text: str) -> bool:
    norm = normalise(text)
    return text.rstrip().endswith("?") or _QUESTION_START.match(norm) is not None


def parse(text: str, ck: CompiledKnowledge, pending: str | None = None,
          offered: tuple[str, ...] = ()) -> Extraction:
    """What the text says; `offered`: the values the pending question showed, when it showed
    only some (a typed number counts among those)."""
    kb = ck.kb
    text = utterance(text)
    norm = normalise(text)
    if not norm:
        return Extraction()
    q = kb.questions.get(pending or "")
    if q is not None and q.choices and norm.isdigit():
        numbered = offered or tuple(c.value for c in q.choices)
        if 1 <= int(norm) <= len(numbered):
            return Extraction(values={q.slot: numbered[int(norm) - 1]})
    lex = ck.lexicon
    # Read from the cleaned text, not the normalised one: its ; ! ? ( ) end clauses.
    words, clause = _words(clean(text).lower(), lex)
    # "maybe 2k?": a short reply with a question mark is a hedged answer, not a question.
    asking = is_question(text) and not (
        pending is not None and _QUESTION_START.match(norm) is None
        and len(norm.split()) <= HEDGED_REPLY_WORDS)
    r = Reading(kb, lex, words, clause, None if asking else pending, asking)
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
    if r.pending is None and not asking and "use_case" not in r.hits and is_opening(r):
        # An opening (several clauses) names its task first ("fraud scoring. regulators
        # require ..."): that part is read as a reply to the use-case question.
        for sentence in task_spans(r, amounts):
            for span in sentence:
                _phrases(r, lex.answers["use_case"], answer_slot="use_case", span=span)
            if "use_case" in r.hits:
                break
    if r.pending in r.hits:
        # A word that another slot's keyword claims is not an answer to the pending question:
        # asked about accuracy, "actually our budget is high" is about the budget.
        claimed = {h.start for slot, hits in r.hits.items() if slot != r.pending
                   for h in hits if not h.strong}
        r.hits[r.pending] = [h for h in r.hits[r.pending] if h.start not in claimed]
    hardware(r, amounts)
    model_size(r, amounts)
    amounts_as_choices(r, amounts)
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
    for k, (tok, offset) in enumerate(toks):
        if tok == "-" and 0 < k < len(toks) - 1 and toks[k - 1][0][-1:].isalpha() and \
                toks[k - 1][1] + len(toks[k - 1][0]) < offset and toks[k + 1][1] > offset + 1:
            # "invoice extraction - 15k labelled": a spaced dash, which ends an opening's
            # sentence (openings.py) but keeps "budget - $5k" in one clause, and is no minus
            tok = SPACED_DASH
        elif tok in ("-", "/") and 0 < k < len(toks) - 1 and toks[k - 1][0][:1].isalpha() and (
                toks[k + 1][0][:1].isalpha() or toks[k - 1][1] + len(toks[k - 1][0]) == offset):
            # "domain-specific" reads as "domain specific", "mistral-7b" as "mistral 7b";
            # "5-10k" keeps its "-"
            continue
        if tok in CLAUSE_BREAKS:
            c += 1
        tok = lex.spellings.get(tok, tok)
        if tok.endswith("'s") and tok not in lex.known:
            tok = tok[:-2]  # "budget's tight"
        if (len(tok) >= FUZZY_MIN_LEN and tok.isalpha() and tok not in lex.known
                and lookups < FUZZY_MAX_LOOKUPS):
            lookups += 1
            tok = lex.correct(tok)
        words.append(tok)
        clause.append(c)
    return words, clause


def _answer_typos(r: Reading) -> None:
    """In a short reply, a slip in a short word is read against the question's own words
    ("tght" for tight, "hgih" for high), which few enough words to be safe."""
    vocab = r.lex.answer_words.get(r.pending or "", ())
    for k, w in enumerate(r.words):
        if len(w) >= 3 and w.isalpha() and w not in r.lex.known:
            fixed = r.lex.correct_in(w, vocab)
            if fixed is not None:
                r.words[k] = fixed


def _markers(r: Reading) -> None:
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


def _phrases(r: Reading, trie: dict[str, object], answer_slot: str | None,
             span: tuple[int, int] | None = None) -> None:
    words = r.words if span is None else r.words[:span[1]]
    i = 0 if span is None else span[0]
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
            if kind in ("word", "negmw") and not r.near_keyword(slot, i):
                continue
            if kind in ("negm", "negmw"):
                # "can't make a single mistake": the phrase means its value only negated.
                if r.negated(i):
                    r.hit(slot, i, (value,), False, length=end - i)
                continue
            r.hit(slot, i, (value,), r.negated(i), strong=kind != "word", length=end - i)
        i = end


def _yes_beside_no(r: Reading, hits: list[Hit]) -> list[Hit]:
    """A yes beside a no in one clause is what the no is about: "explanations aren't needed",
    "no need for explanations"."""
    noes = [h for h in hits if h.values == ("no",) and not h.negated]
    return [h for h in hits if not (h.values == ("yes",) and any(
        abs(n.start - h.start) <= 3 and r.clause[n.start] == r.clause[h.start]
        for n in noes))]


def _resolve(r: Reading, slot: str, hits: list[Hit]) -> None:
    values = slot_values(slot)
    yes_no = values == ("yes", "no")
    plain: list[Hit] = []
    negated: list[Hit] = []
    if yes_no:
        hits = _yes_beside_no(r, hits)
    for h in hits:
        if h.negated and yes_no and len(h.values) == 1:
            # "not needed" is no; "no, we don't" is no too (a doubled no, not a yes).
            plain.append(Hit(h.start, ("no",)))
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
            if contrast is not None and (set(contrast.values) <= set(named) or (
                    set(named) <= {contrast.means, *contrast.values} and any(
                        h.values[0] == contrast.means and h.length > 1 for h in single))):
                # "some good, some bad" is mixed; so is "patchy, some great some awful", the
                # middle said in several words beside one end ("half junk" is a word of it)
                r.out.values[slot] = contrast.means
                return
            # A use case named in several words beats one named in a word ("writing unit
            # tests"); on a scale two values stay a question ("some money but not a lot").
            length = {v: max(h.length for h in single if h.values[0] == v) for v in distinct}
            top = max(length.values())
            if slot == "use_case" and top > 1 and [v for v in distinct if length[v] == top] == [
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


def _note(r: Reading, slot: str, a: Amount, value: int) -> None:
    if a.ranged:
        r.out.notes.append(r.text("took_range", label=label(r, slot), said=a.said,
                                  value=f"{value:,}"))
    elif a.vague:
        r.out.notes.append(r.text("took_approx", label=label(r, slot), said=a.said,
                                  value=f"{value:,}"))


def _counts(r: Reading, amounts: list[Amount]) -> None:
    """Example counts and monthly tokens, in free text by the noun after the number; in a
    reply to their question, one number alone."""
    words = r.words
    free = [a for a in amounts if a.start not in r.used and not a.money and not a.percent
            and a.suffix in ("", "b")]
    team: set[int] = set()  # amounts that are not counts of examples
    for a in free:
        after = words[a.end:a.end + 6]
        if set(after[:2]) & _TOKEN_WORDS or (r.pending == "monthly_tokens" and (
                set(after[:3]) & _MONTH_WORDS)):
            tail = set(after[:6])
            if (tail & _MONTH_WORDS or r.pending == "monthly_tokens") and (
                    "monthly_tokens" not in r.out.values):
                _take_count(r, "monthly_tokens", a)
            r.used.add(a.start)
            continue
        named_before = a.start > 0 and words[a.start - 1] in _DATA_LABELS  # "data: 5k"
        if a.start > 0 and words[a.start - 1] in _VERSIONED:
            team.add(a.start)  # "gpt-4 for support replies": a version, not 4 replies
            continue
        if set(after[:2]) & _PEOPLE:
            team.add(a.start)  # "2 data scientists": a team, not data (left unplaced)
            continue
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
        left = [a for a in free if a.start not in r.used and a.start not in team]
        norm = " ".join(words)
        exact = [a for a in left if not a.vague]
        if slot == "examples" and not left and norm in _NONE_COUNT:
            r.out.values["examples"] = 0
        elif len(left) == 1 and (pending != "has_data" or len(words) <= 4):
            _take_count(r, slot, left[0])
        elif len(left) == 2 and len(exact) == 1 and pending != "has_data":
            _take_count(r, slot, exact[0])  # "a handful, like 20"
        elif len(left) == 2 and pending != "has_data" and _within_bound(left):
            # "under a million, maybe 800k": the figure inside the bound
            _take_count(r, slot, next(a for a in left if not a.bound))


def _within_bound(pair: list[Amount]) -> bool:
    bound = [a for a in pair if a.bound and not a.ranged]
    other = [a for a in pair if not a.bound]
    if len(bound) != 1 or len(other) != 1:
        return False
    if bound[0].bound == "under":
        return other[0].value <= bound[0].value
    return other[0].value >= bound[0].value


def _take_count(r: Reading, slot: str, a: Amount) -> None:
    if a.suffix == "b":
        a.value *= 1e9  # "5B" tokens: billions (a model's size is read before counts)
        a.suffix = ""
    value = as_int(a.value)
    if a.bound == "under" and not a.ranged:
        value = as_int(a.value * 0.75) or 0
    r.out.values[slot] = value
    if a.bound == "under":
        r.out.notes.append(r.text("took_approx", label=label(r, slot), said=a.said,
                                  value=f"{value:,}"))
    else:
        _note(r, slot, a, value)


def _consistency(out: Extraction) -> None:
    """The count decides whether there is data ("we have 5k tickets" means yes)."""
    values = out.values
    if "examples" in values and "has_data" not in values:
        values["has_data"] = "yes" if values["examples"] else "no"
    settled = settled_count(values)
    if settled is not None and "examples" not in values:
        values["examples"] = settled
    if values.get("has_data") == "yes" and values.get("examples") == 0:
        del values["examples"]
    if values.get("has_data") == "no" and values.get("examples"):
        # "no" and a count disagree: ask rather than pick one.
        del values["has_data"]
        out.clarify.setdefault("has_data", ("yes", "no"))


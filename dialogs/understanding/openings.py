"""Where an opening names its task. People start a first message with what they are
building ("fraud scoring. regulators need to see why", "hey! churn prediction for our telco,
20k rows"), so an opening's first sentences are read as a reply to the use-case question, all
but the clauses that are about something else."""

from __future__ import annotations

from dialogs.understanding.amounts import Amount
from dialogs.understanding.reading import Reading
from dialogs.understanding.text import CLAUSE_BREAKS

# An opening's first sentence, read for its use case, is at most this many words.
FIRST_SENTENCE_WORDS = 16
# An opening's task is looked for in its first sentences, no further ("we're an insurer.
# we want to read claim documents").
TASK_SENTENCES = 2
# A dash with spaces around it, as the reader keeps it.
SPACED_DASH = "—"
_SENTENCE_ENDS = frozenset({".", ";", "!", "?", ":", "-", SPACED_DASH})
_GREETINGS = frozenset({"hi", "hey", "hello", "hiya", "yo", "morning", "howdy", "greetings",
                        "folks", "team", "all"})
_HAVING_WORDS = frozenset({"have", "has", "got", "we've", "i've", "had"})
_CHANGE_WORDS = frozenset({"change", "changes", "changed", "update", "updates", "updated"})
_PRESENT_WORDS = frozenset({"today", "currently", "now", "presently", "nowadays"})
_TRAINING_WORDS = frozenset({"tune", "finetune", "tuning", "finetuning", "train", "training",
                             "tuned", "trained"})
_BEING = frozenset({"is", "are", "am", "was", "were", "we're", "i'm", "they're", "it's"})
_TASK_WORDS = frozenset({"for", "build", "building", "need", "needs", "want", "wants",
                         "looking", "make", "making", "create", "creating", "automate",
                         "automating", "use", "doing", "about", "helping"})
_NOT_THE_TASK = _TRAINING_WORDS | _PRESENT_WORDS | _HAVING_WORDS | _CHANGE_WORDS


def is_opening(r: Reading) -> bool:
    """Several clauses or sentences, not a one-line remark ("I guess content")."""
    return bool(r.clause) and (r.clause[-1] > 0 or SPACED_DASH in r.words[:-1])


def task_spans(r: Reading, amounts: list[Amount]) -> list[list[tuple[int, int]]]:
    """Per sentence (the first TASK_SENTENCES after a greeting), the (start, end) of each
    clause that may name the task; the reader stops after the first sentence that names
    one."""
    sentences: list[list[tuple[int, int]]] = []
    start = _after_greeting(r)
    while start < len(r.words) and len(sentences) < TASK_SENTENCES:
        sentences.append(_task_spans(r, amounts, start))
        start = _sentence_after(r, start)
    return sentences


def _sentence_after(r: Reading, start: int) -> int:
    """Where the sentence after the one starting at `start` starts."""
    words = r.words
    k = start
    while k < len(words) and words[k] not in _SENTENCE_ENDS:
        k += 1
    while k < len(words) and words[k] in _SENTENCE_ENDS:
        k += 1
    return k


def _after_greeting(r: Reading) -> int:
    """Where an opening starts after a greeting ("hey! ...", "hi team, ...")."""
    words, clause = r.words, r.clause
    if words[0] not in _GREETINGS:
        return 0
    k = next((k for k, c in enumerate(clause) if c > clause[0]), len(words))
    while k < len(words) and (words[k] in _SENTENCE_ENDS or words[k] in CLAUSE_BREAKS):
        k += 1
    return k


def _task_spans(r: Reading, amounts: list[Amount], start: int) -> list[tuple[int, int]]:
    """The clauses of an opening's sentence that may name its task: not those about
    training ("fine-tune qwen on 20k support chats" names the data), the present ("today we
    answer tickets by hand"), what the team has ("we have 5k tickets") or a count, how its
    knowledge changes ("our docs never change"), or who the team or its customers are
    ("we're a bank", "our customers are hospitals")."""
    words, clause = r.words, r.clause
    starts = {a.start for a in amounts}
    spans: list[tuple[int, int]] = []
    skipped = False
    k = start
    limit = min(len(words), start + FIRST_SENTENCE_WORDS)
    while k < limit and words[k] not in _SENTENCE_ENDS:
        j = k
        while j < limit and clause[j] == clause[k] and words[j] not in _SENTENCE_ENDS:
            j += 1
        said = set(words[k:j])
        if said & _NOT_THE_TASK or any(k <= a < j for a in starts) or (
                said & _BEING and not said & _TASK_WORDS):
            skipped = True
        elif not skipped or said & _TASK_WORDS:
            # after a clause about something else, only one that says what they want
            # ("we have 2 data scientists and an openai contract" names no task)
            spans.append((k, j))
        k = j + 1 if j < limit and words[j] in CLAUSE_BREAKS and words[j] not in \
            _SENTENCE_ENDS else j
    return spans

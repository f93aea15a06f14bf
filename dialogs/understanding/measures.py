"""Amounts that name a choice: money a budget, a percentage an accuracy, a duration a
timeline; GPUs with their counts a hardware choice; a model's name or size the model size.
The bands, GPU names and model sizes are knowledge (understanding.yaml)."""

from __future__ import annotations

import re

from dialogs.understanding.amounts import Amount, as_int
from dialogs.understanding.reading import Reading, label
from knowledge.models import Bands

_DURATION_DAYS = {"hour": 1 / 24, "hours": 1 / 24, "hrs": 1 / 24, "hr": 1 / 24, "day": 1,
                  "days": 1, "week": 7, "weeks": 7, "wks": 7, "month": 30, "months": 30,
                  "quarter": 91, "quarters": 91, "year": 365, "years": 365}
_GB = frozenset({"gb", "gig", "gigs", "vram"})
_MODEL_AFTER = frozenset({"model", "models", "params", "parameters", "parameter", "param",
                          "llm"})
# "lots of H100s": more GPUs than a node holds.
_MANY = frozenset({"lots", "loads", "tons", "many", "hundreds", "thousands", "dozens"})
_GPU_CLASSES = frozenset({"consumer_gpu", "datacenter_gpu"})
_CLUSTER_WORDS = frozenset({"node", "nodes", "cluster", "clusters"})
_NOW_WORDS = frozenset({"current", "currently", "baseline", "existing", "today", "now",
                        "gets", "getting", "achieves", "scores"})


def in_band(table: Bands, amount: float) -> tuple[str, ...]:
    """The value whose band holds the amount; with its neighbour too when the amount is
    within the table's margin of their boundary (then the person is asked)."""
    for k, entry in enumerate(table.bands):
        if entry.below is None or amount < entry.below:
            near: list[str] = []
            if k > 0 and table.margin:
                edge = table.bands[k - 1].below or 0
                if amount < edge * (1 + table.margin):
                    near.append(table.bands[k - 1].value)
            near.append(entry.value)
            if entry.below is not None and table.margin and amount >= entry.below * (
                    1 - table.margin):
                near.append(table.bands[k + 1].value)
            return tuple(near)
    return ()


def amounts_as_choices(r: Reading, amounts: list[Amount]) -> None:
    """Money to a budget, a percentage to an accuracy, a duration to a timeline."""
    u = r.kb.understanding
    words = r.words
    for a in amounts:
        if a.start in r.used:
            continue
        after = words[a.end] if a.end < len(words) else ""
        if after in _DURATION_DAYS and not a.money and not a.percent and a.value <= 1000:
            # "in 2 weeks", "within a month" set a deadline without a keyword.
            lead = r.words[a.start - 1] if a.start > 0 else ""
            if lead in ("every", "each") and (r.pending == "knowledge_updates" or r.near_keyword(
                    "knowledge_updates", a.start)):
                # "every couple of years": a period, read on the update scale, not a deadline.
                days = a.value * _DURATION_DAYS[after]
                r.hits["knowledge_updates"] = [h for h in r.hits.get("knowledge_updates", [])
                                               if h.start != a.start - 1]
                r.hit("knowledge_updates", a.start - 1, ("often",) if days <= 7 else (
                    ("rarely",) if days >= 28 else ("rarely", "often")))
                r.used.add(a.start)
                continue
            if r.pending == "timeline" or lead in ("in", "within") or r.near_keyword(
                    "timeline", a.start):
                # "90 days" is a quarter: the amount decides, not its unit word ("days").
                r.hits["timeline"] = [h for h in r.hits.get("timeline", [])
                                      if h.start != a.end]
                r.hit("timeline", a.start, in_band(u.duration_bands, a.value * _DURATION_DAYS[
                    after]))
            r.used.add(a.start)
            continue
        money = a.money or (r.pending == "budget" and not a.percent and a.value >= 50)
        if money:
            r.used.add(a.start)
            if r.pending == "budget" or r.near_keyword("budget", a.start):
                value = a.value - 1 if a.bound == "under" else a.value
                # "we don't have $50k": the band is ruled out, not taken
                r.hit("budget", a.start, in_band(u.money_bands, value), r.negated(a.start))
            continue
        # A bare number answering the accuracy question is a percentage when plausible as a
        # required accuracy ("95"); "one error and we get fined" is not 1%.
        percent = a.percent or (r.pending == "accuracy" and 50 <= a.value <= 100)
        if percent:
            r.used.add(a.start)
            clause = {w for k, w in enumerate(r.words) if r.clause[k] == r.clause[a.start]}
            if clause & _NOW_WORDS and r.pending != "accuracy":
                continue  # "our current system gets 70%": what is, not what is needed
            if r.pending == "accuracy" or r.near_keyword("accuracy", a.start):
                r.hit("accuracy", a.start, in_band(u.accuracy_bands, a.value),
                      r.negated(a.start))  # "it doesn't need to be 100%"


def gpu_class(r: Reading, word: str) -> str | None:
    gpus = r.kb.understanding.gpus
    for w in (word, word[:-1] if word.endswith("s") else word, word.removeprefix("rtx")):
        if w in gpus:
            return gpus[w]
    return None


def hardware(r: Reading, amounts: list[Amount]) -> None:
    u = r.kb.understanding
    words = r.words
    by_end = {a.end: a for a in amounts}
    named: set[int] = set()
    for i, w in enumerate(words):
        count: float = 1
        name = w
        m = re.match(r"^(\d+)x([a-z]+\d+[a-z]*)$", w)
        if m:
            count, name = int(m.group(1)), m.group(2)
        kind = gpu_class(r, name)
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
        many = i > 0 and words[i - 1] in _MANY or i > 1 and words[i - 2] in _MANY
        if count >= u.cluster_gpus or clause_words & _CLUSTER_WORDS or many:
            kind = "gpu_cluster"
        # The name with its count decides, over what the name alone says ("h100s").
        r.hits["hardware"] = [h for h in r.hits.get("hardware", []) if h.start != i]
        r.hit("hardware", i, (kind,), r.negated(i))
        for a in amounts:
            if a.start == i:
                r.used.add(i)  # "a single 4090": a name, not a count of 4,090
        if not r.negated(i):
            named.add(i)
        for a in amounts:
            if i < a.start <= i + 2 and (a.suffix in _GB or (
                    a.end < len(words) and words[a.end] in _GB)):
                r.used.add(a.start)
    if named:
        # A GPU's name decides its class over the class words around it ("a workstation
        # with an RTX A6000"), not over another choice ("either api or a 4090").
        r.hits["hardware"] = [h for h in r.hits["hardware"] if h.start in named or h.negated
                              or h.values[0] not in _GPU_CLASSES]
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


def model_size(r: Reading, amounts: list[Amount]) -> None:
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
                take_model(r, i, size, name)
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
        # "qwen2", "llama3": a family's name with its version glued on.
        before |= {f for f in families if len(f) >= 3 for w in before if w.startswith(f)}
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
            take_model(r, a.start, billions, None)
            return


def take_model(r: Reading, start: int, billions: float, name: str | None) -> None:
    size = max(1, as_int(billions))
    if size > 100_000:
        return
    r.out.values["model_size"] = size
    if name is not None and size != billions:
        r.out.notes.append(r.text("took_model", label=label(r, "model_size"), value=billions,
                                  said=name))

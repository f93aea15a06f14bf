"""One answer per topic, built from knowledge/ and, in context, from this person's answers
and recommendation. The sentences about AI approaches come from the knowledge files; the
glue around them ("For you I recommend ...") is here."""

from __future__ import annotations

from collections.abc import Callable

from dialogs.followups.context import Context, topic_choices
from dialogs.followups.intent import APPROACH_TOPICS, HYBRID_TOPICS, METHOD_TOPICS
from dialogs.followups.memory import estimate, max_params_for
from dialogs.formatting import answer_line, answers_in_words, bullets, count, gigabytes
from dialogs.replies import Answer, Table
from knowledge.models import ApproachId, Knowledge

# Suggested next follow-ups after each topic (buttons).
RELATED: dict[str, tuple[str, ...]] = {
    "prompt_engineering": ("fine_tuning", "rag", "cost"),
    "fine_tuning": ("lora", "qlora", "data_requirements"),
    "training_from_scratch": ("fine_tuning", "cost", "continued_pretraining"),
    "standard_fine_tuning": ("lora", "qlora", "gpu_memory"),
    "lora": ("qlora", "standard_fine_tuning", "gpu_memory"),
    "qlora": ("lora", "gpu_memory", "cost"),
    "prompt_tuning": ("lora", "qlora", "gpu_memory"),
    "rag": ("fine_tuning", "prompt_engineering", "roadmap"),
    "ensemble": ("cot_fine_tuning", "rag", "cost"),
    "cot_fine_tuning": ("fine_tuning", "data_requirements", "ensemble"),
    "cost": ("comparison", "inference", "gpu_memory"),
    "data_requirements": ("quality_vs_quantity", "roadmap", "common_mistakes"),
    "quality_vs_quantity": ("data_requirements", "common_mistakes", "roadmap"),
    "roadmap": ("evaluation", "cost", "data_requirements"),
    "comparison": ("cost", "roadmap", "decision_framework"),
    "use_cases": ("comparison", "rag", "roadmap"),
    "common_mistakes": ("evaluation", "roadmap", "quality_vs_quantity"),
    "decision_framework": ("comparison", "roadmap", "cost"),
    "gpu_memory": ("qlora", "inference", "model_choice"),
    "hosted_fine_tuning": ("evaluation", "cost", "fine_tuning"),
    "preference_tuning": ("fine_tuning", "evaluation", "distillation"),
    "distillation": ("model_choice", "evaluation", "cost"),
    "evaluation": ("roadmap", "data_requirements", "common_mistakes"),
    "inference": ("model_choice", "cost", "gpu_memory"),
    "continued_pretraining": ("fine_tuning", "rag", "cost"),
    "model_choice": ("gpu_memory", "inference", "distillation"),
}
# The answers that decide each hybrid (docs/architecture.md rule 6), shown when it is not in
# the plan.
HYBRID_SLOTS: dict[str, tuple[str, ...]] = {
    "rag": ("knowledge_updates", "use_case"),
    "cot_fine_tuning": ("explainability",),
    "ensemble": ("accuracy", "budget"),
}
# The answers that decide the fine-tuning method (docs/architecture.md rule 5).
METHOD_SLOTS: tuple[str, ...] = ("accuracy", "budget", "hardware", "uniqueness")


def reply(topic: str, parts: list[str], ctx: Context, kb: Knowledge,
          table: Table | None = None, cite: list[str] | None = None,
          ours: bool = False) -> Answer:
    """An answer: the parts as paragraphs, the offer to start when there is no context yet,
    and related topics as buttons. `cite`: keys of knowledge/data/expert.yaml's sources the
    answer rests on beyond the guide; the answer is then marked as ours, naming them. `ours`
    without `cite`: the answer's facts are the project's own advice, with no paper behind
    them (the common mistakes, the use cases the guide leaves empty)."""
    text = "\n\n".join(p for p in parts if p)
    sources: list[str] | None = None
    if cite:
        sources = [ref.short for ref in kb.expert.refs(cite)]
        text = f"{text}\n\n{kb.message('ours_marker', sources='; '.join(sources))}"
    elif ours:
        sources = []
        text = f"{text}\n\n{kb.message('ours_marker_uncited')}"
    # Offer to start only to someone who has not: mid-conversation the question comes next.
    if not ctx.advised and not ctx.slots.answered():
        text = f"{text}\n\n{kb.message('offer_start')}"
    return Answer(topic=topic, text=text, table=table,
                  choices=topic_choices(RELATED.get(topic, ()), kb),
                  ours=True if sources is not None else None, sources=sources)


def expert_notes(topic: str, kb: Knowledge) -> tuple[list[str], list[str]]:
    """The project's corrections and additions to a guide topic: (paragraphs, source keys)."""
    claims = kb.expert.notes.get(topic, [])
    return [c.text for c in claims], [k for c in claims for k in c.cite]


def _join(items: list[str]) -> str:
    return "; ".join(items)


# --- approaches ---------------------------------------------------------------------

def _line(item: object) -> str:
    """A recommendation's line as text (what_would_change entries may be objects with .text)."""
    return item if isinstance(item, str) else str(getattr(item, "text", item))


def approach_answer(topic: str, ctx: Context, kb: Knowledge) -> Answer:
    info = kb.approaches[topic]  # type: ignore[index]
    name = info.name
    parts: list[str] = []
    rec = ctx.rec
    if rec is not None:
        lowered = name.lower()
        if rec.approach == topic:
            parts.append(f"{name} is what I recommend for you ({rec.title}).")
            why = [r.text for r in rec.reasons if r.points_to == topic]
            if why:
                parts.append("Why:\n" + bullets(why))
        else:
            parts.append(f"For you I recommend {rec.title}, not {lowered}.")
            gates = [_line(x) for x in rec.why_not if lowered in _line(x).lower()]
            if gates:
                parts.append(bullets(gates))
            towards = [r.text for r in rec.reasons if r.points_to == topic]
            if towards:
                parts.append(f"What pointed towards {lowered}:\n" + bullets(towards))
            change = [c.text for c in rec.what_would_change if lowered in c.text.lower()]
            if change:
                parts.append("What would change that:\n" + bullets(change))
    cost = kb.costs[topic]  # type: ignore[index]
    data = kb.data_requirements[topic]  # type: ignore[index]
    parts.append(f"What it is: {name} ({info.tagline}): {info.what_it_is}")
    parts.append("When to use it:\n" + bullets(info.when_to_use))
    parts.append(f"Pros: {_join(info.pros)}.\nCons: {_join(info.cons)}.")
    parts.append(f"Data: minimum {data.minimum}; better {data.better}; best {data.best}.\n"
                 f"Cost (the guide's figures): training {cost.training}; inference "
                 f"{cost.inference_per_1k_tokens}." + (f" {cost.note}." if cost.note else ""))
    notes, cite = expert_notes(topic, kb)
    parts += notes
    if topic == "training_from_scratch":
        parts.append("Ask me 'how much would it cost to train a 7B model from scratch?' for a "
                     "compute estimate.")
    return reply(topic, parts, ctx, kb, cite=cite)


# --- fine-tuning methods ------------------------------------------------------------

def _memory_line(method: str, ctx: Context, kb: Knowledge) -> str:
    """Where this method fits: the largest model on the person's hardware, else on each
    GPU class. Labelled an estimate."""
    model = kb.gpu_memory
    hardware = ctx.slots.hardware
    hw = kb.hardware.classes.get(hardware or "")
    if hw is not None and hw.gpus:
        gb = hw.total_gb
        biggest = max_params_for(gb, method, model)
        label = kb.choice("hardware", hardware or "")
        where = label.label if label else hardware
        name = kb.methods[method].name  # type: ignore[index]
        memory = gigabytes(gb) if hw.gpus == 1 else f"{hw.gpus} × {gigabytes(hw.per_gpu_gb)}"
        return (f"Memory (estimate): {where} counts as {memory} here, enough for "
                f"{name} on models up to about {count(biggest)} parameters.")
    sizes = model.example_sizes_b
    cells = [f"{s:g}B ≈ {gigabytes(estimate(s * 1e9, method, model).total_gb)}" for s in sizes]
    return f"Memory (estimate): {', '.join(cells)}."


def method_answer(topic: str, ctx: Context, kb: Knowledge) -> Answer:
    method = METHOD_TOPICS[topic]
    info = kb.methods[method]  # type: ignore[index]
    facts = f"{info.name} ({info.subtitle}). Pros: {_join(info.pros)}." + (
        f" Cons: {_join(info.cons)}." if info.cons else "")
    parts: list[str] = []
    rec = ctx.rec
    if rec is None:
        parts += [facts, f"Best when: {info.best_when}"]
    elif rec.method == method:
        parts.append(f"{info.name} is the method I picked for you ({rec.title}).")
        if rec.method_reason:
            parts.append(rec.method_reason)
        parts.append(facts)
    elif rec.approach == "fine_tuning" and rec.method in kb.methods:
        picked = kb.methods[rec.method]  # type: ignore[index]
        parts.append(f"Your plan is {rec.title}. For you I picked {picked.name}, "
                     f"not {info.name}.")
        if rec.method_reason:
            parts.append(rec.method_reason)
        yours = answers_in_words(ctx.slots, METHOD_SLOTS, kb)
        if yours:
            parts.append(f"Your answers: {yours}.")
        parts.append(f"{picked.name}: {_join(picked.pros)}." + (
            f" Its cost: {_join(picked.cons)}." if picked.cons else ""))
        parts.append(facts)
        parts.append(f"{info.name} would be the pick when: {info.best_when}")
    else:
        would = ctx.fine_tuning_method
        if rec.approach == "fine_tuning":
            parts.append(f"Your plan is {rec.title}.")
        else:
            parts.append(f"I recommend {rec.title}, so there is no fine-tuning method to "
                         f"choose yet.")
        if would not in kb.methods:
            pass
        elif would == method:
            parts.append(f"If you fine-tune later, {info.name} is the method your answers "
                         f"point to.")
        else:
            parts.append(f"If you fine-tune later, your answers point to "
                         f"{kb.methods[would].name} rather than {info.name}; {info.name} "  # type: ignore[index]
                         f"fits when: {info.best_when}")
        parts.append(facts)
    notes, cite = expert_notes(topic, kb)
    parts += notes
    parts.append(_memory_line(method, ctx, kb))
    return reply(topic, parts, ctx, kb, cite=cite or None)


# --- hybrids --------------------------------------------------------------------------

def hybrid_answer(topic: str, ctx: Context, kb: Knowledge) -> Answer:
    info = kb.hybrids[topic]  # type: ignore[index]
    facts = [f"{info.name}: {info.what}"]
    if info.use_when:
        facts.append("Use it when:\n" + bullets(info.use_when))
    if info.example:
        facts.append("For example:\n" + bullets(info.example))
    parts: list[str] = []
    rec = ctx.rec
    if rec is not None:
        if topic in rec.hybrids:
            parts.append(f"It's part of your plan ({rec.title}).")
            reason = rec.hybrid_reasons[rec.hybrids.index(topic)] \
                if len(rec.hybrid_reasons) == len(rec.hybrids) else ""
            if reason:
                parts.append(reason)
        else:
            parts.append(f"It isn't part of your plan ({rec.title}).")
            yours = answers_in_words(ctx.slots, HYBRID_SLOTS[topic], kb)
            if yours:
                parts.append(f"Your answers that decide it: {yours}. If they change, tell me "
                             f"and I'll check again.")
    notes, cite = expert_notes(topic, kb)
    return reply(topic, parts + facts + notes, ctx, kb, cite=cite)


# --- data ---------------------------------------------------------------------------

def data_requirements_answer(topic: str, ctx: Context, kb: Knowledge) -> Answer:
    rows = [[kb.approaches[a].name, d.minimum, d.better, d.best]
            for a, d in kb.data_requirements.items()]
    table = Table(columns=["Approach", "Minimum", "Better", "Best"], rows=rows)
    parts = ["How many examples each approach needs:"]
    rec = ctx.rec
    if rec is not None:
        need = rec.data_needed
        parts.insert(0, f"For {rec.title} you need at least {need.minimum}; better "
                        f"{need.better}; best {need.best}. You have: {need.you_have}.")
        level = _data_level(ctx, kb)
        if level:
            parts.insert(1, level)
    else:
        parts.append(bullets([f"{r[0]}: minimum {r[1]}; better {r[2]}; best {r[3]}"
                              for r in rows]))
    return reply(topic, parts, ctx, kb, table)


def _data_level(ctx: Context, kb: Knowledge) -> str:
    """Where the person's count sits on the guide's fine-tuning scale."""
    n = ctx.slots.examples
    if n is None:
        return ""
    t = kb.thresholds
    d = kb.data_requirements["fine_tuning"]
    if n >= t.scratch_minimum:
        scratch = kb.data_requirements["training_from_scratch"].minimum
        return (f"{n:,} examples is past fine-tuning's best level ({d.best}) and at training "
                f"from scratch's minimum ({scratch}).")
    if n >= t.fine_tuning_best:
        return f"{n:,} examples reaches fine-tuning's best level ({d.best})."
    if n >= t.fine_tuning_better:
        return f"{n:,} examples reaches fine-tuning's better level ({d.better})."
    if n >= t.fine_tuning_minimum:
        return f"{n:,} examples meets fine-tuning's minimum ({d.minimum})."
    return f"{n:,} examples is under fine-tuning's minimum ({d.minimum})."


def quality_answer(topic: str, ctx: Context, kb: Knowledge) -> Answer:
    entries = list(kb.quality.items())
    mine = ctx.slots.data_quality
    if mine is not None:
        entries.sort(key=lambda kv: kv[0] != mine)
    parts: list[str] = []
    if mine is not None:
        parts.append(f"You told me: {answer_line('data_quality', mine, kb)}. "
                     f"The guide's advice for that: {kb.quality[mine].advice}.")
    parts += [f"{q.title} → {q.advice}:\n" + bullets(q.steps) for _, q in entries]
    notes, cite = expert_notes(topic, kb)
    if mine in ("low", "mixed") or mine is None:
        parts += notes
    else:
        cite = []
    return reply(topic, parts, ctx, kb, cite=cite)


# --- plan and overview ------------------------------------------------------------

def roadmap_answer(topic: str, ctx: Context, kb: Knowledge) -> Answer:
    start = ctx.rec.start_stage if ctx.rec is not None else None
    rows = []
    for s in kb.stages:
        marker = " (you start here)" if s.stage == start else ""
        rows.append([f"{s.stage}{marker}", f"{s.title}: {s.subtitle}", _join(s.steps),
                     s.next or ""])
    table = Table(columns=["Stage", "Focus", "Steps", "Move on when"], rows=rows)
    parts: list[str] = []
    if start is not None and ctx.rec is not None:
        stage = kb.stages[start - 1]
        parts.append(f"For {ctx.rec.title} you start at stage {start}: {stage.title} "
                     f"({stage.subtitle}).")
        if stage.next:
            parts.append(f"What moves you on: {stage.next}")
    else:
        parts.append("The progressive approach, in four stages:")
        parts.append(bullets([f"Stage {s.stage}: {s.title}: {s.subtitle}" for s in kb.stages]))
    return reply(topic, parts, ctx, kb, table)


def comparison_answer(topic: str, ctx: Context, kb: Knowledge) -> Answer:
    pick = ctx.rec.approach if ctx.rec is not None else None
    # The rows' fields are in this order, whatever order the knowledge file lists them in.
    order: tuple[ApproachId, ...] = ("prompt_engineering", "fine_tuning", "training_from_scratch")
    columns = ["Aspect"] + [kb.approaches[a].name + (" (your pick)" if a == pick else "")
                            for a in order]
    rows = [[r.aspect, r.prompt_engineering, r.fine_tuning, r.training_from_scratch]
            for r in kb.comparison.rows]
    parts = ["The three approaches side by side (the guide's table):"]
    if ctx.rec is not None:
        parts.insert(0, f"Your recommendation: {ctx.rec.title}.")
    notes, cite = expert_notes(topic, kb)
    return reply(topic, parts + notes, ctx, kb, Table(columns=columns, rows=rows), cite=cite)


def use_cases_answer(topic: str, ctx: Context, kb: Knowledge) -> Answer:
    mine = ctx.slots.use_case
    items = list(kb.use_cases.items())
    if mine is not None:
        items = [kv for kv in items if kv[0] == mine] or items
    pe = kb.approaches["prompt_engineering"].name
    ft = kb.approaches["fine_tuning"].name
    parts: list[str] = []
    if ctx.rec is not None and mine is not None:
        parts.append(f"For your use case I recommend {ctx.rec.title}.")
    for _, u in items:
        block = (f"{u.name}\n{pe} when: {_join(u.prompt_engineering_when)}.\n"
                 f"{ft} when: {_join(u.fine_tuning_when)}.")
        if u.note:
            block += f"\n{u.note}"
        parts.append(block)
    return reply(topic, parts, ctx, kb, ours=any(u.source == "ours" for _, u in items))


def mistakes_answer(topic: str, ctx: Context, kb: Knowledge) -> Answer:
    parts = ["Common mistakes to avoid:",
             bullets([f"{m.title}: {m.text}" for m in kb.mistakes])]
    return reply(topic, parts, ctx, kb, ours=any(m.source == "ours" for m in kb.mistakes))


def decision_framework_answer(topic: str, ctx: Context, kb: Knowledge) -> Answer:
    g = kb.decision_guide
    parts: list[str] = []
    rec = ctx.rec
    if rec is not None:
        parts.append(f"How I decided for you ({rec.title}):")
        parts.append(bullets([r.text for r in rec.reasons]))
        if rec.why_not:
            parts.append("Why not the others:\n" + bullets([_line(x) for x in rec.why_not]))
        if rec.what_would_change:
            parts.append("What would change it:\n"
                         + bullets([c.text for c in rec.what_would_change]))
    else:
        steps = [f"{s.step}. {s.title}: {s.question} " + _join(s.answers) for s in g.quick_guide]
        parts.append("The quick decision guide:\n" + "\n".join(steps))
    parts.append("Questions to ask:\n" + bullets(
        [f"{q.question} {_join(q.answers)}" for q in g.questions_to_ask]))
    return reply(topic, parts, ctx, kb)


TopicBuilder = Callable[[str, Context, Knowledge], Answer]

BUILDERS: dict[str, TopicBuilder] = {
    **{t: approach_answer for t in APPROACH_TOPICS},
    **{t: method_answer for t in METHOD_TOPICS},
    **{t: hybrid_answer for t in HYBRID_TOPICS},
    "data_requirements": data_requirements_answer,
    "quality_vs_quantity": quality_answer,
    "roadmap": roadmap_answer,
    "comparison": comparison_answer,
    "use_cases": use_cases_answer,
    "common_mistakes": mistakes_answer,
    "decision_framework": decision_framework_answer,
}

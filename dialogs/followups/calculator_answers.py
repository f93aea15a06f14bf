"""The cost and GPU memory calculators as answers: a table plus the lines that matter for
this person (their volume, their hardware, their method)."""

from __future__ import annotations

from typing import Any

from dialogs.followups.context import Context
from dialogs.followups.cost import (
    GUIDE_REFERENCE_TOKENS,
    break_even_text,
    estimate,
    hosting_suffix,
    tokens_text,
)
from dialogs.followups.memory import (
    METHOD_ORDER,
    MemoryEstimate,
    Workload,
    estimate_all,
    max_params_for,
    resolved,
    serving_estimates,
    shape_of,
)
from dialogs.followups.topic_answers import expert_notes, reply
from dialogs.followups.training_cost import (
    affordable_gpu_hours,
    compute_params,
    fine_tuning_tokens,
    hosting_per_month,
    scratch_params_for_budget,
    scratch_tokens,
    training_cost,
)
from dialogs.formatting import count, gigabytes, money, money_range, percent, round_sig
from dialogs.replies import Answer, Table
from knowledge.expert_models import NamedModel
from knowledge.models import Knowledge


def _named(name: object, kb: Knowledge) -> NamedModel | None:
    return next((m for m in kb.model_catalogue.models if m.name == name), None)


def _hours(low: float, high: float) -> str:
    """GPU-hours as a range, rounded to two significant figures: "3,700-6,600 GPU-hours"."""
    if high < 1:
        return "under one GPU-hour"

    def one(h: float) -> str:
        return "under 1" if h < 1 else f"{round_sig(h):,.0f}"

    lo, hi = one(low), one(high)
    return f"about {hi} GPU-hours" if lo == hi else f"about {lo}-{hi} GPU-hours"


def training_lines(params: dict[str, Any], ctx: Context, kb: Knowledge) -> list[str]:
    """The training-cost estimate a cost question asks for (a model size, a budget in dollars,
    training from scratch), with its assumptions. Empty when it asks none of these."""
    c = kb.compute
    budget = params.get("budget_usd")
    scratch = bool(params.get("scratch")) or (
        ctx.rec is not None and ctx.rec.approach == "training_from_scratch"
        and "model_params" not in params)
    if "model_params" not in params and budget is None and not scratch:
        return []
    named = _named(params.get("model_name"), kb)
    size = float(params.get("model_params") or c.default_model_b * 1e9)
    size_said = "model_params" in params
    label = named.name if named else f"a {count(size)}-parameter model"
    if not size_said:
        label += " (assumed; name yours, e.g. '13B')"
    run = compute_params(size, named)
    gpu = c.gpus[c.default_gpu]
    util = f"{round(c.utilisation.low * 100)}-{round(c.utilisation.high * 100)}%"
    lines: list[str] = []
    if scratch:
        tokens = scratch_tokens(size, kb)
        est = training_cost(run, tokens, "standard", kb)
        lines.append(
            f"Training {label} from scratch, compute-optimally ({c.chinchilla_tokens_per_param:g} "
            f"tokens per parameter = {count(tokens)} tokens): "
            f"{_hours(*est.gpu_hours)} on {gpu.name} GPUs, "
            f"{money_range(*est.usd)} of compute. Today's models train on far more tokens than "
            f"that (Llama 3 8B: over 15T tokens, 1.46M H100-hours), and data, people and failed "
            f"runs cost more than the final run.")
    else:
        method = params.get("method") or (ctx.rec.method if ctx.rec is not None else None)
        if method == "hosted" or method not in c.flops_per_token_param \
                or method not in kb.methods:
            method = "lora"             # hosted: priced by the provider; LoRA on rented GPUs
        tokens, n, assumed = fine_tuning_tokens(ctx.slots.examples, kb)
        est = training_cost(run, tokens, method, kb)
        name = kb.methods[method].name  # type: ignore[index]
        examples = f"{n:,} examples" + (" (assumed)" if assumed else "")
        lines.append(
            f"Fine-tuning {label} with {name} on {examples} × ~{c.tokens_per_example} tokens × "
            f"{c.epochs} epochs ({count(tokens)} tokens): "
            f"{_hours(*est.gpu_hours)} on {gpu.name} GPUs, "
            f"{money_range(*est.usd)} of compute. That is the compute alone: loading, "
            f"evaluation and reruns add to it, so budget for several runs.")
        if named is not None and named.active_params_b is not None:
            lines.append(f"{named.name} computes through its {count(run)} active parameters "
                         f"per token, though memory holds all {count(size)}.")
    if budget is not None:
        low_h, high_h = affordable_gpu_hours(budget, gpu)
        price = money_range(gpu.usd_per_hour.low, gpu.usd_per_hour.high)
        line = (f"{money(budget)} buys about {count(low_h)}-{count(high_h)} {gpu.name} hours "
                f"at {price} an hour")
        if not scratch:
            runs = budget / est.usd[1] if est.usd[1] > 0 else 0
            line += (f": the run above {count(runs)} times over even at the dear end." if runs >= 2
                     else ": about the cost of the run above at the dear end.")
        else:
            small, big = scratch_params_for_budget(budget, kb)
            line += (f": enough to pretrain a model of about {count(small)}-{count(big)} "
                     f"parameters compute-optimally.")
        lines.append(line)
        scratch_min = kb.costs["training_from_scratch"].training_usd
        if not scratch and scratch_min is not None and budget >= scratch_min.low:
            small, big = scratch_params_for_budget(budget, kb)
            lines.append(f"It reaches the guide's floor for training from scratch "
                         f"({kb.costs['training_from_scratch'].training}): compute-optimally, "
                         f"a model of about {count(small)}-{count(big)} parameters, far short "
                         f"of today's open models; fine-tuning one of those is the better buy.")
        pe = kb.costs["prompt_engineering"].inference_per_1k_usd
        if pe is not None and pe.high:
            lines.append(f"At the guide's prompt-engineering prices ($"
                         f"{pe.low:g}-{pe.high:g} per 1K tokens), {money(budget)} a month "
                         f"pays for about {count(budget / pe.high * 1000)}-"
                         f"{count(budget / pe.low * 1000)} tokens.")
    lines.append(f"Assumptions: {gpu.name} at "
                 f"{money_range(gpu.usd_per_hour.low, gpu.usd_per_hour.high)} an hour (prices "
                 f"as of {c.prices_as_of}; edit knowledge/data/compute.yaml as they move), "
                 f"{gpu.bf16_tflops:g} TFLOPS peak at {util} utilisation, "
                 f"{c.flops_per_token_param.get('standard', 6):g} FLOPs per parameter per token "
                 f"for full training and fewer for adapters.")
    if ctx.slots.hardware == "api_only" or (ctx.rec is not None and ctx.rec.method == "hosted"):
        lines.append("With no GPUs of your own, a provider's hosted fine-tuning prices training "
                     "per token instead: check its price page.")
    return lines


def _hosting_line(params: dict[str, Any], ctx: Context, kb: Knowledge) -> str:
    """What the guide's "+ hosting" means for a self-hosted fine-tuned model: GPUs billed by
    the hour, busy or idle. Nothing for a hosted (API-only) plan: the provider bills per token."""
    if ctx.slots.hardware == "api_only" or (ctx.rec is not None and ctx.rec.method == "hosted"):
        return ""
    named = _named(params.get("model_name"), kb)
    size = float(params.get("model_params") or kb.compute.default_model_b * 1e9)
    fp16 = serving_estimates(size, kb.gpu_memory, named=named)[0]
    h = hosting_per_month(fp16.total_gb, kb)
    if h is None:
        return ""
    where = f"{h.count} × {h.gpu.name}" if h.count > 1 else f"one {h.gpu.name}"
    label = named.name if named else f"{count(size)}-parameter"
    assumed = "" if "model_params" in params else " (assumed size)"
    return (f"'+ hosting' means GPUs billed by the hour, busy or idle: serving a fine-tuned "
            f"{label} model{assumed} in 16-bit around the clock takes {where}, about "
            f"{money_range(*h.usd_per_month)} a month (prices as of "
            f"{kb.compute.prices_as_of}). Payback only counts once that is paid.")


def cost_answer(monthly_tokens: int | None, ctx: Context, kb: Knowledge,
                params: dict[str, Any] | None = None) -> Answer:
    n = monthly_tokens if monthly_tokens is not None else ctx.slots.monthly_tokens
    assumed = n is None
    if n is None:
        n = GUIDE_REFERENCE_TOKENS
    est = estimate(n, kb)
    pe, ft = kb.costs["prompt_engineering"], kb.costs["fine_tuning"]
    pe_name = kb.approaches["prompt_engineering"].name
    ft_name = kb.approaches["fine_tuning"].name
    hosting = hosting_suffix(kb)
    train = est.fine_tuning_training.text()

    head = (f"At {tokens_text(n)} (an estimate from the guide's own per-1K-token price ranges, "
            f"which are undated):")
    if assumed:
        head += (" that's the guide's example volume; tell me yours, e.g. 'cost at 20M tokens"
                 " a month'.")
    parts = [head]
    if ctx.rec is not None:
        parts.insert(0, f"Your plan: {ctx.rec.title}.")
    parts.append(
        f"• {pe_name}: {est.prompt_engineering_monthly.text()} a month; training {pe.training}.\n"
        f"• {ft_name}: {est.fine_tuning_monthly.text()}{hosting} a month, plus {train} "
        f"one-time training.")
    be = break_even_text(est)
    if be is not None:
        parts.append(f"Fine-tuning's training cost is paid back by its cheaper inference {be} "
                     f"at this volume (hosting not counted).")
    else:
        parts.append("At this volume fine-tuning's cheaper inference does not pay back its "
                     "training cost on price alone.")
    if ctx.rec is not None and ctx.rec.approach == "training_from_scratch":
        sc = kb.costs["training_from_scratch"]
        parts.append(f"{kb.approaches['training_from_scratch'].name}: training {sc.training}; "
                     f"inference {sc.inference_per_1k_tokens.lower()}. {sc.note}".strip())
    training = training_lines(params or {}, ctx, kb)
    cite: list[str] = []
    if training:
        plan = parts[:1] if ctx.rec is not None else []
        parts = [*plan, *training, "The guide's figures, for comparison:",
                 *parts[len(plan):]]
        cite = list(kb.compute.cite)
    parts.append(offer_line(params or {}, ctx, kb))
    hosting_line = _hosting_line(params or {}, ctx, kb)
    if hosting_line:
        parts.append(hosting_line)
        cite += ["vllm", "gpu_prices"]
    notes, note_cite = expert_notes("cost", kb)
    parts += notes
    cite += note_cite
    table = Table(
        columns=["", pe_name, ft_name],
        rows=[
            ["Training (one-time)", pe.training, ft.training],
            ["Inference", pe.inference_per_1k_tokens, ft.inference_per_1k_tokens],
            [f"Per month at {count(n)} tokens", est.prompt_engineering_monthly.text(),
             est.fine_tuning_monthly.text() + hosting],
            ["Best for", pe.best_for, ft.best_for],
        ],
    )
    return reply("cost", parts, ctx, kb, table, cite=cite)


def _method_name(method: str, kb: Knowledge) -> str:
    return kb.methods[method].name  # type: ignore[index]


def _where(gpu_gb: float, gpus: int) -> str:
    one = gigabytes(gpu_gb)
    return f"one {one} GPU" if gpus == 1 else f"{gpus} × {one} GPUs (sharded)"


def workload_text(model: Any, workload: Workload | None = None) -> str:
    """The activation assumptions in words: "sequence 2,048 tokens, batch 1, gradient
    checkpointing on"."""
    w = resolved(workload, model)
    return (f"sequence {w.sequence_length:,} tokens, batch {w.batch_size}, gradient "
            f"checkpointing {'on' if w.gradient_checkpointing else 'off'}")


def offer_line(params: dict[str, Any], ctx: Context, kb: Knowledge) -> str:
    """For a question about other hardware or another model: the answers stay as they are,
    and 'keep that' would apply what it named."""
    offer = params.get("offer")
    if not isinstance(offer, dict):
        return ""
    current = ctx.slots.answered()
    changes = [f"{kb.question(slot).short_label}: {_label(slot, value, kb)}"
               for slot, value in offer.items()
               if slot in kb.questions and current.get(slot) != value]
    if not changes:
        return ""
    return (f"That's a what-if: your answers are unchanged. Say 'keep that' to use "
            f"{'; '.join(changes)}.")


def _label(slot: str, value: object, kb: Knowledge) -> str:
    choice = kb.choice(slot, str(value))
    return choice.label if choice else (f"{value}B" if slot == "model_size" else str(value))


def memory_answer(params: dict[str, Any], ctx: Context, kb: Knowledge) -> Answer:
    model = kb.gpu_memory
    size: float | None = params.get("model_params")
    named = _named(params.get("model_name"), kb)
    rec_method = ctx.rec.method if ctx.rec else None
    method: str | None = params.get("method") or (
        rec_method if rec_method in model.methods else None)
    gpu_gb: float | None = params.get("gpu_gb")
    gpus: int = int(params.get("gpu_count") or 1)
    where_label = None
    # The same GPUs the card fitted its method to (hardware.yaml), so the two agree.
    hw = kb.hardware.classes.get(ctx.slots.hardware or "")
    if gpu_gb is None and hw is not None and hw.gpus:
        gpu_gb, gpus = hw.per_gpu_gb, hw.gpus
        where_label = f"your hardware ({hw.in_words}, " \
                      f"{_where(gpu_gb, gpus).removeprefix('one ')})"
    order = sorted(METHOD_ORDER, key=lambda m: m != method)
    run = params.get("workload") or {}
    work = Workload(**run) if run else None
    formula = model.formula.format(workload=workload_text(model, work),
                                   overhead=gigabytes(model.overhead_gb))
    parts: list[str] = []
    if ctx.rec is not None:
        parts.append(f"Your plan: {ctx.rec.title}.")
    if ctx.slots.hardware == "api_only" and gpu_gb is None:
        parts.append("You told me you have no GPUs of your own: with hosted fine-tuning the "
                     "provider handles the memory. These figures are for running it yourself.")

    if size is not None:
        ests = {e.method: e for e in estimate_all(size, model, named=named, workload=work)}
        label = f"{named.name} ({count(size)} parameters)" if named else \
            f"a {count(size)}-parameter model"
        parts.append(f"GPU memory to fine-tune {label} (estimate):")
        if named is not None and named.active_params_b is not None:
            parts.append(f"{named.name} is a mixture of experts: memory counts all "
                         f"{count(size)} parameters (every expert is loaded), though each "
                         f"token runs through about {count(named.active_params_b * 1e9)}.")
        if method is not None:
            parts.append(_breakdown(ests[method], kb))
        if gpu_gb is not None:
            parts.append(_fit_lines([ests[m] for m in order], gpu_gb, gpus, where_label, kb))
        rows = [[_method_name(m, kb), gigabytes(ests[m].weights_gb),
                 gigabytes(ests[m].training_gb), gigabytes(ests[m].activations_gb),
                 "~" + gigabytes(ests[m].total_gb), _fit_name(ests[m], model)]
                for m in order]
        table = Table(columns=["Method", "Weights", "Gradients + optimizer", "Activations",
                               "Total (est.)", "Smallest fit"], rows=rows)
        shape = shape_of(size, model, named)
        if not shape.known:
            parts.append(f"Shape assumed Llama-like: {shape.layers} layers of "
                         f"{shape.hidden:,}; name the model for its own.")
    else:
        sizes = model.example_sizes_b
        parts.append("GPU memory to fine-tune (estimate) at common model sizes; name a size for "
                     "the details, e.g. 'QLoRA on a 13B model?'")
        if gpu_gb is not None:
            where = where_label or _where(gpu_gb, gpus)
            fits = [f"{_method_name(m, kb)} up to about "
                    f"{count(max_params_for(gpu_gb * gpus, m, model, workload=work))} "
                    f"parameters" for m in order]
            parts.append(f"On {where}: " + "; ".join(fits) + ".")
        rows = [[_method_name(m, kb)]
                + ["~" + gigabytes(e.total_gb) for e in
                   (estimate_all(s * 1e9, model, workload=work)[METHOD_ORDER.index(m)]
                    for s in sizes)]
                for m in order]
        table = Table(columns=["Method"] + [f"{s:g}B" for s in sizes], rows=rows)
    parts.append(f"How: {formula}.")
    parts.append(model.estimate_note)
    parts.append("Serving the model afterwards needs far less: ask 'memory to serve it'.")
    parts.append(offer_line(params, ctx, kb))
    return reply("gpu_memory", parts, ctx, kb, table,
                 cite=["zero", "qlora", "korthikanti", "hu_lora", "lester"])


def _fit_name(e: MemoryEstimate, model: Any) -> str:
    if e.smallest_fit is not None:
        return e.smallest_fit.name
    biggest = max(model.gpu_classes, key=lambda g: g.memory_gb)
    return f"more than {biggest.name}: a multi-node cluster"


def _breakdown(e: MemoryEstimate, kb: Knowledge) -> str:
    m = kb.gpu_memory.methods[e.method]  # type: ignore[index]
    trained = percent(m.trainable_fraction)
    return (f"{_method_name(e.method, kb)}: {count(e.model_params)} × {m.weight_bytes:g} bytes "
            f"({m.weights_label}) = {gigabytes(e.weights_gb)}; {trained} of the parameters "
            f"trained × {m.trainable_bytes:g} bytes = {gigabytes(e.training_gb)}; activations "
            f"{gigabytes(e.activations_gb)}; total ≈ {gigabytes(e.total_gb)}.")


def _fit_lines(ests: list[MemoryEstimate], gpu_gb: float, gpus: int, where_label: str | None,
               kb: Knowledge) -> str:
    capacity = gpu_gb * gpus
    where = where_label or _where(gpu_gb, gpus)
    fits = [e for e in ests if e.total_gb <= capacity]
    misses = [e for e in ests if e.total_gb > capacity]

    def named(es: list[MemoryEstimate]) -> str:
        return ", ".join(f"{_method_name(e.method, kb)} (~{gigabytes(e.total_gb)})" for e in es)

    if not fits:
        closest = min(ests, key=lambda e: e.total_gb)
        fit = closest.smallest_fit.name if closest.smallest_fit else "a multi-node cluster"
        return (f"On {where} none of them fits. The smallest is "
                f"{_method_name(closest.method, kb)} at ~{gigabytes(closest.total_gb)}: "
                f"that needs {fit}.")
    line = f"On {where}: fits: {named(fits)}."
    if misses:
        line += f" Too big: {named(misses)}."
    return line

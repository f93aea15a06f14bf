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
from dialogs.followups.formatting import count, gigabytes, percent
from dialogs.followups.memory import METHOD_ORDER, MemoryEstimate, estimate_all, max_params_for
from dialogs.followups.topic_answers import reply
from dialogs.replies import Answer, Table
from knowledge.models import Knowledge


def cost_answer(monthly_tokens: int | None, ctx: Context, kb: Knowledge) -> Answer:
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

    head = f"At {tokens_text(n)} (an estimate from the guide's per-1K-token price ranges):"
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
    return reply("cost", parts, ctx, kb, table)


def _method_name(method: str, kb: Knowledge) -> str:
    return kb.methods[method].name  # type: ignore[index]


def _where(gpu_gb: float, gpus: int) -> str:
    one = gigabytes(gpu_gb)
    return f"one {one} GPU" if gpus == 1 else f"{gpus} × {one} GPUs (sharded)"


def memory_answer(params: dict[str, Any], ctx: Context, kb: Knowledge) -> Answer:
    model = kb.gpu_memory
    size: float | None = params.get("model_params")
    method: str | None = params.get("method") or (ctx.rec.method if ctx.rec else None)
    if method not in METHOD_ORDER:
        method = None  # hosted fine-tuning runs on the provider's GPUs: nothing to size
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
    formula = model.formula.format(activation_pct=percent(model.activation_fraction))
    parts: list[str] = []
    if ctx.rec is not None:
        parts.append(f"Your plan: {ctx.rec.title}.")

    if size is not None:
        ests = {e.method: e for e in estimate_all(size, model)}
        parts.append(f"GPU memory to fine-tune a {count(size)}-parameter model (estimate):")
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
    else:
        sizes = model.example_sizes_b
        parts.append("GPU memory to fine-tune (estimate) at common model sizes; name a size for "
                     "the details, e.g. 'QLoRA on a 13B model?'")
        if gpu_gb is not None:
            where = where_label or _where(gpu_gb, gpus)
            fits = [f"{_method_name(m, kb)} up to about "
                    f"{count(max_params_for(gpu_gb * gpus, m, model))} parameters"
                    for m in order]
            parts.append(f"On {where}: " + "; ".join(fits) + ".")
        rows = [[_method_name(m, kb)]
                + ["~" + gigabytes(e.total_gb) for e in
                   (estimate_all(s * 1e9, model)[METHOD_ORDER.index(m)] for s in sizes)]
                for m in order]
        table = Table(columns=["Method"] + [f"{s:g}B" for s in sizes], rows=rows)
    parts.append(f"How: {formula}.")
    parts.append(model.estimate_note)
    return reply("gpu_memory", parts, ctx, kb, table)


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

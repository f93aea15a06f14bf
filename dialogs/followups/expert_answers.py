"""Answers for the topics the guide does not cover (knowledge/data/expert.yaml, all
`source: ours`): what each is, its claims with their sources, and where the person's own
answers make it concrete (no GPUs -> hosted; their example count -> the test set to hold out;
their hardware -> the model sizes that fit; a named model -> its serving memory)."""

from __future__ import annotations

from typing import Any

from dialogs.followups.calculator_answers import offer_line
from dialogs.followups.context import Context
from dialogs.followups.memory import (
    METHOD_ORDER,
    gpus_needed,
    max_params_for,
    serving_estimates,
)
from dialogs.followups.topic_answers import reply
from dialogs.followups.training_cost import hosting_per_month
from dialogs.formatting import bullets, count, gigabytes, money_range
from dialogs.replies import Answer, Table
from knowledge.expert_models import NamedModel
from knowledge.models import Knowledge

EXPERT_TOPICS: tuple[str, ...] = (
    "hosted_fine_tuning", "preference_tuning", "distillation", "evaluation", "inference",
    "continued_pretraining", "model_choice",
)
# Below this many examples a split leaves too little to train on: write test cases by hand.
_SPLIT_MINIMUM = 100
# Hold out a fifth of a small set, up to this many test items (more adds little precision).
_TEST_SHARE = 0.2
_TEST_CAP = 500


def _body(topic: str, kb: Knowledge) -> tuple[list[str], list[str]]:
    """The topic's text and the keys of every source it cites."""
    t = kb.expert.topics[topic]
    cite = list(t.cite) + [k for c in t.claims for k in c.cite]
    return [t.what, bullets([c.text for c in t.claims])], cite


def expert_answer(topic: str, ctx: Context, kb: Knowledge) -> Answer:
    if topic == "inference":
        return inference_answer({}, ctx, kb)
    lead = _lead(topic, ctx, kb)
    body, cite = _body(topic, kb)
    return reply(topic, [*_plan(ctx), *lead, *body], ctx, kb, cite=cite)


def _plan(ctx: Context) -> list[str]:
    return [f"Your plan: {ctx.rec.title}."] if ctx.rec is not None else []


def _lead(topic: str, ctx: Context, kb: Knowledge) -> list[str]:
    """What the person's own answers say about this topic, before the general text."""
    slots, rec = ctx.slots, ctx.rec
    if topic == "hosted_fine_tuning":
        if slots.hardware == "api_only" or (rec is not None and rec.method == "hosted"):
            return ["You told me you have no GPUs of your own, so this is how you would "
                    "fine-tune: the provider runs the training and you pay per token, not "
                    "for GPU memory."]
        return []
    if topic == "evaluation":
        n = slots.examples
        if n is None:
            return []
        if n < _SPLIT_MINIMUM:
            return [f"With {n:,} examples there is too little to split: write 20-50 test "
                    f"cases by hand from real inputs, and score every prompt change on them."]
        held = min(_TEST_CAP, round(n * _TEST_SHARE))
        return [f"With your {n:,} examples: set aside about {held:,} as the test set before "
                f"anything else, and train on the rest."]
    if topic == "model_choice":
        hw = kb.hardware.classes.get(slots.hardware or "")
        if hw is None or not hw.gpus:
            return []
        gb = hw.total_gb
        fits = [f"{kb.methods[m].name} up to about "  # type: ignore[index]
                f"{count(max_params_for(gb, m, kb.gpu_memory))}"
                for m in METHOD_ORDER if m != "prompt_tuning"]
        return [f"On your hardware ({gigabytes(gb)} assumed), fine-tuning fits (estimate): "
                + "; ".join(fits) + " parameters."]
    return []


def inference_answer(params: dict[str, Any], ctx: Context, kb: Knowledge) -> Answer:
    """Serving memory for a model size (named or the examples), which GPUs that means."""
    model = kb.gpu_memory
    s = model.serving
    size: float | None = params.get("model_params")
    named = _named(params.get("model_name"), kb)
    parts: list[str] = [*_plan(ctx), kb.expert.topics["inference"].what]
    if size is None:
        parts.append("Memory to serve a model (estimate) at common sizes; name one for the "
                     "details, e.g. 'memory to serve Llama 3 70B'.")
        rows = []
        for b in model.example_sizes_b:
            ests = serving_estimates(b * 1e9, model)
            rows.append([f"{b:g}B"] + ["~" + gigabytes(e.total_gb) for e in ests])
        table = Table(columns=["Model"] + list(s.bytes_per_param), rows=rows)
    else:
        label = named.name if named is not None else f"a {count(size)}-parameter model"
        ests = serving_estimates(size, model, named=named)
        parts.append(f"Memory to serve {label} (estimate, not fine-tuning: no gradients or "
                     f"optimizer states):")
        if named is not None and named.active_params_b is not None:
            parts.append(f"{named.name} is a mixture of experts: all {count(size)} parameters "
                         f"are held in memory, though each token uses about "
                         f"{count(named.active_params_b * 1e9)}.")
        lines = [f"{e.precision}: weights {gigabytes(e.weights_gb)} + KV cache "
                 f"{gigabytes(e.kv_cache_gb)} + overhead {gigabytes(e.overhead_gb)} ≈ "
                 f"{gigabytes(e.total_gb)}: {_gpus_text(e.total_gb, kb)}" for e in ests]
        parts.append(bullets(lines))
        gpu_gb = params.get("gpu_gb")
        if gpu_gb is not None:
            gpus = int(params.get("gpu_count") or 1)
            fitting = [e.precision for e in ests
                       if e.total_gb <= gpu_gb * gpus * s.usable_fraction]
            where = f"{gpus} × {gigabytes(gpu_gb)}" if gpus > 1 else f"one {gigabytes(gpu_gb)} GPU"
            parts.append(f"On {where}: " + (f"fits at {', '.join(fitting)}." if fitting
                                            else "none of these fits."))
        rows = [[e.precision, gigabytes(e.weights_gb), gigabytes(e.kv_cache_gb),
                 "~" + gigabytes(e.total_gb), _gpus_text(e.total_gb, kb),
                 _hosting_text(e.total_gb, kb)] for e in ests]
        table = Table(columns=["Precision", "Weights", "KV cache", "Total (est.)", "GPUs",
                               "Rented, 24/7"], rows=rows)
        cheapest = hosting_per_month(ests[-1].total_gb, kb)
        if cheapest is not None:
            parts.append(f"Cost to keep it up around the clock on rented GPUs: from "
                         f"{_hosting_text(ests[-1].total_gb, kb)} a month at "
                         f"{ests[-1].precision} (prices as of {kb.compute.prices_as_of}), "
                         f"busy or idle.")
        if not ests[0].kv_known:
            parts.append("KV cache assumed like Llama 3's (grouped-query attention, 8 KV heads "
                         "of 128 per layer); name the model for its own figure.")
    parts.append(f"Assumptions: {s.concurrent_sequences} requests at once of up to "
                 f"{s.context_tokens:,} tokens each (the KV cache grows in proportion), "
                 f"{gigabytes(s.overhead_gb)} runtime overhead, {round(s.usable_fraction * 100)}% "
                 f"of each GPU usable, sharded over 1, 2, 4 or 8 GPUs.")
    _, cite = _body("inference", kb)
    parts.append(bullets([c.text for c in kb.expert.topics["inference"].claims]))
    parts.append(offer_line(params, ctx, kb))
    return reply("inference", parts, ctx, kb, table, cite=cite)


def _hosting_text(total_gb: float, kb: Knowledge) -> str:
    h = hosting_per_month(total_gb, kb)
    if h is None:
        return "-"
    where = f"{h.count} × {h.gpu.name}" if h.count > 1 else f"one {h.gpu.name}"
    return f"{money_range(*h.usd_per_month)} ({where})"


def _named(name: object, kb: Knowledge) -> NamedModel | None:
    return next((m for m in kb.model_catalogue.models if m.name == name), None)


def _gpus_text(total_gb: float, kb: Knowledge) -> str:
    options = []
    for size in kb.gpu_memory.serving.gpu_sizes_gb:
        n = gpus_needed(total_gb, size, kb.gpu_memory)
        if n is not None:
            options.append(f"{n} × {size:g} GB" if n > 1 else f"one {size:g} GB")
        if n == 1:
            break
    return " or ".join(options[-2:]) if options else "more than 8 of the largest GPUs"

"""Training cost from GPU-hours (ours; knowledge/data/compute.yaml): FLOPs = tokens × FLOPs
per token per parameter × parameters; GPU-hours = FLOPs / (peak × utilisation); cost =
GPU-hours × the GPU's dated hourly price. Every figure comes with the assumptions it rests on."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.expert_models import NamedModel, RentedGpu
from knowledge.models import Knowledge

SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class TrainingCost:
    method: str
    params: float                # parameters that compute runs through (active, for MoE)
    tokens: float                # tokens processed (examples × tokens each × epochs)
    flops: float
    gpu: RentedGpu
    gpu_hours: tuple[float, float]   # (at high utilisation, at low utilisation)
    usd: tuple[float, float]         # (cheapest: fast and cheap, dearest: slow and dear)


def training_cost(params: float, tokens: float, method: str, kb: Knowledge,
                  gpu_key: str | None = None) -> TrainingCost:
    c = kb.compute
    gpu = c.gpus[gpu_key or c.default_gpu]
    per = c.flops_per_token_param.get(method, c.flops_per_token_param.get("standard", 6.0))
    flops = tokens * per * params * c.slowdown.get(method, 1.0)
    peak = gpu.bf16_tflops * 1e12
    fast = flops / (peak * c.utilisation.high) / SECONDS_PER_HOUR
    slow = flops / (peak * c.utilisation.low) / SECONDS_PER_HOUR
    return TrainingCost(method, params, tokens, flops, gpu, (fast, slow),
                        (fast * gpu.usd_per_hour.low, slow * gpu.usd_per_hour.high))


def compute_params(params: float, named: NamedModel | None) -> float:
    """Compute runs through the active parameters of a mixture of experts, all of a dense
    model."""
    if named is not None and named.active_params_b is not None:
        return named.active_params_b * 1e9
    return params


def fine_tuning_tokens(examples: int | None, kb: Knowledge) -> tuple[float, int, bool]:
    """(tokens processed, examples counted, whether the count is assumed)."""
    c = kb.compute
    assumed = examples is None or examples <= 0
    n = c.default_examples if assumed else int(examples or 0)
    return float(n * c.tokens_per_example * c.epochs), n, assumed


def scratch_tokens(params: float, kb: Knowledge) -> float:
    """Compute-optimal pretraining tokens for a model of this size (Chinchilla)."""
    return params * kb.compute.chinchilla_tokens_per_param


def affordable_gpu_hours(budget_usd: float, gpu: RentedGpu) -> tuple[float, float]:
    """GPU-hours a budget buys: (at the dear price, at the cheap price)."""
    return budget_usd / gpu.usd_per_hour.high, budget_usd / gpu.usd_per_hour.low


def scratch_params_for_budget(budget_usd: float, kb: Knowledge) -> tuple[float, float]:
    """The compute-optimal model a budget pretrains (parameters), dear end and cheap end:
    C = 6 N D with D = 20 N, so N = sqrt(C / 120)."""
    c = kb.compute
    gpu = c.gpus[c.default_gpu]
    low_h, high_h = affordable_gpu_hours(budget_usd, gpu)
    per = c.flops_per_token_param.get("standard", 6.0) * c.chinchilla_tokens_per_param
    peak = gpu.bf16_tflops * 1e12 * SECONDS_PER_HOUR

    def params(hours: float, util: float) -> float:
        return float((hours * peak * util / per) ** 0.5)

    return params(low_h, c.utilisation.low), params(high_h, c.utilisation.high)


HOURS_PER_MONTH = 730.0


@dataclass(frozen=True)
class Hosting:
    gpu: RentedGpu
    count: int
    usd_per_month: tuple[float, float]


def hosting_per_month(total_gb: float, kb: Knowledge) -> Hosting | None:
    """The cheapest way, among the priced GPUs, to keep a model of this serving size up
    around the clock (sharded over 1, 2, 4 or 8 GPUs), or None if none holds it."""
    # Imported here: memory imports nothing of this module, but keep the two independent.
    from dialogs.followups.memory import gpus_needed

    options = []
    for gpu in kb.compute.gpus.values():
        n = gpus_needed(total_gb, gpu.memory_gb, kb.gpu_memory)
        if n is not None and (n == 1 or gpu.shardable):
            cost = (n * gpu.usd_per_hour.low * HOURS_PER_MONTH,
                    n * gpu.usd_per_hour.high * HOURS_PER_MONTH)
            options.append(Hosting(gpu, n, cost))
    return min(options, key=lambda h: h.usd_per_month[1], default=None)

"""The GPU memory estimate: what fine-tuning a model of a given size needs with each method,
and what serving it needs, from the model in knowledge/data/gpu_memory.yaml (an estimate).

Fine-tuning: model states (bytes per parameter by method) + activations (tokens in flight x
the model's shape, the same for every method: all of them backpropagate through the whole
model) + a fixed framework overhead. Serving: weights at a precision + KV cache + overhead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from knowledge.expert_models import NamedModel
from knowledge.models import GpuClass, GpuMemoryModel

GB = 1e9  # decimal gigabytes, as GPU memory is sold
METHOD_ORDER: tuple[str, ...] = ("standard", "lora", "qlora", "prompt_tuning")
# Tensor parallelism splits attention heads evenly, so serving engines shard over 1, 2, 4, 8.
_SHARD_COUNTS = (1, 2, 4, 8)


@dataclass(frozen=True)
class Workload:
    """What the activations are estimated for; None fields take the knowledge's defaults."""

    sequence_length: int | None = None
    batch_size: int | None = None
    gradient_checkpointing: bool | None = None


@dataclass(frozen=True)
class Shape:
    layers: int
    hidden: int
    known: bool          # from a named model's card, not estimated from its size


@dataclass(frozen=True)
class MemoryEstimate:
    method: str
    model_params: float
    weights_gb: float        # the base model as loaded
    training_gb: float       # trained parameters' gradients, optimizer states (and adapters)
    activations_gb: float    # for the stated sequence length, batch size and checkpointing
    smallest_fit: GpuClass | None   # the smallest listed GPU class that holds it
    overhead_gb: float = 0.0        # CUDA context and framework workspace

    @property
    def states_gb(self) -> float:
        """Weights, gradients and optimizer states: what the 16-bytes rule counts."""
        return self.weights_gb + self.training_gb

    @property
    def total_gb(self) -> float:
        return self.states_gb + self.activations_gb + self.overhead_gb


def bytes_per_param(method: str, model: GpuMemoryModel) -> float:
    """Model-state bytes per parameter, before activations."""
    m = model.methods[method]  # type: ignore[index]
    return m.weight_bytes + m.trainable_fraction * m.trainable_bytes


def shape_of(model_params: float, model: GpuMemoryModel,
             named: NamedModel | None = None) -> Shape:
    """Layers and hidden size: a named model's own, else a Llama-style shape for its size
    (parameters ≈ 12 × layers × hidden², hidden = layers × hidden_per_layer)."""
    if named is not None and named.layers is not None and named.hidden is not None:
        return Shape(named.layers, named.hidden, True)
    ratio = model.activations.hidden_per_layer
    hidden = (model_params * ratio / 12) ** (1 / 3)
    return Shape(max(1, round(hidden / ratio)), max(1, round(hidden)), False)


def resolved(workload: Workload | None, model: GpuMemoryModel) -> Workload:
    """The workload with every field filled from the knowledge's defaults."""
    a = model.activations
    w = workload or Workload()
    return Workload(
        sequence_length=w.sequence_length or a.sequence_length,
        batch_size=w.batch_size or a.batch_size,
        gradient_checkpointing=(a.gradient_checkpointing if w.gradient_checkpointing is None
                                else w.gradient_checkpointing))


def activations_gb(model_params: float, model: GpuMemoryModel, *,
                   named: NamedModel | None = None, workload: Workload | None = None) -> float:
    a = model.activations
    w = resolved(workload, model)
    shape = shape_of(model_params, model, named)
    tokens = (w.sequence_length or 0) * (w.batch_size or 0)
    if w.gradient_checkpointing:
        per_token_hidden = a.checkpointed_bytes * shape.layers + a.layer_bytes
    else:
        per_token_hidden = a.layer_bytes * shape.layers
    return tokens * shape.hidden * per_token_hidden / GB


def estimate(model_params: float, method: str, model: GpuMemoryModel, *,
             named: NamedModel | None = None, workload: Workload | None = None
             ) -> MemoryEstimate:
    m = model.methods[method]  # type: ignore[index]
    weights = model_params * m.weight_bytes / GB
    training = model_params * m.trainable_fraction * m.trainable_bytes / GB
    activations = activations_gb(model_params, model, named=named, workload=workload)
    total = weights + training + activations + model.overhead_gb
    fit = next((g for g in sorted(model.gpu_classes, key=lambda g: g.memory_gb)
                if g.memory_gb >= total), None)
    return MemoryEstimate(method, model_params, weights, training, activations, fit,
                          model.overhead_gb)


def max_params_for(memory_gb: float, method: str, model: GpuMemoryModel, *,
                   workload: Workload | None = None) -> float:
    """The largest model (parameters) whose estimate fits in memory_gb (0 if none does)."""
    def total(params: float) -> float:
        return estimate(params, method, model, workload=workload).total_gb

    low, high = 0.0, memory_gb * GB / max(bytes_per_param(method, model), 1e-9)
    if total(high) <= memory_gb:
        return high
    for _ in range(60):          # the total grows with the size: bisect
        mid = (low + high) / 2
        low, high = (mid, high) if total(mid) <= memory_gb else (low, mid)
    return low


def estimate_all(model_params: float, model: GpuMemoryModel, *,
                 named: NamedModel | None = None, workload: Workload | None = None
                 ) -> list[MemoryEstimate]:
    return [estimate(model_params, m, model, named=named, workload=workload)
            for m in METHOD_ORDER]


# --- serving --------------------------------------------------------------------------

@dataclass(frozen=True)
class ServingEstimate:
    precision: str           # "16-bit"
    weights_gb: float
    kv_cache_gb: float
    overhead_gb: float
    kv_known: bool           # the KV size comes from the model's own shape

    @property
    def total_gb(self) -> float:
        return self.weights_gb + self.kv_cache_gb + self.overhead_gb


def kv_bytes_per_token(model_params: float, model: GpuMemoryModel,
                       named: NamedModel | None = None) -> tuple[float, bool]:
    """16-bit KV cache bytes per token, and whether it comes from the model's own shape.
    Unknown shapes assume grouped-query attention with 8 KV heads of 128 (Llama 3, Mistral,
    Qwen2.5), which is the common case among current open models."""
    if named is not None and named.kv_bytes_per_token is not None:
        return named.kv_bytes_per_token, True
    shape = shape_of(model_params, model, named)
    return 2 * shape.layers * 8 * 128 * 2, False


def serving_estimates(model_params: float, model: GpuMemoryModel, *,
                      named: NamedModel | None = None, context_tokens: int | None = None,
                      sequences: int | None = None) -> list[ServingEstimate]:
    s = model.serving
    tokens = (context_tokens or s.context_tokens) * (sequences or s.concurrent_sequences)
    per_token, known = kv_bytes_per_token(model_params, model, named)
    kv = per_token * tokens / GB
    return [ServingEstimate(precision, model_params * b / GB, kv, s.overhead_gb, known)
            for precision, b in s.bytes_per_param.items()]


def gpus_needed(total_gb: float, gpu_gb: float, model: GpuMemoryModel) -> int | None:
    """How many GPUs of this size serve it (1, 2, 4 or 8, sharded), or None beyond 8."""
    usable = gpu_gb * model.serving.usable_fraction
    need = math.ceil(total_gb / usable) if usable > 0 else 0
    return next((n for n in _SHARD_COUNTS if n >= need), None)

"""The GPU memory estimate: what fine-tuning a model of a given size needs with each method,
from the bytes-per-parameter model in knowledge/data/gpu_memory.yaml (an estimate)."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.models import GpuClass, GpuMemoryModel

GB = 1e9  # decimal gigabytes, as GPU memory is sold
METHOD_ORDER: tuple[str, ...] = ("standard", "lora", "qlora", "prompt_tuning")


@dataclass(frozen=True)
class MemoryEstimate:
    method: str
    model_params: float
    weights_gb: float        # the base model as loaded
    training_gb: float       # trained parameters' gradients, optimizer states (and adapters)
    activations_gb: float    # the allowance
    smallest_fit: GpuClass | None   # the smallest listed GPU class that holds it

    @property
    def states_gb(self) -> float:
        """Weights, gradients and optimizer states: what the 16-bytes rule counts."""
        return self.weights_gb + self.training_gb

    @property
    def total_gb(self) -> float:
        return self.states_gb + self.activations_gb


def bytes_per_param(method: str, model: GpuMemoryModel) -> float:
    """Model-state bytes per parameter, before activations."""
    m = model.methods[method]  # type: ignore[index]
    return m.weight_bytes + m.trainable_fraction * m.trainable_bytes


def estimate(model_params: float, method: str, model: GpuMemoryModel) -> MemoryEstimate:
    m = model.methods[method]  # type: ignore[index]
    weights = model_params * m.weight_bytes / GB
    training = model_params * m.trainable_fraction * m.trainable_bytes / GB
    activations = (weights + training) * model.activation_fraction
    total = weights + training + activations
    fit = next((g for g in sorted(model.gpu_classes, key=lambda g: g.memory_gb)
                if g.memory_gb >= total), None)
    return MemoryEstimate(method, model_params, weights, training, activations, fit)


def max_params_for(memory_gb: float, method: str, model: GpuMemoryModel) -> float:
    """The largest model (parameters) whose estimate fits in memory_gb."""
    per_param = bytes_per_param(method, model) * (1 + model.activation_fraction)
    return memory_gb * GB / per_param


def estimate_all(model_params: float, model: GpuMemoryModel) -> list[MemoryEstimate]:
    return [estimate(model_params, m, model) for m in METHOD_ORDER]

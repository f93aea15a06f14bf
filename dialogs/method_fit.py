"""Decision rule 5 (docs/architecture.md): the fine-tuning method from the hardware, stepped
down standard -> LoRA -> QLoRA to the first that fits the GPUs by the memory calculator's own
estimate, for the model size told or assumed (knowledge/data/hardware.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dialogs.slots import MAX_MODEL_SIZE_B, Method
from knowledge.models import Knowledge

if TYPE_CHECKING:
    from dialogs.compiled import CompiledKnowledge

# Rule 5's step-down order: the first of these, from the preferred one, that fits.
FIT_ORDER: tuple[Method, ...] = ("standard", "lora", "qlora")


@dataclass(frozen=True)
class MethodFit:
    """Rule 5's outcome: the method, and what it was fitted against."""

    method: Method
    hardware: str  # the hardware class used (told, or assumed where unknown)
    hardware_told: bool
    size_b: int  # the model size fitted for (told, or assumed)
    size_told: bool
    memory_gb: float | None  # None: hosted (no GPU memory to fit)
    needed_gb: float | None  # the estimate for `method`
    preferred: Method  # before the step-down
    preferred_gb: float | None  # the estimate for `preferred`
    fits: bool = True


def _needed_gb(size_b: int, method: Method, ck: CompiledKnowledge) -> float:
    """The calculator's own GPU memory estimate (gpu_memory.yaml), so the card and the
    calculator never disagree. Remembered: the step-down and its boundaries ask often."""
    key = (size_b, method)
    needed = ck.needed_gb.get(key)
    if needed is None:
        # Imported here: the follow-ups package imports this module (a cycle at load time).
        from dialogs.followups.memory import estimate

        needed = estimate(size_b * 1e9, method, ck.kb.gpu_memory).total_gb
        ck.needed_gb.put(key, needed)
    return needed


def hardware_memory_gb(hardware: str, kb: Knowledge) -> float:
    hw = kb.hardware.classes[hardware]
    return hw.per_gpu_gb * hw.gpus


def preferred_method(answers: dict[str, Any], hardware: str) -> Method:
    """Rule 5 before the fit: api_only hosted, consumer QLoRA, datacenter or cluster standard
    only for perfect accuracy on a high budget, else LoRA. A low budget alone never means
    QLoRA: QLoRA saves memory, not money."""
    if hardware == "api_only":
        return "hosted"
    if hardware == "consumer_gpu":
        return "qlora"
    if answers.get("accuracy") == "perfect" and answers.get("budget") == "high":
        return "standard"
    return "lora"


def fit_method(answers: dict[str, Any], ck: CompiledKnowledge) -> MethodFit:
    """Rule 5: the preferred method, stepped down standard -> LoRA -> QLoRA to the first whose
    memory estimate fits the hardware, for the model size told or assumed."""
    kb = ck.kb
    told_hw = answers.get("hardware")
    hardware = told_hw if isinstance(told_hw, str) else kb.hardware.unknown_hardware
    told_size = answers.get("model_size")
    size = told_size if isinstance(told_size, int) else kb.hardware.default_model_size_b
    preferred = preferred_method(answers, hardware)
    common = {"hardware": hardware, "hardware_told": told_hw is not None, "size_b": size,
              "size_told": told_size is not None, "preferred": preferred}
    if preferred == "hosted":
        return MethodFit(method="hosted", memory_gb=None, needed_gb=None, preferred_gb=None,
                         **common)  # type: ignore[arg-type]
    memory = hardware_memory_gb(hardware, kb)
    preferred_gb = _needed_gb(size, preferred, ck)
    for method in FIT_ORDER[FIT_ORDER.index(preferred):]:
        needed = _needed_gb(size, method, ck)
        if needed <= memory:
            return MethodFit(method=method, memory_gb=memory, needed_gb=needed,
                             preferred_gb=preferred_gb, **common)  # type: ignore[arg-type]
    return MethodFit(method="qlora", memory_gb=memory, needed_gb=_needed_gb(size, "qlora", ck),
                     preferred_gb=preferred_gb, fits=False, **common)  # type: ignore[arg-type]


def choose_method(answers: dict[str, Any], ck: CompiledKnowledge) -> Method:
    """Rule 5, for a fine-tuning recommendation."""
    return fit_method(answers, ck).method


def largest_fitting(method: Method, memory_gb: float, ck: CompiledKnowledge) -> int:
    """The largest model size (whole billions) whose estimate for `method` fits; 0: none.
    By bisection over the estimate, which only grows with the size."""
    if _needed_gb(1, method, ck) > memory_gb:
        return 0
    low, high = 1, MAX_MODEL_SIZE_B
    if _needed_gb(high, method, ck) <= memory_gb:
        return high
    while high - low > 1:
        mid = (low + high) // 2
        if _needed_gb(mid, method, ck) <= memory_gb:
            low = mid
        else:
            high = mid
    return low


def size_regions(answers: dict[str, Any], ck: CompiledKnowledge) -> list[tuple[int, int, Method]]:
    """Model sizes (low, high, method) in order, each a run of sizes that gets one method
    under rule 5 with the other answers as they are. One region where the size cannot change
    the method (hosted, or QLoRA on a consumer GPU)."""
    fit = fit_method(answers, ck)
    if fit.memory_gb is None:
        return [(1, MAX_MODEL_SIZE_B, fit.method)]
    regions: list[tuple[int, int, Method]] = []
    low = 1
    for method in FIT_ORDER[FIT_ORDER.index(fit.preferred):]:
        top = largest_fitting(method, fit.memory_gb, ck)
        if top >= low:
            regions.append((low, top, method))
            low = top + 1
    if low <= MAX_MODEL_SIZE_B:
        # Nothing fits: still QLoRA, the lightest, with the card saying it does not fit.
        if regions and regions[-1][2] == "qlora":
            regions[-1] = (regions[-1][0], MAX_MODEL_SIZE_B, "qlora")
        else:
            regions.append((low, MAX_MODEL_SIZE_B, "qlora"))
    return regions


def model_size_can_change_method(answers: dict[str, Any], ck: CompiledKnowledge) -> bool:
    """Whether the model-size question is worth asking (rule 5: where it can change the
    method)."""
    return len(size_regions(answers, ck)) > 1

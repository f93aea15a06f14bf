"""Typed models of the project's own knowledge (`source: ours`): the topics the guide does not
cover, corrections to it, named models' sizes and training compute prices.

Every claim carries the keys of its sources, and every key names a full reference in the
same file, so a reader of the YAML sees the source next to the claim and the bot can show
which sources an answer rests on.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Ours = Literal["ours"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRef(_Strict):
    short: str                      # "Rafailov et al. 2023 (DPO)": shown under an answer
    full: str                       # the full reference, with where to find it


class Claim(_Strict):
    text: str
    cite: list[str] = Field(min_length=1)    # keys of `sources`


class ExpertTopic(_Strict):
    """A follow-up topic the guide does not cover (docs/architecture.md: version 2 topics)."""

    what: str                       # one or two sentences: what it is
    claims: list[Claim] = Field(min_length=1)
    cite: list[str] = Field(min_length=1)    # the sources of `what`
    source: Ours


class ExpertKnowledge(_Strict):
    sources: dict[str, SourceRef]
    topics: dict[str, ExpertTopic]
    # Corrections to and expert additions after the guide's own topic answers, by topic id.
    notes: dict[str, list[Claim]] = Field(default_factory=dict)
    source: Ours

    @model_validator(mode="after")
    def _citations_exist(self) -> ExpertKnowledge:
        unknown: set[str] = set()
        for topic in self.topics.values():
            unknown |= set(topic.cite) - set(self.sources)
            for claim in topic.claims:
                unknown |= set(claim.cite) - set(self.sources)
        for claims in self.notes.values():
            for claim in claims:
                unknown |= set(claim.cite) - set(self.sources)
        if unknown:
            raise ValueError(f"expert cites unknown sources: {', '.join(sorted(unknown))}")
        return self

    def refs(self, keys: list[str]) -> list[SourceRef]:
        """The references for these keys, each once, in first-cited order."""
        seen: dict[str, SourceRef] = {}
        for key in keys:
            if key in self.sources and key not in seen:
                seen[key] = self.sources[key]
        return list(seen.values())


class NamedModel(_Strict):
    """A model people name ("Mixtral 8x7B"), with the architecture figures the memory
    estimates use. MoE models: `params_b` counts every expert (all are held in memory);
    `active_params_b` is what one token runs through (compute)."""

    name: str                       # "Mixtral 8x7B"
    aliases: list[str] = Field(min_length=1)   # lower case: "mixtral 8x7b", "mixtral"
    params_b: float = Field(gt=0)
    active_params_b: float | None = Field(default=None, gt=0)
    layers: int | None = Field(default=None, ge=1)
    hidden: int | None = Field(default=None, ge=1)
    kv_heads: int | None = Field(default=None, ge=1)
    head_dim: int | None = Field(default=None, ge=1)
    cite: str

    @property
    def params(self) -> float:
        return self.params_b * 1e9

    @property
    def kv_bytes_per_token(self) -> float | None:
        """16-bit KV cache per token: keys and values, per layer, per KV head."""
        if self.layers is None or self.kv_heads is None or self.head_dim is None:
            return None
        return 2 * self.layers * self.kv_heads * self.head_dim * 2


class ModelCatalogue(_Strict):
    models: list[NamedModel]
    source: Ours

    @model_validator(mode="after")
    def _aliases_lower_and_unique(self) -> ModelCatalogue:
        seen: set[str] = set()
        for m in self.models:
            for alias in m.aliases:
                if alias != alias.lower() or not alias.strip():
                    raise ValueError(f"model_catalogue: {m.name}: alias {alias!r} must be "
                                     f"non-empty lower case")
                if alias in seen:
                    raise ValueError(f"model_catalogue: alias {alias!r} repeated")
                seen.add(alias)
        return self


class Money(_Strict):
    low: float = Field(ge=0)
    high: float = Field(ge=0)


class RentedGpu(_Strict):
    name: str                       # "H100 80GB (SXM)"
    memory_gb: float = Field(gt=0)
    bf16_tflops: float = Field(gt=0)    # dense peak, no sparsity
    usd_per_hour: Money
    # Serving one model sharded over several of these (tensor parallelism) needs a fast
    # GPU-to-GPU link; consumer cards have none, so they count only one at a time.
    shardable: bool = True
    cite: str


class ComputeCosts(_Strict):
    """Training compute cost: FLOPs = tokens x flops_per_token_param x parameters; GPU-hours =
    FLOPs / (peak x utilisation); cost = GPU-hours x price. Prices are dated."""

    prices_as_of: str               # "May 2026"
    gpus: dict[str, RentedGpu]
    default_gpu: str
    utilisation: Money              # model FLOPs utilisation, as a range (low, high)
    # Training FLOPs per token per parameter, by method (6 for full training).
    flops_per_token_param: dict[str, float]
    # Extra time for a method's own overhead (QLoRA dequantises weights every step).
    slowdown: dict[str, float] = Field(default_factory=dict)
    tokens_per_example: int = Field(gt=0)
    epochs: int = Field(gt=0)
    default_examples: int = Field(gt=0)
    default_model_b: float = Field(gt=0)
    chinchilla_tokens_per_param: float = Field(gt=0)
    cite: list[str] = Field(min_length=1)
    source: Ours

    @model_validator(mode="after")
    def _default_gpu_listed(self) -> ComputeCosts:
        if self.default_gpu not in self.gpus:
            raise ValueError(f"compute: default_gpu {self.default_gpu!r} is not in gpus")
        return self

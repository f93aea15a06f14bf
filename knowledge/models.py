"""Typed models of the knowledge files. Loaded and validated once at start.

Every block that carries text says where the text comes from: `source: guide` (the seed
guide, choosing-your-training-approach.txt) or `source: ours` (written by the project where
the guide is silent). Nothing here imports the rest of the project.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from knowledge.expert_models import ComputeCosts, ExpertKnowledge, ModelCatalogue
from knowledge.texts import fill

Source = Literal["guide", "ours"]
ApproachId = Literal["prompt_engineering", "fine_tuning", "training_from_scratch"]
MethodId = Literal["standard", "lora", "qlora", "prompt_tuning", "hosted"]
HybridId = Literal["rag", "ensemble", "cot_fine_tuning", "cot_prompting"]
UseCaseId = Literal["customer_service", "content_generation", "code_generation",
                    "document_analysis", "other"]
QualityId = Literal["high", "low", "mixed"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(_Strict):
    """A money or count range; high None means open-ended ("$10,000+")."""

    low: float = Field(ge=0)
    high: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.high is not None and self.high < self.low:
            raise ValueError("high must be >= low")
        return self


class ApproachInfo(_Strict):
    name: str                       # "Fine-Tuning"
    tagline: str                    # "Recommended approach"
    summary: str                    # "Adapt pre-trained models to your needs"
    what_it_is: str
    highlights: list[str]           # the three bullets on the overview card
    when_to_use: list[str]
    pros: list[str]
    cons: list[str]
    source: Source


class ComparisonRow(_Strict):
    aspect: str
    prompt_engineering: str
    fine_tuning: str
    training_from_scratch: str


class Comparison(_Strict):
    rows: list[ComparisonRow]
    source: Source


class Thresholds(_Strict):
    """The numbers the decision rules use (docs/architecture.md rules 1-3). An organisation may
    tune them."""

    fine_tuning_minimum: int = 50           # the guide's fine-tuning minimum ("50-100")
    prompt_engineering_below: int = 100     # fewer than this: prompt engineering
    fine_tuning_range_max: int = 10_000     # "100-10,000: perfect for fine-tuning"
    fine_tuning_better: int = 500           # "Better: 500-1,000"
    fine_tuning_best: int = 5_000           # "Best: 5,000+"
    scratch_minimum: int = 1_000_000        # "Millions: could train from scratch"
    # The monthly volume's vote (docs/architecture.md rule 2): at most this many tokens a
    # month votes prompt engineering, at least volume_fine_tuning_from votes fine-tuning.
    volume_prompt_at_most: int = 100_000
    volume_fine_tuning_from: int = 10_000_000
    source: Source = "guide"


class ChoiceInfo(_Strict):
    value: str
    label: str
    # Words and phrases that mean this value in free text (lower case). Matched as whole
    # words/phrases by the slot extractor.
    synonyms: list[str] = Field(default_factory=list)
    # Short words that mean this value only next to one of the question's keywords
    # ("budget is tight": keyword "budget", word "tight").
    words: list[str] = Field(default_factory=list)
    # The approach this answer votes for (docs/architecture.md rule 2); None: no vote.
    points_to: ApproachId | None = None
    # The reason line shown on the card when this answer counted ("Low budget points to
    # prompt engineering: zero training cost.").
    reason: str = ""


class QuestionInfo(_Strict):
    slot: str
    text: str                       # "How many examples do you have?"
    hint: str                       # re-ask hint: what an answer looks like
    choices: list[ChoiceInfo] = Field(default_factory=list)  # empty for numeric slots
    short_label: str                # "Budget", for "Budget: medium"
    # Words that name the slot in free text ("budget", "money", "spend").
    keywords: list[str] = Field(default_factory=list)
    source: Source


class GuideStep(_Strict):
    step: int
    title: str                      # "Check your data"
    question: str                   # "Do you have training examples?"
    answers: list[str]              # "No → Go with Prompt Engineering", ...


class QuestionToAsk(_Strict):
    question: str                   # "What's my budget?"
    answers: list[str]              # "Low → Prompt engineering", ...


class DecisionGuide(_Strict):
    quick_guide: list[GuideStep]
    questions_to_ask: list[QuestionToAsk]
    source: Source


class UseCaseInfo(_Strict):
    name: str
    prompt_engineering_when: list[str]
    fine_tuning_when: list[str]
    note: str = ""
    source: Source


class MethodInfo(_Strict):
    name: str                       # "QLoRA"
    subtitle: str                   # "Quantized LoRA"
    pros: list[str]
    cons: list[str]
    best_when: str                  # ours: when it is the pick
    source: Source


class StageInfo(_Strict):
    stage: int = Field(ge=1, le=4)
    title: str                      # "Prompt Engineering"
    subtitle: str                   # "Start simple, test fast"
    steps: list[str]
    next: str | None                # what moves you on (ours); None on stage 4
    # The title shown on a card where the guide's title names a method the card may not
    # recommend ("Full Fine-Tuning" above a LoRA plan); None: the title itself.
    card_title: str | None = None
    source: Source


class CostInfo(_Strict):
    training: str                   # "$10-1,000 (one-time)"
    inference_per_1k_tokens: str    # "$0.001-0.01 per 1K tokens"
    monthly_at_1m_tokens: str       # "$1-10 + hosting"
    best_for: str
    training_usd: Range | None      # None where the guide gives no number
    inference_per_1k_usd: Range | None
    note: str = ""
    source: Source


class DataRequirement(_Strict):
    minimum: str
    better: str
    best: str
    source: Source


class QualityInfo(_Strict):
    title: str                      # "High Quality, Low Quantity"
    advice: str                     # "Fine-tune with careful data curation"
    steps: list[str]
    source: Source


class HybridInfo(_Strict):
    name: str
    what: str
    use_when: list[str]
    example: list[str] = Field(default_factory=list)
    source: Source


class Mistake(_Strict):
    title: str
    text: str
    source: Source


class TopicInfo(_Strict):
    title: str                      # button label: "QLoRA"
    # Phrases that name the topic; the follow-up matcher scores text against these.
    aliases: list[str]
    source: Source


class GpuClass(_Strict):
    name: str                       # "24 GB (consumer, e.g. RTX 4090)"
    memory_gb: float = Field(gt=0)  # total across the GPUs of the class
    gpus: int = Field(default=1, ge=1)


class MethodMemory(_Strict):
    """Memory per parameter for one fine-tuning method (ours; an estimate)."""

    weight_bytes: float = Field(gt=0)         # base weights as loaded (fp16: 2, NF4: ~0.55)
    trainable_fraction: float = Field(gt=0, le=1)  # share of params trained (1.0; adapters ~0.002)
    trainable_bytes: float = Field(ge=0)      # per trained param: gradient + optimizer (+ adapter)
    weights_label: str                        # "frozen 4-bit NF4 weights"


class MemoryReference(_Strict):
    """A published figure the estimate is checked against (tests read these)."""

    claim: str
    method: MethodId
    bytes_per_param: float | None = None      # model-state bytes per param, before activations
    model_params_b: float | None = None       # model size in billions of parameters
    published_gb: Range | None = None
    citation: str


class ActivationAssumptions(_Strict):
    """What activation memory is estimated for (ours; stated under every estimate).

    Activations scale with tokens in flight (sequence length x batch size) x hidden size:
    with gradient checkpointing each layer keeps only its input (`checkpointed_bytes` per
    hidden unit per token) and one layer's working set is recomputed (`layer_bytes`); without
    it every layer keeps its working set."""

    sequence_length: int = Field(gt=0)
    batch_size: int = Field(gt=0)
    gradient_checkpointing: bool
    checkpointed_bytes: float = Field(gt=0)   # per token, per hidden unit, per layer
    layer_bytes: float = Field(gt=0)          # one layer's working set, per token per hidden unit
    # Hidden size / layers, to estimate the shape of a model named only by its size.
    hidden_per_layer: float = Field(gt=0)
    cite: str


class ServingAssumptions(_Strict):
    """Inference memory: weights at a precision, plus KV cache, plus runtime overhead."""

    bytes_per_param: dict[str, float]         # "16-bit": 2, "8-bit": 1, "4-bit": 0.5
    context_tokens: int = Field(gt=0)          # per sequence
    concurrent_sequences: int = Field(gt=0)
    overhead_gb: float = Field(ge=0)
    usable_fraction: float = Field(gt=0, le=1)  # of each GPU's memory
    gpu_sizes_gb: list[float] = Field(min_length=1)
    cite: str


class GpuMemoryModel(_Strict):
    """GPU memory estimate for fine-tuning and serving (ours; labelled an estimate wherever
    shown).

    model states = params * weight_bytes + params * trainable_fraction * trainable_bytes;
    total = model states + activations (from `activations`) + overhead_gb.
    """

    methods: dict[MethodId, MethodMemory]
    activations: ActivationAssumptions
    overhead_gb: float = Field(ge=0)           # CUDA context and framework workspace
    serving: ServingAssumptions
    gpu_classes: list[GpuClass]
    references: list[MemoryReference] = Field(default_factory=list)
    # GPU names people type ("a100", "4090") and their memory in GB, per GPU.
    gpu_names: dict[str, float] = Field(default_factory=dict)
    # The hardware slot's values as GB available (api_only: none, so absent).
    # Model sizes (billions of parameters) shown when the person names none.
    example_sizes_b: list[float] = Field(default_factory=lambda: [7.0, 13.0, 70.0])
    formula: str                    # the formula in words, shown under the estimate
    estimate_note: str              # "An estimate: ..." (what moves the real figure)
    source: Source

    @model_validator(mode="after")
    def _all_methods(self) -> GpuMemoryModel:
        # Hosted fine-tuning runs on the provider's GPUs: priced per token, never in memory.
        missing = {"standard", "lora", "qlora", "prompt_tuning"} - set(self.methods)
        if missing:
            raise ValueError(f"gpu_memory.methods is missing: {', '.join(sorted(missing))}")
        return self


class HardwareClass(_Strict):
    """What the card assumes a hardware answer means (ours; shown on the card)."""

    in_words: str                   # "datacenter GPUs", for "on datacenter GPUs"
    gpus: int = Field(ge=0)         # how many GPUs the answer is taken to mean
    per_gpu_gb: float = Field(ge=0)
    # On-demand price of one such GPU serving a fine-tuned model; None: no GPUs of your own.
    serving_usd_per_hour: Range | None = None

    @property
    def total_gb(self) -> float:
        """All the memory the answer offers, sharded across its GPUs."""
        return self.gpus * self.per_gpu_gb


class HardwareModel(_Strict):
    """The hardware classes the method rule fits against (docs/architecture.md rule 5)."""

    classes: dict[str, HardwareClass]
    # Assumed where the person has not said (the card names the assumption).
    default_model_size_b: int = Field(ge=1)
    unknown_hardware: str           # the class assumed where the hardware is not known
    hours_per_month: float = Field(gt=0)
    serving_citation: str
    source: Source

    def serving_usd_per_hour(self) -> Range:
        """One GPU serving around the clock, from the cheapest class's low end to the dearest's
        high end: what a self-hosted model costs when the GPU is not yet chosen."""
        prices = [c.serving_usd_per_hour for c in self.classes.values()
                  if c.serving_usd_per_hour is not None]
        return Range(low=min(p.low for p in prices),
                     high=max(p.high if p.high is not None else p.low for p in prices))

    @model_validator(mode="after")
    def _all_classes(self) -> HardwareModel:
        expected = {"api_only", "consumer_gpu", "datacenter_gpu", "gpu_cluster"}
        missing = expected - set(self.classes)
        if missing:
            raise ValueError(f"hardware.classes is missing: {', '.join(sorted(missing))}")
        if self.unknown_hardware not in self.classes:
            raise ValueError("hardware.unknown_hardware must be one of its classes")
        return self


# Sentences the code looks up by key; a knowledge copy missing one fails at load.
REQUIRED_MESSAGES: frozenset[str] = frozenset({
    "welcome", "help", "restarted", "start_again", "reask", "stale_card", "store_down",
    "answer_recorded", "answer_changed", "decision_changed", "decision_same",
    "no_recommendation_yet", "history_empty", "history_header", "history_not_found",
    "empty_input", "offer_start", "unplaceable", "too_long", "rate_limited", "internal_error",
    "busy", "greeting", "ours_marker", "ours_marker_uncited",
    "forget_prompt", "forget_yes", "forget_no", "forget_button",
    "forget_done", "forget_cancelled",
    "restarted_undo", "undone", "nothing_to_undo", "progress", "progress_about",
    "not_asked_cannot_change", "not_asked_assumed", "action_back", "action_now",
    "request_not_json", "request_too_large", "request_too_slow", "request_bad_json",
    "request_not_object", "request_bad_choice", "request_bad_command_value",
    "request_not_a_turn", "request_no_turn",
    "whatif_already_told", "whatif_lead", "whatif_would_be", "whatif_what_changes",
    "whatif_why", "whatif_would_stay", "whatif_unchanged", "whatif_column_now",
    "whatif_column_whatif", "whatif_approach", "whatif_method", "whatif_hybrids",
    "whatif_start_stage", "whatif_none", "whatif_not_answered",
})


class Texts(_Strict):
    """A block of sentences looked up by key."""

    texts: dict[str, str]
    source: Source


# The engine's sentences (reasons, why-not lines, method and hybrid reasons), by key.
REQUIRED_ADVICE: frozenset[str] = frozenset({
    "title_with_method", "title_hybrids_joiner", "summary",
    "count_none", "count_below_minimum", "count_in_range", "count_large",
    "count_millions", "has_data_no",
    "why_not_scratch_data", "why_not_scratch_budget", "why_not_scratch_need",
    "why_not_fine_tuning_data", "lost_vote", "tie_simpler",
    "method_standard", "method_qlora_hardware", "method_qlora_budget", "method_lora",
    "method_prompt_tuning", "note_prompt_tuning",
    "hybrid_rag_updates", "hybrid_rag_documents", "hybrid_cot", "hybrid_ensemble",
    "note_minimum_collect", "note_start_simple_today", "note_scratch_baseline",
    "change_more_data", "change_scratch", "you_have_none", "you_have_count",
    "you_have_unknown", "quality_note",
    "explain_header", "explain_why_not", "explain_change", "history_line", "skipped",
    "not_an_option", "resumed_card", "show_header",
    # Decision rules version 2.
    "count_close", "why_not_fine_tuning_close", "why_not_scratch_unknown", "title_today",
    "summary_today", "method_hosted", "method_standard_stepped", "method_none_fits",
    "method_unknown_hardware", "assumed_size", "assumed_hardware", "assumed_memory",
    "hybrid_cot_prompting", "note_perfect_review", "note_small_data", "note_data_quality",
    "step_held_out", "step_data_quality", "change_to", "change_count_at_least",
    "change_count_below", "change_volume", "change_size_at_least", "change_size_at_most",
    "change_size_range", "change_count_range",
    "change_no_data", "volume_vote_prompt", "volume_vote_fine_tuning", "volume_no_vote",
    "cost_monthly_label", "cost_monthly_label_assumed", "cost_prices_note",
    "cost_hosting_self", "cost_hosting_hosted", "cost_payback", "cost_payback_never",
    "cost_payback_from", "contradiction_no_data_count",
})


# The labels the cost chart, roadmap picture and decision record look up (pictures.yaml).
REQUIRED_PICTURE_LABELS: frozenset[str] = frozenset({
    "cost_title", "cost_x", "cost_y", "series_prompt_engineering",
    "series_fine_tuning_self_hosted", "series_fine_tuning_hosted",
    "series_training_from_scratch", "your_volume", "reference_volume", "payback", "caption",
    "cost_alt", "cost_alt_line", "cost_alt_payback", "cost_alt_no_payback",
    "roadmap_title", "start_here", "last_stage_exit", "roadmap_alt", "roadmap_alt_stage",
    "roadmap_alt_short",
    "text_chart_title", "text_chart_reference",
    "record_title", "record_context", "record_context_lead", "record_not_answered",
    "record_decision", "record_decision_line", "record_approach", "record_method",
    "record_combine", "record_why", "record_alternatives", "record_alternatives_none",
    "record_roadmap", "record_stage", "record_exit", "record_costs", "record_training",
    "record_inference", "record_at_guide_volume", "record_at_your_volume", "record_best_for",
    "record_payback", "record_data", "record_minimum", "record_better", "record_best",
    "record_you_have", "record_change", "record_change_none", "record_assumed",
    "record_assumed_unknown", "record_assumed_prices", "record_footer", "export_button",
    "export_filename", "export_comment", "export_sent", "export_expired",
})


class PicturesInfo(_Strict):
    """The cost chart's, roadmap picture's and decision record's labels, and the prices the
    guide does not give (GPU hosting, hosted fine-tuning), each cited in pictures.yaml."""

    payback_months: int = Field(gt=0)
    hosted_inference_per_1k_usd: Range
    axis_tokens: Range
    labels: dict[str, str]
    source: Source

    @model_validator(mode="after")
    def _all_labels(self) -> PicturesInfo:
        missing = REQUIRED_PICTURE_LABELS - set(self.labels)
        if missing:
            raise ValueError(f"pictures is missing labels: {', '.join(sorted(missing))}")
        return self

    def label(self, key: str, **fmt: object) -> str:
        """A picture's or the decision record's label, filled in (knowledge/texts.py)."""
        return fill(self.labels[key], fmt)


REQUIRED_SURFACE_LABELS: frozenset[str] = frozenset({
    "approach", "method", "start_at", "combine_with", "why", "costs", "training", "inference",
    "monthly_guide_volume", "best_for", "data_needed", "minimum", "better", "best", "you_have",
    "roadmap", "stage", "start_here", "next", "notes", "why_not", "what_would_change",
    "not_asked", "not_answered", "recommendation", "follow_up_hint", "explain", "start_over",
    "share", "choose_answer", "more_options", "follow_up_topics", "ask_about", "your_answers",
    "answers_in", "answers_done", "shared_by", "shared_thread", "trimmed", "share_no_channel",
    "share_cannot_post", "share_cannot_post_short", "shared", "shared_short", "dm_pointer",
    "dm_name", "welcome_title", "welcome_fallback", "start", "help", "start_here_inline",
    "page_title", "page_heading", "page_tagline", "page_conversation", "page_you",
    "page_thinking", "page_message", "page_message_hint", "page_send", "page_commands",
    "page_why_this", "page_needs_javascript", "page_unreachable",
})


class SurfaceTexts(_Strict):
    """The card's headings and labels, the buttons' words and the surfaces' own sentences."""

    labels: dict[str, str]
    source: Source

    @model_validator(mode="after")
    def _complete(self) -> SurfaceTexts:
        missing = REQUIRED_SURFACE_LABELS - set(self.labels)
        if missing:
            raise ValueError(f"surfaces is missing labels: {', '.join(sorted(missing))}")
        return self

    def label(self, key: str, **fmt: object) -> str:
        """A surface's heading, label or sentence, filled in (knowledge/texts.py)."""
        return fill(self.labels[key], fmt)


class Band(_Strict):
    below: float | None  # None: no upper bound
    value: str


class Bands(_Strict):
    """Amounts to a choice: the first band whose `below` exceeds the amount. An amount within
    `margin` (a share) of a boundary is asked about instead."""

    margin: float = Field(ge=0, lt=1)
    bands: list[Band] = Field(min_length=1)


class Contrast(_Strict):
    """Both of `values` named in one answer means `means` ("some good, some bad": mixed)."""

    values: list[str] = Field(min_length=2)
    means: str


class UnderstandingInfo(_Strict):
    """The vocabulary free-text answers are read with (understanding.yaml)."""

    source: Source
    answers: dict[str, dict[str, list[str]]]
    phrases: dict[str, dict[str, list[str]]]
    # slot -> value -> phrases that mean the value only when negated ("can't make a single
    # mistake" is perfect accuracy, "a single mistake" alone is nothing).
    negated_means: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    yes: list[str]
    no: list[str]
    negations: list[str]
    contrasts: dict[str, Contrast]
    preferences: list[str]
    stop_phrases: list[str]
    not_slips: list[str]
    needs_keyword: list[str]
    corrections: list[str]
    spellings: dict[str, str]
    money_bands: Bands
    accuracy_bands: Bands
    duration_bands: Bands
    gpus: dict[str, str]
    consumer_max_gb: int
    cluster_gpus: int = Field(ge=2)
    models: dict[str, float]
    model_families: list[str]
    examples: dict[str, list[str]]
    texts: dict[str, str]


class Knowledge(_Strict):
    approaches: dict[ApproachId, ApproachInfo]
    comparison: Comparison
    thresholds: Thresholds
    questions: dict[str, QuestionInfo]
    decision_guide: DecisionGuide
    use_cases: dict[UseCaseId, UseCaseInfo]
    methods: dict[MethodId, MethodInfo]
    stages: list[StageInfo]
    # Training from scratch's own plan (docs/architecture.md rule 7), numbered from 1.
    scratch_stages: list[StageInfo]
    costs: dict[ApproachId, CostInfo]
    data_requirements: dict[ApproachId, DataRequirement]
    quality: dict[QualityId, QualityInfo]
    hybrids: dict[HybridId, HybridInfo]
    mistakes: list[Mistake]
    topics: dict[str, TopicInfo]
    gpu_memory: GpuMemoryModel
    hardware: HardwareModel
    # The project's own knowledge beyond the guide (source: ours, each claim cited).
    expert: ExpertKnowledge
    model_catalogue: ModelCatalogue
    compute: ComputeCosts
    # The bot's own sentences (welcome, help, re-ask, stale card, store down, ...), by key.
    messages: dict[str, str]
    advice: Texts
    pictures: PicturesInfo
    understanding: UnderstandingInfo
    # The words every surface writes around the replies.
    surfaces: SurfaceTexts

    @model_validator(mode="after")
    def _complete(self) -> Knowledge:
        missing = REQUIRED_MESSAGES - set(self.messages)
        if missing:
            raise ValueError(f"messages is missing: {', '.join(sorted(missing))}")
        missing = REQUIRED_ADVICE - set(self.advice.texts)
        if missing:
            raise ValueError(f"advice is missing: {', '.join(sorted(missing))}")
        return self

    # Two kinds of sentence by key (knowledge/texts.py has the rule and their placeholders):
    # `say` what the rules write about a recommendation (advice.yaml), `message` what the bot
    # says about the conversation itself (messages.yaml).
    def say(self, key: str, **fmt: object) -> str:
        """A sentence about the recommendation (advice.yaml), filled in."""
        return fill(self.advice.texts[key], fmt)

    def question(self, slot: str) -> QuestionInfo:
        return self.questions[slot]

    def choice(self, slot: str, value: str) -> ChoiceInfo | None:
        for c in self.questions[slot].choices:
            if c.value == value:
                return c
        return None

    def message(self, key: str, **fmt: object) -> str:
        """A sentence about the conversation itself (messages.yaml), filled in."""
        return fill(self.messages[key], fmt)

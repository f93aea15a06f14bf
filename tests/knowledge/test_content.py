"""The knowledge files against the guide: every `source: guide` sentence is the guide's own,
the numbers match, and what the guide does not say is marked ours.

guide.txt beside this file is a verbatim copy of the seed guide
(choosing-your-training-approach.txt), kept with the tests so they run from a fresh clone.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from dialogs.costing import monthly_inference_usd
from dialogs.formatting import format_usd_range
from knowledge import default_knowledge
from knowledge.models import REQUIRED_MESSAGES, Range
from knowledge.texts import MESSAGE_PLACEHOLDERS

KB = default_knowledge()
GUIDE_TEXT = (Path(__file__).parent / "guide.txt").read_text(encoding="utf-8")

# Fields of guide-sourced blocks that are ours by design (docs/architecture.md: where the
# guide is silent).
OURS_IN_GUIDE_BLOCKS = {"best_when", "next"}
# The fields this package's data files fill (topics, gpu_memory and advice belong to others).
OUR_FIELDS = ("approaches", "comparison", "thresholds", "questions", "decision_guide",
              "use_cases", "methods", "stages", "costs", "data_requirements", "quality",
              "hybrids", "mistakes", "messages")
# Lists the guide leaves empty: LoRA has only pros; Ensemble has an example, no "use when".
EMPTY_IN_GUIDE = {("methods", "lora", "cons"), ("hybrids", "ensemble", "use_when")}


def _norm(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split())


GUIDE = _norm(GUIDE_TEXT)


def _strings(value: object, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every string in a model tree, with its path (field names, keys, indices)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _strings(getattr(value, name), (*path, name))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, (*path, i))


def _guide_blocks() -> Iterator[tuple[tuple, BaseModel]]:
    """Every model in our fields marked `source: guide`, with its path."""
    def walk(value: object, path: tuple) -> Iterator[tuple[tuple, BaseModel]]:
        if isinstance(value, BaseModel):
            if getattr(value, "source", None) == "guide":
                yield path, value
                return
            for name in type(value).model_fields:
                yield from walk(getattr(value, name), (*path, name))
        elif isinstance(value, dict):
            for k, v in value.items():
                yield from walk(v, (*path, k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                yield from walk(v, (*path, i))
    for field in OUR_FIELDS:
        yield from walk(getattr(KB, field), (field,))


def test_every_guide_sentence_is_in_the_guide() -> None:
    checked = 0
    for path, block in _guide_blocks():
        for sub, text in _strings(block):
            if sub and sub[0] in OURS_IN_GUIDE_BLOCKS or sub == ("source",):
                continue
            assert _norm(text) in GUIDE, (*path, *sub, text)
            checked += 1
    assert checked > 200  # the guide is transcribed, not sampled


def test_every_field_has_text() -> None:
    for field in OUR_FIELDS:
        for path, text in _strings(getattr(KB, field), (field,)):
            assert text.strip() or path[-1] == "note", path  # a note is optional

    def lists(value: object, path: tuple) -> Iterator[tuple[tuple, list]]:
        if isinstance(value, BaseModel):
            for name in type(value).model_fields:
                yield from lists(getattr(value, name), (*path, name))
        elif isinstance(value, dict):
            for k, v in value.items():
                yield from lists(v, (*path, k))
        elif isinstance(value, list):
            yield path, value
            for i, v in enumerate(value):
                yield from lists(v, (*path, i))

    for field in OUR_FIELDS:
        for path, items in lists(getattr(KB, field), (field,)):
            if path in EMPTY_IN_GUIDE or path[-1] in ("synonyms", "words", "example"):
                continue
            if field == "questions" and path[-1] == "choices":
                continue  # numeric questions have none
            assert items, path


def test_approaches_transcribe_when_pros_cons_in_the_guides_order() -> None:
    """The guide runs each approach's when-to-use, pros and cons together as one list."""
    assert list(KB.approaches) == ["prompt_engineering", "fine_tuning", "training_from_scratch"]
    for key, a in KB.approaches.items():
        bullets = _norm("\n- ".join([*a.when_to_use, *a.pros, *a.cons]))
        assert bullets in GUIDE, key
        assert f"What it is: {_norm(a.what_it_is)}" in GUIDE, key
        assert len(a.highlights) == 3
        assert a.source == "guide"
    pe = KB.approaches["prompt_engineering"]
    assert pe.when_to_use[0] == "Testing ideas quickly"  # the guide's "Example:" list
    assert pe.pros[0] == "Zero training time" and pe.cons[-1] == "Higher inference cost"
    assert KB.approaches["training_from_scratch"].pros == [
        "Full control", "Can create novel capabilities", "No inherited biases"]


def test_comparison_table() -> None:
    rows = KB.comparison.rows
    assert len(rows) == 7
    assert [r.aspect for r in rows] == ["Data Needed", "Time to Deploy", "Cost",
                                        "Customization", "New Knowledge", "Consistency",
                                        "Maintenance"]
    for r in rows:
        line = (f"| {r.aspect} | {r.prompt_engineering} | {r.fine_tuning} | "
                f"{r.training_from_scratch} |")
        assert line in GUIDE_TEXT


def test_decision_guide() -> None:
    quick = KB.decision_guide.quick_guide
    assert [s.step for s in quick] == [1, 2, 3]
    assert quick[1].answers[1] == "100-10,000 → Perfect for Fine-tuning"
    ask = KB.decision_guide.questions_to_ask
    assert len(ask) == 5
    assert [q.question for q in ask] == [
        "What's my budget?", "How much data do I have?", "How unique is my task?",
        "What accuracy do I need?", "How fast do I need results?"]
    assert all(len(q.answers) == 3 for q in ask)
    assert ask[3].answers[2] == "Perfect → Multiple iterations"


def test_use_cases() -> None:
    cs = KB.use_cases["customer_service"]
    assert cs.source == "guide"
    assert cs.prompt_engineering_when == ["General FAQs", "Simple routing", "Low volume",
                                          "Testing phase"]
    assert cs.fine_tuning_when == ["Company knowledge", "Brand voice", "High volume",
                                   "Complex products"]
    assert set(KB.use_cases) == {"customer_service", "content_generation", "code_generation",
                                 "document_analysis", "other"}
    for key, uc in KB.use_cases.items():
        if key != "customer_service":
            assert uc.source == "ours", key
            assert uc.prompt_engineering_when and uc.fine_tuning_when, key


def test_methods() -> None:
    assert list(KB.methods) == ["standard", "lora", "qlora", "prompt_tuning", "hosted"]
    assert KB.methods["lora"].pros == ["90% less memory", "Swap adapters", "Faster training"]
    assert KB.methods["qlora"].cons == ["Slightly lower accuracy"]
    assert KB.methods["standard"].subtitle == "Update all parameters"
    assert all(m.best_when for m in KB.methods.values())


def test_stages() -> None:
    assert [s.stage for s in KB.stages] == [1, 2, 3, 4]
    assert [s.title for s in KB.stages] == ["Prompt Engineering", "Few-Shot Fine-Tuning",
                                            "Full Fine-Tuning", "Continuous Improvement"]
    assert all(len(s.steps) == 4 for s in KB.stages)
    assert "500+" in (KB.stages[0].next or "") and "baseline" in (KB.stages[0].next or "")
    assert all(s.next for s in KB.stages[:3]) and KB.stages[3].next is None


def test_costs_numbers_match_the_guide() -> None:
    c = KB.costs
    assert c["prompt_engineering"].training_usd == Range(low=0, high=0)
    assert c["prompt_engineering"].inference_per_1k_usd == Range(low=0.01, high=0.10)
    assert c["fine_tuning"].training_usd == Range(low=10, high=1000)
    assert c["fine_tuning"].inference_per_1k_usd == Range(low=0.001, high=0.01)
    assert c["training_from_scratch"].training_usd == Range(low=10000, high=None)
    assert c["training_from_scratch"].inference_per_1k_usd is None
    # The numbers and the guide's words say the same thing.
    for key in ("prompt_engineering", "fine_tuning"):
        per_1k = c[key].inference_per_1k_usd
        assert per_1k is not None
        assert c[key].inference_per_1k_tokens.startswith(format_usd_range(per_1k))
        monthly = monthly_inference_usd(c[key], 1_000_000)
        assert monthly is not None
        assert c[key].monthly_at_1m_tokens.startswith(format_usd_range(monthly))
    assert format_usd_range(c["fine_tuning"].training_usd) + " (one-time)" == (  # type: ignore[arg-type]
        c["fine_tuning"].training)


def test_lookups() -> None:
    assert format_usd_range(Range(low=10_000)) == "$10,000+"
    assert format_usd_range(Range(low=0.01, high=0.1)) == "$0.01-0.10"
    assert format_usd_range(Range(low=12.5, high=125)) == "$12.50-125"
    at_20m = monthly_inference_usd(KB.costs["fine_tuning"], 20_000_000)
    assert at_20m is not None and format_usd_range(at_20m) == "$20-200"
    assert monthly_inference_usd(KB.costs["training_from_scratch"], 10**6) is None


def test_data_requirements_and_thresholds() -> None:
    d = KB.data_requirements
    assert d["fine_tuning"].minimum == "50-100 examples"
    assert d["fine_tuning"].better == "500-1,000 examples"
    assert d["fine_tuning"].best == "5,000+ examples"
    assert d["prompt_engineering"].better == "Few-shot (3-5 examples)"
    assert d["training_from_scratch"].minimum == "1M+ examples"
    t = KB.thresholds
    assert (t.fine_tuning_minimum, t.prompt_engineering_below, t.fine_tuning_range_max) == (
        50, 100, 10_000)
    assert (t.fine_tuning_better, t.fine_tuning_best, t.scratch_minimum) == (
        500, 5_000, 1_000_000)


def test_quality_and_hybrids() -> None:
    assert set(KB.quality) == {"high", "low", "mixed"}
    assert KB.quality["mixed"].steps == ["Start with all data", "Identify quality indicators",
                                         "Weight by quality"]
    assert list(KB.hybrids) == ["rag", "ensemble", "cot_fine_tuning", "cot_prompting"]
    assert KB.hybrids["ensemble"].example == ["Prompt for creativity",
                                              "Fine-tuned model for accuracy",
                                              "Vote/combine outputs"]
    assert "Need explainable outputs" in KB.hybrids["cot_fine_tuning"].use_when


def test_mistakes_are_ours() -> None:
    assert 6 <= len(KB.mistakes) <= 8
    assert all(m.source == "ours" and m.title and m.text for m in KB.mistakes)
    titles = [m.title for m in KB.mistakes]
    assert len(set(titles)) == len(titles)


def test_messages_fill_their_placeholders() -> None:
    assert set(KB.messages) >= REQUIRED_MESSAGES
    samples = {"hint": "Type a number.", "label": "Budget", "value": "medium", "old": "low",
               "new": "high", "title": "Fine-tuning with LoRA", "number": 3, "limit": 4000,
               "step": 3, "total": 6, "sources": "Hu et al. 2021 (LoRA)",
               "changes": "Budget: medium → high", "alt": "Fine-tuning with QLoRA",
               "now": "Fine-tuning with LoRA", "reason": "A high budget fits fine-tuning."}
    for key, text in KB.messages.items():
        used = {f for _, f, _, _ in string.Formatter().parse(text) if f}
        assert used == set(MESSAGE_PLACEHOLDERS.get(key, ())), key
        filled = KB.message(key, **samples)
        assert "{" not in filled and filled.strip(), key
    assert KB.message("answer_changed", label="Budget", old="low", new="high").endswith(
        "Budget: low → high")


def test_messages_say_what_they_must() -> None:
    m = KB.messages
    assert "minute" in m["store_down"] and "lost" in m["store_down"]
    assert "start again" in m["start_again"]
    for phrase in ("QLoRA", "50k", "20M tokens a month", "history", "restart", "why?"):
        assert phrase in m["help"], phrase
    assert "help" in m["welcome"]
    assert m["unplaceable"].startswith("I'm not sure") and "I can help with" in m["unplaceable"]

"""The cost chart's and roadmap picture's data, and the Markdown decision record: pure
functions of the card, the answers and the knowledge."""

from __future__ import annotations

import re

import pytest

from dialogs.compiled import compile_knowledge
from dialogs.decision_record import decision_record
from dialogs.engine import decide
from dialogs.pictures import change_lines, cost_chart, payback_tokens, roadmap_picture
from dialogs.slots import Slots
from knowledge import default_knowledge

KB = default_knowledge()
CK = compile_knowledge(KB)
FINE_TUNING = Slots(has_data="yes", examples=5000, priority="consistency", budget="medium",
                    hardware="datacenter_gpu", monthly_tokens=20_000_000)


def chart_for(slots: Slots):  # type: ignore[no-untyped-def]
    return cost_chart(decide(slots, CK), slots, KB)


def test_the_chart_marks_the_persons_own_volume() -> None:
    chart = chart_for(FINE_TUNING)
    assert chart.volume == 20_000_000 and chart.volume_is_theirs
    assert "20M" in chart.volume_label
    assert chart.tokens[0] < chart.volume < chart.tokens[-1]


def test_without_a_volume_the_guides_reference_is_marked_and_says_so() -> None:
    slots = FINE_TUNING.model_copy(update={"monthly_tokens": None})
    chart = chart_for(slots)
    assert chart.volume == 1_000_000 and not chart.volume_is_theirs
    assert "not given" in chart.volume_label


def test_bands_are_the_guides_price_ranges_at_each_volume() -> None:
    chart = chart_for(FINE_TUNING)
    pe = next(b for b in chart.bands if b.series == "prompt_engineering")
    # The guide: $0.01-0.10 per 1K tokens, no fixed cost.
    for tokens, low, high in zip(chart.tokens, pe.low, pe.high, strict=True):
        assert low == pytest.approx(tokens / 1000 * 0.01)
        assert high == pytest.approx(tokens / 1000 * 0.10)
    at = {c.series: c for c in chart.at_volume}
    assert at["prompt_engineering"].text() == "$200-2,000"
    # Self-hosting adds GPU hours whatever the volume.
    self_hosted = at["fine_tuning_self_hosted"]
    assert self_hosted.low > 20_000 * 0.001


def test_the_recommended_band_follows_the_card_and_the_hardware() -> None:
    assert [c.series for c in chart_for(FINE_TUNING).at_volume if c.recommended] == [
        "fine_tuning_self_hosted"]
    no_gpus = FINE_TUNING.model_copy(update={"hardware": "api_only"})
    assert [c.series for c in chart_for(no_gpus).at_volume if c.recommended] == [
        "fine_tuning_hosted"]
    prompt = Slots(has_data="no", monthly_tokens=50_000)
    assert [c.series for c in chart_for(prompt).at_volume if c.recommended] == [
        "prompt_engineering"]


def test_scratch_is_drawn_only_where_relevant() -> None:
    assert "training_from_scratch" not in {b.series for b in chart_for(FINE_TUNING).bands}
    millions = Slots(has_data="yes", examples=2_000_000, budget="high",
                     priority="novel_architecture", timeline="quarter")
    assert decide(millions, CK).approach == "training_from_scratch"
    assert "training_from_scratch" in {b.series for b in chart_for(millions).bands}


def test_payback_is_where_the_saving_repays_training_within_the_horizon() -> None:
    crossing = payback_tokens(KB, "fine_tuning_self_hosted")
    assert crossing is not None
    # Check against the cost model itself: at the crossing, a year's saving at the middle of
    # the ranges pays for hosting and the training, and below it does not.
    pe_mid, ft_mid = (0.01 * 0.10) ** 0.5, (0.001 * 0.01) ** 0.5
    gpu, hours = KB.hardware.serving_usd_per_hour(), KB.hardware.hours_per_month
    hosting_mid = (gpu.low * hours * (gpu.high or gpu.low) * hours) ** 0.5
    training_mid = (10 * 1000) ** 0.5
    def net(tokens: float) -> float:
        return 12 * (tokens / 1000 * (pe_mid - ft_mid) - hosting_mid) - training_mid
    assert net(crossing * 1.01) > 0 > net(crossing * 0.99)
    hosted = payback_tokens(KB, "fine_tuning_hosted")
    assert hosted is not None and hosted < crossing  # no GPUs billed by the hour
    chart = chart_for(FINE_TUNING)
    assert chart.payback_label is not None and "12 months" in chart.payback_label


def test_the_alt_text_gives_every_band_at_the_volume() -> None:
    chart = chart_for(FINE_TUNING)
    for c in chart.at_volume:
        assert c.label in chart.alt and c.text() in chart.alt
    assert "20M" in chart.alt


def test_roadmap_picture_marks_the_start_and_every_exit() -> None:
    rec = decide(FINE_TUNING, CK)
    picture = roadmap_picture(rec, KB)
    assert [s.stage for s in picture.stages] == [s.stage for s in rec.roadmap]
    assert [s.stage for s in picture.stages if s.current] == [rec.start_stage]
    assert all(s.exit for s in picture.stages)
    assert picture.stages[-1].exit == KB.pictures.label("last_stage_exit")
    assert f"stage {rec.start_stage}" in picture.alt


def test_change_lines_read_strings_and_objects_alike() -> None:
    # what_would_change held sentences, and holds {slot, value, approach, method, text}
    # objects since decision rules v2: the pictures read either.
    texts = change_lines(decide(FINE_TUNING, CK))
    assert texts and all(isinstance(t, str) and t for t in texts)
    rec = decide(FINE_TUNING, CK)
    as_strings = rec.model_copy(update={"what_would_change": texts})
    as_objects = rec.model_copy(update={"what_would_change": [
        {"slot": "budget", "value": "low", "approach": "prompt_engineering", "method": None,
         "text": t} for t in texts]})
    assert change_lines(as_strings) == change_lines(as_objects) == texts


SECTIONS = ("record_context", "record_decision", "record_why", "record_alternatives",
            "record_roadmap", "record_costs", "record_data", "record_change", "record_assumed")


@pytest.mark.parametrize("slots", [
    FINE_TUNING,
    Slots(has_data="no"),
    Slots(),
    Slots(has_data="yes", examples=2_000_000, budget="high", priority="novel_architecture",
          timeline="quarter", monthly_tokens=5_000_000_000),
], ids=["fine-tuning", "no-data", "nothing-answered", "scratch"])
def test_the_decision_record_holds_every_section_in_order(slots: Slots) -> None:
    rec = decide(slots, CK)
    text = decision_record(rec, slots, KB)
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings == [KB.pictures.label(key) for key in SECTIONS]
    assert text.startswith("# ")
    # A checkbox for every roadmap step, and the start marked.
    assert text.count("- [ ] ") == sum(len(s.steps) for s in rec.roadmap)
    assert re.search(rf"^### .*{rec.start_stage}.*\(you start here\)$", text, flags=re.M)


def test_the_record_gives_the_answers_and_costs_at_the_persons_volume() -> None:
    text = decision_record(decide(FINE_TUNING, CK), FINE_TUNING, KB)
    for line in ("- Examples: 5,000", "- Monthly tokens: 20,000,000",
                 "- Hardware: Datacenter GPUs"):
        assert any(row.startswith(line) for row in text.splitlines()), line
    assert "(20M)" in text and "$200-2,000" in text


def test_the_record_shows_typed_markdown_as_written() -> None:
    rec = decide(FINE_TUNING, CK)
    rec = rec.model_copy(update={"what_would_change": ["**bold** [link](http://x) <b>"]})
    text = decision_record(rec, FINE_TUNING, KB)
    assert r"\*\*bold\*\* \[link\](http://x) \<b\>" in text

"""The terminal drawing of each reply kind, read back from a recording rich Console."""

from __future__ import annotations

from io import StringIO

from rich.console import Console

from bot.adapters.terminal.render import START_MARK, render_reply
from dialogs.recommendation import (
    Change,
    CostLine,
    DataNeeded,
    Reason,
    Recommendation,
    RoadmapStage,
)
from dialogs.replies import (
    Answer,
    Choice,
    ErrorReply,
    Notice,
    Question,
    RecommendationReply,
    Reply,
    Table,
)
from knowledge import default_knowledge

# The marker the terminal draws beside the stage to start at, worded by the knowledge.
START_MARKER = START_MARK + default_knowledge().surfaces.label("start_here_inline")


def draw(reply: Reply) -> str:
    console = Console(record=True, width=100, file=StringIO(), color_system=None)
    render_reply(console, reply)
    return console.export_text()


def card(start_stage: int = 2) -> Recommendation:
    return Recommendation(
        approach="fine_tuning", method="lora", hybrids=["rag"], start_stage=start_stage,
        roadmap=[
            RoadmapStage(stage=n, title=f"Stage title {n}", steps=[f"step {n}a", f"step {n}b"],
                         next=None if n == 4 else f"move on after {n}",
                         current=n == start_stage)
            for n in range(1, 5)
        ],
        reasons=[
            Reason(slot="priority", value="consistency", points_to="fine_tuning",
                   text="Consistency points to fine-tuning."),
            Reason(slot="budget", value="high", points_to=None,
                   text="A high budget casts no vote."),
        ],
        costs=CostLine(training="$10-1,000 (one-time)",
                       inference_per_1k_tokens="$0.001-0.01 per 1K tokens",
                       monthly_at_1m_tokens="$1-10 + hosting", best_for="Most business cases"),
        data_needed=DataNeeded(minimum="50-100 examples", better="500-1,000 examples",
                               best="5,000+ examples", you_have="about 5,000 examples"),
        title="Fine-tuning with LoRA", summary="Adapt a pre-trained model to your tickets.",
        method_reason="LoRA fits your GPUs.", hybrid_reasons=["Your facts change often: RAG."],
        what_would_change=[Change(slot="hardware", value="consumer_gpu", approach="fine_tuning",
                                  method="qlora", text="A consumer GPU would point to QLoRA.")],
    )


def test_recommendation_card_has_every_part() -> None:
    text = draw(RecommendationReply(recommendation=card()))
    for expected in ("Fine-tuning with LoRA", "Adapt a pre-trained model", "LoRA fits your GPUs.",
                     "Your facts change often: RAG.", "Consistency points to fine-tuning.",
                     "A high budget casts no vote.", "$10-1,000 (one-time)",
                     "$0.001-0.01 per 1K tokens", "$1-10 + hosting", "50-100 examples",
                     "5,000+ examples", "about 5,000 examples", "step 3b", "move on after 1",
                     "A consumer GPU would point to QLoRA.", "Why", "Roadmap",
                     "What would change it"):
        assert expected in text, expected


def test_start_marker_is_on_the_current_stage_only() -> None:
    for start in (1, 2, 4):
        lines = draw(RecommendationReply(recommendation=card(start))).splitlines()
        marked = [line for line in lines if START_MARKER in line]
        assert len(marked) == 1
        assert f"Stage {start}: Stage title {start}" in marked[0]


def test_roadmap_stages_are_drawn_in_order() -> None:
    text = draw(RecommendationReply(recommendation=card()))
    roadmap = text.index("Roadmap")  # the headline names the start stage too, above it
    positions = [text.index(f"Stage {n}: Stage title {n}", roadmap) for n in range(1, 5)]
    assert positions == sorted(positions)


def test_question_shows_numbered_choices_and_the_hint() -> None:
    question = Question(question_id="budget", text="What's your budget?",
                        hint="Say low, medium or high.", step=5, total_steps=8,
                        choices=[Choice(value="low", label="Low"),
                                 Choice(value="medium", label="Medium"),
                                 Choice(value="high", label="High")])
    text = draw(question)
    assert "What's your budget?" in text
    assert "1. Low  2. Medium  3. High" in text
    assert "Say low, medium or high." in text
    assert "(Question 5 of 8)" in text


def test_numeric_question_has_no_choice_list() -> None:
    text = draw(Question(question_id="examples", text="How many examples do you have?"))
    assert text.strip() == "How many examples do you have?"


def test_answer_draws_its_table_and_follow_ups() -> None:
    answer = Answer(topic="cost", text="Costs compared.",
                    table=Table(columns=["Approach", "Training"],
                                rows=[["Prompt engineering", "$0"],
                                      ["Fine-tuning", "$10-1,000"]]),
                    choices=[Choice(value="qlora", label="QLoRA"),
                             Choice(value="rag", label="RAG")])
    text = draw(answer)
    assert "Costs compared." in text
    for cell in ("Approach", "Training", "Prompt engineering", "$0", "$10-1,000"):
        assert cell in text
    assert "QLoRA" in text and "RAG" in text


def test_text_is_printed_as_written_not_as_markup() -> None:
    text = draw(Notice(text="[bold]not markup[/bold] [link=x]y[/link]"))
    assert "[bold]not markup[/bold] [link=x]y[/link]" in text
    assert "[red]" in draw(ErrorReply(text="[red] stays"))


def test_error_is_drawn_red() -> None:
    console = Console(record=True, width=100, file=StringIO(), force_terminal=True,
                      color_system="standard")
    render_reply(console, ErrorReply(text="Something went wrong."))
    styled = console.export_text(styles=True)
    assert "\x1b[1;31mSomething went wrong." in styled


def test_a_card_with_its_answers_ends_with_the_cost_text_chart() -> None:
    from dialogs.compiled import compile_knowledge
    from dialogs.engine import decide
    from dialogs.slots import Slots
    from knowledge import default_knowledge

    kb = default_knowledge()
    ck = compile_knowledge(kb)
    slots = Slots(has_data="yes", examples=5000, priority="consistency",
                  monthly_tokens=20_000_000)
    console = Console(record=True, width=100, file=StringIO(), color_system=None)
    render_reply(console, RecommendationReply(recommendation=decide(slots, ck), answers=slots),
                 kb)
    text = console.export_text()
    assert "Monthly cost at your volume (20M a month)" in text
    chart = text[text.index("Monthly cost at your volume"):]
    for name in ("Prompt engineering", "$200-2,000", "█", "pays back"):
        assert name in chart

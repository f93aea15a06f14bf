"""Whole conversations with the real dialog (dialogs.machine.step) through the runner, on both
stores: answered to the end, resumed by a second process's runner, double clicks."""

from __future__ import annotations

import asyncio

from bot.metrics import Metrics
from bot.runner import TurnRunner
from bot.store import StateStore
from bot.store.redis_store import RedisStore
from bot.turns import TurnResult
from dialogs.events import Event
from dialogs.replies import Question, RecommendationReply
from knowledge import default_knowledge

KEY = "cli:conversation-test"




def runner_for(store: StateStore) -> TurnRunner:
    return TurnRunner(store, default_knowledge(), metrics=Metrics())


def pending_question(result: TurnResult) -> Question:
    questions = [r for r in result.replies if isinstance(r, Question)]
    assert questions, f"expected a question, got {[r.kind for r in result.replies]}"
    return questions[-1]


def answer(question: Question, n: int) -> Event:
    """The first choice, as a button click carrying the card's version; a number for counts."""
    if question.choices:
        return Event.choice(KEY, question.question_id, question.choices[0].value,
                            state_version=question.state_version, event_id=f"e{n}")
    return Event.typed(KEY, "2,000", event_id=f"e{n}")


async def test_a_whole_conversation_ends_in_a_recommendation(store: StateStore) -> None:
    runner = runner_for(store)
    result = await runner.handle(Event.cmd(KEY, "start", event_id="e0"))
    asked: list[str] = []
    for n in range(1, 20):
        question = pending_question(result)
        asked.append(question.question_id)
        result = await runner.handle(answer(question, n))
        assert result.outcome == "ok"
        if any(isinstance(r, RecommendationReply) for r in result.replies):
            break
    card = next(r for r in result.replies if isinstance(r, RecommendationReply))
    assert asked[:3] == ["use_case", "has_data", "examples"]
    assert len(asked) == len(set(asked))  # nothing asked twice
    assert result.state is not None
    assert card.state_version == result.state.version == len(asked) + 1
    assert result.state.slots.examples == 2000
    assert card.recommendation.approach in ("prompt_engineering", "fine_tuning")
    assert result.state.phase == "advised" and len(result.state.history) == 1
    # After the card, "why?" is answered from the same stored conversation.
    why = await runner.handle(Event.cmd(KEY, "explain", event_id="w1"))
    assert why.outcome == "ok"
    assert any(card.recommendation.title in getattr(r, "text", "") for r in why.replies)
    if isinstance(store, RedisStore):
        usage = await store.memory_usage(KEY)
        assert usage is not None and usage < 2048


async def test_a_new_process_resumes_the_pending_question(redis_url: str) -> None:
    first_store = RedisStore(redis_url)
    runner = runner_for(first_store)
    result = await runner.handle(Event.cmd(KEY, "start", event_id="e0"))
    for n in range(1, 4):
        result = await runner.handle(answer(pending_question(result), n))
    waiting = pending_question(result)
    await first_store.close()

    second_store = RedisStore(redis_url)  # as a restarted `chat --session` would
    resumed = await runner_for(second_store).handle(Event.cmd(KEY, "start", event_id="r0"))
    question = pending_question(resumed)
    assert question.question_id == waiting.question_id
    assert resumed.state is not None and resumed.state.slots.examples == 2000
    await second_store.close()


async def test_two_clicks_on_one_button_apply_one_answer(store: StateStore) -> None:
    runner = runner_for(store)
    question = pending_question(await runner.handle(Event.cmd(KEY, "start", event_id="e0")))
    assert question.question_id == "use_case"
    clicks = [Event.choice(KEY, "use_case", value, state_version=question.state_version,
                           event_id=f"click-{value}")
              for value in ("customer_service", "code_generation")]
    first, second = await asyncio.gather(*(runner.handle(c) for c in clicks))
    assert (first.outcome, second.outcome) == ("ok", "ok")
    assert second.state is not None
    assert second.state.slots.use_case == "customer_service"  # the first click only
    assert second.state.pending == "has_data"

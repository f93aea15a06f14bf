"""The turn runner on both stores: versions, dedup, compare-and-set under races, unreadable
states, store faults. The dialog is a small counting step of ours, so these tests pin the
runner's own behaviour; whole conversations with the real dialog are further down."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
import redis.asyncio as aioredis

from bot.metrics import Metrics
from bot.runner import TurnRunner
from bot.store import MemoryStore, StateStore
from bot.store.base import Loaded, Saved
from bot.store.redis_store import RedisStore
from dialogs.events import Event
from dialogs.machine import StepResult
from dialogs.recommendation import CostLine, DataNeeded, Recommendation
from dialogs.replies import Answer, ErrorReply, Notice, Question, RecommendationReply
from dialogs.state import SCHEMA_VERSION, ConversationState
from knowledge import default_knowledge
from knowledge.models import Knowledge
from testsupport.ports import free_port

KEY = "slack:T1:U1"


@pytest.fixture
def kb() -> Knowledge:
    return default_knowledge()




def count_step(state: ConversationState, event: Event, kb: Knowledge) -> StepResult:
    """Counts turns in slots.examples and records each event's id in `asked`, in order."""
    new = state.model_copy(deep=True)
    new.slots.examples = (new.slots.examples or 0) + 1
    new.asked.append(event.event_id or "-")
    return StepResult(new, [Notice(text=f"turn {new.slots.examples}"),
                            Question(question_id="budget", text="Budget?")])


def turn(event_id: str, conversation: str = KEY) -> Event:
    return Event.typed(conversation, "hi", event_id=event_id)


def counter(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


async def stored_state(store: StateStore, key: str = KEY) -> ConversationState:
    loaded = await store.load(key)
    assert loaded.data is not None
    return ConversationState.model_validate_json(loaded.data)


async def test_a_turn_is_saved_and_its_cards_carry_the_new_version(
        store: StateStore, kb: Knowledge) -> None:
    metrics = Metrics()
    runner = TurnRunner(store, kb, step=count_step, metrics=metrics)
    first = await runner.handle(turn("e1"))
    assert first.outcome == "ok"
    assert first.state is not None and first.state.version == 1
    notice, question = first.replies
    assert isinstance(notice, Notice) and isinstance(question, Question)
    assert question.state_version == 1
    second = await runner.handle(turn("e2"))
    assert second.state is not None and second.state.version == 2
    assert second.replies[1].state_version == 2  # type: ignore[union-attr]
    assert (await stored_state(store)).slots.examples == 2
    assert counter(metrics, "turns_total", platform="slack", outcome="ok") == 2
    assert metrics.registry.get_sample_value("turn_seconds_count", {"platform": "slack"}) == 2


async def test_a_redelivered_event_is_applied_once(store: StateStore, kb: Knowledge) -> None:
    metrics = Metrics()
    runner = TurnRunner(store, kb, step=count_step, metrics=metrics)
    assert (await runner.handle(turn("e1"))).outcome == "ok"
    again = await runner.handle(turn("e1"))
    assert (again.outcome, again.replies, again.state) == ("duplicate", [], None)
    assert (await stored_state(store)).slots.examples == 1
    assert counter(metrics, "dedup_drops_total") == 1
    assert counter(metrics, "turns_total", platform="slack", outcome="duplicate") == 1


async def test_fifty_concurrent_turns_on_one_conversation_each_apply_once_in_order(
        store: StateStore, kb: Knowledge) -> None:
    runner = TurnRunner(store, kb, step=count_step, metrics=Metrics())
    ids = [f"e{i}" for i in range(50)]
    results = await asyncio.gather(*(runner.handle(turn(i)) for i in ids))
    assert [r.outcome for r in results] == ["ok"] * 50
    state = await stored_state(store)
    assert state.slots.examples == 50
    assert state.asked == ids  # in arrival order, none lost or doubled
    assert sorted(r.state.version for r in results if r.state) == list(range(1, 51))
    assert len(runner._locks) == 0  # per-conversation locks do not pile up


class SlowStore:
    """A store wrapper whose saves take a while, counting how many are under way at once."""

    def __init__(self, inner: StateStore) -> None:
        self.inner = inner
        self.active = self.peak = 0

    async def load(self, key: str, event_id: str | None = None) -> Loaded:
        return await self.inner.load(key, event_id)

    async def save(self, key: str, data: str, expected_version: int,
                   event_id: str | None = None, *, rate_limit: int = 0,
                   expected_token: str = "") -> Saved:
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            await asyncio.sleep(0.005)
            return await self.inner.save(key, data, expected_version, event_id,
                                         rate_limit=rate_limit, expected_token=expected_token)
        finally:
            self.active -= 1

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        return None


@pytest.mark.parametrize("limit", [1, 3])
async def test_turns_past_the_in_flight_limit_wait_and_all_apply_in_order(
        store: StateStore, kb: Knowledge, limit: int) -> None:
    slow = SlowStore(store)
    runner = TurnRunner(slow, kb, step=count_step, metrics=Metrics(), max_turns_in_flight=limit)
    # Several turns per conversation, interleaved.
    events = [turn(f"e{i}", conversation=f"slack:T1:U{i % 4}") for i in range(20)]
    results = await asyncio.wait_for(asyncio.gather(*(runner.handle(e) for e in events)), 10)
    assert [r.outcome for r in results] == ["ok"] * 20
    assert slow.peak == limit
    for person in range(4):
        state = await stored_state(store, f"slack:T1:U{person}")
        assert state.asked == [f"e{i}" for i in range(person, 20, 4)]


async def test_one_persons_burst_does_not_keep_anyone_else_waiting(
        store: StateStore, kb: Knowledge) -> None:
    slow = SlowStore(store)
    runner = TurnRunner(slow, kb, step=count_step, metrics=Metrics(), max_turns_in_flight=2)
    order: list[str] = []

    async def run(event: Event) -> None:
        await runner.handle(event)
        order.append(event.event_id or "")

    burst = [run(turn(f"a{i}", conversation="slack:T1:UA")) for i in range(10)]
    other = run(turn("b0", conversation="slack:T1:UB"))
    await asyncio.gather(*burst, other)
    # The burst queues behind its own conversation's lock without taking the slots, so the
    # other person's turn is done long before the burst is.
    assert order.index("b0") <= 2


async def test_a_turn_that_cannot_start_in_time_is_answered_busy_and_not_applied(
        kb: Knowledge) -> None:
    gate = asyncio.Event()

    class Stuck(MemoryStore):
        async def save(self, *args: object, **kw: object) -> Saved:
            await gate.wait()
            return await super().save(*args, **kw)  # type: ignore[arg-type]

    store = Stuck()
    metrics = Metrics()
    runner = TurnRunner(store, kb, step=count_step, metrics=metrics, max_turns_in_flight=1,
                        turn_queue_seconds=0.05)
    holding = asyncio.ensure_future(runner.handle(turn("e1", conversation="slack:T1:U1")))
    await asyncio.sleep(0.01)
    late = await runner.handle(turn("e2", conversation="slack:T1:U2"))
    assert late.outcome == "store_error"
    assert late.replies == [ErrorReply(text=kb.message("busy"))]
    assert counter(metrics, "store_errors_total") == 1
    gate.set()
    assert (await holding).outcome == "ok"
    assert (await store.load("slack:T1:U2")).data is None  # the busy turn changed nothing


async def test_two_replicas_racing_on_one_conversation_lose_nothing(
        store: StateStore, kb: Knowledge) -> None:
    metrics = Metrics()
    replicas = [TurnRunner(store, kb, step=count_step, metrics=metrics) for _ in range(2)]
    ids = [f"e{i}" for i in range(50)]
    # Every event goes to one replica; every fifth is also redelivered to the other one.
    deliveries = [replicas[n % 2].handle(turn(i)) for n, i in enumerate(ids)]
    deliveries += [replicas[(n + 1) % 2].handle(turn(i)) for n, i in enumerate(ids) if n % 5 == 0]
    results = await asyncio.gather(*deliveries)
    assert sum(r.outcome == "ok" for r in results) == 50
    assert sum(r.outcome == "duplicate" for r in results) == 10
    state = await stored_state(store)
    assert state.slots.examples == 50
    assert sorted(state.asked) == sorted(ids)


class Interloper:
    """A store wrapper that lets "another replica" write just before the runner's save."""

    def __init__(self, inner: StateStore, times: int) -> None:
        self.inner = inner
        self.times = times

    async def load(self, key: str, event_id: str | None = None) -> Loaded:
        return await self.inner.load(key, event_id)

    async def save(self, key: str, data: str, expected_version: int,
                   event_id: str | None = None, *, rate_limit: int = 0,
                   expected_token: str = "") -> Saved:
        if self.times > 0:
            self.times -= 1
            current = await self.inner.load(key)
            other = (ConversationState.model_validate_json(current.data) if current.data
                     else ConversationState())
            other.slots.budget = "high"
            await self.inner.save(key, other.dump(), current.version,
                                  expected_token=current.token)
        return await self.inner.save(key, data, expected_version, event_id,
                                     rate_limit=rate_limit, expected_token=expected_token)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        return None


async def test_a_conflict_steps_again_on_the_newer_state(
        store: StateStore, kb: Knowledge) -> None:
    metrics = Metrics()
    interloper = Interloper(store, times=0)
    runner = TurnRunner(interloper, kb, step=count_step, metrics=metrics)
    assert (await runner.handle(turn("e1"))).outcome == "ok"
    # Another replica answers between this process's turns, and again while it steps.
    interloper.times = 2
    result = await runner.handle(turn("e2"))
    assert result.outcome == "ok"
    state = await stored_state(store)
    # The other replica's answers survive and this turn was applied on top of them, once.
    assert (state.slots.budget, state.slots.examples, state.asked) == ("high", 2, ["e1", "e2"])
    assert result.state is not None and result.state.version == 4
    # The first conflict only says this process's copy was out of date; the second is a race.
    assert counter(metrics, "state_cache_misses_total") == 1
    assert counter(metrics, "cas_retries_total") == 1


async def test_a_conversation_this_process_never_saw_costs_one_more_try_not_a_retry(
        store: StateStore, kb: Knowledge) -> None:
    # Another replica (or this one before a restart) holds the conversation: this process
    # guesses it is new, and the compare-and-set hands back what is stored.
    first, second = (TurnRunner(store, kb, step=count_step, metrics=Metrics())
                     for _ in range(2))
    await first.handle(turn("e1"))
    result = await second.handle(turn("e2"))
    assert result.outcome == "ok" and result.state is not None
    assert (result.state.slots.examples, result.state.asked) == (2, ["e1", "e2"])
    assert counter(second.metrics, "state_cache_misses_total") == 1
    assert counter(second.metrics, "cas_retries_total") == 0
    # And the other way round, with a stale copy: the first process's is now one behind.
    result = await first.handle(turn("e3"))
    assert result.state is not None and result.state.asked == ["e1", "e2", "e3"]
    assert counter(first.metrics, "state_cache_misses_total") == 1
    assert counter(first.metrics, "cas_retries_total") == 0


async def test_the_state_a_turn_hands_out_is_never_changed_by_later_turns(
        store: StateStore, kb: Knowledge) -> None:
    # The runner keeps that object for its next turn on the conversation (no parse of the
    # JSON it just wrote), so the real dialog's step must work on a copy of it, on every
    # path: answers, a skip, the card, a what-if and keeping it, a changed answer, restart.
    runner = TurnRunner(store, kb, metrics=Metrics())
    texts = ["customer service", "yes", "about 2,000 examples", "not sure", "medium budget",
             "common task", "high accuracy", "a few months", "rarely", "consumer gpu",
             "1 million tokens a month", "no", "just tell me",  # the card, whatever is left
             "what if the budget was high?", "keep that",
             "budget low", "restart", "customer service"]
    handed: list[tuple[ConversationState, str]] = []
    first = await runner.handle(Event.cmd(KEY, "start", event_id="e0"))
    assert first.state is not None
    handed.append((first.state, first.state.model_dump_json()))
    for n, text in enumerate(texts, 1):
        result = await runner.handle(Event.typed(KEY, text, event_id=f"e{n}"))
        assert result.outcome == "ok" and result.state is not None
        handed.append((result.state, result.state.model_dump_json()))
    assert all(state.model_dump_json() == dumped for state, dumped in handed)
    # The paths that replace lists and dicts were all taken.
    assert any(state.asked for state, _ in handed)
    assert any(state.history for state, _ in handed)
    assert any(state.whatif for state, _ in handed)
    assert handed[-1][0].phase == "asking" and handed[-2][0].slots.use_case is None
    assert (await stored_state(store)).slots == handed[-1][0].slots


async def test_endless_conflicts_end_in_a_friendly_error(
        store: StateStore, kb: Knowledge) -> None:
    metrics = Metrics()
    runner = TurnRunner(Interloper(store, times=100), kb, step=count_step, max_attempts=3,
                        metrics=metrics)
    result = await runner.handle(turn("e1"))
    assert result.outcome == "store_error"
    assert result.replies == [ErrorReply(text=kb.message("store_down"))]
    assert counter(metrics, "cas_retries_total") == 3
    assert counter(metrics, "store_errors_total") == 1
    assert (await stored_state(store)).slots.examples is None  # this turn was not applied


@pytest.mark.parametrize("stored", [
    '{"slots": {"use_case": "customer_service", "budget": "private-budget-answer"',
    '{"schema_version": 0, "slots": {"budget": "low"}, "private": "old-layout-answer"}',
    "\x00\x01 not json at all",
])
async def test_an_unreadable_state_starts_again_with_a_notice(
        store: StateStore, kb: Knowledge, stored: str, caplog: pytest.LogCaptureFixture) -> None:
    await store.save(KEY, stored, expected_version=0)
    runner = TurnRunner(store, kb, step=count_step, metrics=Metrics())
    with caplog.at_level(logging.DEBUG):
        result = await runner.handle(turn("e1"))
    assert result.outcome == "ok"
    assert result.replies[0] == Notice(text=kb.message("start_again"))
    assert isinstance(result.replies[1], Notice)  # then the step's own replies
    state = await stored_state(store)
    assert (state.slots.examples, state.slots.budget, state.version) == (1, None, 0)
    assert result.state is not None and result.state.version == 2
    # Logged as a warning, without the stored answers and without a traceback.
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    logged = " ".join(str(vars(r)) for r in caplog.records)
    for private in ("private-budget-answer", "old-layout-answer", "customer_service"):
        assert private not in logged
    assert not any(r.exc_info for r in caplog.records)


async def test_a_state_from_a_newer_release_is_left_untouched(
        store: StateStore, kb: Knowledge) -> None:
    # During a rolling deploy an older replica must not wipe what a newer one saved.
    newer = json.dumps({"schema_version": SCHEMA_VERSION + 1, "slots": {"budget": "low"}})
    await store.save(KEY, newer, expected_version=0)
    result = await TurnRunner(store, kb, step=count_step, metrics=Metrics()).handle(turn("e1"))
    assert result.outcome == "store_error"
    assert result.replies == [ErrorReply(text=kb.message("store_down"))]
    loaded = await store.load(KEY)
    assert (loaded.data, loaded.version) == (newer, 1)


async def test_non_utf8_bytes_in_redis_start_again(redis_url: str, kb: Knowledge) -> None:
    store = RedisStore(redis_url)
    raw = aioredis.from_url(redis_url)
    await raw.hset(store.state_key(KEY), mapping={"v": 4, "s": b"\xff\xfe{\x80"})
    await raw.aclose()
    result = await TurnRunner(store, kb, step=count_step, metrics=Metrics()).handle(turn("e1"))
    assert result.outcome == "ok"
    assert result.replies[0] == Notice(text=kb.message("start_again"))
    assert result.state is not None and result.state.version == 5
    await store.close()


async def test_unreachable_redis_gives_a_friendly_store_error(
        kb: Knowledge, caplog: pytest.LogCaptureFixture) -> None:
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", timeout_seconds=0.5)
    metrics = Metrics()
    runner = TurnRunner(store, kb, step=count_step, metrics=metrics)
    event = Event.typed("teams:tenant:aad", "my secret project text", event_id="e1")
    result = await runner.handle(event)
    await store.close()
    assert (result.outcome, result.state) == ("store_error", None)
    assert result.replies == [ErrorReply(text=kb.message("store_down"))]
    assert counter(metrics, "store_errors_total") == 1
    assert counter(metrics, "turns_total", platform="teams", outcome="store_error") == 1
    assert "my secret project text" not in " ".join(str(vars(r)) for r in caplog.records)


async def test_a_failing_step_gives_a_friendly_error_and_saves_nothing(
        store: StateStore, kb: Knowledge, caplog: pytest.LogCaptureFixture) -> None:
    def broken(state: ConversationState, event: Event, kb: Knowledge) -> StepResult:
        raise ValueError(f"bad input {event.text}")

    result = await TurnRunner(store, kb, step=broken, metrics=Metrics()).handle(
        Event.typed(KEY, "private words", event_id="e1"))
    assert result.outcome == "error"
    assert len(result.replies) == 1 and isinstance(result.replies[0], ErrorReply)
    assert "Traceback" not in result.replies[0].text
    assert (await store.load(KEY, "e1")) == Loaded(data=None, version=0, duplicate=False)
    assert "private words" not in " ".join(str(vars(r)) for r in caplog.records)


async def test_a_fault_outside_the_step_is_answered_not_raised(
        kb: Knowledge, caplog: pytest.LogCaptureFixture) -> None:
    # A bug in the runner's own path (here: the store raising what no store should) still gets
    # the friendly reply and an "error" outcome: no adapter has to guard the call.
    class Buggy(MemoryStore):
        async def save(self, key: str, *args: object, **kwargs: object) -> Saved:
            raise RuntimeError(key)  # the frames show this line, never the value

    metrics = Metrics()
    with caplog.at_level(logging.INFO):
        result = await TurnRunner(Buggy(), kb, step=count_step, metrics=metrics).handle(
            Event.typed(KEY, "private words", event_id="e1"))
    # Neither the exception's text (the conversation key) nor the person's text is logged.
    assert (result.outcome, result.state) == ("error", None)
    assert result.replies == [ErrorReply(text=kb.message("internal_error"))]
    assert counter(metrics, "turns_total", platform="slack", outcome="error") == 1
    assert counter(metrics, "store_errors_total") == 0
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert vars(record)["error"] == "RuntimeError" and "test_runner.py" in vars(record)["trace"]
    logged = " ".join(str(vars(r)) for r in caplog.records)
    assert "private words" not in logged and KEY not in logged


def _recommendation() -> Recommendation:
    return Recommendation(
        approach="fine_tuning", method="lora", start_stage=2, roadmap=[], reasons=[],
        costs=CostLine(training="t", inference_per_1k_tokens="i", monthly_at_1m_tokens="m",
                       best_for="b"),
        data_needed=DataNeeded(minimum="a", better="b", best="c", you_have="d"),
        title="Fine-tuning with LoRA", summary="s")


async def test_metrics_count_recommendations_and_followups(kb: Knowledge) -> None:
    def advising(state: ConversationState, event: Event, kb: Knowledge) -> StepResult:
        return StepResult(state.model_copy(),
                          [RecommendationReply(recommendation=_recommendation()),
                           Answer(topic="qlora", text="..."), Answer(topic="cost", text="...")])

    metrics = Metrics()
    runner = TurnRunner(MemoryStore(), kb, step=advising, metrics=metrics)
    result = await runner.handle(Event.typed("web:abc", "go", event_id="e1"))
    assert isinstance(result.replies[0], RecommendationReply)
    assert result.replies[0].state_version == 1
    assert counter(metrics, "recommendations_total", approach="fine_tuning") == 1
    assert counter(metrics, "followups_total", topic="qlora") == 1
    assert counter(metrics, "followups_total", topic="cost") == 1
    assert counter(metrics, "turns_total", platform="web", outcome="ok") == 1
    await runner.handle(Event.typed("weird-platform", "go"))
    assert counter(metrics, "turns_total", platform="other", outcome="ok") == 1

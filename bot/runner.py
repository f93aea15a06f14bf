"""The turn runner: step -> compare-and-set save (dedup and rate limit in the same round trip),
for every surface.

Adapters hand it a neutral Event (through the port, bot.turns.TurnHandler) and render the
replies it returns. It never raises for a fault, in the store, the step or here: the person
gets a friendly error and the adapter still answers its platform.

Turns on one conversation are serialized within this process (a lock per conversation key),
which keeps their order and makes version conflicts rare; compare-and-set on the stored
version still guards against other replicas, with a bounded, jittered retry.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import random
import re
import time
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from bot.in_flight import InFlightLimit
from bot.logging_setup import log_failure
from bot.metrics import Metrics, default_metrics, platform_of
from bot.rate_limit import WINDOW_SECONDS
from bot.state_cache import StateCache
from bot.store.base import Loaded, StateStore, StoreBusy, StoreUnavailable
from bot.turns import TurnResult
from dialogs import machine
from dialogs.compiled import CompiledKnowledge, compile_knowledge
from dialogs.events import Event
from dialogs.machine import StepResult
from dialogs.replies import ErrorReply, Notice, Question, RecommendationReply, Reply
from dialogs.state import SCHEMA_VERSION, ConversationState, Slots
from knowledge.models import Knowledge

log = logging.getLogger(__name__)

StepFn = Callable[[ConversationState, Event, CompiledKnowledge], StepResult]

_BACKOFF_BASE_SECONDS = 0.002
_BACKOFF_CAP_SECONDS = 0.1
# Turns stepped at once in this process; more wait, using no CPU, so that in a burst the acks
# (Slack's within 3 s) pass between a few running turns instead of queueing behind all of them.
# It also caps a Redis batch. Why 32: benchmarks/RESULTS.md, "Turns in flight".
MAX_TURNS_IN_FLIGHT = 32
# A turn that cannot start within this long is answered "busy" and not applied: an overloaded
# process says so instead of building an endless queue.
TURN_QUEUE_SECONDS = 10.0


_NO_ANSWERS = Slots()


def _unanswered(state: ConversationState) -> bool:
    """Nothing answered yet: at most the first question asked."""
    return state.slots == _NO_ANSWERS and not state.history and state.phase != "advised"


def conversation_ref(conversation: str, key: bytes | None = None) -> str:
    """A short digest that names a conversation in logs without its platform ids; keyed (HMAC)
    when a key is given, so that a list of user ids does not tell whose line is whose."""
    data = conversation.encode("utf-8")
    if key:
        return hmac.new(key, data, hashlib.sha256).hexdigest()[:12]
    return hashlib.sha1(data).hexdigest()[:12]


# dump() leaves schema_version out while it is the default, so only a newer one appears.
_NEWER_SCHEMA = re.compile(r'"schema_version":\s*(\d{1,6})')


class _Contended(Exception):
    """Every attempt lost its compare-and-set to another writer."""


class _NewerState(Exception):
    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


class _ConversationLocks:
    """One asyncio.Lock per conversation key, dropped when nobody holds or awaits it.

    acquire/release rather than a context manager: this is on every turn, and a generator-
    based async context manager costs more than the lock itself when nobody is waiting."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    async def acquire(self, key: str) -> None:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            await lock.acquire()
        except BaseException:  # cancelled while waiting: no longer a user
            self._leave(key)
            raise

    def release(self, key: str) -> None:
        self._locks[key][0].release()
        self._leave(key)

    def _leave(self, key: str) -> None:
        lock, users = self._locks[key]
        if users <= 1:
            del self._locks[key]
        else:
            self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class TurnRunner:
    """The runner port (bot.turns.TurnHandler) on a state store: one event at a time per
    conversation, saved by compare-and-set."""

    def __init__(self, store: StateStore, kb: Knowledge, *, step: StepFn | None = None,
                 max_attempts: int = 8, metrics: Metrics | None = None,
                 rate_limit_per_minute: int = 0,
                 max_turns_in_flight: int = MAX_TURNS_IN_FLIGHT,
                 turn_queue_seconds: float = TURN_QUEUE_SECONDS,
                 new_conversation_ttl_seconds: int | None = None,
                 log_key: str | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.kb = kb
        # Compiled once: its tables and caches serve every conversation this runner steps.
        self.compiled = compile_knowledge(kb)
        self._step: StepFn = step if step is not None else machine.step
        self._max_attempts = max(1, max_attempts)
        self.metrics = metrics if metrics is not None else default_metrics()
        self._locks = _ConversationLocks()
        self._in_flight = InFlightLimit(max_turns_in_flight, turn_queue_seconds)
        self._queue_seconds = turn_queue_seconds
        # 0: no limit. Counted by the store in the save's own round trip (in Redis every
        # replica shares the count).
        self._rate_limit = max(0, rate_limit_per_minute)
        # Who is over the limit, until when (on `clock`): their window's end as the store said.
        self._clock = clock
        self._limited_until: dict[str, float] = {}
        self._next_sweep = 0.0
        self._cache = StateCache()
        # A conversation that has not got past its first question is kept this long (None: as
        # long as any other), so one-off visitors do not fill the store for weeks.
        self._new_ttl = new_conversation_ttl_seconds
        key = log_key.encode("utf-8") if log_key else None
        self._ref: Callable[[str], str] = lambda conversation: conversation_ref(conversation, key)

    async def handle(self, event: Event) -> TurnResult:
        started = time.perf_counter()
        # The conversation's lock before a slot: turns queued behind one person's lock hold no
        # slot, so one person's burst never keeps anyone else waiting. (No deadlock either way
        # round: a turn holding a slot waits for nothing but the store.)
        await self._locks.acquire(event.conversation)
        try:
            if await self._in_flight.acquire():
                try:
                    result = await self._run(event)
                finally:
                    self._in_flight.release()
            else:
                result = self._overloaded(event)
        finally:
            self._locks.release(event.conversation)
        self.metrics.record_turn(event.conversation, result.outcome,
                                 time.perf_counter() - started, result.replies)
        return result

    async def _run(self, event: Event) -> TurnResult:
        """The turn, once it holds its conversation's lock and a slot: refused at once when the
        person is over the limit or the store is known down; else applied, and a failure turned
        into its result."""
        key = event.conversation
        if self._still_limited(key):
            # Already over the limit in this window: refused without a step, so a flood costs
            # a lookup per turn. A redelivery of an event already applied is still dropped
            # silently, as the save would have (a read of the seen marker, no step).
            if event.event_id is not None and await self._already_applied(key, event.event_id):
                return self._duplicate(event)
            return self._rate_limited(event)
        if getattr(self.store, "refusing", False):
            # The store's circuit breaker is open (it said so in the log once): answer at once,
            # without stepping a turn that could not be saved.
            self.metrics.store_errors.inc()
            return self._store_error()
        try:
            return await self._apply(event)
        except Exception as error:
            return self._failed(event, error)

    async def _apply(self, event: Event) -> TurnResult:
        """Attempts until one is saved (or found a duplicate, rate limited, erased); raises when
        the store fails, or the conversation stays contended (_Contended), or the step fails.

        The first attempt goes straight to the compare-and-set on what this process last saved
        (or a new conversation): one store round trip. A wrong guess comes back as a conflict
        that carries the stored state, and the turn is stepped again on that at once; a
        conflict after that is a race with another replica, retried a bounded number of times
        after a short, growing, jittered pause so racers spread out instead of colliding."""
        key = event.conversation
        loaded = self._cache.guess(key)
        # What that JSON parses to, kept from the last turn here: no parse on the first try.
        known = self._cache.state(key)
        rate_limit = self._rate_limit
        first_try = True
        conflicts = 0
        while True:
            attempt = await self._attempt(event, loaded, known, rate_limit)
            if isinstance(attempt, TurnResult):
                return attempt
            loaded, known = attempt, None
            rate_limit = 0  # a second try is the same turn: it was counted once
            if first_try:
                # Not a race: this process's copy was missing or out of date (another
                # replica, a restart).
                first_try = False
                self.metrics.state_cache_misses.inc()
                continue
            conflicts += 1
            self.metrics.cas_retries.inc()
            if conflicts >= self._max_attempts:
                raise _Contended
            await asyncio.sleep(random.uniform(
                0, min(_BACKOFF_CAP_SECONDS, _BACKOFF_BASE_SECONDS * 2 ** (conflicts - 1))))

    async def _attempt(self, event: Event, loaded: Loaded, known: ConversationState | None,
                       rate_limit: int) -> TurnResult | Loaded:
        """One attempt: the state (`known`, else read from `loaded`), one step, one
        compare-and-set save. The turn's result when it is done; what the store holds when the
        save lost the compare-and-set."""
        key = event.conversation
        notices: list[Reply]
        if known is not None:
            state, notices = known, []
        else:
            state, notices = self._read_state(loaded, event)
        stepped = self._step(state, event, self.compiled)
        if stepped.erase:
            return await self._erase(key, stepped)
        data = stepped.state.dump()
        ttl = ({"ttl_seconds": self._new_ttl}
               if self._new_ttl is not None and _unanswered(stepped.state) else {})
        saved = await self.store.save(key, data, loaded.version, event.event_id,
                                      rate_limit=rate_limit, expected_token=loaded.token,
                                      **ttl)
        if saved.outcome == "ok":
            result = self._applied(stepped, notices, saved.version)
            self._cache.put(key, saved.version, saved.token, data, stepped.state)
            return result
        if saved.outcome == "duplicate":
            return self._duplicate(event)
        if saved.outcome == "rate_limited":
            self._limit(key, saved.wait_seconds)
            return self._rate_limited(event)
        return Loaded(data=saved.current, version=saved.version, duplicate=False,
                      token=saved.token)

    def _failed(self, event: Event, error: Exception) -> TurnResult:
        """The result of a turn that raised, with its log line and metric: a store fault is
        "try again" (the turn was not applied; the next one finds out what the store holds), a
        fault in the step or here is the friendly internal error, never a traceback."""
        key = event.conversation
        where: dict[str, Any] = {"platform": platform_of(key), "conversation": self._ref(key)}
        if isinstance(error, _NewerState):
            self._cache.drop(key)
            log.warning("conversation written by a newer release; left untouched",
                        extra={"schema_version": error.version, **where})
            return self._store_error()
        if isinstance(error, StoreBusy):
            log_failure(log, "turn not applied: too many store operations in flight "
                        "(overloaded)", error, expected=True, metric=self.metrics.store_errors,
                        **where)
            return self._store_error("busy")
        if isinstance(error, StoreUnavailable):
            # The write may or may not have happened: the next turn finds out from the store.
            self._cache.drop(key)
            # Its text is ours: what kind of failure, never what was sent.
            log_failure(log, "state store unavailable; turn not applied", error, expected=True,
                        metric=self.metrics.store_errors, reason=str(error), **where)
            return self._store_error()
        if isinstance(error, _Contended):
            self._cache.drop(key)
            log_failure(log, "turn not applied: the conversation stayed contended", error,
                        expected=True, metric=self.metrics.store_errors,
                        attempts=self._max_attempts, **where)
            return self._store_error()
        # A bug in the dialog or here. The turns metric counts it (outcome "error").
        log_failure(log, "turn failed; not applied", error, **where)
        return TurnResult(replies=[ErrorReply(text=self.kb.message("internal_error"))],
                          outcome="error", state=None)

    async def _erase(self, key: str, stepped: StepResult) -> TurnResult:
        """"Delete my data", confirmed: everything the store and this process keep about the
        conversation goes (a store error reaches the caller's handler: nothing is claimed)."""
        removed = await self.store.erase(key)
        self._cache.drop(key)
        self._limited_until.pop(key, None)
        log.info("conversation erased at the person's request",
                 extra={"platform": platform_of(key), "records": removed,
                        "conversation": self._ref(key)})
        return TurnResult(replies=list(stepped.replies), outcome="ok", state=None)

    def _read_state(self, loaded: Loaded, event: Event) -> tuple[ConversationState, list[Reply]]:
        """The stored state, or a fresh one with a "let's start again" notice when the stored
        one is unreadable (corrupt, or written by another schema version)."""
        if loaded.data is None:
            return ConversationState(version=loaded.version), []
        problem: str | None = None
        newer = _NEWER_SCHEMA.search(loaded.data)
        if newer is not None and int(newer.group(1)) > SCHEMA_VERSION:
            # Written by a newer release (a rolling deploy): never overwrite it from here.
            raise _NewerState(int(newer.group(1)))
        try:
            state = ConversationState.model_validate_json(loaded.data)
        except ValidationError:
            problem = "unreadable"
        else:
            if state.schema_version != SCHEMA_VERSION:
                problem = f"schema version {state.schema_version}"
        if problem is None:
            state.version = loaded.version
            return state, []
        # Only what kind of problem: the stored content is a person's answers, never logged.
        log.warning("stored conversation state dropped; starting again",
                    extra={"problem": problem, "platform": platform_of(event.conversation),
                           "conversation": self._ref(event.conversation)})
        # Keep the stored version: the save that replaces the bad state is still a
        # compare-and-set against what is there.
        return (ConversationState(version=loaded.version),
                [Notice(text=self.kb.message("start_again"))])

    def _applied(self, stepped: StepResult, notices: list[Reply], version: int) -> TurnResult:
        state = stepped.state
        state.version = version
        for reply in stepped.replies:
            if isinstance(reply, Question | RecommendationReply):
                # Buttons carry the version of the state their card was drawn from. Set in
                # place: this turn's step made these replies and nothing else holds them.
                reply.state_version = version
        replies: list[Reply] = [*notices, *stepped.replies]
        return TurnResult(replies=replies, outcome="ok", state=state)

    def _overloaded(self, event: Event) -> TurnResult:
        self.metrics.store_errors.inc()
        log.warning("turn not applied: it waited too long to start (overloaded)",
                    extra={"platform": platform_of(event.conversation),
                           "waited_seconds": self._queue_seconds,
                           "conversation": self._ref(event.conversation)})
        return self._store_error("busy")

    def _duplicate(self, event: Event) -> TurnResult:
        self.metrics.dedup_drops.inc()
        log.info("duplicate event dropped",
                 extra={"platform": platform_of(event.conversation),
                        "conversation": self._ref(event.conversation)})
        return TurnResult(replies=[], outcome="duplicate", state=None)

    def _limit(self, key: str, seconds: float) -> None:
        now = self._clock()
        if now >= self._next_sweep:  # forget windows that are over, once a window
            self._limited_until = {k: t for k, t in self._limited_until.items() if t > now}
            self._next_sweep = now + WINDOW_SECONDS
        self._limited_until[key] = now + seconds

    async def _already_applied(self, key: str, event_id: str) -> bool:
        try:
            return (await self.store.load(key, event_id)).duplicate
        except StoreUnavailable:  # then the limit answers, as it would have anyway
            return False

    def _still_limited(self, key: str) -> bool:
        until = self._limited_until.get(key)
        return until is not None and self._clock() < until

    def _rate_limited(self, event: Event) -> TurnResult:
        log.info("turn refused: over the rate limit",
                 extra={"platform": platform_of(event.conversation),
                        "limit_per_minute": self._rate_limit,
                        "conversation": self._ref(event.conversation)})
        return TurnResult(replies=[ErrorReply(text=self.kb.message("rate_limited"))],
                          outcome="rate_limited", state=None)

    def _store_error(self, message: str = "store_down") -> TurnResult:
        return TurnResult(replies=[ErrorReply(text=self.kb.message(message))],
                          outcome="store_error", state=None)

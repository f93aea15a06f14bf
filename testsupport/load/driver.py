"""The people of a load run: each conversation sent turn by turn over Slack or Teams HTTP,
its reply awaited in the stand-ins, timed and counted; after a store error, carried on from
where the bot is, as a person would."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.store.redis_store import RedisStore
from dialogs.state import ConversationState
from testsupport import slack_requests as req
from testsupport.blockkit import question_id
from testsupport.load.scripts import (
    TENANT,
    TURNS,
    Script,
    ScriptTurn,
    applied_turns,
    make_script,
    typed_choice,
)
from testsupport.load.serve import SIGNING_SECRET, ServeProcess
from testsupport.load.standins import (
    LoadConnector,
    LoadSlackApi,
    Seen,
    is_store_down,
    teams_question,
)
from testsupport.teams_standin import BOT, card_texts, choice_actions


@dataclass
class Stats:
    slack_acks: list[float] = field(default_factory=list)      # seconds, request to ack
    # The same, without each conversation's first turn: with no think time all 500 first
    # turns arrive in the same instant, and the last of that burst waits for all before it.
    slack_acks_after_first: list[float] = field(default_factory=list)
    teams_requests: list[float] = field(default_factory=list)  # request to response (turn done)
    turn_seconds: list[float] = field(default_factory=list)    # sent to reply seen
    statuses: dict[int, int] = field(default_factory=dict)
    applied: int = 0                                           # turns answered as expected
    friendly_errors: int = 0                                   # store-down replies
    overload_errors: int = 0                                   # ... with no fault on
    fault_friendly: int = 0                                    # probe turns so answered
    fault_replies: list[float] = field(default_factory=list)   # probe turns during the fault
    fault_statuses: dict[int, int] = field(default_factory=dict)
    readyz_during_fault: list[int] = field(default_factory=list)
    readyz_after: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)          # anything that broke a script
    prefix_checks: int = 0                                     # states checked mid-run

    def status(self, code: int, *, probe: bool = False) -> None:
        table = self.fault_statuses if probe else self.statuses
        table[code] = table.get(code, 0) + 1


class TurnFailed(Exception):
    """The bot answered the turn with its friendly error (the store was unavailable)."""

    def __init__(self, sent: float) -> None:
        super().__init__("store-down reply")
        self.sent = sent  # time.perf_counter() when the turn went out


@dataclass
class LoadRun:
    """Everything a conversation needs while it runs, and what it counts."""

    http: aiohttp.ClientSession
    slack: LoadSlackApi
    connector: LoadConnector
    servers: list[ServeProcess]
    store: RedisStore
    duplicates: bool = False
    think: float = 0.0  # a person's mean pause between turns (reading the question), seconds
    stats: Stats = field(default_factory=Stats)
    turns_done: int = 0
    progress: asyncio.Event = field(default_factory=asyncio.Event)
    fault_on: bool = False
    recovered: asyncio.Event = field(default_factory=asyncio.Event)
    fault_ended: float = 0.0  # time.perf_counter() when the last fault's recovery was seen
    _event_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.recovered.set()

    def target(self, script: Script, turn: int) -> str:
        """Turns of one conversation spread across the replicas."""
        return self.servers[(script.index + turn) % len(self.servers)].base

    # --- one turn, per platform ---

    async def slack_turn(self, script: Script, turn: ScriptTurn, n: int, expect: str,
                         question: Seen | None, *, probe: bool = False) -> Seen:
        channel = script.channel
        mark = self.slack.mark(channel)
        if turn.click:
            assert question is not None and question.ts is not None
            message = {**question.message, "ts": question.ts}
            suffix = f"|{turn.slot}|{turn.value}"
            (button,) = [e for b in message["blocks"] if b["type"] == "actions"
                         for e in b["elements"] if str(e.get("value", "")).endswith(suffix)]
            body = req.block_actions_body(message, channel, button, user=script.user,
                                          response_url=self.slack.response_url(script.user))
            content_type = "application/x-www-form-urlencoded"
            retry_headers: dict[str, str] = {}
        else:
            event = req.dm_event(turn.text or "", user=script.user)
            body = req.event_body(event, event_id=f"EvL{next(self._event_ids):09d}")
            content_type = "application/json"
            retry_headers = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        sent = time.perf_counter()

        async def deliver(target: str, extra: dict[str, str]) -> None:
            headers = {"Content-Type": content_type, **req.sign(SIGNING_SECRET, body), **extra}
            started = time.perf_counter()
            async with self.http.post(target + "/slack/events", data=body.encode(),
                                      headers=headers) as response:
                await response.read()
                if not probe:
                    self.stats.slack_acks.append(time.perf_counter() - started)
                    if n > 0:
                        self.stats.slack_acks_after_first.append(time.perf_counter() - started)
                self.stats.status(response.status, probe=probe)

        deliveries = [deliver(self.target(script, n), {})]
        if self.duplicates:
            # Slack's retry of the same delivery (same event_id, or the same click payload),
            # sent at once and to the other replica when there is one.
            deliveries.append(deliver(self.target(script, n + 1), retry_headers))
        await asyncio.gather(*deliveries)
        seen = await self.slack.shown_after(
            channel, mark, lambda m: question_id(m) == expect or is_store_down(m))
        elapsed = time.perf_counter() - sent
        if probe:
            self.stats.fault_replies.append(elapsed)
        if is_store_down(seen.message):
            raise TurnFailed(sent)
        self.stats.turn_seconds.append(elapsed)
        return seen

    async def teams_turn(self, script: Script, turn: ScriptTurn, n: int, expect: str,
                         question: Seen | None, *, probe: bool = False) -> Seen:
        activity: dict[str, Any] = {
            "type": "message", "id": f"load-act-{next(self._event_ids)}",
            "timestamp": "2026-11-27T10:00:00.000Z", "serviceUrl": self.connector.url,
            "channelId": "msteams",
            "from": {"id": script.user, "name": "Load", "aadObjectId": script.aad},
            "conversation": {"id": script.conversation_id, "conversationType": "personal",
                             "tenantId": TENANT},
            "recipient": dict(BOT), "channelData": {"tenant": {"id": TENANT}},
        }
        if turn.click:
            assert question is not None
            (action,) = [a for a in choice_actions(question.message)
                         if a["data"]["question_id"] == turn.slot
                         and a["data"]["value"] == turn.value]
            activity.update(value=action["data"], replyToId=question.ts)
        else:
            activity.update(text=turn.text, textFormat="plain")
        body = json.dumps(activity)
        mark = len(self.connector.cards.get(script.conversation_id, []))
        sent = time.perf_counter()

        async def deliver(target: str) -> None:
            started = time.perf_counter()
            async with self.http.post(target + "/api/messages", data=body,
                                      headers={"Content-Type": "application/json"}) as response:
                await response.read()
                if not probe:
                    self.stats.teams_requests.append(time.perf_counter() - started)
                self.stats.status(response.status, probe=probe)

        deliveries = [deliver(self.target(script, n))]
        if self.duplicates:  # the channel redelivers the same activity id
            deliveries.append(deliver(self.target(script, n + 1)))
        await asyncio.gather(*deliveries)
        elapsed = time.perf_counter() - sent
        if probe:
            self.stats.fault_replies.append(elapsed)
        cards = self.connector.cards.get(script.conversation_id, [])[mark:]
        if any(is_store_down(card) for _, card in cards):
            raise TurnFailed(sent)
        for resource_id, card in reversed(cards):
            if teams_question(card) == expect:
                self.stats.turn_seconds.append(elapsed)
                return Seen(0, resource_id, card)
        raise AssertionError(f"no question {expect!r} after turn {n + 1}: "
                             f"{[card_texts(c)[:3] for _, c in cards]}")

    async def turn(self, script: Script, n: int, question: Seen | None, *,
                   typed: bool = False) -> Seen:
        turn = script.turns[n]
        if typed and turn.click:  # after a fault the old card may be stale: type the answer
            turn = typed_choice(str(turn.slot), str(turn.value), n)
        run = self.slack_turn if script.platform == "slack" else self.teams_turn
        return await run(script, turn, n, script.pending[n], question)

    # --- a whole conversation ---

    async def stored(self, script: Script) -> ConversationState | None:
        loaded = await self.store.load(script.key)
        if loaded.data is None:
            return None
        state = ConversationState.model_validate_json(loaded.data)
        state.version = loaded.version
        return state

    async def pause(self) -> None:
        if self.think > 0:
            await asyncio.sleep(random.uniform(0.5 * self.think, 1.5 * self.think))

    async def conversation(self, script: Script) -> None:
        n, question, typed = 0, None, False
        if self.think > 0:  # people arrive spread over one pause, not all in the same instant
            await asyncio.sleep(random.uniform(0, self.think))
        while n < TURNS:
            if n:
                await self.pause()
            try:
                question = await self.turn(script, n, question, typed=typed)
            except TurnFailed as failed:
                self.stats.friendly_errors += 1
                if not self.fault_on and failed.sent > self.fault_ended:
                    # No fault: the turn waited past REDIS_TIMEOUT_SECONDS in an overloaded
                    # process. A person tries again a moment later.
                    self.stats.overload_errors += 1
                    await asyncio.sleep(1.0)
                # Like a person: wait until the bot works again, look where it is, carry on.
                await self.recovered.wait()
                state = await self.stored(script)
                applied = applied_turns(script, state)
                self.stats.prefix_checks += 1
                if applied is None:
                    self.stats.problems.append(
                        f"#{script.index}: state after a store error is no prefix of the "
                        f"script (version {state.version if state else None})")
                    return
                n, question, typed = applied, None, True
                continue
            except (AssertionError, TimeoutError) as error:
                self.stats.problems.append(f"#{script.index} turn {n + 1}: "
                                           f"{type(error).__name__} {str(error)[:300]}")
                return
            n += 1
            self.stats.applied += 1
            self.turns_done += 1
            self.progress.set()

    async def probe(self, index: int, stop: asyncio.Event) -> None:
        """A person who keeps typing during a fault: how fast does the friendly reply come?"""
        script = make_script(index)
        turn = ScriptTurn(text="hello")
        run = self.slack_turn if script.platform == "slack" else self.teams_turn
        while not stop.is_set():
            try:
                await run(script, turn, 0, "use_case", None, probe=True)
            except TurnFailed:
                self.stats.fault_friendly += 1
            except (AssertionError, TimeoutError):
                pass  # the store came back meanwhile: a normal answer
            await asyncio.sleep(0.2)

    async def readyz(self) -> list[int]:
        codes = []
        for server in self.servers:
            async with self.http.get(server.base + "/readyz") as response:
                codes.append(response.status)
        return codes

    async def until_turns(self, count: int) -> None:
        while self.turns_done < count:
            self.progress.clear()
            await self.progress.wait()

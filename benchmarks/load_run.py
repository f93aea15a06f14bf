"""Load: N concurrent conversations of 8 turns against `python -m bot serve` on a real Redis.

Half the conversations come through signed Slack HTTP requests (DM message events, and button
clicks sent as `payload=`), half through Bot Framework activities (typed messages and card
submits), all against one `serve` process (or several, `--replicas`) with a redis-server on
loopback, the Slack Web API stand-in and the Bot Connector stand-in of the test suite. Each
conversation answers its questions in words, by number or by button, and ends with a changed
answer, so its final slot set is its own (the examples count is unique per conversation) and
order matters (the later budget must win). After the run each conversation's state is read
back from Redis and compared with its script: every answer present, in order, applied once
(the state version counts applied turns). Printed, never asserted:

    python benchmarks/load_run.py [--conversations 500] [--replicas 1] [--duplicates]
                                  [--fault none|outage|slow|full]

A fault (outage: redis-server killed and started again; slow: DEBUG SLEEP longer than
REDIS_TIMEOUT_SECONDS; full: maxmemory with noeviction) strikes once a third of the turns are
done. Conversations that get the friendly error wait until Redis is back, then carry on from
the question the bot is at (a person sees it); each state is checked to be a prefix of its
script before carrying on, and whole at the end. Probe conversations measure how fast the
friendly reply comes during the fault.

The smaller runs in tests/reliability/ use `run_load` with the same checks.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `tests.*` importable
    sys.path.insert(0, str(ROOT))

from bot.adapters.slack.keys import conversation_key as slack_conversation_key  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.store.redis_store import RedisStore  # noqa: E402
from dialogs.compiled import compile_knowledge  # noqa: E402
from dialogs.events import Event  # noqa: E402
from dialogs.machine import step  # noqa: E402
from dialogs.state import ConversationState  # noqa: E402
from knowledge import default_knowledge  # noqa: E402
from tests.bot.adapters.slack import slack_requests as req  # noqa: E402
from tests.bot.adapters.slack.standin import BOT_TOKEN, TEAM_ID, StandIn  # noqa: E402
from tests.bot.adapters.teams.standin import (  # noqa: E402
    BOT,
    CARD_CONTENT_TYPE,
    ConnectorStandIn,
    card_texts,
    choice_actions,
)
from tests.redis_server import RedisServer, free_port  # noqa: E402

KB = default_knowledge()
CK = compile_knowledge(KB)
SIGNING_SECRET = "load-run-signing-secret"
TENANT = "7a1d0000-0000-4000-8000-00000000load"
STORE_DOWN = KB.message("store_down")
# Without a reply this long, a turn counts as lost (a bug, not a slow machine).
REPLY_TIMEOUT_SECONDS = 60.0
Platform = Literal["slack", "teams"]
Fault = Literal["none", "outage", "slow", "full"]

# --- scripts ----------------------------------------------------------------------------------

# Choices that keep the question order fixed (the optional questions come after accuracy).
USE_CASES = ["customer_service", "content_generation", "code_generation", "document_analysis"]
PRIORITIES = ["speed", "consistency"]
BUDGETS = ["low", "medium", "high"]
UNIQUENESS = ["common", "specialized", "novel"]
# Turns in every script.
TURNS = 8


@dataclass(frozen=True)
class Turn:
    text: str | None = None         # typed
    slot: str | None = None         # the slot it answers
    value: str | int | None = None  # the canonical value it leaves in the slot
    click: bool = False             # by button (Slack) or card submit (Teams), else typed


@dataclass(frozen=True)
class Script:
    index: int
    platform: Platform
    clicks: bool
    turns: tuple[Turn, ...]
    # The question pending after each turn, as the dialog itself asks (rule 9 decides which
    # questions are worth asking, so it is worked out, not listed).
    pending: tuple[str, ...] = ()

    @property
    def user(self) -> str:
        return f"U{self.index:06d}L" if self.platform == "slack" else f"29:load-{self.index}"

    @property
    def aad(self) -> str:
        return str(uuid.UUID(int=self.index + 1))

    @property
    def conversation_id(self) -> str:
        return f"a:load-chat-{self.index}"

    @property
    def channel(self) -> str:
        return "D" + self.user

    @property
    def key(self) -> str:
        """The runner's conversation key, as each adapter builds it."""
        if self.platform == "slack":
            return slack_conversation_key(TEAM_ID, self.user)
        return f"teams:{TENANT.lower()}:{self.aad.lower()}"

    def expected(self, applied: int) -> dict[str, Any]:
        """The answered slots after the first `applied` turns."""
        slots: dict[str, Any] = {}
        for turn in self.turns[:applied]:
            if turn.slot is not None:
                slots[turn.slot] = turn.value
        return slots


def _label(slot: str, value: str) -> str:
    choice = KB.choice(slot, value)
    assert choice is not None, (slot, value)
    return str(choice.label)


def _typed_choice(slot: str, value: str, i: int) -> Turn:
    """The answer typed by its label (words) or its 1-based number, by turn."""
    if i % 2:
        number = [c.value for c in KB.questions[slot].choices].index(value) + 1
        return Turn(text=str(number), slot=slot, value=value)
    return Turn(text=_label(slot, value), slot=slot, value=value)


def make_script(index: int) -> Script:
    """Conversation `index`: which platform, typed or clicked, and its own answers."""
    plat: Platform = "slack" if index % 2 == 0 else "teams"
    clicks = index % 4 in (2, 3)
    use_case = USE_CASES[index % len(USE_CASES)]
    priority = PRIORITIES[(index // 4) % len(PRIORITIES)]
    budget = BUDGETS[(index // 8) % len(BUDGETS)]
    uniqueness = UNIQUENESS[(index // 24) % len(UNIQUENESS)]
    new_budget = BUDGETS[(BUDGETS.index(budget) + 1 + index % 2) % len(BUDGETS)]
    examples = 1000 + index  # unique: this conversation's own fingerprint
    examples_text = [f"{examples}", f"{examples:,}", f"about {examples} examples"][index % 3]

    def answer(slot: str, value: str, n: int) -> Turn:
        if clicks:
            return Turn(slot=slot, value=value, click=True)
        return _typed_choice(slot, value, index + n)

    turns = (
        Turn(text="hi"),
        answer("use_case", use_case, 1),
        answer("has_data", "yes", 2),
        Turn(text=examples_text, slot="examples", value=examples),
        answer("priority", priority, 4),
        answer("budget", budget, 5),
        answer("uniqueness", uniqueness, 6),
        # A changed answer, typed: proves order (applied before turn 6, it would be lost).
        Turn(text=f"actually our budget is {new_budget}", slot="budget", value=new_budget),
    )
    assert len(turns) == TURNS
    return Script(index, plat, clicks, turns, _pending_after(turns))


def _pending_after(turns: tuple[Turn, ...]) -> tuple[str, ...]:
    """The pending question after each turn, from the pure dialog."""
    state, pending = ConversationState(), []
    for turn in turns:
        if turn.click:
            event = Event.choice("load:script", str(turn.slot), str(turn.value))
        else:
            event = Event.typed("load:script", turn.text or "")
        state = step(state, event, CK).state
        assert state.pending is not None, "a script must end on a question, not the card"
        pending.append(state.pending)
    return tuple(pending)


def applied_turns(script: Script, state: ConversationState | None) -> int | None:
    """How many of the script's turns a stored state shows, or None when it is no prefix of the
    script (an answer lost, doubled, reordered or half-written)."""
    if state is None:
        return 0
    answered = state.slots.answered()
    for applied in range(TURNS, 0, -1):
        if state.version == applied and answered == script.expected(applied) \
                and state.pending == script.pending[applied - 1]:
            return applied
    return None


# --- stand-ins, indexed for many conversations -----------------------------------------------

@dataclass
class Seen:
    seq: int
    ts: str | None
    message: dict[str, Any]


class LoadSlackApi(StandIn):
    """The Slack Web API stand-in, remembering what each DM channel was last shown."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, list[Seen]] = {}
        self._signals: dict[str, asyncio.Event] = {}
        self._seq = itertools.count(1)

    def _touch(self, channel: str, ts: str | None, message: dict[str, Any]) -> None:
        self.seen.setdefault(channel, []).append(Seen(next(self._seq), ts, message))
        signal = self._signals.pop(channel, None)
        if signal is not None:
            signal.set()

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        answer = super()._answer(method, params)
        if answer.get("ok") and method in ("chat.postMessage", "chat.update"):
            channel, ts = answer["channel"], answer["ts"]
            self._touch(channel, ts, dict(self.messages[(channel, ts)]))
        return answer

    async def _record(self, method: str, params: dict[str, Any], token: str | None) -> None:
        # Not kept: thousands of calls; only response_url posts (private notices) matter here.
        if method == "response_url":
            self._touch("D" + params["hook"], None, params)

    def mark(self, channel: str) -> int:
        seen = self.seen.get(channel)
        return seen[-1].seq if seen else 0

    async def shown_after(self, channel: str, mark: int,
                          done: Callable[[dict[str, Any]], bool]) -> Seen:
        """The first message shown in `channel` after `mark` for which done() holds."""
        async def until() -> Seen:
            while True:
                for seen in self.seen.get(channel, []):
                    if seen.seq > mark and done(seen.message):
                        return seen
                signal = self._signals.setdefault(channel, asyncio.Event())
                await signal.wait()
        return await asyncio.wait_for(until(), REPLY_TIMEOUT_SECONDS)


class LoadConnector(ConnectorStandIn):
    """The Bot Connector stand-in, keeping each conversation's cards (card validity is the
    Teams tests' business; checking thousands here would only load this process)."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[str, list[tuple[str, dict[str, Any]]]] = {}

    async def _record(self, request: Any, method: str) -> Any:
        from aiohttp import web

        body = json.loads(await request.read())
        conversation = request.match_info["conversation_id"]
        resource_id = (request.match_info.get("activity_id") if method == "PUT" else None) \
            or f"bot-activity-{next(self._ids)}"
        for attachment in body.get("attachments") or []:
            if attachment.get("contentType") == CARD_CONTENT_TYPE:
                self.cards.setdefault(conversation, []).append(
                    (resource_id, attachment["content"]))
        return web.json_response({"id": resource_id})


def slack_question(message: dict[str, Any]) -> str | None:
    for block in message.get("blocks") or []:
        block_id = str(block.get("block_id", ""))
        if block_id.startswith("question:"):
            return block_id.removeprefix("question:")
    return None


def text_of(node: Any) -> str:
    return json.dumps(node, ensure_ascii=False)


def is_store_down(node: Any) -> bool:
    return STORE_DOWN[:40] in text_of(node)


def teams_question(card: dict[str, Any]) -> str | None:
    actions = choice_actions(card)
    if actions:
        return str(actions[0]["data"]["question_id"])
    texts = card_texts(card)
    for slot, info in KB.questions.items():
        if info.text in texts:
            return slot
    return None


# --- the run ----------------------------------------------------------------------------------

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
class ServeProcess:
    proc: subprocess.Popen[bytes]
    base: str
    log_path: Path

    def cpu_seconds(self) -> float:
        """User + system CPU the process has used so far (Linux /proc)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def serve_env(redis_url: str, slack_api_url: str, **extra: str) -> dict[str, str]:
    names = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in names}
    env.update({
        "REDIS_URL": redis_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api_url,
        "RATE_LIMIT_PER_MINUTE": "0",  # one person's 8 quick turns are not what is measured
        "WEB_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    })
    env.update({k.upper(): v for k, v in extra.items()})
    return env


async def start_serve(env: dict[str, str], workdir: Path, name: str) -> ServeProcess:
    port = free_port()
    log_path = workdir / f"{name}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if proc.poll() is not None:
                raise RuntimeError(f"serve exited: {log_path.read_text()[-2000:]}")
            try:
                async with http.get(base + "/healthz") as response:
                    if response.status == 200:
                        return ServeProcess(proc, base, log_path)
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    proc.kill()
    raise RuntimeError("serve did not start")


def stop_serve(server: ServeProcess) -> int | None:
    """SIGTERM, and the exit code (None if it had to be killed)."""
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
            return None
    return server.proc.returncode


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

    async def slack_turn(self, script: Script, turn: Turn, n: int, expect: str,
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
            channel, mark, lambda m: slack_question(m) == expect or is_store_down(m))
        elapsed = time.perf_counter() - sent
        if probe:
            self.stats.fault_replies.append(elapsed)
        if is_store_down(seen.message):
            raise TurnFailed(sent)
        self.stats.turn_seconds.append(elapsed)
        return seen

    async def teams_turn(self, script: Script, turn: Turn, n: int, expect: str,
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
            turn = _typed_choice(str(turn.slot), str(turn.value), n)
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
        turn = Turn(text="hello")
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


# --- faults ------------------------------------------------------------------------------------

FaultFn = Callable[[LoadRun, RedisServer], Awaitable[None]]


@asynccontextmanager
async def fault_window(run: LoadRun, probes: int) -> Any:
    """The fault is on: conversations that fail wait; probe people keep typing."""
    run.fault_on = True
    run.recovered.clear()
    stop = asyncio.Event()
    probing = [asyncio.create_task(run.probe(1_000_000 + i, stop)) for i in range(probes)]
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*probing)
        run.fault_on = False


async def _wait_ready(run: LoadRun) -> None:
    for _ in range(200):
        codes = await run.readyz()
        if all(code == 200 for code in codes):
            run.stats.readyz_after = codes
            return
        await asyncio.sleep(0.05)
    run.stats.problems.append("readyz did not come back to 200 after the fault")


def make_fault(kind: Fault, *, at_turns: int, hold_seconds: float = 1.5,
               probes: int = 4) -> FaultFn | None:
    if kind == "none":
        return None

    async def strike(run: LoadRun, redis_server: RedisServer) -> None:
        await run.until_turns(at_turns)
        staller = None
        async with fault_window(run, probes):
            if kind == "outage":
                redis_server.stop()
            elif kind == "slow":
                staller = asyncio.create_task(asyncio.to_thread(
                    _debug_sleep, redis_server, hold_seconds + 1.0))
                await asyncio.sleep(0.1)
            else:  # full: every write refused
                with redis_server.client() as client:
                    client.config_set("maxmemory-policy", "noeviction")
                    client.config_set("maxmemory", 1)
            await asyncio.sleep(hold_seconds / 2)
            run.stats.readyz_during_fault = await run.readyz()
            await asyncio.sleep(hold_seconds / 2)
            if kind == "outage":
                redis_server.start()
            elif staller is not None:
                await staller
            else:
                with redis_server.client() as client:
                    client.config_set("maxmemory", 0)
        await _wait_ready(run)
        run.fault_ended = time.perf_counter()
        run.recovered.set()

    return strike


def _debug_sleep(redis_server: RedisServer, seconds: float) -> None:
    import redis

    # Its own client with no socket timeout, so the sleep is sent exactly once.
    client = redis.Redis(host="127.0.0.1", port=redis_server.port,
                         password=redis_server.password, socket_timeout=None)
    try:
        client.execute_command("DEBUG", "SLEEP", str(seconds))
    finally:
        client.close()


# --- the whole run ------------------------------------------------------------------------------

@dataclass
class Report:
    conversations: int
    replicas: int
    turns: int
    seconds: float
    stats: Stats
    lost: int        # conversations whose final state is not their whole script
    checked: int
    server_logs: list[str]
    exit_codes: list[int | None]
    fault: Fault = "none"
    server_cpu_seconds: float = float("nan")
    think: float = 0.0
    load_cpu_seconds: float = float("nan")  # this process: the people and both stand-ins

    @property
    def five_xx(self) -> int:
        return sum(n for code, n in self.stats.statuses.items() if code >= 500) + \
            sum(n for code, n in self.stats.fault_statuses.items() if code >= 500)

    @property
    def non_200(self) -> int:
        return sum(n for code, n in self.stats.statuses.items() if code != 200) + \
            sum(n for code, n in self.stats.fault_statuses.items() if code != 200)

    @property
    def ok(self) -> bool:
        return (not self.stats.problems and self.lost == 0 and self.non_200 == 0
                and all(code == 0 for code in self.exit_codes)
                and not any("Traceback" in log for log in self.server_logs))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run_load(redis_server: RedisServer, *, conversations: int = 500, replicas: int = 1,
                   duplicates: bool = False, fault: Fault = "none", think: float = 0.0,
                   redis_timeout: float = 1.0, workdir: Path | None = None,
                   fault_hold_seconds: float = 1.5) -> Report:
    """Run the conversations against `replicas` serve processes on `redis_server` and check
    every conversation's final state against its script."""
    scripts = [make_script(i) for i in range(conversations)]
    workdir = workdir or Path(tempfile.mkdtemp(prefix="load-run-"))
    slack, connector = LoadSlackApi(), LoadConnector()
    await slack.start()
    await connector.start()
    env = serve_env(redis_server.url, slack.api_url, redis_timeout_seconds=str(redis_timeout))
    servers: list[ServeProcess] = []
    store = RedisStore(redis_server.url, timeout_seconds=5.0)
    connector_limit = aiohttp.TCPConnector(limit=0)
    try:
        for i in range(replicas):
            servers.append(await start_serve(env, workdir, f"serve{i}"))
        async with aiohttp.ClientSession(connector=connector_limit,
                                         timeout=aiohttp.ClientTimeout(total=60)) as http:
            run = LoadRun(http, slack, connector, servers, store, duplicates=duplicates,
                          think=think)
            cpu_before = sum(server.cpu_seconds() for server in servers)
            own_cpu_before = time.process_time()
            strike = make_fault(fault, at_turns=conversations * TURNS // 3,
                                hold_seconds=fault_hold_seconds)
            started = time.perf_counter()
            work = [run.conversation(s) for s in scripts]
            fault_task = asyncio.create_task(strike(run, redis_server)) if strike else None
            await asyncio.gather(*work)
            seconds = time.perf_counter() - started
            cpu = sum(server.cpu_seconds() for server in servers) - cpu_before
            own_cpu = time.process_time() - own_cpu_before
            if fault_task is not None:
                await fault_task
        lost = 0
        for script in scripts:
            state = await run.stored(script)
            if applied_turns(script, state) != TURNS:
                lost += 1
                answered = state.slots.answered() if state else None
                run.stats.problems.append(
                    f"#{script.index} ({script.platform}) final state v"
                    f"{state.version if state else 0} {answered} != {script.expected(TURNS)}")
    finally:
        codes = [stop_serve(s) for s in servers]
        await store.close()
        await slack.stop()
        await connector.stop()
    return Report(conversations, replicas, run.stats.applied, seconds, run.stats, lost,
                  len(scripts), [s.log() for s in servers], codes, fault, cpu, think, own_cpu)


def describe(report: Report, out: Callable[[str], None] = print) -> None:
    s = report.stats
    out(f"conversations: {report.conversations} x {TURNS} turns "
        f"(half Slack, half Teams; half typed, half clicks), replicas: {report.replicas}, "
        f"fault: {report.fault}, think time: {report.think:g} s")
    out(f"turns applied: {report.turns} in {report.seconds:.1f} s = "
        f"{report.turns / report.seconds:.0f} turns/s; serve CPU "
        f"{report.server_cpu_seconds:.1f} s = "
        f"{report.server_cpu_seconds / max(report.turns, 1) * 1000:.2f} ms per turn "
        f"(so ~{report.turns / report.server_cpu_seconds:.0f} turns/s per busy core); "
        f"this process (people + stand-ins) {report.load_cpu_seconds:.1f} s CPU")
    out(f"slack ack   p50 {percentile(s.slack_acks, 0.5) * 1000:7.1f} ms   p99 "
        f"{percentile(s.slack_acks, 0.99) * 1000:7.1f} ms   max "
        f"{max(s.slack_acks, default=0) * 1000:7.1f} ms   (target p99 < 300 ms) "
        f"{'PASS' if percentile(s.slack_acks, 0.99) < 0.3 else 'MISS'}")
    out(f"slack ack, turns 2-{TURNS} only: p50 "
        f"{percentile(s.slack_acks_after_first, 0.5) * 1000:.1f} ms   p99 "
        f"{percentile(s.slack_acks_after_first, 0.99) * 1000:.1f} ms   (without the opening "
        f"burst: every conversation's first turn at once when there is no think time)")
    out(f"teams reply p50 {percentile(s.teams_requests, 0.5) * 1000:7.1f} ms   p99 "
        f"{percentile(s.teams_requests, 0.99) * 1000:7.1f} ms   (request to response: the "
        f"turn is done and its cards posted)")
    out(f"turn (sent to reply seen) p50 {percentile(s.turn_seconds, 0.5) * 1000:.1f} ms   "
        f"p99 {percentile(s.turn_seconds, 0.99) * 1000:.1f} ms")
    out(f"HTTP statuses: {dict(sorted(s.statuses.items()))}   5xx: {report.five_xx}")
    out(f"store-down replies with no fault on (overload past REDIS_TIMEOUT_SECONDS, the "
        f"person tried again): {s.overload_errors}")
    if report.fault != "none":
        out(f"fault: {s.friendly_errors} turns got the friendly error; probe replies during "
            f"the fault: {s.fault_friendly} of {len(s.fault_replies)} friendly, p50 "
            f"{percentile(s.fault_replies, 0.5) * 1000:.0f} ms, max "
            f"{max(s.fault_replies, default=0) * 1000:.0f} ms; "
            f"probe statuses {dict(sorted(s.fault_statuses.items()))}; readyz during "
            f"{s.readyz_during_fault}, after {s.readyz_after}; "
            f"{s.prefix_checks} states checked to be a prefix of their script")
    out(f"final states checked: {report.checked}, lost/doubled/reordered: {report.lost}")
    out(f"serve exit codes: {report.exit_codes}; tracebacks in logs: "
        f"{sum('Traceback' in log for log in report.server_logs)}")
    for problem in s.problems[:20]:
        out(f"  problem: {problem}")
    out(f"outcome: {'OK' if report.ok else 'FAILED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--duplicates", action="store_true",
                        help="deliver every event twice (Slack retry / same Teams activity id)")
    parser.add_argument("--fault", choices=["none", "outage", "slow", "full"], default="none")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean pause between a person's turns, seconds (0: closed loop)")
    parser.add_argument("--redis-timeout", type=float, default=1.0,
                        help="REDIS_TIMEOUT_SECONDS for the serve processes")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"== which-approach load run, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} ==")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; "
          f"python {platform.python_version()}; load average {load[0]:.2f} before")
    with tempfile.TemporaryDirectory(prefix="load-run-") as tmp:
        # Append-only with fsync on every write: a killed Redis keeps every write it answered,
        # so after an outage "nothing lost" is a claim about the bot, not about Redis.
        redis_server = RedisServer(Path(tmp) / "redis", extra=[
            "--appendonly", "yes", "--appendfsync", "always",
            "--enable-debug-command", "yes"])
        redis_server.start()
        try:
            report = asyncio.run(run_load(
                redis_server, conversations=args.conversations, replicas=args.replicas,
                duplicates=args.duplicates, fault=args.fault, think=args.think,
                redis_timeout=args.redis_timeout, workdir=Path(tmp)))
        finally:
            redis_server.stop()
    describe(report)
    print(f"load average {os.getloadavg()[0]:.2f} after")
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()

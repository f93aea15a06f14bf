"""With REDIS_KEY_SECRET, Redis key names are keyed digests (HMAC) that a list of user ids
cannot be matched against, and conversations stored under their old, unkeyed names carry on
where they were and move to the new names (issue 16 item 10). Real redis-server."""

from __future__ import annotations

import hashlib

import pytest

from bot.metrics import Metrics
from bot.runner import TurnRunner
from bot.settings import Settings
from bot.store.redis_store import RedisStore
from dialogs.events import Event
from knowledge import default_knowledge

KEY = "slack:T1:U1"


def _unkeyed_tag(conversation: str) -> str:
    return hashlib.sha1(conversation.encode()).hexdigest()[:16]


async def test_keyed_names_cannot_be_matched_to_user_ids(redis_url: str) -> None:
    plain, keyed, other = (RedisStore(redis_url), RedisStore(redis_url, key_secret="s3cret-1"),
                           RedisStore(redis_url, key_secret="s3cret-2"))
    try:
        assert _unkeyed_tag(KEY) in plain.state_key(KEY)
        assert _unkeyed_tag(KEY) not in keyed.state_key(KEY)
        assert keyed.state_key(KEY) != other.state_key(KEY)
        assert keyed.state_key(KEY) == RedisStore(redis_url, key_secret="s3cret-1").state_key(KEY)
    finally:
        for store in (plain, keyed, other):
            await store.close()


async def test_a_conversation_under_its_old_name_carries_on_and_moves(redis_url: str) -> None:
    kb = default_knowledge()
    plain = RedisStore(redis_url)
    runner = TurnRunner(plain, kb, metrics=Metrics())
    for i, text in enumerate(["start", "support bot for our helpdesk"]):
        assert (await runner.handle(Event.typed(KEY, text, event_id=f"e{i}"))).outcome == "ok"
    old_key = plain.state_key(KEY)
    await plain.close()

    keyed = RedisStore(redis_url, key_secret="s3cret-1")
    try:
        loaded = await keyed.load(KEY)
        assert loaded.data is not None  # read under the old name
        result = await TurnRunner(keyed, kb, metrics=Metrics()).handle(
            Event.typed(KEY, "yes", event_id="e2"))
        assert result.outcome == "ok" and result.state is not None
        assert result.state.slots.use_case == "customer_service"  # the old answers kept
        assert result.state.slots.has_data == "yes"
        assert await keyed.client.exists(keyed.state_key(KEY)) == 1
        assert await keyed.client.exists(old_key) == 0
        # And a process that never saw it finds it under the new name.
        again = await TurnRunner(keyed, kb, metrics=Metrics()).handle(
            Event.typed(KEY, "about 5k examples", event_id="e3"))
        assert again.state is not None and again.state.slots.use_case == "customer_service"
    finally:
        await keyed.close()


def test_the_setting_reaches_the_store() -> None:
    settings = Settings(_env_file=None, redis_url="redis://127.0.0.1:1/0",  # type: ignore[call-arg]
                        redis_key_secret="s3cret-1")
    store = RedisStore.from_settings(settings)
    assert _unkeyed_tag(KEY) not in store.state_key(KEY)
    assert "s3cret" not in repr(settings)


async def test_log_lines_name_conversations_by_a_keyed_digest_too(
        caplog: pytest.LogCaptureFixture) -> None:
    from bot.store.memory import MemoryStore

    caplog.set_level("INFO", logger="bot.runner")
    runner = TurnRunner(MemoryStore(), default_knowledge(), metrics=Metrics(),
                        rate_limit_per_minute=1, log_key="s3cret-1")
    await runner.handle(Event.typed(KEY, "hi", event_id="a"))
    await runner.handle(Event.typed(KEY, "hi", event_id="b"))  # over the limit: logged
    (record,) = [r for r in caplog.records if "rate limit" in r.getMessage()]
    ref = record.__dict__["conversation"]
    assert len(ref) == 12
    assert ref != hashlib.sha1(KEY.encode()).hexdigest()[:12]

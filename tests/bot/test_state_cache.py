"""The runner's per-process copy of recent conversations: bounded, least recently used first
out, and a miss guesses that the conversation is new."""

from __future__ import annotations

from bot.state_cache import StateCache
from bot.store.base import Loaded


def test_a_miss_guesses_a_new_conversation_and_a_hit_is_what_was_put() -> None:
    cache = StateCache(capacity=2)
    assert cache.guess("a") == Loaded(data=None, version=0, duplicate=False, token="")
    cache.put("a", 3, "t3", '{"x": 1}')
    assert cache.guess("a") == Loaded(data='{"x": 1}', version=3, duplicate=False, token="t3")


def test_the_least_recently_used_conversation_goes_first() -> None:
    cache = StateCache(capacity=2)
    cache.put("a", 1, "ta", "a1")
    cache.put("b", 1, "tb", "b1")
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("c", 1, "tc", "c1")
    assert (cache.get("a"), cache.get("b")) == (Loaded("a1", 1, False, "ta"), None)
    assert len(cache) == 2


def test_drop_forgets_and_capacity_zero_keeps_nothing() -> None:
    cache = StateCache(capacity=4)
    cache.put("a", 1, "ta", "a1")
    cache.drop("a")
    cache.drop("never-there")
    assert cache.get("a") is None
    empty = StateCache(capacity=0)
    empty.put("a", 1, "ta", "a1")
    assert len(empty) == 0 and empty.get("a") is None


def test_the_state_object_is_kept_with_its_json_and_goes_with_it() -> None:
    cache = StateCache(capacity=1)
    state = object()
    cache.put("a", 1, "ta", "a1", state)
    assert cache.state("a") is state
    cache.put("a", 2, "tb", "a2")  # a save whose state object was not kept
    assert cache.state("a") is None
    cache.put("a", 3, "tc", "a3", state)
    cache.put("b", 1, "tb", "b1", object())  # over capacity: "a" goes, object and all
    assert cache.state("a") is None and cache.get("a") is None

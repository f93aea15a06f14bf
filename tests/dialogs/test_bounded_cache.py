import pytest

from dialogs.bounded_cache import BoundedCache


def test_a_value_is_made_once_and_then_remembered():
    cache: BoundedCache[str, int] = BoundedCache(2)
    made: list[str] = []

    def make(key: str) -> int:
        made.append(key)
        return len(key)

    assert cache.get_or_make("ab", lambda: make("ab")) == 2
    assert cache.get_or_make("ab", lambda: make("ab")) == 2
    assert made == ["ab"]


def test_the_least_recently_used_entry_goes_when_full():
    cache: BoundedCache[str, str] = BoundedCache(2)
    cache.get_or_make("a", lambda: "A")
    cache.get_or_make("b", lambda: "B")
    cache.get_or_make("a", lambda: "never")  # a is now the most recent
    cache.get_or_make("c", lambda: "C")  # b goes
    assert len(cache) == 2
    assert cache.get_or_make("a", lambda: "again") == "A"
    assert cache.get_or_make("b", lambda: "B2") == "B2"


def test_a_cache_holds_at_least_one_entry():
    with pytest.raises(ValueError):
        BoundedCache(0)


def test_get_and_put_keep_the_most_recently_used():
    cache: BoundedCache[str, str] = BoundedCache(2)
    assert cache.get("a") is None
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"  # a is now the most recent
    cache.put("c", "C")  # b goes
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), len(cache)) == ("A", "C", 2)
    cache.put("a", "A2")  # replacing a value does not grow the cache
    assert (cache.get("a"), len(cache)) == ("A2", 2)


def test_pop_forgets_one_entry_and_says_what_it_held():
    cache: BoundedCache[str, str] = BoundedCache(2)
    cache.put("a", "A")
    cache.put("b", "B")
    assert ("a" in cache, "z" in cache) == (True, False)
    assert cache.pop("a") == "A"
    assert cache.pop("a") is None and "a" not in cache
    cache.put("c", "C")  # room again: b stays
    assert (cache.get("b"), len(cache)) == ("B", 2)


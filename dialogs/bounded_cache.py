"""One bounded cache for the places where remembering a pure result is worth it.

Owned by the object that uses it (never module state), so a cache lives and dies with the
knowledge or renderer it belongs to, and the least recently used entry goes when it is full.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """A mapping of at most `size` entries, least recently used dropped first."""

    __slots__ = ("_entries", "_size")

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a bounded cache holds at least one entry")
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._size = size

    def __len__(self) -> int:
        return len(self._entries)

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        entries = self._entries
        try:
            value = entries[key]
        except KeyError:
            value = entries[key] = make()
            if len(entries) > self._size:
                entries.popitem(last=False)
            return value
        entries.move_to_end(key)
        return value

    def get(self, key: K) -> V | None:
        """The value remembered for `key` (now the most recently used), or None."""
        entries = self._entries
        value = entries.get(key)
        if value is not None:
            entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Remember `value` for `key`, dropping the least recently used entry when full."""
        entries = self._entries
        entries[key] = value
        entries.move_to_end(key)
        if len(entries) > self._size:
            entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

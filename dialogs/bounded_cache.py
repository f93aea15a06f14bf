"""One bounded cache for the places where remembering a pure result is worth it.

Owned by the object that uses it (never module state), so a cache lives and dies with the
knowledge or renderer it belongs to, and the least recently used entry goes when it is full.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import suppress
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
            value = make()
            self.put(key, value)
            return value
        self._touch(key)
        return value

    def get(self, key: K) -> V | None:
        """The value remembered for `key` (now the most recently used), or None."""
        entries = self._entries
        value = entries.get(key)
        if value is not None:
            try:  # noqa: SIM105 - inline: the hot paths' look-up, suppress() would cost more
                entries.move_to_end(key)
            except KeyError:
                pass  # dropped by another thread meanwhile (see _touch)
        return value

    def put(self, key: K, value: V) -> None:
        """Remember `value` for `key`, dropping the least recently used entry when full."""
        entries = self._entries
        entries[key] = value
        self._touch(key)
        if len(entries) > self._size:
            with suppress(KeyError):  # another thread emptied it meanwhile
                entries.popitem(last=False)

    def _touch(self, key: K) -> None:
        # A cache may be shared by threads (the pictures' worker and the event loop): an entry
        # dropped by another between the look-up and here costs nothing but its recency.
        with suppress(KeyError):
            self._entries.move_to_end(key)

    def clear(self) -> None:
        self._entries.clear()

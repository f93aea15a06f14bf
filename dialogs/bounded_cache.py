"""One bounded cache for the places where remembering a result is worth it.

Owned by the object that uses it (never module state), so a cache lives and dies with the
knowledge, renderer or connection it belongs to, and the least recently used entry goes when
it is full. A cache may be shared by threads (the pictures' worker and the event loop): an
entry another thread dropped between a look-up and its move costs nothing but its recency.
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

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The value remembered for `key` (now the most recently used), or make()'s, then
        remembered. A hit is one look-up and one move, inline: it is on the hot paths."""
        entries = self._entries
        try:
            value = entries[key]
        except KeyError:
            value = make()
            self.put(key, value)
            return value
        try:  # noqa: SIM105 - inline: suppress() would cost more than the look-up
            entries.move_to_end(key)
        except KeyError:
            pass  # dropped by another thread meanwhile: that costs only its recency
        return value

    def get(self, key: K) -> V | None:
        """The value remembered for `key` (now the most recently used), or None."""
        entries = self._entries
        value = entries.get(key)
        if value is not None:
            try:  # noqa: SIM105 - inline, as in get_or_make
                entries.move_to_end(key)
            except KeyError:
                pass
        return value

    def put(self, key: K, value: V) -> None:
        """Remember `value` for `key`, dropping the least recently used entry when full."""
        entries = self._entries
        entries[key] = value
        try:  # noqa: SIM105 - inline, as in get_or_make
            entries.move_to_end(key)
        except KeyError:
            pass
        if len(entries) > self._size:
            with suppress(KeyError):  # another thread emptied it meanwhile
                entries.popitem(last=False)

    def pop(self, key: K) -> V | None:
        """Forget `key`; its value, or None when there was none."""
        return self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

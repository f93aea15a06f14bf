"""What this process last saved for each recent conversation: its version, write token and
state (the JSON, and the state object it was dumped from, so the next turn need not parse it).

With it a turn goes straight to the store's compare-and-set, one round trip instead of a load
and a save. It is a hint, never the truth: when another replica (or an expiry) changed the
conversation, the compare-and-set fails and hands back what is stored, and the turn is
stepped again on that. A conversation this process has not seen is guessed to be new, which
is right for every first turn and costs the same two round trips as a load when wrong.
"""

from __future__ import annotations

from typing import Any

from bot.store.base import Loaded
from dialogs.bounded_cache import BoundedCache

# States are ~0.6-2 KB: a few MB at most, and enough for the people active at any one time.
DEFAULT_CAPACITY = 4096

_NEW = Loaded(data=None, version=0, duplicate=False)


class StateCache:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._keeps = capacity > 0
        # Per conversation: (version, write token, state JSON, the state it was dumped from).
        self._entries: BoundedCache[str, tuple[int, str, str, Any]] = \
            BoundedCache(max(1, capacity))

    def get(self, key: str) -> Loaded | None:
        """The last state saved here for `key`, or None when this process has none."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        version, token, data, _ = entry
        return Loaded(data=data, version=version, duplicate=False, token=token)

    def guess(self, key: str) -> Loaded:
        """The cached state, or a new conversation's."""
        known = self.get(key)
        return _NEW if known is None else known

    def state(self, key: str) -> Any | None:
        """The state object `key`'s cached JSON was dumped from, when one was put. Shared, so
        never to be changed: a step works on a copy of the state it is given."""
        entry = self._entries.get(key)
        return None if entry is None else entry[3]

    def put(self, key: str, version: int, token: str, data: str, state: Any = None) -> None:
        if self._keeps:
            self._entries.put(key, (version, token, data, state))

    def drop(self, key: str) -> None:
        self._entries.pop(key)

    def __len__(self) -> int:
        return len(self._entries)

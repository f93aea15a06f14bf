"""What this process last saved for each recent conversation: its version, write token and
state JSON.

With it a turn goes straight to the store's compare-and-set, one round trip instead of a load
and a save. It is a hint, never the truth: when another replica (or an expiry) changed the
conversation, the compare-and-set fails and hands back what is stored, and the turn is
stepped again on that. A conversation this process has not seen is guessed to be new, which
is right for every first turn and costs the same two round trips as a load when wrong.
"""

from __future__ import annotations

from collections import OrderedDict

from bot.store.base import Loaded

# States are ~0.6-2 KB: a few MB at most, and enough for the people active at any one time.
DEFAULT_CAPACITY = 4096

_NEW = Loaded(data=None, version=0, duplicate=False)


class StateCache:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = max(0, capacity)
        self._entries: OrderedDict[str, tuple[int, str, str]] = OrderedDict()

    def get(self, key: str) -> Loaded | None:
        """The last state saved here for `key`, or None when this process has none."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        version, token, data = entry
        return Loaded(data=data, version=version, duplicate=False, token=token)

    def guess(self, key: str) -> Loaded:
        """The cached state, or a new conversation's."""
        known = self.get(key)
        return _NEW if known is None else known

    def put(self, key: str, version: int, token: str, data: str) -> None:
        if self._capacity == 0:
            return
        self._entries[key] = (version, token, data)
        self._entries.move_to_end(key)
        if len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def drop(self, key: str) -> None:
        self._entries.pop(key, None)

    def __len__(self) -> int:
        return len(self._entries)

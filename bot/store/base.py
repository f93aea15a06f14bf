"""The state store interface: one key per conversation, compare-and-set on a version,
and event-id dedup applied atomically with the write.

The store deals in serialized states (str) and versions; it knows nothing of the dialog.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol


class StoreUnavailable(Exception):
    """The store could not be reached or answered with an error (Redis down, slow, full)."""


class StoreBusy(StoreUnavailable):
    """This process had too many store operations in flight to start one in time: the store
    may be fine, the process is overloaded."""


@dataclass(frozen=True)
class Loaded:
    data: str | None          # serialized state, None when the conversation is new/expired
    version: int              # 0 when new
    duplicate: bool           # the event id was already applied


@dataclass(frozen=True)
class Saved:
    outcome: Literal["ok", "conflict", "duplicate"]
    version: int              # the new version on ok; the current version on conflict


class StateStore(Protocol):
    async def load(self, key: str, event_id: str | None = None) -> Loaded:
        """One round trip: the state and whether event_id was already applied."""
        ...

    async def save(self, key: str, data: str, expected_version: int,
                   event_id: str | None = None) -> Saved:
        """One round trip: write only if the stored version is still expected_version and the
        event id is unseen; mark the event seen in the same atomic step."""
        ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...

"""The state store interface: one key per conversation, compare-and-set on a version,
and event-id dedup applied atomically with the write.

The store deals in serialized states (str) and versions; it knows nothing of the dialog.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol


def workspace_of(conversation: str) -> str:
    """The workspace or tenant a conversation key belongs to ("slack:T1:U1" -> "slack:T1");
    "" for keys of no workspace (the web page, the terminal)."""
    platform, _, rest = conversation.partition(":")
    team, sep, _ = rest.partition(":")
    return f"{platform}:{team}" if platform in ("slack", "teams") and sep else ""


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
    # A random id of the write that stored this state ("" when none): a version number alone
    # can come round again (after an expiry, or a Redis failover that lost writes).
    token: str = ""


@dataclass(frozen=True)
class Saved:
    outcome: Literal["ok", "conflict", "duplicate", "rate_limited"]
    version: int              # the new version on ok; the current version otherwise
    # On conflict, the stored state (None when there is none) and its token: the caller steps
    # again on it without another round trip. On ok, the token of this write.
    current: str | None = None
    token: str = ""
    # When rate_limited: how long until the person's window ends (0 when unknown).
    wait_seconds: float = 0.0


class StateStore(Protocol):
    async def load(self, key: str, event_id: str | None = None) -> Loaded:
        """One round trip: the state and whether event_id was already applied."""
        ...

    async def save(self, key: str, data: str, expected_version: int,
                   event_id: str | None = None, *, rate_limit: int = 0,
                   expected_token: str = "", ttl_seconds: int | None = None) -> Saved:
        """One round trip: write only if the stored state is still the expected one (its version
        and its token) and the event id is unseen; mark the event seen in the same atomic step.

        With rate_limit > 0 the turn is also counted in the conversation's current window
        (rate_limit.WINDOW_SECONDS) unless it is a duplicate, and nothing is written when the
        count goes over the limit ("rate_limited"). A save run twice (a client that re-sends
        after a dropped connection) answers "ok" the second time and changes nothing.
        `ttl_seconds` replaces the store's state TTL for this write (a conversation that has
        not got past its first question is kept for less)."""
        ...

    async def erase(self, key: str) -> int:
        """Delete everything kept for one conversation: its state and history, its dedup
        markers, its rate counter. Returns how many records went."""
        ...

    async def erase_workspace(self, workspace: str) -> int:
        """Delete every conversation of one workspace or tenant (`slack:T123`, `teams:<tenant
        id>`, as `workspace_of` gives it). Returns how many conversations went."""
        ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...

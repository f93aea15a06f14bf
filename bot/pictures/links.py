"""Unguessable, expiring links to a card's pictures and decision record.

A link carries the answer set it was drawn from, an expiry time and an HMAC-SHA256 signature
of both: the server needs no state to serve it (any replica with the same secret can), nobody
can make a link for answers of their choosing or stretch one's life, and a guessed or altered
link is refused as not found. Links are made only for answers someone already has a card for.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import ValidationError

from dialogs.slots import ALL_SLOTS, Slots

SIGNATURE_BYTES = 16  # 128 bits: never guessed
DEFAULT_TTL_SECONDS = 7 * 24 * 60 * 60
MAX_TOKEN_CHARS = 600
PICTURES_ROUTE = "/pictures"
# What a link may name after its token: each picture in each format, and the record.
PICTURE_NAMES = {"cost.svg": ("cost", "svg"), "cost.png": ("cost", "png"),
                 "roadmap.svg": ("roadmap", "svg"), "roadmap.png": ("roadmap", "png")}
RECORD_NAME = "decision-record.md"


class LinkRefused(Exception):
    """A link that is not ours (404) or no longer valid (403)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class CardLinks:
    """A card's links, for a surface to show."""

    token: str
    cost_svg: str
    cost_png: str
    roadmap_svg: str
    roadmap_png: str
    record: str


class PictureLinks:
    def __init__(self, secret: str | None, *, base_url: str = "",
                 ttl_seconds: int = DEFAULT_TTL_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        # Unset: a secret for this process only; links then die with it (see settings).
        self._key = hashlib.sha256(b"which-approach pictures\0" + (
            secret or secrets.token_urlsafe(32)).encode("utf-8")).digest()
        self.base_url = base_url.rstrip("/")
        self.ttl_seconds = ttl_seconds
        self._clock = clock

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode("ascii"),
                             hashlib.sha256).digest()[:SIGNATURE_BYTES])

    def token(self, answers: Slots) -> str:
        values = [getattr(answers, name) for name in ALL_SLOTS]
        while values and values[-1] is None:
            values.pop()
        data = _b64(json.dumps(values, separators=(",", ":")).encode("utf-8"))
        payload = f"{data}.{int(self._clock()) + self.ttl_seconds}"
        return f"{payload}.{self._sign(payload)}"

    def answers(self, token: str) -> Slots:
        """The answer set of a genuine, unexpired token; LinkRefused otherwise."""
        if not token or len(token) > MAX_TOKEN_CHARS or not token.isascii():
            raise LinkRefused(404)
        payload, _, signature = token.rpartition(".")
        data, _, expires = payload.partition(".")
        if not data or not expires.isdigit() or not hmac.compare_digest(
                signature, self._sign(payload)):
            raise LinkRefused(404)
        if int(expires) < self._clock():
            raise LinkRefused(403)
        try:
            values = json.loads(_unb64(data))
            if not isinstance(values, list) or len(values) > len(ALL_SLOTS):
                raise ValueError("not an answer list")
            return Slots.model_validate(dict(zip(ALL_SLOTS, values, strict=False)))
        except (ValueError, binascii.Error, ValidationError):
            raise LinkRefused(404) from None  # signed by us but unreadable: a bug, not a guess

    def card_links(self, answers: Slots) -> CardLinks:
        token = self.token(answers)
        base = f"{self.base_url}{PICTURES_ROUTE}/{token}/"
        return CardLinks(token=token, cost_svg=base + "cost.svg", cost_png=base + "cost.png",
                         roadmap_svg=base + "roadmap.svg", roadmap_png=base + "roadmap.png",
                         record=base + RECORD_NAME)

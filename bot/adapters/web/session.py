"""The web page's conversation cookie: a random id signed with HMAC, so one browser keeps one
conversation and nobody can pick (or guess their way into) someone else's."""

from __future__ import annotations

import hashlib
import hmac
import secrets

COOKIE_NAME = "wa_session"
# The name over TLS: browsers accept a `__Host-` cookie only with Secure, Path=/ and no Domain.
SECURE_COOKIE_NAME = "__Host-" + COOKIE_NAME
_ID_BYTES = 18  # 144 random bits: never guessed, never collides


class CookieSigner:
    """Makes and checks `<id>.<signature>` cookie values."""

    def __init__(self, secret: str | None) -> None:
        # Unset: a secret for this process only (cookies then last until a restart, and
        # replicas do not share them; set WEB_COOKIE_SECRET when running more than one).
        key = secret if secret else secrets.token_urlsafe(32)
        self._key = key.encode("utf-8")

    def _sign(self, session_id: str) -> str:
        return hmac.new(self._key, session_id.encode("ascii"), hashlib.sha256).hexdigest()

    def new(self) -> tuple[str, str]:
        """A fresh (session id, cookie value)."""
        session_id = secrets.token_urlsafe(_ID_BYTES)
        return session_id, f"{session_id}.{self._sign(session_id)}"

    def verify(self, cookie: str | None) -> str | None:
        """The session id of a genuine cookie; None for a missing, malformed or forged one."""
        if not cookie or len(cookie) > 200 or not cookie.isascii():
            return None
        session_id, _, signature = cookie.rpartition(".")
        if not session_id or not hmac.compare_digest(signature, self._sign(session_id)):
            return None
        return session_id

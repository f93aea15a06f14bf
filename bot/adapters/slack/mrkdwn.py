"""Slack mrkdwn text: escaping person-supplied text, and cutting text to Slack's limits.

Slack reads `&`, `<` and `>` as control characters in mrkdwn (`<!channel>`, `<@U123>`,
`<https://x|link>`), so every piece of text that did not come from this module's own markup is
escaped before it reaches a block or a message's `text`. Cutting works on escaped text (the
limits count what Slack receives) and never splits an entity such as `&amp;` in two.
"""

from __future__ import annotations

ELLIPSIS = "…"


def escape(text: str) -> str:
    """Escape the three characters Slack treats as markup, so text shows as typed and never
    pings anyone (`<!channel>` becomes harmless `&lt;!channel&gt;`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo the escaping Slack applies to text it sends us (the person typed `<5k`, Slack sends
    `&lt;5k`), so the core reads what the person wrote."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _safe_cut(text: str, limit: int) -> int:
    """The largest index <= limit to cut at without splitting an `&...;` entity."""
    cut = min(limit, len(text))
    amp = text.rfind("&", max(0, cut - 6), cut)
    if amp != -1 and text.find(";", amp, cut) == -1 and text.find(";", amp) != -1 \
            and text.find(";", amp) - amp <= 5:
        return amp
    return cut


def trim(text: str, limit: int) -> str:
    """Text cut to at most `limit` characters, ending in an ellipsis when it was cut."""
    if len(text) <= limit:
        return text
    return text[:_safe_cut(text, limit - len(ELLIPSIS))].rstrip() + ELLIPSIS


def split(text: str, limit: int) -> list[str]:
    """Text in pieces of at most `limit` characters, broken at line ends where possible, then
    at spaces, and only as a last resort inside a word. Nothing is lost."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit + 1]
        cut = window.rfind("\n")
        if cut <= 0:
            cut = window.rfind(" ")
        cut = _safe_cut(rest, limit) if cut <= 0 else _safe_cut(rest, cut)
        if cut <= 0:  # a pathological entity right at the start: cut hard
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return pieces

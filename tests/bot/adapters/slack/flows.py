"""Steps several tests share: a conversation taken to its card by clicks."""

from __future__ import annotations

from typing import Any

from tests.bot.adapters.slack.conftest import SlackApp
from testsupport.blockkit import button, is_card, question_id
from testsupport.click_path import CLICK_PATH


async def card_by_clicks(app: SlackApp, *, user: str = "U1",
                         channel: str = "C42") -> dict[str, Any]:
    """/which-approach in `channel`, every question answered by a click in the DM; returns the
    card as posted (with its ts and channel, as the stand-in keeps it)."""
    api = app.api
    await app.command("", user=user, channel=channel)
    dm = api.dm_channel(user)
    await api.wait_for(lambda a: any(ch == dm for ch, _ in a.messages))
    ts = next(ts for (ch, ts) in api.messages if ch == dm)
    for slot, label in CLICK_PATH.items():
        message = app.message(dm, ts)
        assert question_id(message) == slot
        updates = len(api.to("chat.update"))
        await app.click(message, dm, button(message, label), user=user)
        await api.wait_calls("chat.update", updates + 1)
    card_ts = await api.wait_for(lambda a: next(
        (t for (ch, t), m in a.messages.items() if ch == dm and is_card(m)), None))
    return {**app.message(dm, card_ts), "channel": dm}

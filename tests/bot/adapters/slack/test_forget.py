""""Delete my data" in Slack, by its buttons: the one under help, then the confirmation; the
person's conversation is gone and nobody else's (issue 16, a person's data is theirs)."""

from __future__ import annotations

from typing import Any

from knowledge import default_knowledge
from tests.bot.adapters.slack.conftest import SlackApp
from testsupport import slack_requests as req
from testsupport.blockkit import button, buttons_of

KB = default_knowledge()


async def _message_with(slack_app: SlackApp, channel: str, label: str) -> dict[str, Any]:
    def find(api: Any) -> dict[str, Any] | None:
        for (ch, _), message in reversed(list(api.messages.items())):
            if ch == channel and any(b.get("text", {}).get("text") == label
                                     for b in buttons_of(message)):
                return message
        return None

    return await slack_app.api.wait_for(find)


async def test_delete_my_data_by_buttons(slack_app: SlackApp) -> None:
    await slack_app.command("", user="U1")
    await slack_app.command("", user="U2")
    await slack_app.api.wait_calls("chat.postMessage", 2)
    assert await slack_app.state("U1") is not None
    channel = slack_app.api.dm_channel("U1")

    await slack_app.event(req.dm_event("help", user="U1"))
    helped = await _message_with(slack_app, channel, KB.message("forget_button"))
    await slack_app.click(helped, channel, button(helped, KB.message("forget_button")))
    asked = await _message_with(slack_app, channel, KB.message("forget_yes"))
    assert await slack_app.state("U1") is not None  # asked, nothing erased yet

    reply = await slack_app.click(asked, channel, button(asked, KB.message("forget_yes")))
    assert reply.status == 200
    await slack_app.api.wait_for(lambda api: any(
        KB.message("forget_done")[:40] in str(call.params) for call in api.calls))
    assert await slack_app.state("U1") is None
    assert await slack_app.state("U2") is not None

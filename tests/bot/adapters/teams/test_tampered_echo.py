"""Tampered card data never echoes a URL or a bidi override back into a card (issue 16,
item 10): a submit's fields are passed on only when they look like what our cards send, and
card text drops bidi and control characters whatever its source. And the card buttons that
genuinely come from us, "delete my data" among them, still work."""

from __future__ import annotations

import json

import pytest

from bot.adapters.teams.cards import escape_markdown
from tests.bot.adapters.teams.conftest import ServedBot
from testsupport.teams_standin import ConnectorStandIn, TeamsClient

HOSTILE = ["https://evil.example/login", "www.evil.example",
           "budget\u202egnp.exe", "\u2066hidden\u2069", "x\x07y"]


@pytest.mark.parametrize("value", HOSTILE)
async def test_a_tampered_value_is_not_echoed_into_a_card(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot, value: str) -> None:
    await ada.send(ada.message("hi"))
    mark = len(connector.calls)
    status = await ada.send(ada.submit({"question_id": "use_case", "value": value,
                                        "state_version": 1}, "bot-activity-1"))
    assert status == 200
    sent = json.dumps([call.body for call in connector.since(mark)], ensure_ascii=False)
    assert connector.since(mark)  # it still answered (with help)
    for fragment in ("evil.example", "\u202e", "\u2066", "\u2069", "\x07"):
        assert fragment not in sent


def test_card_text_drops_bidi_and_control_characters() -> None:
    assert escape_markdown("a\u202eb\u2067c\x1bd\ne") == "abcd\ne"


async def test_delete_my_data_by_card_buttons(ada: TeamsClient, connector: ConnectorStandIn,
                                              bot: ServedBot) -> None:
    from dialogs.machine import FORGET_CONFIRM

    await ada.send(ada.message("hi"))
    await ada.send(ada.message("support bot for our helpdesk"))
    key = "teams:72f988bf-0000-0000-0000-00000000c0de:6f1d3a2c-0b1e-4c7a-9e8f-1a2b3c4d5e6f"
    assert await bot.state(key) is not None
    await ada.send(ada.message("delete my data"))
    sent = json.dumps(connector.calls[-1].body)
    assert FORGET_CONFIRM in sent  # the confirmation button is on the card
    assert await ada.send(ada.submit({"command": "topic", "value": FORGET_CONFIRM},
                                     "bot-activity-1")) == 200
    assert await bot.state(key) is None

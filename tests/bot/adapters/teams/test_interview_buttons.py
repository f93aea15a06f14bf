"""Issue 14 in Teams, end to end over the connector stand-in: a question card's Back and "Just
tell me now" buttons, each collapsing the card it was pressed on (no button left on it)."""

from __future__ import annotations

from knowledge import default_knowledge
from tests.bot.adapters.teams.test_conversations import question_id
from testsupport.teams_standin import (
    ConnectorStandIn,
    TeamsClient,
    card_texts,
    choice_actions,
    submit_actions,
)

KB = default_knowledge()


def _command(card: dict, command: str) -> dict:
    (action,) = [a for a in submit_actions(card) if a["data"].get("command") == command]
    return action


async def _second_question(ada: TeamsClient, connector: ConnectorStandIn) -> dict:
    await ada.send(ada.message("hi"))
    (first,) = connector.calls
    assert question_id(first.card) == "use_case"
    assert [a["data"] for a in submit_actions(first.card)
            if "command" in a["data"]] == [{"command": "now"}]  # nothing to undo yet
    (button,) = [a for a in choice_actions(first.card)
                 if a["data"]["value"] == "document_analysis"]
    await ada.send(ada.submit(button["data"], first.resource_id))
    _, second = connector.calls[-2:]
    assert question_id(second.card) == "has_data"
    return {"call": second}


async def test_just_tell_me_now_collapses_the_card_and_sends_the_recommendation(
        ada: TeamsClient, connector: ConnectorStandIn) -> None:
    second = (await _second_question(ada, connector))["call"]
    mark = len(connector.calls)
    await ada.send(ada.submit(_command(second.card, "now")["data"], second.resource_id))

    update, card = connector.since(mark)
    assert (update.method, update.activity_id) == ("PUT", second.resource_id)
    assert card_texts(update.card) == [f"✓ {KB.message('action_now')}"]
    assert submit_actions(update.card) == []
    texts = card_texts(card.card)
    assert "Not asked" in texts
    assert any(KB.question("has_data").short_label in t for t in texts)
    assert [a["title"] for a in submit_actions(card.card)] == ["Explain", "Start over"]


async def test_back_collapses_the_card_and_asks_the_last_question_again(
        ada: TeamsClient, connector: ConnectorStandIn) -> None:
    second = (await _second_question(ada, connector))["call"]
    mark = len(connector.calls)
    await ada.send(ada.submit(_command(second.card, "back")["data"], second.resource_id))

    update, again = connector.since(mark)
    assert (update.method, update.activity_id) == ("PUT", second.resource_id)
    assert submit_actions(update.card) == []
    assert question_id(again.card) == "use_case"
    assert KB.message("undone") in card_texts(again.card)

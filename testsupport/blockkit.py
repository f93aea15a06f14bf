"""Reading Slack messages: checked against slack_sdk's Block Kit models and Slack's limits, their
texts, buttons and block ids, the question one asks."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

MAX_BLOCKS = 50


def assert_valid_message(message: dict[str, Any]) -> None:
    """What Slack would accept: a non-empty plain-text fallback and at most 50 blocks, each
    rebuilt by slack_sdk's models and passing their validation (section text 3,000, header
    150, button label 75, value 2,000, ...), plus the per-field 2,000 that the models skip."""
    assert isinstance(message.get("text"), str) and message["text"].strip(), "no fallback text"
    blocks = message.get("blocks") or []
    assert len(blocks) <= MAX_BLOCKS, f"{len(blocks)} blocks"
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, f"not a block: {raw.get('type')}"
        block.validate_json()
        rebuilt = block.to_dict()  # validates nested elements too
        assert rebuilt["type"] == raw["type"]
        if raw["type"] == "section":
            assert len((raw.get("text") or {}).get("text", "")) <= 3000
            for field in raw.get("fields") or []:
                assert len(field["text"]) <= 2000
        if raw["type"] == "actions":
            for element in raw["elements"]:
                if element["type"] == "button":
                    assert len(element["text"]["text"]) <= 75
                    assert len(element.get("value", "")) <= 2000


def texts_of(message: dict[str, Any]) -> str:
    """Every piece of text in a message's blocks, one per line (for content checks)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message.get("blocks") or [])
    return "\n".join(out)


def buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The interactive elements of a message, with their block_id (as a click reports them)."""
    found = []
    for block in message.get("blocks") or []:
        if block["type"] == "actions":
            for element in block["elements"]:
                found.append({**element, "block_id": block.get("block_id", "")})
    return found


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    for element in buttons_of(message):
        if element["type"] == "button" and element["text"]["text"] == label:
            return element
    raise AssertionError(f"no button {label!r} in {[b.get('text') for b in buttons_of(message)]}")


def block_ids(message: dict[str, Any]) -> list[str]:
    return [b.get("block_id", "") for b in message.get("blocks") or []]


def question_id(message: dict[str, Any]) -> str | None:
    for block_id in block_ids(message):
        if block_id.startswith("question:"):
            return block_id.removeprefix("question:")
    return None


def is_card(message: dict[str, Any]) -> bool:
    return bool(message.get("blocks")) and message["blocks"][0]["type"] == "header"

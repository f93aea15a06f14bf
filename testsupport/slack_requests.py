"""Requests as Slack sends them: signed (v0), form-encoded slash commands, `payload=`
interactivity, Events API JSON. Payload shapes follow Slack's documented examples."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from testsupport.slack_standin import APP_ID, BOT_USER_ID, TEAM_ID

_ids = itertools.count(1)


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """The two headers Slack adds: HMAC-SHA256 over `v0:{timestamp}:{body}`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{ts}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def command_body(text: str = "", *, user: str = "U1", channel: str = "C1",
                 response_url: str, team: str = TEAM_ID) -> str:
    n = next(_ids)
    return urlencode({
        "token": "deprecated-verification-token", "team_id": team, "team_domain": "stand-in",
        "channel_id": channel, "channel_name": "general", "user_id": user, "user_name": "ada",
        "command": "/which-approach", "text": text, "api_app_id": APP_ID,
        "is_enterprise_install": "false", "response_url": response_url,
        "trigger_id": f"{n}.{n}.trigger{n}",
    })


def block_actions_body(message: dict[str, Any], channel: str, action: dict[str, Any], *,
                       user: str = "U1", response_url: str, ephemeral: bool = False,
                       action_ts: str | None = None, team: str = TEAM_ID) -> str:
    """A click on `action` (an element of `message`'s blocks, as Slack shows it back)."""
    n = next(_ids)
    clicked = {**action, "block_id": action.get("block_id", "b"),
               "action_ts": action_ts or f"{1_700_100_000 + n}.{n:06d}"}
    if clicked.get("type") == "static_select":
        clicked["selected_option"] = action["selected_option"]
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": "ada", "name": "ada", "team_id": team},
        "api_app_id": APP_ID, "token": "deprecated-verification-token",
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel,
                      "is_ephemeral": ephemeral},
        "trigger_id": f"{n}.{n}.click{n}",
        "team": {"id": team, "domain": "stand-in"},
        "channel": {"id": channel, "name": "directmessage"},
        "response_url": response_url,
        "actions": [clicked],
    }
    if not ephemeral:
        payload["message"] = {"type": "message", "ts": message["ts"], "user": BOT_USER_ID,
                              "text": message.get("text", ""), "blocks": message["blocks"]}
        if message.get("thread_ts"):
            payload["message"]["thread_ts"] = message["thread_ts"]
    return urlencode({"payload": json.dumps(payload)})


def event_body(event: dict[str, Any], *, event_id: str | None = None,
               team: str = TEAM_ID) -> str:
    n = next(_ids)
    return json.dumps({
        "token": "deprecated-verification-token", "team_id": team, "api_app_id": APP_ID,
        "event": {"event_ts": event.get("ts", f"{1_700_200_000 + n}.000100"), **event},
        "type": "event_callback", "event_id": event_id or f"Ev{n:08d}",
        "event_time": 1_700_200_000 + n,
        "authorizations": [{"enterprise_id": None, "team_id": team, "user_id": BOT_USER_ID,
                            "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
    })


def dm_event(text: str, *, user: str = "U1", ts: str | None = None) -> dict[str, Any]:
    n = next(_ids)
    return {"type": "message", "channel": "D" + user, "user": user, "text": text,
            "ts": ts or f"{1_700_300_000 + n}.000200", "channel_type": "im", "team": TEAM_ID}


def channel_message(text: str, *, user: str, channel: str, thread_ts: str | None = None,
                    parent_user_id: str | None = None) -> dict[str, Any]:
    n = next(_ids)
    event: dict[str, Any] = {"type": "message", "channel": channel, "user": user, "text": text,
                             "ts": f"{1_700_400_000 + n}.000300", "channel_type": "channel",
                             "team": TEAM_ID}
    if thread_ts:
        event["thread_ts"] = thread_ts
        event["parent_user_id"] = parent_user_id
    return event


def mention_event(text: str, *, user: str, channel: str,
                  thread_ts: str | None = None) -> dict[str, Any]:
    n = next(_ids)
    event: dict[str, Any] = {"type": "app_mention", "channel": channel, "user": user,
                             "text": f"<@{BOT_USER_ID}> {text}",
                             "ts": f"{1_700_500_000 + n}.000400", "team": TEAM_ID}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event

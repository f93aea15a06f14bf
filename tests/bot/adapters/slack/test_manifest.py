"""deploy/slack/manifest.yaml is a valid Slack app manifest (slackapi/manifest-schema v0.5.0,
resolved from local copies) and matches what the adapter serves and listens for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry
from referencing.jsonschema import DRAFT7

ROOT = Path(__file__).resolve().parents[4]
SCHEMAS = ROOT / "tests" / "schemas"
MANIFEST = ROOT / "deploy" / "slack" / "manifest.yaml"
REMOTE = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"


def validator() -> jsonschema.Draft7Validator:
    top = json.loads((SCHEMAS / "slack-app-manifest.schema.json").read_text())
    # The versioned files carry no $id or $schema: they are draft-07, named by the URL the
    # top-level file uses for them.
    registry: Registry[Any] = Registry().with_resources(
        (REMOTE + f"manifest.schema.{v}.json",
         DRAFT7.create_resource(json.loads(
             (SCHEMAS / f"slack-app-manifest.schema.{v}.json").read_text())))
        for v in ("1.0.0", "2.0.0"))
    return jsonschema.Draft7Validator(top, registry=registry)


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text())


def test_the_manifest_is_valid(manifest: dict[str, Any]) -> None:
    errors = sorted(validator().iter_errors(manifest), key=str)
    assert errors == [], "\n".join(e.message for e in errors)


@pytest.mark.parametrize("breakage", ["no slash", "no is_enabled", "long name", "bad scope",
                                      "unknown key"])
def test_the_validator_does_catch_a_bad_manifest(manifest: dict[str, Any],
                                                 breakage: str) -> None:
    broken = json.loads(json.dumps(manifest))
    if breakage == "no slash":
        broken["features"]["slash_commands"][0]["command"] = "which-approach"
    elif breakage == "no is_enabled":
        broken["settings"]["interactivity"].pop("is_enabled")
    elif breakage == "long name":
        broken["display_information"]["name"] = "x" * 36
    elif breakage == "bad scope":
        broken["oauth_config"]["scopes"]["bot"] = "chat:write"
    else:
        broken["settings"]["sockets"] = True
    assert not validator().is_valid(broken)


def test_one_url_for_commands_interactivity_and_events(manifest: dict[str, Any]) -> None:
    urls = {manifest["features"]["slash_commands"][0]["url"],
            manifest["settings"]["event_subscriptions"]["request_url"],
            manifest["settings"]["interactivity"]["request_url"]}
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")


def test_the_manifest_asks_for_what_the_adapter_uses(manifest: dict[str, Any]) -> None:
    assert manifest["features"]["slash_commands"][0]["command"] == "/which-approach"
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_mention", "message.im", "message.channels"} <= events
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "im:history", "app_mentions:read",
            "channels:history"} <= scopes
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is False

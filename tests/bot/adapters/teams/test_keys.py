"""The Teams conversation key: platform + tenant + person."""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity

from bot.adapters.teams.keys import conversation_key

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def activity(**overrides: Any) -> Activity:
    data: dict[str, Any] = {
        "type": "message",
        "from": {"id": "29:1AbC", "aadObjectId": "6F1D3A2C-0B1E-4C7A-9E8F-1A2B3C4D5E6F"},
        "conversation": {"id": "a:chat", "tenantId": TENANT},
    }
    data.update(overrides)
    return Activity().deserialize(data)


def test_the_key_is_tenant_and_aad_object_id_whatever_the_chat() -> None:
    in_chat = activity()
    in_channel = activity(conversation={"id": "19:general@thread.tacv2;messageid=1",
                                        "tenantId": TENANT, "conversationType": "channel"})
    expected = f"teams:{TENANT}:6f1d3a2c-0b1e-4c7a-9e8f-1a2b3c4d5e6f"
    assert conversation_key(in_chat) == conversation_key(in_channel) == expected


def test_without_an_aad_id_the_key_uses_from_id() -> None:
    emulator = activity(**{"from": {"id": "user-1"}})
    assert conversation_key(emulator) == f"teams:{TENANT}:user-1"


def test_the_tenant_comes_from_channel_data_when_the_conversation_has_none() -> None:
    old = activity(conversation={"id": "a:chat"}, channelData={"tenant": {"id": "T-1"}})
    assert conversation_key(old) == "teams:t-1:6f1d3a2c-0b1e-4c7a-9e8f-1a2b3c4d5e6f"


def test_different_tenants_or_people_never_share_a_key() -> None:
    keys = {
        conversation_key(activity()),
        conversation_key(activity(conversation={"id": "a:chat", "tenantId": "other"})),
        conversation_key(activity(**{"from": {"id": "29:x", "aadObjectId": "another"}})),
        conversation_key(activity(conversation={"id": "a:chat"})),
    }
    assert len(keys) == 4
    assert conversation_key(activity(conversation={"id": "a:chat"})).startswith(
        "teams:no-tenant:")


def test_no_sender_no_key_and_hostile_ids_stay_bounded() -> None:
    assert conversation_key(activity(**{"from": None})) is None
    assert conversation_key(activity(**{"from": {"id": "  "}})) is None
    long_key = conversation_key(activity(**{"from": {"id": "x" * 5000}}))
    assert long_key is not None and len(long_key) < 512

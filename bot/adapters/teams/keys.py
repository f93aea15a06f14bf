"""The conversation key for a Teams activity: platform + tenant + person.

One advisor conversation per person per tenant (docs/architecture.md: "platform + workspace/tenant +
user"), so a follow-up typed in a 1:1 chat refers to the recommendation started by an
@mention in a channel. The person is their Azure AD object id, stable across every chat and
channel of the tenant; `from.id` (a per-bot Teams id, "29:...") only when Teams sends no AAD id
(the Bot Framework Emulator, some guests).
"""

from __future__ import annotations

from botbuilder.schema import Activity

PLATFORM = "teams"
# The emulator and some test channels send no tenant; they still get a stable key.
NO_TENANT = "no-tenant"
# Keeps a hostile id from making an oversized key (Event.conversation allows 512).
_MAX_PART = 200


def _clean(part: str) -> str:
    # Whitespace never occurs in Teams ids; dropping it keeps keys printable and unambiguous.
    return "".join(part.split())[:_MAX_PART]


def tenant_id(activity: Activity) -> str | None:
    """The tenant: channelData.tenant.id (Teams always sends it), else the conversation's."""
    channel_data = activity.channel_data
    if isinstance(channel_data, dict):
        tenant = channel_data.get("tenant")
        if isinstance(tenant, dict) and isinstance(tenant.get("id"), str) and tenant["id"]:
            return tenant["id"]
    conversation = activity.conversation
    if conversation is None:
        return None
    if conversation.tenant_id:
        return str(conversation.tenant_id)
    # botbuilder-schema maps the field as "tenantID"; Teams spells it "tenantId", which msrest
    # keeps among the additional properties.
    extra = getattr(conversation, "additional_properties", None) or {}
    value = extra.get("tenantId")
    return value if isinstance(value, str) and value else None


def conversation_key(activity: Activity) -> str | None:
    """`teams:<tenant id>:<aad object id or from.id>`, or None when the sender is unknown."""
    sender = activity.from_property
    if sender is None:
        return None
    person = sender.aad_object_id or sender.id
    if not person or not _clean(str(person)):
        return None
    # AAD object ids are GUIDs; Teams sends them in either case, so one person is one key.
    person = _clean(str(person))
    if sender.aad_object_id:
        person = person.lower()
    tenant = _clean(tenant_id(activity) or "") or NO_TENANT
    return f"{PLATFORM}:{tenant.lower()}:{person}"

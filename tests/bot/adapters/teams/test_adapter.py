"""The adapter's wiring: the msrest retry-policy fix, client reuse, settings mapping."""

from __future__ import annotations

import logging

import pytest
from botframework.connector.auth import ClaimsIdentity
from msrest.universal_http.requests import ClientRetryPolicy

from bot.adapters.teams.adapter import (
    BotFrameworkConfig,
    make_adapter,
    make_authentication,
    use_fast_msrest_retry_policy,
)
from tests.bot.adapters.teams.conftest import make_settings

# msrest 0.7.1's own definition (msrest/universal_http/requests.py), copied to compare with.
MSREST_SAFE_CODES = [i for i in range(500) if i != 408] + [501, 505]
MSREST_RETRY_CODES = [i for i in range(999) if i not in MSREST_SAFE_CODES]


def test_the_retry_policy_fix_keeps_msrest_behaviour_and_is_idempotent() -> None:
    assert use_fast_msrest_retry_policy() is True
    codes = ClientRetryPolicy.safe_codes
    assert isinstance(codes, frozenset) and codes == set(MSREST_SAFE_CODES)

    policy = ClientRetryPolicy().policy
    # Exactly the list, in the order, that the unpatched msrest computes.
    assert policy.status_forcelist == MSREST_RETRY_CODES
    assert 500 in policy.status_forcelist and 408 in policy.status_forcelist
    assert 404 not in policy.status_forcelist and 501 not in policy.status_forcelist

    assert use_fast_msrest_retry_policy() is True
    assert ClientRetryPolicy.safe_codes is codes


def test_the_fix_leaves_an_unexpected_msrest_alone(monkeypatch: pytest.MonkeyPatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(ClientRetryPolicy, "safe_codes", range(500))
    with caplog.at_level(logging.WARNING):
        assert use_fast_msrest_retry_policy() is False
    assert ClientRetryPolicy.safe_codes == range(500)
    assert "safe_codes" in caplog.text


def test_make_adapter_applies_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ClientRetryPolicy, "safe_codes", list(MSREST_SAFE_CODES))
    make_adapter(make_settings(), friendly_error="sorry")
    assert isinstance(ClientRetryPolicy.safe_codes, frozenset)


def test_settings_map_to_bot_framework_names_and_the_password_stays_hidden() -> None:
    config = BotFrameworkConfig(make_settings(
        microsoft_app_id="8d8b9a3e-0000-4000-8000-000000000b07",
        microsoft_app_password="s3cret-pw", microsoft_app_type="SingleTenant",
        microsoft_app_tenant_id="tenant-1"))
    assert (config.APP_ID, config.APP_PASSWORD, config.APP_TYPE, config.APP_TENANTID) == (
        "8d8b9a3e-0000-4000-8000-000000000b07", "s3cret-pw", "SingleTenant", "tenant-1")
    assert "s3cret" not in repr(config)


async def test_authentication_is_disabled_only_without_an_app_id() -> None:
    assert await make_authentication(make_settings()).authentication_disabled()
    enabled = make_authentication(make_settings(
        microsoft_app_id="8d8b9a3e-0000-4000-8000-000000000b07",
        microsoft_app_password="pw"))
    assert not await enabled.authentication_disabled()


async def test_connector_and_token_clients_are_built_once_per_service_url() -> None:
    auth = make_authentication(make_settings())
    anonymous = ClaimsIdentity({}, True)

    first = await auth.create_connector_factory(anonymous).create("http://a.example", None)
    again = await auth.create_connector_factory(anonymous).create("http://a.example", None)
    other = await auth.create_connector_factory(anonymous).create("http://b.example", None)
    assert first is again
    assert other is not first
    assert other.config.base_url == "http://b.example"

    token_client = await auth.create_user_token_client(anonymous)
    assert await auth.create_user_token_client(anonymous) is token_client

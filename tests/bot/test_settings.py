"""Settings: the contract's variable names, defaults, secrets kept secret, problems listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings

ALL_VARS = (
    "REDIS_URL", "REDIS_CLUSTER", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN",
    "SLACK_API_URL", "MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "MICROSOFT_APP_TYPE",
    "MICROSOFT_APP_TENANT_ID", "PORT", "STATE_TTL_SECONDS", "DEDUP_TTL_SECONDS",
    "REDIS_KEY_PREFIX", "REDIS_TIMEOUT_SECONDS", "KNOWLEDGE_PATH", "WEB_ENABLED", "LOG_LEVEL",
    "RATE_LIMIT_PER_MINUTE",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ALL_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults() -> None:
    s = Settings()
    assert s.redis_url is None
    assert (s.port, s.state_ttl_seconds, s.dedup_ttl_seconds) == (3978, 30 * 86400, 86400)
    assert (s.redis_key_prefix, s.redis_timeout_seconds) == ("wa", 1.0)
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.microsoft_app_type == "MultiTenant"
    assert (s.web_enabled, s.rate_limit_per_minute, s.knowledge_path) == (True, 30, None)


def test_reads_the_contract_names_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    env = {
        "REDIS_URL": "rediss://user:redis-pw@redis.example:6380/2",
        "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "signing-secret",
        "SLACK_APP_TOKEN": "xapp-1",
        "SLACK_API_URL": "http://127.0.0.1:9/api/", "MICROSOFT_APP_ID": "app",
        "MICROSOFT_APP_PASSWORD": "app-password", "MICROSOFT_APP_TYPE": "SingleTenant",
        "MICROSOFT_APP_TENANT_ID": "tenant", "PORT": "8080", "STATE_TTL_SECONDS": "60",
        "DEDUP_TTL_SECONDS": "30", "REDIS_KEY_PREFIX": "acme", "REDIS_TIMEOUT_SECONDS": "0.5",
        "KNOWLEDGE_PATH": str(tmp_path), "WEB_ENABLED": "false", "LOG_LEVEL": "debug",
        "RATE_LIMIT_PER_MINUTE": "5",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    s = load_settings()
    assert s.redis_url == env["REDIS_URL"]
    assert s.slack_bot_token is not None and s.slack_bot_token.get_secret_value() == "xoxb-1"
    assert s.microsoft_app_password is not None
    assert s.microsoft_app_password.get_secret_value() == "app-password"
    assert (s.port, s.state_ttl_seconds, s.dedup_ttl_seconds) == (8080, 60, 30)
    assert (s.redis_key_prefix, s.redis_timeout_seconds) == ("acme", 0.5)
    assert (s.knowledge_path, s.web_enabled, s.log_level) == (tmp_path, False, "DEBUG")
    assert s.rate_limit_per_minute == 5
    assert s.slack_api_url == env["SLACK_API_URL"]
    assert (s.microsoft_app_type, s.microsoft_app_tenant_id) == ("SingleTenant", "tenant")
    # Secrets never show in the repr (logs, tracebacks).
    for secret in ("xoxb-1", "signing-secret", "xapp-1", "app-password", "redis-pw"):
        assert secret not in repr(s)
    assert s.redis_url_for_logs == "rediss://user:***@redis.example:6380/2"


def test_reads_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("REDIS_URL=redis://127.0.0.1:7000/0\nPORT=4000\n"
                                   "SLACK_BOT_TOKEN=\n")
    s = load_settings()
    assert (s.redis_url, s.port, s.slack_bot_token) == ("redis://127.0.0.1:7000/0", 4000, None)


def test_every_problem_is_listed_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "http://localhost:6379")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("PORT", "not-a-port")
    with pytest.raises(SettingsError) as info:
        load_settings()
    problems = info.value.problems
    assert len(problems) == 3
    assert any(p.startswith("PORT") for p in problems)
    assert any("REDIS_URL must start with redis://" in p for p in problems)
    assert any("SLACK_SIGNING_SECRET" in p for p in problems)
    assert "xoxb-1" not in str(info.value)


@pytest.mark.parametrize(("env", "needle"), [
    ({"REDIS_URL": "localhost:6379"}, "REDIS_URL must start"),
    ({"REDIS_URL": "redis://"}, "REDIS_URL has no host"),
    ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
    ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "xapp-"),
    ({"MICROSOFT_APP_ID": "a"}, "MICROSOFT_APP_PASSWORD"),
    ({"MICROSOFT_APP_TYPE": "Other"}, "MICROSOFT_APP_TYPE"),
    ({"MICROSOFT_APP_ID": "a", "MICROSOFT_APP_PASSWORD": "p",
      "MICROSOFT_APP_TYPE": "SingleTenant"}, "MICROSOFT_APP_TENANT_ID"),
    ({"KNOWLEDGE_PATH": "/nonexistent/kb"}, "KNOWLEDGE_PATH"),
    ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL"),
    ({"REDIS_KEY_PREFIX": "a:b"}, "REDIS_KEY_PREFIX"),
    ({"REDIS_TIMEOUT_SECONDS": "0"}, "REDIS_TIMEOUT_SECONDS"),
    ({"REDIS_CLUSTER": "true"}, "REDIS_CLUSTER"),
])
def test_each_problem_has_a_clear_message(monkeypatch: pytest.MonkeyPatch,
                                          env: dict[str, str], needle: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert len(info.value.problems) == 1
    assert needle in info.value.problems[0]


def test_socket_mode_needs_no_signing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert load_settings().slack_enabled

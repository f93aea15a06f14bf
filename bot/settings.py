"""Runtime settings, from the environment and a `.env` file (docs/architecture.md's settings
contract).

Every misconfiguration is reported at start, all at once, one line per problem, so an operator
fixes them in one go instead of one restart per mistake.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REDIS_SCHEMES = ("redis", "rediss", "unix")
APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
DAY = 24 * 60 * 60


class SettingsError(ValueError):
    """The settings are wrong; str() lists each problem on its own line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("Configuration problems:\n" + "\n".join(f"- {p}" for p in problems))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", case_sensitive=False, extra="ignore",
    )

    # Unset: the in-memory store (conversations live as long as the process). May carry a
    # password, so it is kept out of repr(); log `redis_url_for_logs` instead.
    redis_url: str | None = Field(default=None, repr=False)
    # Connect to a Redis Cluster (the URL names any one node).
    redis_cluster: bool = False
    redis_key_prefix: str = Field(default="wa", min_length=1, max_length=64)
    # Bounds both connecting and each command, so an outage costs a turn at most this long.
    redis_timeout_seconds: float = Field(default=1.0, gt=0, le=60)
    # Keys Redis key names (HMAC), so they cannot be matched to user ids; unset: plain digests.
    # Setting it later keeps existing conversations (read under their old names, then moved).
    redis_key_secret: SecretStr | None = Field(default=None, repr=False)
    state_ttl_seconds: int = Field(default=30 * DAY, gt=0)
    dedup_ttl_seconds: int = Field(default=DAY, gt=0)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    microsoft_app_id: str | None = None
    microsoft_app_password: SecretStr | None = None
    microsoft_app_type: str = "MultiTenant"
    microsoft_app_tenant_id: str | None = None

    port: int = Field(default=3978, ge=1, le=65535)
    knowledge_path: Path | None = None
    web_enabled: bool = True
    # Signs the web page's conversation cookie; unset: a random secret per process.
    web_cookie_secret: SecretStr | None = None
    # Where Slack (and anyone a link is handed to) reaches this server, e.g.
    # https://bot.example.com: the base of the cards' picture links. Unset: Slack cards carry
    # no pictures (the web page uses links relative to itself).
    public_url: str | None = None
    # Signs the picture and decision-record links; unset: WEB_COOKIE_SECRET, else
    # SLACK_SIGNING_SECRET, else a random secret per process (links then die with it).
    pictures_secret: SecretStr | None = None
    picture_link_ttl_seconds: int = Field(default=7 * DAY, gt=0)
    log_level: str = "INFO"
    rate_limit_per_minute: int = Field(default=30, ge=0)  # 0: no limit

    # New web conversations (requests without a valid cookie) one client address may start per
    # minute, in this process (0: no limit).
    web_new_conversations_per_minute: int = Field(default=30, ge=0)
    # Addresses or networks (comma-separated) of the reverse proxies in front of `serve`: only
    # from these are X-Forwarded-For and X-Forwarded-Proto believed.
    trusted_proxies: str = ""
    # A conversation that never got past its first question expires after this long unused.
    new_conversation_ttl_seconds: int = Field(default=60 * 60, gt=0)
    # Conversations the in-memory store keeps at most (the oldest go first).
    memory_store_max_conversations: int = Field(default=100_000, gt=0)
    # Slow clients: a request's headers (and an idle keep-alive connection) must arrive within
    # the first, its body within the second; at most this many connections are open at once.
    http_header_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    http_body_timeout_seconds: float = Field(default=10.0, gt=0, le=600)
    http_max_connections: int = Field(default=1000, gt=0)
    # GET /metrics: with a token, only for `Authorization: Bearer <token>`; with a port, served
    # there (on serve's host) and not on the main port.
    metrics_token: SecretStr | None = Field(default=None, repr=False)
    metrics_port: int | None = Field(default=None, ge=1, le=65535)

    @field_validator(
        "redis_url", "redis_key_secret", "slack_bot_token", "slack_signing_secret",
        "slack_app_token",
        "microsoft_app_id", "microsoft_app_password", "microsoft_app_tenant_id",
        "knowledge_path", "public_url", "pictures_secret", "metrics_token", "metrics_port",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `FOO=` in a .env file means "not set", not "set to the empty string".
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        problems = settings_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def redis_url_for_logs(self) -> str | None:
        """REDIS_URL with any password replaced by ***."""
        if self.redis_url is None:
            return None
        parts = urlsplit(self.redis_url)
        if parts.password is None:
            return self.redis_url
        user = parts.username or ""
        netloc = f"{user}:***@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
        return parts._replace(netloc=netloc).geturl()

    @property
    def trusted_proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """TRUSTED_PROXIES parsed (settings_problems has already refused a bad entry)."""
        return tuple(ip_network(part.strip(), strict=False)
                     for part in self.trusted_proxies.split(",") if part.strip())

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def teams_enabled(self) -> bool:
        return self.microsoft_app_id is not None


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def settings_problems(s: Settings) -> list[str]:
    """Each inconsistency in the settings, one human sentence each (no secret values)."""
    problems: list[str] = []
    if s.redis_url is not None:
        parts = urlsplit(s.redis_url)
        if parts.scheme not in REDIS_SCHEMES:
            problems.append(
                "REDIS_URL must start with redis://, rediss:// or unix:// "
                f"(got scheme {parts.scheme or 'none'!r})")
        elif parts.scheme != "unix" and not parts.hostname:
            problems.append("REDIS_URL has no host (expected e.g. redis://localhost:6379/0)")
        elif parts.scheme == "unix" and not parts.path:
            problems.append("REDIS_URL unix:// needs a socket path (unix:///run/redis.sock)")
        if s.redis_cluster and parts.scheme == "unix":
            problems.append("REDIS_CLUSTER needs a redis:// or rediss:// REDIS_URL")
    elif s.redis_cluster:
        problems.append("REDIS_CLUSTER is set but REDIS_URL is not")
    if ":" in s.redis_key_prefix or "{" in s.redis_key_prefix or "}" in s.redis_key_prefix:
        problems.append("REDIS_KEY_PREFIX must not contain ':', '{' or '}'")

    if s.slack_bot_token is not None and s.slack_signing_secret is None \
            and s.slack_app_token is None:
        problems.append("SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not "
                        "(needed to verify requests from Slack)")
    if s.slack_app_token is not None:
        if s.slack_bot_token is None:
            problems.append("SLACK_APP_TOKEN (Socket Mode) needs SLACK_BOT_TOKEN too")
        if not _secret(s.slack_app_token).startswith("xapp-"):
            problems.append("SLACK_APP_TOKEN must be an app-level token (starts with xapp-)")
    if urlsplit(s.slack_api_url).scheme not in ("http", "https"):
        problems.append("SLACK_API_URL must be an http:// or https:// URL")
    if s.public_url is not None and (urlsplit(s.public_url).scheme not in ("http", "https")
                                     or not urlsplit(s.public_url).hostname):
        problems.append("PUBLIC_URL must be an http:// or https:// URL "
                        "(e.g. https://bot.example.com)")

    if s.microsoft_app_type not in APP_TYPES:
        problems.append(f"MICROSOFT_APP_TYPE must be one of {', '.join(APP_TYPES)}")
    elif s.microsoft_app_id is not None:
        if s.microsoft_app_type != "UserAssignedMSI" and s.microsoft_app_password is None:
            problems.append("MICROSOFT_APP_ID is set but MICROSOFT_APP_PASSWORD is not")
        if s.microsoft_app_type in ("SingleTenant", "UserAssignedMSI") \
                and s.microsoft_app_tenant_id is None:
            problems.append(f"MICROSOFT_APP_TYPE {s.microsoft_app_type} needs "
                            "MICROSOFT_APP_TENANT_ID")
    if s.microsoft_app_id is None and s.microsoft_app_password is not None:
        problems.append("MICROSOFT_APP_PASSWORD is set but MICROSOFT_APP_ID is not")

    if s.knowledge_path is not None and not s.knowledge_path.exists():
        problems.append(f"KNOWLEDGE_PATH {str(s.knowledge_path)!r} does not exist")
    for part in s.trusted_proxies.split(","):
        try:
            if part.strip():
                ip_network(part.strip(), strict=False)
        except ValueError:
            problems.append(f"TRUSTED_PROXIES: {part.strip()[:60]!r} is not an IP address or "
                            "network (expected e.g. 10.0.0.0/8, 192.0.2.7)")
    if s.metrics_port is not None and s.metrics_port == s.port:
        problems.append("METRICS_PORT must differ from PORT (unset it to serve /metrics on PORT)")
    if s.log_level not in LOG_LEVELS:
        problems.append(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    return problems


def _describe(error: ValidationError) -> list[str]:
    problems: list[str] = []
    for err in error.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for p in err["loc"])
        if not loc:
            # Our own cross-field check: its message already lists one problem a line.
            msg = str(err["msg"]).removeprefix("Value error, ")
            problems.extend(line for line in msg.splitlines() if line)
        else:
            problems.append(f"{loc.upper()}: {err['msg']}")
    return problems


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and `.env`; raises SettingsError listing every problem."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = _describe(error)
        # A malformed field stops pydantic before the cross-field checks; run them again with
        # the malformed fields at their defaults so the person sees every problem at once.
        bad = {str(e["loc"][0]) for e in error.errors() if e["loc"]}
        if bad:
            defaults = {name: Settings.model_fields[name].get_default(call_default_factory=True)
                        for name in bad if name in Settings.model_fields}
            try:
                Settings(**{**overrides, **defaults})  # type: ignore[arg-type]
            except ValidationError as again:
                problems += [p for p in _describe(again) if p not in problems]
        raise SettingsError(problems) from None


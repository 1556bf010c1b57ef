"""Every setting, read in one place (environment first, then an optional ``aiops.toml``).

Nothing else in the code base reads ``os.environ`` (a command the bot runs gets a copy,
``child_environment``). Secrets are ``SecretStr``: they print as
``**********`` and must be unwrapped with ``.get_secret_value()`` at the one call that needs them.
The README's configuration table lists every field below.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.errors import ConfigError

DEFAULT_DB_PATH = Path.home() / ".local" / "share" / "aiops" / "aiops.db"


def _config_file() -> Path:
    # A sanctioned environment read outside the settings model: where the file is.
    return Path(os.environ.get("AIOPS_CONFIG", "aiops.toml"))


def child_environment() -> dict[str, str]:
    """A copy of this process's environment, for a command the bot runs (``git``) to inherit:
    the other sanctioned read outside the settings model (PATH, HOME, the SSH agent)."""
    return dict(os.environ)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    # --- storage
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; postgresql+psycopg://… switches to Postgres"
    )
    aiops_db: Path = Field(default=DEFAULT_DB_PATH, description="SQLite file when no DATABASE_URL")

    # --- Slack
    slack_bot_token: SecretStr | None = Field(default=None, description="xoxb-… bot token")
    slack_app_token: SecretStr | None = Field(default=None, description="xapp-… socket-mode token")
    slack_api_url: str | None = Field(
        default=None, description="Web API base URL (the local Slack server in the sandbox)"
    )
    aiops_slack_channel: str = Field(default="#incidents", description="where incidents are posted")
    aiops_slack_connections: int = Field(
        default=2,
        ge=1,
        le=10,
        description="socket-mode connections, 1-10 (Slack spreads envelopes over them)",
    )

    # --- HTTP webhooks
    aiops_http_host: str = Field(default="127.0.0.1", description="webhook server bind address")
    aiops_http_port: int = Field(default=8080, description="webhook server port")
    aiops_webhook_token: SecretStr | None = Field(
        default=None, description="bearer token for Alertmanager / generic / change webhooks"
    )
    github_webhook_secret: SecretStr | None = Field(default=None, description="GitHub HMAC secret")
    pagerduty_webhook_secrets: list[SecretStr] = Field(
        default_factory=list, description="PagerDuty v3 webhook secrets (several during rotation)"
    )
    aiops_sns_host_pattern: str = Field(
        default=r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$",
        description="regex of hosts allowed for SNS SigningCertURL / SubscribeURL",
    )
    aiops_sns_require_https: bool = Field(
        default=True, description="SNS cert/subscribe URLs must be https (off only in the sandbox)"
    )

    # --- AWS
    aws_region: str = Field(default="us-east-1", description="AWS region")
    aws_endpoint_url: str | None = Field(default=None, description="AWS endpoint (the sandbox)")
    aiops_aws_gaps_endpoint_url: str | None = Field(
        default=None, description="CloudTrail + alarm-history endpoint (the sandbox's gap server)"
    )

    # --- Kubernetes
    kubeconfig: Path | None = Field(default=None, description="kubeconfig file")
    kube_context: str | None = Field(default=None, description="kubeconfig context")

    # --- PagerDuty
    pagerduty_api_token: SecretStr | None = Field(default=None, description="REST API token")
    pagerduty_routing_key: SecretStr | None = Field(default=None, description="Events v2 key")
    pagerduty_api_url: str = Field(default="https://api.pagerduty.com", description="REST base")
    pagerduty_events_url: str = Field(
        default="https://events.pagerduty.com", description="Events API v2 base"
    )
    pagerduty_from_email: str | None = Field(
        default=None, description="PagerDuty user email sent as From on REST writes (acks)"
    )

    # --- notifications and escalation
    aiops_smtp_host: str | None = Field(default=None, description="SMTP server for email")
    aiops_smtp_port: int = Field(default=587, description="SMTP port")
    aiops_smtp_user: str | None = Field(default=None, description="SMTP login user")
    aiops_smtp_password: SecretStr | None = Field(default=None, description="SMTP password")
    aiops_smtp_starttls: bool = Field(default=True, description="STARTTLS before login")
    aiops_smtp_from: str = Field(default="aiops@localhost", description="email From address")
    aiops_teams_webhook_url: SecretStr | None = Field(
        default=None, description="default Microsoft Teams incoming webhook URL"
    )
    aiops_notify_webhook_url: str | None = Field(
        default=None, description="default generic webhook URL for notifications"
    )
    aiops_notify_webhook_secret: SecretStr | None = Field(
        default=None, description="HMAC-SHA256 secret that signs generic webhook notifications"
    )
    aiops_notify_attempts: int = Field(default=5, ge=1, description="tries per notification")
    aiops_notify_backoff_s: float = Field(
        default=1.0, ge=0, description="first retry wait; doubles each try"
    )
    aiops_notify_backoff_max_s: float = Field(default=60.0, ge=0, description="longest retry wait")
    aiops_notify_rate_per_hour: int = Field(
        default=10, ge=1, description="notifications per hour per alert pattern and target"
    )
    aiops_escalation_tick_s: float = Field(
        default=1.0,
        gt=0,
        description="safety poll: longest wait to see escalation timers another replica created "
        "(timers fire at their due time)",
    )
    aiops_escalation_lease_s: float = Field(
        default=120.0, gt=0, description="a timer claim older than this is taken over"
    )
    aiops_escalation_listen: bool = Field(
        default=True,
        description="on Postgres, hear escalation timers other replicas create at once "
        "(LISTEN/NOTIFY); off behind a transaction-pooling PgBouncer, leaving the safety poll",
    )

    # --- Anthropic (optional: with no key everything works on rules)
    anthropic_api_key: SecretStr | None = Field(default=None, description="enables Claude")
    anthropic_base_url: str | None = Field(default=None, description="Messages API base URL")
    aiops_anthropic_model: str = Field(default="claude-sonnet-4-5", description="model name")
    aiops_llm_timeout_s: float = Field(
        default=30.0, gt=0, description="timeout of each request to the model"
    )

    # --- observability sources
    loki_url: str | None = Field(
        default=None,
        description="Loki base URL: investigations read the pods' shipped logs there, those of"
        " pods since replaced too",
    )
    prometheus_url: str | None = Field(default=None, description="Prometheus base URL")

    # --- files
    aiops_playbooks_dir: Path | None = Field(default=None, description="extra playbooks folder")
    aiops_policy_file: Path | None = Field(default=None, description="remediation policy.yaml")
    aiops_escalation_file: Path | None = Field(default=None, description="escalation.yaml")
    aiops_slo_file: Path | None = Field(default=None, description="slo.yaml")
    aiops_topology_file: Path | None = Field(default=None, description="service topology.yaml")
    aiops_accounts_file: Path | None = Field(
        default=None, description="accounts.yaml: the AWS accounts (roles to assume, or AWS"
        " Organizations) and regions the audits, the inventory and investigations read, and the"
        " role (fix_role_arn) an approved fix of a finding in that account runs with; unset: the"
        " one configured account and region",
    )  # fmt: skip
    aiops_compliance_file: Path | None = Field(
        default=None, description="compliance rules of your own, added to the built-in set"
    )
    aiops_prices_file: Path | None = Field(
        default=None, description="prices of your own (region, discounts), merged over the"
        " shipped bot/posture/prices.yaml",
    )  # fmt: skip
    aiops_cost_rules_file: Path | None = Field(
        default=None, description="cost audit thresholds of your own, merged over the shipped"
        " bot/posture/cost_rules.yaml",
    )  # fmt: skip

    # --- runbooks from git
    aiops_runbooks_git_url: str | None = Field(
        default=None, description="runbook repository (local path or remote); unset: the shipped"
        " playbooks/runbooks folder",
    )  # fmt: skip
    aiops_runbooks_git_ref: str = Field(
        default="main", description="branch, tag or commit of the runbook repository"
    )
    aiops_runbooks_git_path: str = Field(
        default="", description="folder of the runbooks inside the repository (default: its root)"
    )
    aiops_runbooks_cache_dir: Path | None = Field(
        default=None, description="where the repository is cloned (default: beside AIOPS_DB)"
    )
    aiops_runbooks_sync_every_s: float = Field(
        default=300.0, ge=0, description="seconds between scheduled runbook syncs (0: off)"
    )
    aiops_github_webhook_secret: SecretStr | None = Field(
        default=None,
        description="HMAC secret of POST /webhooks/github (runbook pushes; default: "
        "GITHUB_WEBHOOK_SECRET)",
    )
    aiops_ops_channel: str | None = Field(
        default=None, description="channel of operational notices such as a failed runbook sync "
        "(default: AIOPS_SLACK_CHANNEL)",
    )  # fmt: skip
    aiops_services_file: Path | None = Field(
        default=None, description="services.yaml: each service's team, channel and escalation"
    )
    aiops_teams_file: Path | None = Field(
        default=None, description="teams.yaml: Slack users and groups in teams, with roles"
    )
    aiops_auto_investigate_file: Path | None = Field(
        default=None, description="auto_investigate.yaml: which new incidents investigate at once"
    )

    # --- behaviour
    aiops_approval_ttl_minutes: int = Field(default=30, description="approval request lifetime")
    aiops_timezone: str = Field(default="UTC", description="timezone of the weekly digest")
    aiops_capacity_file: Path | None = Field(
        default=None, description="capacity.yaml: watched resources, limits, discovery on/off"
    )
    aiops_digest_day: str = Field(default="mon", description="weekday of the capacity digest")
    aiops_digest_time: str = Field(default="09:00", description="local time of the digest (HH:MM)")
    aiops_digest_channel: str | None = Field(
        default=None, description="channel of the capacity digest (default: AIOPS_SLACK_CHANNEL)"
    )
    aiops_predict_every_s: float = Field(
        default=300.0, ge=0, description="seconds between prediction scans (0: off)"
    )
    aiops_compliance_every_s: float = Field(
        default=86400.0, ge=0,
        description="seconds between scheduled compliance evaluations, each stored for the"
        " trend (0: off)",
    )  # fmt: skip
    aiops_log_level: str = Field(default="INFO", description="logging level")
    aiops_log_json: bool = Field(default=False, description="JSON log lines")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml)

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not (value.startswith("sqlite") or value.startswith("postgresql")):
            raise ValueError("DATABASE_URL must start with sqlite:/// or postgresql+psycopg://")
        return value

    @property
    def db_url(self) -> str:
        """The effective SQLAlchemy URL."""
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            return url
        return f"sqlite:///{self.aiops_db}"


def load_settings(**overrides: object) -> Settings:
    """Read settings; a malformed value becomes one ConfigError naming the setting."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = ".".join(str(p) for p in err["loc"]).upper() or "settings"
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {msg}", hint="fix the environment or aiops.toml") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.errors import ConfigError


def test_secrets_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    s = load_settings()
    assert s.slack_bot_token is not None
    assert "very-secret" not in repr(s) and "very-secret" not in str(s.model_dump())
    assert s.slack_bot_token.get_secret_value() == "xoxb-very-secret"


def test_malformed_database_url_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://nope")
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        load_settings()


def test_default_is_sqlite_file_and_postgres_url_is_normalised(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("AIOPS_DB", str(tmp_path / "x.db"))
    assert load_settings().db_url == f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@h:5432/d")
    assert load_settings().db_url == "postgresql+psycopg://u:p@h:5432/d"


def test_toml_file_is_read_and_env_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = tmp_path / "aiops.toml"
    cfg.write_text('aiops_slack_channel = "#ops"\naiops_http_port = 9999\n')
    monkeypatch.setenv("AIOPS_CONFIG", str(cfg))
    monkeypatch.setenv("AIOPS_HTTP_PORT", "8181")
    s = Settings()
    assert s.aiops_slack_channel == "#ops"
    assert s.aiops_http_port == 8181


def test_nothing_but_the_settings_module_reads_the_environment() -> None:
    """``bot/config.py`` is the one reader of ``os.environ`` in the product (a command the bot
    runs gets its copy, ``child_environment``); the integrations are passed what they need."""
    root = Path(__file__).resolve().parents[2]
    readers = sorted(
        str(path.relative_to(root))
        for pkg in ("bot", "integrations", "handlers", "sandbox")
        for path in (root / pkg).rglob("*.py")
        if re.search(r"\bos\.(environ|getenv|putenv)\b|\bgetenv\(", path.read_text())
    )
    assert readers == ["bot/config.py"]


def test_a_knowledge_file_names_its_origin_and_the_first_bad_key() -> None:
    """The files the bot ships (rules, catalogues, vocabularies) validate one way
    (``configfile.validate_knowledge``): a ConfigError ``<origin>: <dotted.key>: <reason>``."""
    from pydantic import BaseModel

    from bot.configfile import validate_knowledge

    class Rule(BaseModel):
        name: str
        weight: float

    class Rules(BaseModel):
        rules: list[Rule]

    assert validate_knowledge(Rules, {"rules": [{"name": "a", "weight": 1}]}, origin="r.yaml")
    with pytest.raises(ConfigError, match=r"^r\.yaml: rules\.0\.weight: Input should be"):
        validate_knowledge(Rules, {"rules": [{"name": "a", "weight": "x"}]}, origin="r.yaml")

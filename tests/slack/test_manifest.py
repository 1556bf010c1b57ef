"""app.yaml agrees with the code: the command, events, socket mode, interactivity, scopes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from handlers.slack.commands import COMMAND

MANIFEST = Path(__file__).resolve().parents[2] / "app.yaml"


def load() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text())


def test_manifest_matches_the_app() -> None:
    manifest = load()
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert command["should_escape"] is True  # mentions arrive as <@U…>, which `assign` expects
    assert command["usage_hint"]


def test_manifest_asks_for_exactly_the_scopes_the_bot_uses() -> None:
    scopes = set(load()["oauth_config"]["scopes"]["bot"])
    assert scopes == {
        "chat:write", "chat:write.public", "commands", "files:write", "users:read",
        "users:read.email", "channels:read", "groups:read", "im:write", "usergroups:read",
        "channels:history",
    }  # fmt: skip

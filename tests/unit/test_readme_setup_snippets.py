"""The README's setup snippets for real systems point at routes the bot serves, with the
authentication those routes check (issue 16 pt 4: a snippet that drifts is a broken setup)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import yaml
from fastapi.routing import APIRoute

from bot.ingest.signatures import check_bearer
from handlers.http.alerts import router

README = Path(__file__).resolve().parents[2] / "README.md"


def _posts() -> set[str]:
    return {
        r.path for r in router.routes if isinstance(r, APIRoute) and "POST" in (r.methods or set())
    }


def test_the_alertmanager_receiver_posts_to_a_served_route_with_a_bearer_token() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(), flags=re.S)
    config = next(yaml.safe_load(b) for b in blocks if "webhook_configs" in b)
    receiver = next(r for r in config["receivers"] if r.get("webhook_configs"))
    assert config["route"]["receiver"] == receiver["name"]
    hook = receiver["webhook_configs"][0]
    assert urlparse(hook["url"]).path in _posts()
    auth = hook["http_config"]["authorization"]
    check_bearer(f"{auth['type']} the-token", "the-token")  # the scheme the route accepts


def test_the_pagerduty_webhook_url_in_the_readme_is_served() -> None:
    urls = re.findall(r"`(https://[^`]+/webhooks/pagerduty)`", README.read_text())
    assert urls and all(urlparse(u).path in _posts() for u in urls)


def test_the_readme_explains_exactly_the_scopes_and_events_of_the_app_manifest() -> None:
    manifest = yaml.safe_load((README.parent / "app.yaml").read_text())
    text = README.read_text()
    section = text.split("Bot scopes and why:", 1)[1].split("\n\n", 2)[1]
    explained = {s for line in section.splitlines() for s in re.findall(r"`([a-z:.]+)`", line)}
    assert explained == set(manifest["oauth_config"]["scopes"]["bot"])
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        assert f"`{event}`" in text

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
    return {r.path for r in router.routes if isinstance(r, APIRoute) and "POST" in r.methods}


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

"""One way for a test (or a bench) to start what ``aiops run`` starts, wired to local servers.

The wired Slack tests, the shared-flows test and the approval-walk bench all need the same
thing: a migrated SQLite file with some members, a sandbox world from a scenario, the local
Slack server with a channel and users, and a :class:`Runtime` whose investigation and action
contexts point at that world. :func:`wired_runtime` builds it and tears it down in the right
order, so a fixture only says who its users are and which scenario it plays.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.config import load_settings
from bot.store import Database
from bot.store import connect as connect_db
from bot.store.migrate import upgrade
from bot.teams.members import add_member
from handlers.slack.wiring import Runtime, built_once
from sandbox.investigate.context import context_for_world as investigation_context_for
from sandbox.remediate.context import context_for_world as action_context_for
from sandbox.scenario import load_scenario
from sandbox.slack import LocalSlack
from sandbox.world import SandboxWorld


@dataclass
class Wired:
    """The running pieces; ``http`` talks to the runtime's webhook server."""

    slack: LocalSlack
    runtime: Runtime
    http: httpx.Client
    world: SandboxWorld
    db: Database
    url: str
    token: str
    cli_env: dict[str, str] = field(default_factory=dict)


@contextmanager
def wired_runtime(
    scenario: Path,
    workdir: Path,
    *,
    token: str,
    users: Sequence[str] = (),
    members: Mapping[str, Sequence[str]] | None = None,
    channel: str = "incidents",
    from_settings: bool = False,
    **settings: Any,
) -> Iterator[Wired]:
    """Start a runtime on ``scenario``'s sandbox world with a fresh database in ``workdir``.

    ``members`` maps a Slack user id to its roles (stored before the runtime starts); ``users``
    are the Slack users the local server knows (members are added to it too). Extra keyword
    arguments override settings. ``from_settings``: the runtime builds its investigation and
    action contexts from the settings, as ``aiops run`` does, with the world's endpoints
    (AWS, kubeconfig, Loki) as those settings, instead of being handed the world's contexts.
    """
    url = f"sqlite:///{workdir / 'aiops.db'}"
    db = connect_db(url)
    upgrade(db.engine)
    for user, roles in (members or {}).items():
        add_member(db, user, list(roles))
    known = list(dict.fromkeys([*users, *(members or {})]))
    try:
        with SandboxWorld(load_scenario(scenario).scenario) as world, LocalSlack() as slack:
            slack.add_channel(channel)
            for user in known:
                slack.add_user(user, user.lower())
            ep = world.endpoints
            if from_settings:
                settings = {
                    "aws_endpoint_url": ep.aws_endpoint_url, "aws_region": ep.region,
                    "aiops_aws_gaps_endpoint_url": ep.gaps_endpoint_url,
                    "kubeconfig": ep.kubeconfig_path, "loki_url": ep.loki_url, **settings,
                }  # fmt: skip
            config = load_settings(
                database_url=url, slack_bot_token="xoxb-wired", slack_app_token="xapp-wired",
                slack_api_url=slack.api_url, aiops_http_port=0, aiops_webhook_token=token,
                aiops_slack_channel=f"#{channel}", aiops_escalation_tick_s=3600,
                **settings,
            )  # fmt: skip
            contexts: dict[str, Any] = {}
            if not from_settings:
                contexts = {
                    "investigation_context": built_once(lambda: investigation_context_for(world)),
                    "action_context": built_once(lambda: action_context_for(world)),
                }
            runtime = Runtime(config, clock=world.clock, **contexts).start()
            cli_env = {
                "DATABASE_URL": url, "AWS_ENDPOINT_URL": ep.aws_endpoint_url,
                "AWS_REGION": ep.region, "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing", "KUBECONFIG": str(ep.kubeconfig_path),
            }  # fmt: skip
            try:
                slack.wait_connected()
                # httpx's default 5 s read timeout failed a webhook on a machine loaded 7x over
                # its cores; these tests are about what the flows store, not how fast they answer
                with httpx.Client(
                    base_url=f"http://127.0.0.1:{runtime.http_port}", timeout=30
                ) as http:
                    yield Wired(slack, runtime, http, world, db, url, token, cli_env)
            finally:
                runtime.stop()
    finally:
        db.dispose()

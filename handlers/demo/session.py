"""One demo run: what ``aiops run`` starts (``Runtime``), pointed at the sandbox.

Set-up: a temporary SQLite file (migrations applied), demo members with roles, the sandbox world
(moto, local Kubernetes API, Loki), the local Slack (real Bolt socket mode connects to it), the
local PagerDuty (reached through the real pdpyras client by the escalation policy written for
the demo). Then ``Runtime`` — the production process — and the scenario is posted to its
webhooks. Everything the terminal shows is read back from the local Slack and PagerDuty.

``steps`` are progress lines for the renderer; ``gaps`` say honestly what did not happen.
"""

from __future__ import annotations

import contextlib
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import UserError
from handlers.demo.render import USER_NAMES
from sandbox.slack import Ephemeral, LocalSlack, Message

CHANNEL = "incidents"
ONCALL = "U0ONCALL01"  # types commands and clicks Acknowledge / Investigate
APPROVERS = ("U0APPROVE1", "U0APPROVE2")  # operators; two for high-risk actions
NAMES = {ONCALL: "demo-oncall", APPROVERS[0]: "demo-approver", APPROVERS[1]: "demo-approver-2"}


@dataclass
class Step:
    text: str
    state: str = "run"  # run | ok | fail | info
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None

    def done(self, state: str = "ok", text: str | None = None) -> None:
        self.state = state
        self.ended = time.monotonic()
        if text is not None:
            self.text = text


def default_scenario(examples_dir: Path) -> Path:
    """The first example scenario (by file name) in ``examples_dir``."""
    if not examples_dir.is_dir():
        raise UserError(
            f"no example scenarios: {examples_dir} does not exist",
            hint="pass one with --scenario FILE (see SCENARIOS.md for the format)",
        )
    found = sorted([*examples_dir.glob("*.yaml"), *examples_dir.glob("*.yml")])
    if not found:
        raise UserError(
            f"no example scenarios in {examples_dir}", hint="pass one with --scenario FILE"
        )
    return found[0]


class DemoSession:
    def __init__(self, scenario_path: Path, *, db_url: str | None = None) -> None:
        from sandbox.scenario import load_scenario

        self.scenario_path = scenario_path
        self.scenario = load_scenario(scenario_path).scenario
        self.steps: list[Step] = []
        self.gaps: list[str] = []
        self.error: BaseException | None = None
        self.slack = LocalSlack(channels=("general", CHANNEL))
        self.pd: Any = None
        self.world: Any = None
        self.runtime: Any = None
        self.secrets: Any = None
        self.db_url = db_url or ""
        self.started = time.monotonic()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._thread: threading.Thread | None = None
        self._stops: list[Any] = []

    # ------------------------------------------------------------------ lifecycle
    def step(self, text: str, state: str = "run") -> Step:
        s = Step(text, state)
        if state != "run":
            s.ended = s.started
        self.steps.append(s)
        return s

    def __enter__(self) -> DemoSession:
        try:
            self._setup()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None:
            self._thread.join(timeout=120)
        while self._stops:
            stop = self._stops.pop()
            with contextlib.suppress(Exception):  # tear-down keeps going
                stop()

    def _setup(self) -> None:
        from sandbox.pagerduty_server import LocalPagerDuty
        from sandbox.world import SandboxWorld

        self._tmp = tempfile.TemporaryDirectory(prefix="aiops-demo-")
        self._stops.append(self._tmp.cleanup)
        tmp = Path(self._tmp.name)
        kept = bool(self.db_url)
        where = "kept SQLite" if kept else "temporary SQLite"
        step = self.step(f"database: {where}, migrations applied, demo members")
        self.db_url = self.db_url or f"sqlite:///{tmp / 'demo.db'}"
        self._database()
        step.done()
        step = self.step("sandbox world: moto (AWS), local Kubernetes API, Loki")
        self.world = SandboxWorld(self.scenario).start()
        self._stops.append(self.world.stop)
        step.done()
        step = self.step("local Slack (Web API + Socket Mode) and local PagerDuty")
        self.slack.start()
        self._stops.append(self.slack.stop)
        for user, name in NAMES.items():
            self.slack.add_user(user, name)
        USER_NAMES.update(NAMES)
        self.pd = LocalPagerDuty(clock=self.world.clock).start()
        self._stops.append(self.pd.stop)
        step.done(text=f"local Slack #{CHANNEL} on {self.slack.base_url}, local PagerDuty")
        step = self.step("aiops run: webhooks, Slack socket mode, scheduler (the real process)")
        self._runtime(tmp)
        step.done(text=f"aiops running: webhooks on 127.0.0.1:{self.runtime.http_port}")

    def _database(self) -> None:
        from bot.store import connect
        from bot.store.migrate import upgrade
        from handlers.cli.members import add_member

        db = connect(self.db_url)
        try:
            upgrade(db.engine)
            add_member(db, ONCALL, ["responder", "operator"])
            for user in APPROVERS:
                add_member(db, user, ["responder", "operator"])
        finally:
            db.dispose()

    def _runtime(self, tmp: Path) -> None:
        from bot.config import load_settings
        from handlers.demo.driver import Secrets
        from handlers.slack.wiring import Runtime
        from integrations.aws.session import make_clients
        from sandbox.investigate.context import context_for_world as investigation_context
        from sandbox.remediate.context import context_for_world as action_context

        pd = self.pd
        oncall = pd.state.add_user("Demo On-call", "oncall@example.test")
        schedule = pd.state.add_schedule("Primary", [oncall])
        pd.state.add_policy("Demo", [(5, [schedule])])
        pd.state.add_user("aiops bot", "aiops-bot@example.test")
        escalation = tmp / "escalation.yaml"
        escalation.write_text(
            "policies:\n  - name: demo\n    severities: [critical, warning]\n    levels:\n"
            f"      - escalate_after: 15m\n        targets: [{{kind: pagerduty_schedule, "
            f"ref: {schedule}}}]\ndefault_policy: demo\n"
        )
        topology = tmp / "topology.yaml"  # the service graph an operator would configure
        graph = [
            {"name": s.name, "depends_on": list(s.depends_on or [])} for s in self.scenario.services
        ]
        topology.write_text(yaml.safe_dump({"services": graph}))
        self.secrets = Secrets(secrets.token_hex(16), secrets.token_hex(16), secrets.token_hex(16))
        settings = load_settings(
            database_url=self.db_url, slack_bot_token="xoxb-demo", slack_app_token="xapp-demo",
            slack_api_url=self.slack.api_url, aiops_slack_channel=f"#{CHANNEL}",
            aiops_http_host="127.0.0.1", aiops_http_port=0,
            aiops_webhook_token=self.secrets.webhook_token,
            github_webhook_secret=self.secrets.github,
            pagerduty_webhook_secrets=[self.secrets.pagerduty],
            aiops_sns_host_pattern=r"^127\.0\.0\.1$", aiops_sns_require_https=False,
            pagerduty_routing_key=pd.routing_key, pagerduty_api_token=pd.token,
            pagerduty_events_url=pd.events_url, pagerduty_api_url=pd.api_url,
            pagerduty_from_email="aiops-bot@example.test", aiops_escalation_file=escalation,
            aiops_topology_file=topology, aiops_digest_channel="#general",
            aiops_escalation_tick_s=1, aiops_notify_backoff_s=0.01,
        )  # fmt: skip
        world = self.world
        inv: list[Any] = []
        act: list[Any] = []
        lock = threading.Lock()

        def investigation() -> Any:
            with lock:
                if not inv:
                    inv.append(investigation_context(world))
                return inv[0]

        def action() -> Any:
            with lock:
                if not act:
                    act.append(action_context(world))
                return act[0]

        endpoints = world.endpoints
        clients = make_clients(
            endpoints.region, endpoints.aws_endpoint_url,
            gaps_url=endpoints.gaps_endpoint_url, session=world.aws.session(),
        )  # fmt: skip
        self.runtime = Runtime(
            settings, clock=world.clock, investigation_context=investigation,
            action_context=action, aws_clients=lambda: clients,
        ).start()  # fmt: skip
        self._stops.append(self.runtime.stop)
        self.slack.wait_connected()

    # ------------------------------------------------------------------ running the script
    def start(self, script: Any) -> None:
        """Run ``script(self)`` in a worker thread (the terminal keeps redrawing meanwhile)."""

        def run() -> None:
            try:
                script(self)
            except BaseException as exc:  # shown by the renderer, never a traceback
                self.error = exc

        self._thread = threading.Thread(target=run, name="demo-script", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    # ------------------------------------------------------------------ reading what happened
    def channel(self) -> tuple[list[Message], dict[str, list[Message]]]:
        top = self.slack.messages(CHANNEL)
        return top, {m.ts: self.slack.thread(CHANNEL, m.ts) for m in top}

    def ephemerals(self, user: str = ONCALL) -> list[Ephemeral]:
        return self.slack.ephemerals(user)

    def pages(self) -> list[Any]:
        """PagerDuty incidents as the local PagerDuty recorded them."""
        if self.pd is None:
            return []
        with self.pd.state.lock:
            return list(self.pd.state.incidents.values())

    def pd_name(self, user_id: str) -> str:
        with self.pd.state.lock:
            user = self.pd.state.users.get(user_id) or {}
        return str(user.get("name") or user_id)

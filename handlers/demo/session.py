"""One demo run: a temp database, the local Slack, the replay through the real webhooks.

``DemoSession`` owns the set-up and tear-down; ``run()`` replays the scenario in a worker thread
(so the terminal can poll the local Slack server and redraw while it happens) and returns the
replay report. Progress lines (``steps``) and the honest list of what is not wired yet
(``gaps``) are kept for the renderer.
"""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import UserError
from bot.sandbox.slack import LocalSlack, Message

CHANNEL = "incidents"


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
    found = sorted(examples_dir.glob("*.yaml")) + sorted(examples_dir.glob("*.yml"))
    if not found:
        raise UserError(
            f"no example scenarios in {examples_dir}", hint="pass one with --scenario FILE"
        )
    return sorted(found)[0]


class DemoSession:
    """``with DemoSession(path) as demo: demo.start(); …poll demo.snapshot()…; demo.join()``."""

    def __init__(self, scenario_path: Path) -> None:
        from bot.sandbox.scenario import load_scenario

        self.scenario_path = scenario_path
        self.scenario = load_scenario(scenario_path).scenario
        self.steps: list[Step] = []
        self.gaps: list[str] = []
        self.result: dict[str, Any] | None = None
        self.error: BaseException | None = None
        self.slack = LocalSlack(channels=("general", CHANNEL))
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._thread: threading.Thread | None = None
        self.db_url = ""
        self.started = time.monotonic()

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> DemoSession:
        self._tmp = tempfile.TemporaryDirectory(prefix="aiops-demo-")
        self.db_url = f"sqlite:///{Path(self._tmp.name) / 'demo.db'}"
        step = self.step("database: temporary SQLite, migrations applied")
        from bot.store import connect
        from bot.store.migrate import upgrade

        db = connect(self.db_url)
        try:
            upgrade(db.engine)
        finally:
            db.dispose()
        step.done()
        step = self.step("local Slack: Web API + Socket Mode on 127.0.0.1")
        self.slack.start()
        step.done(text=f"local Slack on {self.slack.base_url} (#{CHANNEL})")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None:
            self._thread.join(timeout=60)
        self.slack.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def step(self, text: str, state: str = "run") -> Step:
        s = Step(text, state)
        if state != "run":
            s.ended = s.started
        self.steps.append(s)
        return s

    # ------------------------------------------------------------------ running
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="demo-replay", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _publisher(self) -> Any:
        try:
            from slack_sdk import WebClient

            from handlers.slack.publisher import SlackIncidentPublisher
        except ImportError:
            self.gaps.append("Slack incident publisher (handlers.slack.publisher) not present")
            return None
        client = WebClient(token="xoxb-demo", base_url=self.slack.api_url)
        return SlackIncidentPublisher(client, f"#{CHANNEL}")

    def _run(self) -> None:
        try:
            self.result = self._replay()
        except BaseException as exc:  # shown by the renderer, never a traceback
            self.error = exc

    def _replay(self) -> dict[str, Any]:
        from bot.remediate.replay_approve import ApproveFirst
        from bot.replay.runner import ReplayContext, replay

        publisher = self._publisher()
        step = self.step("sandbox world: moto (AWS), local Kubernetes API, Loki")
        with ApproveFirst(self.scenario) as approver:
            step.done()

            def enrich(ctx: ReplayContext, incident_id: int) -> dict[str, Any] | None:
                s = self.step(
                    f"incident #{incident_id}: investigating, then the first recommended "
                    "action approved by demo approvers, executed once and verified"
                )
                out = approver(ctx, incident_id)
                rem = (out or {}).get("remediation") or {}
                s.done(
                    "ok" if rem.get("status") == "verified" else "info",
                    f"incident #{incident_id}: {rem.get('action') or 'no action'} → "
                    f"{rem.get('status', '?')}",
                )
                return out

            step = self.step(
                f"replaying {len(self.scenario.alerts)} alert(s) and "
                f"{len(self.scenario.changes)} change(s) through the webhooks"
            )
            result = replay(
                self.scenario, db_url=self.db_url, enrichers=[enrich], publisher=publisher
            )
            step.done(text=f"replayed: {len(result['incidents'])} incident(s)")
        return result

    # ------------------------------------------------------------------ reading Slack
    def channel(self) -> tuple[list[Message], dict[str, list[Message]]]:
        top = self.slack.messages(CHANNEL)
        return top, {m.ts: self.slack.thread(CHANNEL, m.ts) for m in top}

    def timeline(self) -> list[tuple[int, list[Any]]]:
        """Each incident's timeline rows from the store (after the run)."""
        from bot.incidents import service
        from bot.store import connect

        db = connect(self.db_url)
        try:
            with db.session() as session:
                rows = service.list_incidents(session=session, limit=1000)
                return [
                    (r.id or 0, service.timeline(session=session, incident_id=r.id or 0))
                    for r in sorted(rows, key=lambda r: r.id or 0)
                ]
        finally:
            db.dispose()

"""The approval walk: what runs between a Slack [Approve] click and the action executing.

The real process (``Runtime``, what ``aiops run`` starts) serves an example scenario's sandbox
world; an alert opens an incident, a click on [Investigate] proposes the fix, then a profiler
(``threading.setprofile`` on Python call events, project modules only: ``bot/``, ``handlers/``,
``integrations/``, sandbox code left out) follows the click on [Approve] from the Bolt listener
until the outcome is posted. It prints:

- distinct functions and call stops on the whole walk (generator resumes count as stops);
- stops until the action runs (the registry action's ``execute`` is entered);
- climbs: calls into ``handlers/`` whose nearest project caller is in ``bot/``;
- handler→bot calls: calls into ``bot/`` whose nearest project caller is in ``handlers/``.

    .venv/bin/python tests/bench/bench_approval_walk.py [--show]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlmodel import col, select  # noqa: E402

from bot.remediate.registry import get as get_action  # noqa: E402
from bot.store import RemediationRequest  # noqa: E402
from handlers.blocks.ids import ActionId  # noqa: E402
from handlers.slack.wiring import Runtime  # noqa: E402
from sandbox.replay.wire import generic  # noqa: E402
from sandbox.slack import Message  # noqa: E402
from tests.conftest import SCENARIOS_DIR  # noqa: E402
from tests.wired import wired_runtime  # noqa: E402

SCENARIO = SCENARIOS_DIR / "02-k8s-crashloop-bad-env.yaml"
TOKEN = "walk-webhook-token"
REQUESTER, APPROVER = "UWALKREQ1", "UWALKOPS1"
LAYERS = ("handlers", "bot", "integrations")
SKIP_NAMES = {"<listcomp>", "<genexpr>", "<dictcomp>", "<setcomp>"}


def _layer(filename: str) -> str | None:
    """The project layer of a source file, or None (libraries, tests, sandbox code)."""
    try:
        rel = Path(filename).resolve().relative_to(ROOT)
    except ValueError:
        return None
    parts = rel.parts
    if not parts or parts[0] not in LAYERS:
        return None
    if any(p == "sandbox" or p.startswith("sandbox") for p in parts[1:]):
        return None  # the world's servers and glue are not the product's walk
    return parts[0]


@dataclass
class Stop:
    seq: int
    thread: str
    layer: str
    function: str
    caller_layer: str | None


@dataclass
class Walk:
    """A profiler that waits for the handler's entry, then records project calls."""

    start_file: str
    start_name: str
    action_code: Any
    stops: list[Stop] = field(default_factory=list)
    action_at: int | None = None
    active: bool = False
    done: bool = False
    _layers: dict[str, str | None] = field(default_factory=dict)
    _threads: set[int] = field(default_factory=set)

    def layer(self, filename: str) -> str | None:
        if filename not in self._layers:
            self._layers[filename] = _layer(filename)
        return self._layers[filename]

    def profile(self, frame: FrameType, event: str, _arg: Any) -> None:
        if event != "call" or self.done:
            return
        code = frame.f_code
        if not self.active:
            if code.co_name == self.start_name and code.co_filename.endswith(self.start_file):
                self.active = True
            else:
                return
        if not self._walk_thread():
            return
        layer = self.layer(code.co_filename)
        if layer is None or code.co_name in SKIP_NAMES:
            return
        caller = frame.f_back
        caller_layer = None
        while caller is not None:
            caller_layer = self.layer(caller.f_code.co_filename)
            if caller_layer is not None:
                break
            caller = caller.f_back
        rel = Path(code.co_filename).resolve().relative_to(ROOT).with_suffix("")
        name = f"{'.'.join(rel.parts)}:{code.co_qualname}"
        self.stops.append(Stop(len(self.stops) + 1, threading.current_thread().name, layer,
                               name, caller_layer))  # fmt: skip
        if code is self.action_code and self.action_at is None:
            self.action_at = len(self.stops)

    def _walk_thread(self) -> bool:
        """The listener thread that entered the handler and the job workers ("aiops-job")."""
        me = threading.current_thread()
        if me.ident in self._threads:
            return True
        if not self._threads or me.name.startswith("aiops-job"):
            self._threads.add(me.ident or 0)
            return True
        return False

    def figures(self) -> dict[str, Any]:
        climbs = sum(1 for s in self.stops if s.layer == "handlers" and s.caller_layer == "bot")
        down = sum(1 for s in self.stops if s.layer == "bot" and s.caller_layer == "handlers")
        return {
            "distinct functions": len({s.function for s in self.stops}),
            "call stops": len(self.stops),
            "stops until the action runs": self.action_at,
            "climbs bot -> handlers": climbs,
            "handler -> bot calls": down,
        }


def _buttons(message: Message) -> set[str]:
    return {
        str(e.get("action_id"))
        for b in message.blocks
        for e in b.get("elements") or []
        if isinstance(e, dict) and e.get("action_id")
    }


def run(show: bool) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="walk-"))
    walk = Walk("handlers/slack/approvals.py", "approve", None)
    threading.setprofile(walk.profile)  # every thread started from here on
    members = {REQUESTER: ["operator"], APPROVER: ["operator"]}
    with wired_runtime(SCENARIO, tmp, token=TOKEN, members=members) as w:
        slack, runtime, db, world = w.slack, w.runtime, w.db, w.world
        try:
            alert = world.scenario.alerts[0]
            w.http.post(
                "/webhooks/generic", json=generic(alert, world.scenario.now + alert.at),
                headers={"Authorization": f"Bearer {TOKEN}"},
            ).raise_for_status()  # fmt: skip
            parent = slack.wait_for(lambda: next(iter(slack.messages("incidents")), None), 20)
            slack.click_button(REQUESTER, ActionId.INVESTIGATE, message_ts=parent.ts)

            def summary() -> Message | None:
                found = [
                    m for m in slack.thread("incidents", parent.ts)
                    if ActionId.APPROVE in _buttons(m)
                ]  # fmt: skip
                return found[0] if found else None

            posted = slack.wait_for(summary, 60)
            with db.session() as s:
                req = s.exec(
                    select(RemediationRequest)
                    .where(RemediationRequest.state == "pending")
                    .order_by(col(RemediationRequest.id))
                ).first()  # fmt: skip
            assert req is not None and req.id is not None, "the investigation proposed nothing"
            walk.action_code = get_action(req.action).execute.__code__
            _wait_idle(runtime)  # the investigation's own jobs are not part of the walk
            slack.click_button(APPROVER, ActionId.APPROVE, message_ts=posted.ts,
                               block_id=f"approval:{req.id}")  # fmt: skip

            def outcome() -> Message | None:
                found = [
                    m for m in slack.thread("incidents", parent.ts)
                    if f"(request {req.id}): *" in m.text
                ]  # fmt: skip
                return found[0] if found else None

            final = slack.wait_for(outcome, 60)
            _wait_idle(runtime)
            walk.done = True
        finally:
            threading.setprofile(None)  # type: ignore[arg-type]
    if show:
        for stop in walk.stops:
            mark = " <== action" if stop.seq == walk.action_at else ""
            print(
                f"{stop.seq:4d} {stop.thread:<22} {stop.caller_layer or '-':>12} -> "
                f"{stop.function}{mark}"
            )
    figures = walk.figures()
    figures["action"] = f"{req.action} -> {final.text.split('*')[1] if '*' in final.text else '?'}"
    return figures


def _wait_idle(runtime: Runtime) -> None:
    domain = runtime.domain
    jobs = getattr(domain, "jobs", None) if domain is not None else None
    if jobs is not None:
        jobs.wait_idle(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print every stop of the walk")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if not SCENARIO.is_file():
        raise SystemExit(f"example scenario absent: {SCENARIO}")
    figures = run(args.show)
    print("approval walk (Slack [Approve] click -> action executed -> outcome posted)")
    for name, value in figures.items():
        print(f"  {name:<30} {value}")


if __name__ == "__main__":
    main()

"""The ack path's CPU alone (``bench_slack_ack.py --dispatch N``): recorded envelopes replayed
through Bolt's socket-mode handler with slack_sdk's frame builder (before) and through
``AckFirstHandler`` with ``masked_text_frame`` (after), on one thread with no other load."""

from __future__ import annotations

import json
import logging
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.builtin.frame_header import FrameHeader
from slack_sdk.socket_mode.builtin.internals import _build_data_frame_for_sending
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.config import load_settings
from bot.jobs import JobRunner
from bot.workers import Workers
from handlers.blocks import incident_message
from handlers.blocks.ids import ActionId
from handlers.blocks.models import IncidentCard
from handlers.slack.app import build_app
from handlers.slack.services import default_services
from handlers.slack.sockets import AckFirstHandler, masked_text_frame
from sandbox.slack import LocalSlack

COMMANDS = ["incidents", 'investigate "API latency spike in prod"', "help", "ack 42", "snooze 4 x"]


class FrameSink:
    """Stands where the socket-mode client sends an ack: serializes it and builds the websocket
    frame with ``frame`` (slack_sdk's builder or ours), then drops it."""

    logger = logging.getLogger("bench.sink")

    def __init__(self, frame: Callable[[str], bytes]) -> None:
        self.frame = frame

    def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        self.frame(json.dumps(response.to_dict()))


def dispatch_cpu(n: int) -> None:
    """The ack path's CPU alone, on one thread with no other load: recorded envelopes (a
    command of each kind, both clicks, an App Home open) replayed through Bolt's socket-mode
    handler with slack_sdk's frame builder (before) and through ``AckFirstHandler`` with
    ``masked_text_frame`` (after). Jobs the listeners start run on other threads and are not
    counted, and each phase waits for the previous one's jobs. Prints microseconds of CPU per
    envelope by kind."""
    with LocalSlack() as slack:
        jobs = JobRunner(max_workers=2, max_pending=10 * n + 100)
        services = replace(default_services(), dedup=lambda key: True)
        settings = load_settings(slack_bot_token="xoxb-bench", slack_api_url=slack.api_url)
        app = build_app(settings, services=services, jobs=jobs)
        view = IncidentCard(id=42, title="bench", severity="high", status="triggered")
        app.client.chat_postMessage(channel="#incidents", text="b", blocks=incident_message(view))
        ts = slack.messages("incidents")[-1].ts
        slack.add_user("UBENCH", "bench")
        drafts: dict[str, list[SocketModeRequest]] = {}

        def draft(kind: str, payload: dict[str, Any], **extra: Any) -> None:
            env = {"envelope_id": f"e{sum(map(len, drafts.values()))}", "type": kind}
            raw = {**env, "payload": payload, "accepts_response_payload": True, **extra}
            request = SocketModeRequest.from_dict(json.loads(json.dumps(raw)))
            assert request is not None
            drafts.setdefault(kind, []).append(request)

        for text in COMMANDS:
            draft(
                "slash_commands", slack.payloads.slash_command("UBENCH", text, "general", "/aiops")
            )
        for action in (ActionId.ACKNOWLEDGE, ActionId.INVESTIGATE):
            draft("interactive", slack.button_click_payload("UBENCH", action, message_ts=ts))
        home = {"type": "app_home_opened", "user": "UBENCH", "tab": "home", "event_ts": "1.0"}
        draft("events_api", slack.payloads.event_callback(home, "EvBENCH"), retry_attempt=0)

        bolt = SocketModeHandler.__new__(SocketModeHandler)  # no connection: handle() only
        bolt.app = app
        ours = AckFirstHandler.__new__(AckFirstHandler)
        ours.app, ours.owed, ours.events = app, None, Workers(1, name="bench-event")
        sdk, fast = FrameSink(sdk_frame), FrameSink(masked_text_frame)

        def before(req: SocketModeRequest) -> None:
            bolt.handle(sdk, req)  # type: ignore[arg-type]

        def after(req: SocketModeRequest) -> None:
            if req.type == "events_api":
                ours.ack_event(fast, req, time.perf_counter())  # type: ignore[arg-type]
            else:
                ours.run_request(fast, req, time.perf_counter())  # type: ignore[arg-type]

        print(f"ack path CPU per envelope, one thread, {n} each (us): before -> after")
        for kind, requests in drafts.items():
            cpu: dict[str, list[float]] = {"before": [], "after": []}
            phases = [("before", before), ("after", after)]
            for rep in range(4):  # alternate which goes first; the median of four
                for name, run in phases if rep % 2 else phases[::-1]:
                    for req in requests:  # warm: first calls compile and cache
                        run(req)
                    begin = time.thread_time()
                    for i in range(n):
                        run(requests[i % len(requests)])
                    cpu[name].append((time.thread_time() - begin) / n * 1e6)
                    jobs.wait_idle(600)  # the next phase must not share the CPU with these jobs
            b, a = statistics.median(cpu["before"]), statistics.median(cpu["after"])
            print(f"  {kind}: {b:.0f} -> {a:.0f}")
        jobs.wait_idle(120)
        jobs.shutdown()
        ours.events.shutdown()


def sdk_frame(text: str) -> bytes:
    return bytes(_build_data_frame_for_sending(text, FrameHeader.OPCODE_TEXT))

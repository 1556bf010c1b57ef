"""The demo's acts, played through the local Slack like people would: the alerts arrive, the
on-call acknowledges and clicks Investigate, a demo approver approves the first recommended
action, the bot executes and verifies it, the on-call asks for the timeline.

Every wait reads the local Slack / PagerDuty records; nothing here calls the bot's internals
except to know how many approvals a request still needs (which a person would see on the card).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

from handlers.demo.driver import deliver
from handlers.demo.session import APPROVERS, CHANNEL, ONCALL, DemoSession
from sandbox.slack import Message

T = TypeVar("T")
MAX_INCIDENTS = 3
_INCIDENT_ID = re.compile(r"Incident #(\d+)")
_APPROVAL = "approval:"
ACK, INVESTIGATE, APPROVE = "incident_acknowledge", "incident_investigate", "remediation_approve"


def incident_id_of(message: Message) -> int | None:
    found = _INCIDENT_ID.search(message.text)
    return int(found.group(1)) if found else None


def _poll(predicate: Callable[[], T | None], timeout: float) -> T | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    return None


def _wait(demo: DemoSession, predicate: Callable[[], T | None], timeout: float) -> T | None:
    try:
        return demo.slack.wait_for(predicate, timeout)
    except TimeoutError:
        return None


def replay_alerts(demo: DemoSession) -> None:
    sc = demo.scenario
    step = demo.step(
        f"posting {len(sc.alerts)} alert(s) and {len(sc.changes)} change(s) to the webhooks"
    )
    url = f"http://127.0.0.1:{demo.runtime.http_port}"
    n = deliver(sc, url, demo.secrets, demo.world.clock)
    demo.world.clock.set(sc.now)  # investigations look at "now" in the scenario
    step.done(text=f"delivered {n} webhook(s) in their sources' formats")


def autoplay(demo: DemoSession, pause: float = 0.0) -> None:
    replay_alerts(demo)
    messages = _wait(demo, lambda: demo.slack.messages(CHANNEL), 20)
    if not messages:
        demo.step("no incident message was posted to Slack", "fail")
        return
    time.sleep(0.5)  # let the burst settle into one message per incident
    for message in demo.slack.messages(CHANNEL)[:MAX_INCIDENTS]:
        incident = incident_id_of(message)
        if incident is None:
            continue
        _page(demo, incident)
        time.sleep(pause)
        _acknowledge(demo, message, incident)
        time.sleep(pause)
        summary = _investigate(demo, message, incident)
        if summary is not None:
            time.sleep(pause)
            _approve_first(demo, message, summary, incident)
        time.sleep(pause)
        timeline(demo, incident)
    extra = len(demo.slack.messages(CHANNEL)) - MAX_INCIDENTS
    if extra > 0:
        demo.gaps.append(f"{extra} more incident(s) were left for you (try --interactive)")


def _page(demo: DemoSession, incident: int) -> None:
    step = demo.step(f"#{incident}: waiting for the page to PagerDuty")
    key = f"aiops-{incident}-"
    page = _poll(
        lambda: next((p for p in demo.pages() if p.incident_key.startswith(key)), None), 15
    )
    if page is None:
        step.done("info", f"#{incident}: not paged (its severity is not in the demo policy)")
        return
    who = ", ".join(demo.pd_name(u) for u in page.assignees) or "nobody"
    step.done(text=f"#{incident}: PagerDuty incident {page.id} triggered, assigned to {who}")


def _acknowledge(demo: DemoSession, message: Message, incident: int) -> None:
    step = demo.step(f"#{incident}: {ONCALL} clicks Acknowledge")
    envelope = demo.slack.click_button(ONCALL, ACK, message_ts=message.ts)
    ack = demo.slack.wait_ack(envelope, timeout=5)
    current = _wait(demo, lambda: _current(demo, message, "acknowledged"), 10)
    key = f"aiops-{incident}-"
    pd = _poll(
        lambda: next(
            (p for p in demo.pages() if p.incident_key.startswith(key) and p.status != "triggered"),
            None,
        ),
        10,
    )
    latency = f"acked by the app in {ack.latency * 1000:.0f} ms" if ack.latency else "acked"
    pd_note = f"; PagerDuty {pd.id} {pd.status}" if pd is not None else ""
    step.done("ok" if current else "fail", f"#{incident}: acknowledged ({latency}{pd_note})")


def _current(demo: DemoSession, message: Message, word: str) -> Message | None:
    for m in demo.slack.messages(CHANNEL):
        if m.ts == message.ts and word in m.all_text.lower():
            return m
    return None


def _investigate(demo: DemoSession, message: Message, incident: int) -> Message | None:
    step = demo.step(f"#{incident}: {ONCALL} clicks Investigate")
    demo.slack.click_button(ONCALL, INVESTIGATE, message_ts=message.ts)

    def summary() -> Message | None:
        for m in demo.slack.thread(CHANNEL, message.ts):
            if "Investigation" in m.all_text and (
                "Hypotheses" in m.all_text or "Facts" in m.all_text
            ):
                return m
        return None

    found = _wait(demo, summary, 90)
    if found is None:
        step.done("fail", f"#{incident}: no investigation summary within 90 s")
        return None
    n = sum(1 for b in found.blocks if str(b.get("block_id", "")).startswith(_APPROVAL))
    step.done(text=f"#{incident}: investigation posted in the thread, {n} action(s) to approve")
    return found


def _approve_first(demo: DemoSession, message: Message, summary: Message, incident: int) -> None:
    from bot.remediate import service

    blocks = [str(b["block_id"]) for b in summary.blocks
              if str(b.get("block_id", "")).startswith(_APPROVAL)]  # fmt: skip
    if not blocks:
        demo.step(f"#{incident}: no remediation recommended; nothing to approve", "info")
        return
    block = blocks[0]
    request_id = int(block.removeprefix(_APPROVAL))
    step = demo.step(f"#{incident}: demo approver approves request {request_id}")
    db = demo.runtime.db
    for user in APPROVERS:
        demo.slack.click_button(user, APPROVE, message_ts=summary.ts, block_id=block)
        time.sleep(0.3)
        if service.get(db, request_id=request_id).state != "pending":
            break

    def outcome() -> Message | None:
        for m in demo.slack.thread(CHANNEL, message.ts):
            if f"(request {request_id}): *" in m.text:
                return m
        return None

    posted = _wait(demo, outcome, 120)
    state = service.get(db, request_id=request_id).state
    if posted is None:
        step.done("fail", f"#{incident}: request {request_id} is {state}; no outcome posted")
        return
    good = state == "verified"
    step.done("ok" if good else "info", f"#{incident}: request {request_id} executed → {state}")


def timeline(demo: DemoSession, incident: int) -> Any:
    step = demo.step(f"#{incident}: {ONCALL} types /aiops timeline {incident}")
    before = len(demo.ephemerals())
    demo.slack.send_slash_command(ONCALL, f"timeline {incident}", channel=CHANNEL)
    got = _wait(
        demo,
        lambda: next((e for e in demo.ephemerals()[before:] if f"#{incident}" in e.all_text), None),
        15,
    )
    step.done("ok" if got else "fail", f"#{incident}: timeline shown to {ONCALL}")
    return got

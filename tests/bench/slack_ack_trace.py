"""Where a slow ack's time goes (``bench_slack_ack.py --trace``).

Both processes stamp every envelope on the same clock (``time.perf_counter`` is CLOCK_MONOTONIC
on Linux, shared by processes) at each stage of its trip:

    sent     the bench's sender thread asks the local Slack server to send it
    wrote    the server's event loop has written the frame to the socket
    recv     the app's receive loop got the bytes off its socket (the recv that returned them)
    frame    slack_sdk parsed the websocket frame and handed the text on
    worker   the envelope's handler started (a worker, or the receive loop for an event)
    built    the ack was handed to the client to send (Bolt's listener done)
    written  the ack frame was written to the socket
    acked    the server's event loop read the ack

and each process records its garbage collections (``gc.callbacks``) and samples, every few
milliseconds, what its socket threads are doing (the app's receive loops, the server's event
loop) and how long the sampler itself waited to run (a gap means no thread of that process
could run Python: the GIL was held by C code, or the process got no CPU).

The tracing patches the clients' methods in place (a bench instrument, not product code).
"""

from __future__ import annotations

import gc
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

ENVELOPE_ID = re.compile(r'"envelope_id":\s*"([^"]+)"')
STAGES = ["sent", "wrote", "recv", "frame", "worker", "built", "written", "acked"]


def envelope_id(text: str | bytes) -> str | None:
    if isinstance(text, bytes):
        text = text[:200].decode("utf-8", "replace")
    found = ENVELOPE_ID.search(text[:200])
    return found.group(1) if found else None


@dataclass
class Trace:
    """One process's record: stage stamps by envelope, GC pauses, thread samples."""

    stamps: dict[str, dict[str, float]] = field(default_factory=dict)
    gcs: list[tuple[float, float, int]] = field(default_factory=list)  # start, seconds, generation
    samples: list[tuple[float, str, str]] = field(default_factory=list)  # t, thread, where
    ticks: list[float] = field(default_factory=list)  # the sampler's wake-ups

    def stamp(self, eid: str | None, stage: str, t: float, *, first: bool = True) -> None:
        if eid is None:
            return
        stages = self.stamps.setdefault(eid, {})
        if first:
            stages.setdefault(stage, t)
        else:
            stages[stage] = t

    def clear(self) -> None:
        self.stamps.clear()
        self.gcs.clear()
        self.samples.clear()
        self.ticks.clear()

    def export(self) -> dict[str, Any]:
        return {
            "stamps": self.stamps,
            "gcs": self.gcs,
            "samples": self.samples,
            "ticks": self.ticks,
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> Trace:
        return cls(data["stamps"], data["gcs"], data["samples"], data["ticks"])


def watch_gc(trace: Trace) -> None:
    began: dict[str, float] = {}

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began["t"] = time.perf_counter()
        elif "t" in began:
            start = began.pop("t")
            trace.gcs.append((start, time.perf_counter() - start, info.get("generation", -1)))

    gc.callbacks.append(callback)


class Sampler:
    """Every ``interval`` s, the innermost frames of each thread that ``role`` names (by its
    thread name and frame), recorded under that role."""

    def __init__(
        self, trace: Trace, role: Callable[[str, Any], str | None], interval: float = 0.005
    ) -> None:
        self.trace, self.role, self.interval = trace, role, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="trace-sampler", daemon=True)

    def start(self) -> Sampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        names = {t.ident: t.name for t in threading.enumerate()}
        while not self._stop.wait(self.interval):
            now = time.perf_counter()
            self.trace.ticks.append(now)
            for ident, frame in sys._current_frames().items():
                name = names.get(ident)
                if name is None:
                    names = {t.ident: t.name for t in threading.enumerate()}
                    name = names.get(ident, str(ident))
                role = self.role(name, frame)
                if role is not None:
                    self.trace.samples.append((now, role, _where(frame)))


def _where(frame: Any, depth: int = 3) -> str:
    """The innermost frame (file:line) and the functions of its callers, innermost first."""
    code = frame.f_code
    where = [f"{code.co_name} ({code.co_filename.rsplit('/', 1)[-1]}:{frame.f_lineno})"]
    frame = frame.f_back
    while frame is not None and len(where) < depth:
        where.append(frame.f_code.co_name)
        frame = frame.f_back
    return " < ".join(where)


def _role(frame: Any) -> str | None:
    """``receive`` for a socket's receive loop, ``handler`` for a worker running an
    envelope's handler, else None (not watched)."""
    role = None
    while frame is not None:
        name = frame.f_code.co_name
        if name == "run_until_completion":
            return "receive"
        if name in ("run_request", "handle", "_run_message_listeners"):
            role = "handler"
        frame = frame.f_back
    return role


def install_app(trace: Trace) -> Sampler:
    """Stamp recv, frame, worker, built and written in the app's process; call before the
    socket-mode handlers are built (their listeners bind methods then)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.socket_mode.builtin import SocketModeClient, internals

    from handlers.slack import sockets

    local = threading.local()
    fetch = internals._fetch_messages

    def traced_fetch(messages: Any, receive: Any, logger: Any, *args: Any, **kw: Any) -> Any:
        def timed_receive(size: int | None = None) -> bytes:
            data: bytes = receive(size)
            local.recv = time.perf_counter()
            return data

        return fetch(messages, timed_receive, logger, *args, **kw)

    internals._fetch_messages = traced_fetch  # type: ignore[assignment]

    def on_arrival(original: Callable[..., Any]) -> Callable[..., Any]:
        def traced(self: Any, message: str) -> Any:
            now, eid = time.perf_counter(), envelope_id(message)
            trace.stamp(eid, "recv", getattr(local, "recv", now))
            trace.stamp(eid, "frame", now)
            return original(self, message)

        return traced

    def on_start(original: Callable[..., Any]) -> Callable[..., Any]:
        def traced(self: Any, client: Any, req: Any, *args: Any) -> Any:
            trace.stamp(req.envelope_id, "worker", time.perf_counter())
            return original(self, client, req, *args)

        return traced

    def on_send(original: Callable[..., Any]) -> Callable[..., Any]:
        def traced(self: Any, message: str) -> Any:
            eid = envelope_id(message)
            trace.stamp(eid, "built", time.perf_counter())
            try:
                return original(self, message)
            finally:
                trace.stamp(eid, "written", time.perf_counter(), first=False)

        return traced

    direct = sockets.DirectClient
    direct.enqueue_message = on_arrival(direct.enqueue_message)  # type: ignore[method-assign]
    SocketModeClient.enqueue_message = on_arrival(SocketModeClient.enqueue_message)  # type: ignore[method-assign]
    direct.send_message = on_send(direct.send_message)  # type: ignore[method-assign]
    SocketModeClient.send_message = on_send(SocketModeClient.send_message)  # type: ignore[method-assign]
    ours = sockets.AckFirstHandler
    ours.run_request = on_start(ours.run_request)  # type: ignore[method-assign]
    ours.ack_event = on_start(ours.ack_event)  # type: ignore[method-assign]
    SocketModeHandler.handle = on_start(SocketModeHandler.handle)  # type: ignore[method-assign]
    watch_gc(trace)
    return Sampler(trace, lambda _name, frame: _role(frame))


_SERVER_TRACES: list[Trace] = []


def install_server(trace: Trace) -> Sampler:
    """Stamp ``wrote`` in the bench's process (the local Slack server's event loop); once per
    process, later calls only return a new sampler."""
    from starlette.websockets import WebSocket

    if _SERVER_TRACES:
        return Sampler(_SERVER_TRACES[0], _server_loop)
    _SERVER_TRACES.append(trace)

    send_text = WebSocket.send_text

    async def traced(self: WebSocket, data: str) -> None:
        await send_text(self, data)
        trace.stamp(envelope_id(data), "wrote", time.perf_counter())

    WebSocket.send_text = traced  # type: ignore[method-assign,assignment]  # traced on purpose
    watch_gc(trace)
    return Sampler(trace, _server_loop)


def _server_loop(name: str, _frame: Any) -> str | None:
    return "server" if name == "local-slack" else None


# ---------------------------------------------------------------------------- the report
def _within(events: Iterable[tuple[float, float, int]], start: float, end: float) -> list[str]:
    return [
        f"gen{gen} {sec * 1000:.1f} ms at +{(t - start) * 1000:.0f}"
        for t, sec, gen in events
        if t + sec >= start and t <= end and sec > 0.001
    ]


def _max_gap(ticks: list[float], start: float, end: float) -> float:
    inside = [t for t in ticks if start <= t <= end]
    before = [t for t in ticks if t < start][-1:]
    after = [t for t in ticks if t > end][:1]
    points = before + inside + after
    return max((b - a for a, b in zip(points, points[1:], strict=False)), default=0.0)


def _states(samples: list[tuple[float, str, str]], start: float, end: float, role: str) -> str:
    counts = Counter(where for t, r, where in samples if start <= t <= end and r == role)
    return ", ".join(f"{where} x{n}" for where, n in counts.most_common(3)) or "no sample"


def split_report(rows: list[tuple[str, str, float, dict[str, float]]], title: str) -> None:
    """Each ack's time split by whose it is: the app's (bytes off its socket to the ack
    written) and the rest (the local Slack server and senders in the bench's process, and the
    kernel both ways): p50/p99 of each, ms."""
    app, rest = [], []
    for _eid, _kind, ms, stamps in rows:
        if "recv" in stamps and "written" in stamps:
            own = (stamps["written"] - stamps["recv"]) * 1000
            app.append(own)
            rest.append(ms - own)
    if not app:
        return

    def p(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    print(
        f"{title}: the app's part (socket read to ack written) p50/p99 "
        f"{p(app, 0.5):.1f}/{p(app, 0.99):.1f} ms; the bench's and the kernel's "
        f"{p(rest, 0.5):.1f}/{p(rest, 0.99):.1f} ms ({len(app)} envelopes)"
    )


def slow_report(
    rows: list[tuple[str, str, float, dict[str, float]]],
    app: Trace,
    bench: Trace,
    title: str,
    share: float = 0.01,
) -> None:
    """For the slowest ``share`` of envelopes (id, kind, latency ms, stamps): the time between
    each stage, the largest gap named, GC pauses and sampler gaps inside its window in each
    process, and what the receive loops / the server loop were doing meanwhile."""
    rows = sorted(rows, key=lambda r: -r[2])
    slow = rows[: max(1, round(len(rows) * share))]
    split_report(rows, title)
    print(f"{title}: the slowest {len(slow)} of {len(rows)} envelopes, ms between stages:")
    print("    " + "  ".join(f"{b}" for b in STAGES[1:]) + "   (each: time since the stage before)")
    blame: Counter[str] = Counter()
    for _eid, kind, ms, stamps in slow:
        parts, last, gaps = [], stamps.get("sent"), {}
        for stage in STAGES[1:]:
            t = stamps.get(stage)
            if t is None or last is None:
                parts.append("   -")
                continue
            gaps[stage] = (t - last) * 1000
            parts.append(f"{gaps[stage]:6.1f}")
            last = t
        worst = max(gaps, key=lambda s: gaps[s]) if gaps else "?"
        blame[worst] += 1
        start, end = stamps.get("sent", 0.0), stamps.get("acked", 0.0)
        print(f"    {ms:7.1f} {kind:<14} " + " ".join(parts) + f"   most before {worst}")
        app_gc, bench_gc = _within(app.gcs, start, end), _within(bench.gcs, start, end)
        print(
            f"      app: GC {', '.join(app_gc) or 'none > 1 ms'}; sampler gap "
            f"{_max_gap(app.ticks, start, end) * 1000:.0f} ms"
        )
        print(f"      app receive loops: {_states(app.samples, start, end, 'receive')}")
        print(f"      app handlers: {_states(app.samples, start, end, 'handler')}")
        print(
            f"      bench: GC {', '.join(bench_gc) or 'none > 1 ms'}; sampler gap "
            f"{_max_gap(bench.ticks, start, end) * 1000:.0f} ms; server loop: "
            f"{_states(bench.samples, start, end, 'server')}"
        )
    print(
        "  the stage most of each slow envelope's time went to: "
        + ", ".join(f"{stage} {n}" for stage, n in blame.most_common())
    )
    for who, trace in (("app", app), ("bench", bench)):
        longest = sorted(trace.gcs, key=lambda g: -g[1])[:3]
        print(
            f"  {who}'s longest GC pauses (ms): "
            + ", ".join(f"gen{g} {s * 1000:.1f}" for _t, s, g in longest)
            + f"; {len(trace.gcs)} collections"
        )

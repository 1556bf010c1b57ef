"""Ack latency of the Slack front door under load (prints figures; asserts nothing).

500 envelopes (half ``/aiops`` commands, half button clicks) from 50 concurrent senders (each
sends, waits for its ack, sends the next) through the local socket-mode server into the real
Bolt app (in its own process, as in production); prints p50 / p99 / max of the time from
envelope sent to ack received and the share of acks slower than Slack's 3 s.

    .venv/bin/python tests/bench/bench_slack_ack.py [--envelopes 500] [--senders 50]
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from slack_sdk import WebClient  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.jobs import JobRunner  # noqa: E402
from handlers.blocks import incident_message  # noqa: E402
from handlers.blocks.ids import ActionId  # noqa: E402
from handlers.blocks.models import IncidentCard  # noqa: E402
from handlers.slack.app import build_app, start_socket_mode  # noqa: E402
from sandbox.slack import LocalSlack  # noqa: E402

COMMANDS = ["incidents", 'investigate "API latency spike in prod"', "help", "ack 42", "snooze 4 x"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_app(api_url: str, stop: Any) -> None:
    """The Bolt app in its own process (as in production), so it does not share a GIL with
    the local Slack server and the 50 sender threads."""
    jobs = JobRunner(max_workers=8, max_pending=5000)
    settings = load_settings(slack_bot_token="xoxb-bench", slack_api_url=api_url)
    handler = start_socket_mode(build_app(settings, jobs=jobs), "xapp-bench")
    stop.wait()
    jobs.wait_idle(60)
    handler.close()
    jobs.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envelopes", type=int, default=500)
    parser.add_argument("--senders", type=int, default=50)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    with LocalSlack() as slack:
        ctx = multiprocessing.get_context("spawn")
        stop = ctx.Event()
        app_process = ctx.Process(target=run_app, args=(slack.api_url, stop), daemon=True)
        app_process.start()
        slack.wait_connected(timeout=60)
        view = IncidentCard(id=42, title="bench", severity="high", status="triggered")
        client = WebClient(token="xoxb-bench", base_url=slack.api_url)
        client.chat_postMessage(channel="#incidents", text="bench", blocks=incident_message(view))
        ts = slack.messages("incidents")[-1].ts
        for n in range(args.senders):
            slack.add_user(f"UBENCH{n:03d}", f"bench{n}")

        def sender(n: int) -> list[str]:
            user, sent = f"UBENCH{n:03d}", []
            for i in range(n, args.envelopes, args.senders):
                if i % 2:
                    action = ActionId.ACKNOWLEDGE if i % 4 == 1 else ActionId.INVESTIGATE
                    envelope = slack.click_button(user, action, message_ts=ts)
                else:
                    envelope = slack.send_slash_command(user, COMMANDS[i // 2 % len(COMMANDS)])
                slack.wait_ack(envelope, timeout=30)  # a user waits for the answer, then goes on
                sent.append(envelope)
            return sent

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.senders) as pool:
            envelopes = [e for batch in pool.map(sender, range(args.senders)) for e in batch]
        acks = [slack.wait_ack(e, timeout=30) for e in envelopes]
        elapsed = time.perf_counter() - started
        stop.set()
        app_process.join(timeout=60)

    latencies = [a.latency for a in acks if a.latency is not None]
    ms = [v * 1000 for v in latencies]
    slow = sum(1 for v in latencies if v > 3.0)
    print(
        f"envelopes: {len(acks)} ({args.senders} concurrent senders), all acked in {elapsed:.2f} s"
    )
    print(
        f"ack latency ms: p50 {percentile(ms, 0.50):.1f}  p90 {percentile(ms, 0.90):.1f}  "
        f"p99 {percentile(ms, 0.99):.1f}  max {max(ms):.1f}  mean {statistics.fmean(ms):.1f}"
    )
    print(f"acks over 3 s: {slow}/{len(latencies)} ({100 * slow / len(latencies):.2f} %)")
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"machine: {os.cpu_count()} cpus, load average {load} (other work inflates the tail)")
    print(f"target p99 < 100 ms: {'met' if percentile(ms, 0.99) < 100 else 'NOT met'}")


if __name__ == "__main__":
    main()

"""Scale-out: 3 ``aiops run --no-slack`` processes on one Postgres, one SIGKILLed and restarted.

    .venv/bin/python tests/bench/bench_replicas.py [--alerts 5000] [--replicas 3] [--workers 12]

Alerts (generic webhook, bearer token) are posted round-robin to the replicas' webhooks by a pool
of client threads; a delivery to a dead replica is retried on the next one, as a load balancer
would. A third of the way in, replica 1 is killed with SIGKILL and started again on the same
port. Every new incident pages one level of an escalation policy whose target is a webhook
served by this script (counted per ``Idempotency-Key``). Afterwards it prints:

- alerts lost: distinct alerts posted (fingerprints) with no stored row,
- duplicate incidents: incidents beyond one per group of alerts that belong together (one
  service's alerts, posted within seconds),
- duplicate notifications: webhook deliveries beyond one per incident (and repeated keys),
- double executions: escalation timers fired more than once,
- alerts/s: deliveries accepted per second of posting.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlmodel import func, select  # noqa: E402

from bot.store import (  # noqa: E402
    Alert,
    EscalationTimer,
    Incident,
    Notification,
    TimelineEvent,
    connect,
)
from bot.store.migrate import upgrade  # noqa: E402
from tests.pg import pg_bin, start_cluster  # noqa: E402

TOKEN = "bench-replicas-token"
NAMES = ("LatencyHigh", "ErrorRateHigh", "SaturationHigh", "QueueBacklog")


class Hooks:
    """The paging target: counts deliveries per Idempotency-Key and per incident."""

    def __init__(self) -> None:
        self.keys: Counter[str] = Counter()
        self.incidents: Counter[str] = Counter()
        self.lock = threading.Lock()
        hooks = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: Any) -> None:
                return

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    incident = str(json.loads(raw).get("incident_id"))
                except ValueError:
                    incident = "?"
                with hooks.lock:
                    hooks.keys[self.headers.get("Idempotency-Key", "")] += 1
                    hooks.incidents[incident] += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def total(self) -> int:
        with self.lock:
            return sum(self.keys.values())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Replica:
    def __init__(self, index: int, env: dict[str, str], workdir: Path) -> None:
        self.index = index
        self.port = free_port()
        self.env = {**env, "AIOPS_HTTP_PORT": str(self.port)}
        self.log = workdir / f"replica-{index}.log"
        self.proc: subprocess.Popen[str] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.starts += 1
        out = self.log.open("a")
        self.proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "aiops"), "run", "--no-slack"],
            env=self.env, stdout=out, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"replica {self.index} exited: see {self.log}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"replica {self.index} not ready in {timeout:.0f} s: see {self.log}")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def alert_body(i: int, services: int) -> tuple[dict[str, Any], str, str]:
    """(payload, service, name): service i % services, one of 4 names, repeats dedup."""
    service = f"svc-{i % services:04d}"
    name = NAMES[(i // services) % len(NAMES)]
    body = {
        "version": "1",
        "alerts": [{
            "name": name, "status": "firing", "severity": "critical", "service": service,
            "summary": f"{name} on {service}", "labels": {"env": "bench", "service": service},
        }],
    }  # fmt: skip
    return body, service, name


def post_all(replicas: list[Replica], n: int, services: int, workers: int,
             on_progress: Any) -> tuple[float, Counter[str]]:  # fmt: skip
    """Post n alerts round-robin; returns (seconds, outcome counts)."""
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    counter = itertools.count()
    local = threading.local()

    def client() -> httpx.Client:
        if not hasattr(local, "c"):
            local.c = httpx.Client(timeout=30, headers={"Authorization": f"Bearer {TOKEN}"})
        return local.c  # type: ignore[no-any-return]

    def send(i: int) -> None:
        body, _, _ = alert_body(i, services)
        for attempt in range(len(replicas) * 4):
            replica = replicas[(i + attempt) % len(replicas)]
            try:
                resp = client().post(f"{replica.url}/webhooks/generic", json=body)
            except httpx.HTTPError:
                with lock:
                    outcomes["retried (replica down)"] += 1
                time.sleep(0.05)
                continue
            if resp.status_code < 300:
                with lock:
                    outcomes["accepted"] += 1
                break
            with lock:
                outcomes[f"http {resp.status_code}"] += 1
            time.sleep(0.05)
        else:
            with lock:
                outcomes["gave up"] += 1
        on_progress(next(counter))

    started = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(send, range(n)))
    return time.monotonic() - started, outcomes


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--alerts", type=int, default=5000)
    ap.add_argument("--replicas", type=int, default=3)
    ap.add_argument("--services", type=int, default=250)
    ap.add_argument("--workers", type=int, default=12)
    args = ap.parse_args()

    if pg_bin() is None:
        print("[replicas] skipped: no PostgreSQL server binaries (initdb) on this machine")
        return
    cluster = start_cluster()
    workdir = Path(tempfile.mkdtemp(prefix="aiops-bench-replicas-"))
    replicas: list[Replica] = []
    try:
        cluster.psql("CREATE DATABASE bench")
        url = cluster.url("bench")
        db = connect(url)
        upgrade(db.engine)
        hooks = Hooks()
        escalation = workdir / "escalation.yaml"
        escalation.write_text(
            "policies:\n  - name: bench\n    severities: [critical]\n    levels:\n"
            f"      - {{escalate_after: 1h, targets: [{{kind: webhook, ref: '{hooks.url}'}}]}}\n"
            "default_policy: bench\n"
        )
        env = dict(
            os.environ, DATABASE_URL=url, AIOPS_WEBHOOK_TOKEN=TOKEN,
            AIOPS_ESCALATION_FILE=str(escalation), AIOPS_ESCALATION_TICK_S="0.2",
            AIOPS_ESCALATION_LEASE_S="3", AIOPS_HTTP_HOST="127.0.0.1", AIOPS_LOG_LEVEL="WARNING",
        )  # fmt: skip
        for k in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "PAGERDUTY_ROUTING_KEY"):
            env.pop(k, None)
        replicas = [Replica(i, env, workdir) for i in range(args.replicas)]
        t0 = time.monotonic()
        for r in replicas:
            r.start()
        for r in replicas:
            r.wait_ready()
        print(f"{args.replicas} replicas ready in {time.monotonic() - t0:.1f} s (logs: {workdir})")

        victim = replicas[1 % len(replicas)]
        kill_at, events = args.alerts // 3, []

        def on_progress(k: int) -> None:
            if k == kill_at:
                victim.kill()
                events.append(f"SIGKILL replica {victim.index} after {k} alerts")

                def restart() -> None:
                    time.sleep(2.0)
                    victim.start()
                    try:
                        victim.wait_ready()
                        events.append(f"replica {victim.index} restarted and ready")
                    except Exception as exc:
                        events.append(f"restart failed: {exc}")

                threading.Thread(target=restart, daemon=True).start()

        seconds, outcomes = post_all(
            replicas, args.alerts, args.services, args.workers, on_progress
        )
        for e in events:
            print("  " + e)
        # let the paging jobs and timer ticks finish
        settle_deadline = time.monotonic() + 30
        with db.session() as s:
            incident_count = s.exec(select(func.count()).select_from(Incident)).one()
        while time.monotonic() < settle_deadline and hooks.total() < incident_count:
            time.sleep(0.2)
        time.sleep(1.0)
        report(db, hooks, args, seconds, outcomes)
    finally:
        for r in replicas:
            r.stop()
        cluster.stop()


def report(db: Any, hooks: Hooks, args: Any, seconds: float, outcomes: Counter[str]) -> None:
    expected = {alert_body(i, args.services)[1:] for i in range(args.alerts)}
    with db.session() as s:
        stored = {(a.service, a.name) for a in s.exec(select(Alert))}
        rows = s.exec(select(func.count()).select_from(Alert)).one()
        incidents = list(s.exec(select(Incident)))
        alerts = list(s.exec(select(Alert.incident_id, Alert.service)))
        notifications = s.exec(select(func.count()).select_from(Notification)).one()
        fired = Counter(
            (e.incident_id, e.data.get("level"), e.data.get("round"))
            for e in s.exec(select(TimelineEvent).where(TimelineEvent.kind == "escalation"))
            if e.text.startswith("Level ")
        )
        timers = s.exec(select(func.count()).select_from(EscalationTimer)).one()
    by_service: dict[str, set[int]] = {}
    for incident_id, service in alerts:
        by_service.setdefault(service or "", set()).add(int(incident_id or 0))
    for inc in incidents:  # an incident whose alerts later moved elsewhere was still paged
        for service in inc.services:
            by_service.setdefault(service, set()).add(int(inc.id or 0))
    dup_incidents = sum(len(ids) - 1 for ids in by_service.values())
    lost = len(expected - stored)
    with hooks.lock:
        per_incident = dict(hooks.incidents)
        repeated_keys = sum(c - 1 for c in hooks.keys.values() if c > 1)
        deliveries = sum(hooks.keys.values())
    dup_notifications = sum(c - 1 for c in per_incident.values() if c > 1)
    unpaged = len({str(i.id) for i in incidents} - set(per_incident))
    double = sum(c - 1 for c in fired.values() if c > 1)
    print(f"alerts posted: {args.alerts} ({len(expected)} distinct) to {args.replicas} replicas, "
          f"{args.workers} client threads")  # fmt: skip
    print(f"deliveries: {dict(outcomes)}")
    print(f"alerts lost: {lost} (distinct alerts stored {len(stored)}, alert rows {rows})")
    print(f"incidents: {len(incidents)} for {len(by_service)} services; "
          f"duplicate incidents: {dup_incidents}")  # fmt: skip
    print(f"notifications: {notifications} rows, {deliveries} webhook deliveries; "
          f"duplicate notifications: {dup_notifications} (repeated keys {repeated_keys}); "
          f"incidents never paged: {unpaged}")  # fmt: skip
    print(f"double executions: {double} (escalation levels recorded as fired twice; "
          f"{sum(fired.values())} firings of {timers} timers)")  # fmt: skip
    print(f"alerts/s: {args.alerts / seconds:.0f} ({seconds:.1f} s of posting)")


if __name__ == "__main__":
    main()

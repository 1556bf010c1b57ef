"""Escalation under load: 3 scheduler replicas (OS processes) on one Postgres, one SIGKILLed.

    .venv/bin/python tests/bench/bench_escalation.py [--incidents 1000] [--replicas 3] [--tick 1]
        [--modes listen,poll] [--rounds 2]

1,000 incidents open over a few seconds (through the real ``on_incident_opened`` hook), each on
a 3-level policy with per-level delays of 1–5 s; every level notifies a generic webhook served by
this script, which counts deliveries per ``Idempotency-Key``. Half way through, replica 0 is
killed with SIGKILL; its claims are taken over after the lease. Prints: timers fired / missed /
fired twice, notification rows, webhook deliveries and repeats, lateness p50/p95/p99/max, the
claims taken over, and per-replica counts. The incidents are opened by this script, not by a
replica, so no replica hears of a new timer in-process: ``listen`` replicas hear it through
Postgres NOTIFY, ``poll`` replicas (``AIOPS_ESCALATION_LISTEN=false``) on their next safety poll
(``--tick``, the product's default 1 s). ``--modes listen,poll --rounds 2`` runs them in turn on
fresh databases and prints the ratios, so both are measured under the same machine load.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlmodel import col, func, select  # noqa: E402

from bot.clock import SystemClock  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.escalate.config import parse_escalation  # noqa: E402
from bot.escalate.setup import build_paging  # noqa: E402
from bot.store import (  # noqa: E402
    EscalationTimer,
    Incident,
    Notification,
    Team,
    TimelineEvent,
    connect,
)
from bot.store.migrate import upgrade  # noqa: E402
from tests.pg import PgCluster, pg_bin, start_cluster  # noqa: E402

LEASE_S = 3.0
TICK_S = 1.0  # the product's default AIOPS_ESCALATION_TICK_S


@dataclass
class Figures:
    mode: str
    p50: float
    p99: float
    missed: int
    twice: int
    load: float


class Hooks:
    def __init__(self) -> None:
        self.keys: Counter[str] = Counter()
        self.lock = threading.Lock()
        hooks = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: Any) -> None:
                return

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with hooks.lock:
                    hooks.keys[self.headers.get("Idempotency-Key", "")] += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                if not isinstance(sys.exc_info()[1], ConnectionError):  # the SIGKILLed replica's
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def policies_yaml(n: int, rng: random.Random) -> str:
    lines = ["policies:"]
    for i in range(n):
        lines += [f"  - name: bench-{i}", f"    teams: [bench-{i}]", "    levels:"]
        for _ in range(3):
            delay = rng.randint(1, 5)
            lines.append(f"      - {{escalate_after: {delay}s, targets: [{{kind: webhook}}]}}")
    return "\n".join(lines) + "\n"


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a live process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def run_round(cluster: PgCluster, args: argparse.Namespace, *, listen: bool, n: int) -> Figures:
    """One run of the scenario on a fresh database; prints its figures and returns them."""
    rng = random.Random(7)
    workdir = Path(tempfile.mkdtemp(prefix="aiops-bench-esc-"))
    procs: list[subprocess.Popen[str]] = []
    try:
        cluster.psql(f"CREATE DATABASE bench{n}")
        url = cluster.url(f"bench{n}")
        db = connect(url)
        upgrade(db.engine)
        hooks = Hooks()
        escalation = workdir / "escalation.yaml"
        escalation.write_text(policies_yaml(20, rng))
        env = dict(
            os.environ,
            DATABASE_URL=url,
            AIOPS_ESCALATION_FILE=str(escalation),
            AIOPS_NOTIFY_WEBHOOK_URL=hooks.url,
            AIOPS_ESCALATION_TICK_S=str(args.tick),
            AIOPS_ESCALATION_LEASE_S=str(LEASE_S),
            AIOPS_ESCALATION_LISTEN=str(listen).lower(),
            AIOPS_NOTIFY_BACKOFF_S="0.05",
            AIOPS_CONFIG=str(workdir / "none.toml"),
            PYTHONPATH=str(ROOT),
        )
        settings = load_settings(
            database_url=url, aiops_notify_webhook_url=hooks.url, aiops_escalation_file=escalation
        )
        config = parse_escalation(escalation.read_text())
        paging = build_paging(settings, db, clock=SystemClock(), config=config)
        with db.session() as s:
            teams = [t.id for t in s.exec(select(Team)).all()]

        for i in range(args.replicas):
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bot.escalate.runner", "--worker-id", f"replica-{i}"],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
        for p in procs:
            assert p.stdout is not None
            line = p.stdout.readline()
            assert line.startswith("ready"), f"a replica did not start: {line!r}"

        killed, orphaned = "replica-0", []
        load_before = os.getloadavg()[0]
        cpu_at_start = {p.pid: cpu_s(p.pid) for p in procs}  # start-up (imports) not counted
        t0 = time.monotonic()
        gap = args.open_over / args.incidents
        for k in range(args.incidents):
            with db.session() as s:
                inc = Incident(title=f"bench {k}", severity="critical", team_id=rng.choice(teams))
                s.add(inc)
                s.flush()
            paging.on_incident_opened(inc)
            if k == args.incidents // 2:
                os.kill(procs[0].pid, signal.SIGKILL)
                procs[0].wait()
                kill_at = time.monotonic() - t0
                with db.session() as s:
                    orphaned = list(
                        s.exec(
                            select(EscalationTimer.id).where(
                                EscalationTimer.claimed_by == killed,
                                col(EscalationTimer.fired_at).is_(None),
                                col(EscalationTimer.cancelled_at).is_(None),
                            )
                        ).all()
                    )
            time.sleep(max(0.0, t0 + (k + 1) * gap - time.monotonic()))
        opened_in = time.monotonic() - t0

        expected = args.incidents * 3
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with db.session() as s:
                fired = s.exec(
                    select(func.count())
                    .select_from(EscalationTimer)
                    .where(col(EscalationTimer.fired_at).is_not(None))
                ).one()
            if fired >= expected:
                break
            time.sleep(0.5)
        total_s = time.monotonic() - t0
        load_after = os.getloadavg()[0]
        survivors = [p for p in procs if p.poll() is None]
        replica_cpu = sum(cpu_s(p.pid) - cpu_at_start[p.pid] for p in survivors)

        with db.session() as s:
            timers = s.exec(select(EscalationTimer)).all()
            steps = s.exec(select(TimelineEvent).where(TimelineEvent.kind == "escalation")).all()
            notes = s.exec(select(Notification)).all()
        fired_rows = [t for t in timers if t.fired_at is not None]
        late = [(t.fired_at - t.due_at).total_seconds() for t in fired_rows if t.fired_at]
        # where the lateness goes: waiting to be claimed (tick, wakeup, contention) vs sending
        claim_lag = [(t.claimed_at - t.due_at).total_seconds() for t in fired_rows if t.claimed_at]
        send_s = [
            (t.fired_at - t.claimed_at).total_seconds()
            for t in fired_rows
            if t.fired_at and t.claimed_at
        ]
        per_level = Counter(
            (e.incident_id, e.data["level"], e.data["round"]) for e in steps if "level" in e.data
        )
        by_worker = Counter(e.data.get("worker") for e in steps if "level" in e.data)
        orphan_ids = set(orphaned)
        taken = [t for t in timers if t.id in orphan_ids and t.fired_at and t.claimed_by != killed]
        orphan_late = [(t.fired_at - t.due_at).total_seconds() for t in taken if t.fired_at]
        repeats = sum(c - 1 for c in hooks.keys.values() if c > 1)
        twice = sum(1 for c in per_level.values() if c > 1)

        mode = "listen" if listen else "poll"
        print(
            f"--- round {n}: {mode} (AIOPS_ESCALATION_LISTEN={str(listen).lower()}) "
            f"replicas={args.replicas} incidents={args.incidents} timers={len(timers)} "
            f"lease={LEASE_S}s tick={args.tick}s postgres=local "
            f"load {load_before:.1f} -> {load_after:.1f}"
        )
        print(
            f"opened in {opened_in:.1f}s; all done after {total_s:.1f}s; "
            f"{killed} SIGKILLed at {kill_at:.1f}s"
        )
        print(
            f"fired={len(fired_rows)}/{expected} missed={expected - len(fired_rows)} "
            f"fired_twice={twice} timeline_steps={sum(per_level.values())}"
        )
        print(f"notification rows={len(notes)} status={dict(Counter(n.status for n in notes))}")
        print(
            f"webhook deliveries={sum(hooks.keys.values())} distinct_keys={len(hooks.keys)} "
            f"redelivered={repeats}"
        )
        print(
            f"lateness s: p50={pct(late, 50):.3f} p95={pct(late, 95):.3f} "
            f"p99={pct(late, 99):.3f} max={max(late) if late else float('nan'):.3f}"
        )
        print(
            f"of which due->claimed s: p50={pct(claim_lag, 50):.3f} p99={pct(claim_lag, 99):.3f}; "
            f"claimed->fired (sends) s: p50={pct(send_s, 50):.3f} p99={pct(send_s, 99):.3f}"
        )
        print(
            f"claims held by the killed replica: {len(orphan_ids)}; taken over and fired: "
            f"{len(taken)}; their lateness max={max(orphan_late) if orphan_late else 0:.2f}s"
        )
        print(f"levels fired per replica: {dict(sorted(by_worker.items()))}")
        fired_by_survivors = sum(c for w, c in by_worker.items() if w != killed)
        print(
            f"CPU of the {len(survivors)} surviving replicas: {replica_cpu:.1f}s, "
            f"{1000 * replica_cpu / max(1, fired_by_survivors):.1f} ms per level they fired",
            flush=True,
        )
        db.dispose()
        hooks.server.shutdown()
        return Figures(
            mode, pct(late, 50), pct(late, 99), expected - len(fired_rows), twice, load_after
        )
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--incidents", type=int, default=1000)
    ap.add_argument("--replicas", type=int, default=3)
    ap.add_argument("--open-over", type=float, default=6.0, help="seconds to open them over")
    ap.add_argument(
        "--tick", type=float, default=TICK_S, help="AIOPS_ESCALATION_TICK_S (the safety poll)"
    )
    ap.add_argument(
        "--modes",
        default="listen",
        help="comma-separated, run in turn each round: listen (LISTEN/NOTIFY, the default) "
        "and/or poll (AIOPS_ESCALATION_LISTEN=false: the safety poll alone)",
    )
    ap.add_argument("--rounds", type=int, default=1, help="times to run the modes in turn")
    args = ap.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or set(modes) - {"listen", "poll"}:
        ap.error("--modes takes listen and/or poll")

    if pg_bin() is None:
        print("[escalation] skipped: no PostgreSQL server binaries (initdb) on this machine")
        return
    cluster = start_cluster()
    figures: list[Figures] = []
    try:
        for _round in range(args.rounds):
            for mode in modes:
                figures.append(run_round(cluster, args, listen=mode == "listen", n=len(figures)))
    finally:
        cluster.stop()
    print("=== lateness per round (s), with the load average at its end")
    for f in figures:
        print(
            f"{f.mode:>6}: p50={f.p50:.3f} p99={f.p99:.3f} missed={f.missed} "
            f"fired_twice={f.twice} load={f.load:.1f}"
        )
    if len(modes) == 2:
        pairs = [
            (a, b) for a, b in zip(figures[::2], figures[1::2], strict=False) if a.mode != b.mode
        ]
        for a, b in pairs:
            listen, poll = (a, b) if a.mode == "listen" else (b, a)
            print(f"listen/poll p50 x{listen.p50 / poll.p50:.2f} p99 x{listen.p99 / poll.p99:.2f}")


if __name__ == "__main__":
    main()

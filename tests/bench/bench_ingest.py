"""Ingest benchmark: prints figures, asserts nothing.

1. A storm of 10,000 alerts drawn from 50 incidents over a 200-service graph, posted over HTTP
   (generic webhook, 20 alerts per request like an Alertmanager group) by 8 concurrent clients:
   alerts/s end to end (stored and correlated before each answer), on SQLite and on Postgres.
2. Grouping quality on the storm: pairwise precision / recall / F1 and root-alert accuracy (the
   chosen root alert belongs to the incident's root service).
3. Per-alert correlation cost with 100 vs 5,000 open incidents (pure correlator).
4. Every example scenario replayed: exact grouping and root alert.

Run: .venv/bin/python tests/bench/bench_ingest.py [--alerts 10000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bot.clock import SandboxClock  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.correlate import AlertFacts, Correlator  # noqa: E402
from bot.incidents.flows import IncidentFlows  # noqa: E402
from bot.ingest.pipeline import IngestPipeline  # noqa: E402
from bot.ingest.sns import SnsVerifier  # noqa: E402
from bot.store import connect  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402
from bot.topology import Topology  # noqa: E402
from handlers.http import HttpServices, create_http_app  # noqa: E402
from handlers.replay.server import BackgroundServer  # noqa: E402

T0 = datetime(2025, 6, 1, tzinfo=UTC)
TOKEN = "bench-token"


@dataclass
class Gen:
    topology: Topology
    alerts: list[dict]  # generic alert bodies, in time order
    truth: dict[str, int]  # fingerprint -> incident index
    roots: dict[int, str]  # incident index -> root service


def make_graph(rng: random.Random, n: int = 200, tiers: int = 5) -> dict[str, list[str]]:
    per = n // tiers
    names = [[f"t{t}-svc{i:02d}" for i in range(per)] for t in range(tiers)]
    graph: dict[str, list[str]] = {}
    for t in range(tiers):
        for name in names[t]:
            deps = rng.sample(names[t + 1], k=rng.randint(1, 2)) if t + 1 < tiers else []
            graph[name] = deps
    return graph


def generate(rng: random.Random, total: int, incidents: int = 50) -> Gen:
    topo = Topology(make_graph(rng))
    alerts: list[dict] = []
    truth: dict[str, int] = {}
    roots: dict[int, str] = {}
    busy: list[tuple[datetime, set[str]]] = []  # (end, affected services) of recent incidents
    per_incident = total // incidents
    for k in range(incidents):
        start = T0 + timedelta(minutes=15 * k)
        blocked = set().union(*[s for end, s in busy if end + timedelta(minutes=70) > start])
        for _ in range(500):
            root = rng.choice(topo.names())
            dependents = sorted(topo.downstream(root, 2))
            affected = [root] + rng.sample(dependents, k=min(len(dependents), rng.randint(1, 5)))
            related = set()
            for s in affected:
                related |= {s} | topo.upstream(s) | topo.downstream(s)
            if not related & blocked and dependents:
                break
        roots[k] = root
        busy.append((start + timedelta(minutes=12), set(affected)))
        for j in range(per_incident):
            # symptoms first, the root service alerts a little later (as in real storms)
            svc = root if j % 7 == 3 else rng.choice(affected[1:] or affected)
            at = start + timedelta(seconds=j * 600 / per_incident + (60 if svc == root else 0))
            fp = f"inc{k}-a{j}"
            truth[fp] = k
            alerts.append(
                {
                    "name": f"Alert{j % 13}",
                    "service": svc,
                    "severity": "critical",
                    "labels": {"env": "prod", "pod": f"{svc}-{j % 5}-{k}"},
                    "fingerprint": fp,
                    "starts_at": at.isoformat().replace("+00:00", "Z"),
                    "summary": "storm",
                }
            )
    alerts.sort(key=lambda a: a["starts_at"])
    return Gen(topo, alerts, truth, roots)


def pairwise(pred: dict[str, int], truth: dict[str, int]) -> tuple[float, float, float]:
    def pairs(assign: dict[str, int]) -> set[tuple[str, str]]:
        groups: dict[int, list[str]] = {}
        for fp, g in assign.items():
            groups.setdefault(g, []).append(fp)
        return {tuple(sorted(p)) for m in groups.values() for p in combinations(m, 2)}  # type: ignore[misc]

    p, t = pairs(pred), pairs(truth)
    tp = len(p & t)
    precision = tp / len(p) if p else 1.0
    recall = tp / len(t) if t else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def thread_cpu() -> dict[str, float]:
    """CPU seconds used so far by the live threads, by role (writer, HTTP loop, HTTP workers)."""
    roles = {"ingest-writer": "writer", "http": "http loop", "AnyIO worker thread": "http workers"}
    out: dict[str, float] = {}
    for th in threading.enumerate():
        role = roles.get(th.name)
        if role is None or th.ident is None:
            continue
        try:
            used = time.clock_gettime(time.pthread_getcpuclockid(th.ident))
        except (OSError, AttributeError):
            continue
        out[role] = out.get(role, 0.0) + used
    return out


def run_storm(gen: Gen, url: str, label: str, clients: int = 8, per_request: int = 20) -> None:
    db = connect(url)
    upgrade(db.engine)
    settings = load_settings(database_url=url, aiops_webhook_token=TOKEN)
    clock = SandboxClock(T0)
    flows = IncidentFlows(db, clock=clock, topology=gen.topology)
    pipeline = IngestPipeline(flows, max_batch=1000)
    services = HttpServices(settings, flows, pipeline, SnsVerifier(lambda u: b""), clock)
    chunks = [gen.alerts[i : i + per_request] for i in range(0, len(gen.alerts), per_request)]
    results: dict[str, int] = {}
    lock = threading.Lock()
    cursor = iter(range(len(chunks)))
    client_cpu: list[float] = []

    def worker() -> None:
        try:
            _post_chunks()
        finally:
            with lock:
                client_cpu.append(time.thread_time())

    def _post_chunks() -> None:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            while True:
                with lock:
                    i = next(cursor, None)
                if i is None:
                    return
                body = json.dumps({"version": "1", "alerts": chunks[i]})
                r = client.post(
                    "/webhooks/generic",
                    content=body,
                    headers={
                        "Authorization": f"Bearer {TOKEN}",
                        "Content-Type": "application/json",
                    },
                )
                r.raise_for_status()
                data = r.json()
                with lock:
                    for a, alert_id in zip(chunks[i], data["alerts"], strict=True):
                        results[a["fingerprint"]] = alert_id

    with BackgroundServer(create_http_app(services)) as server:
        httpx.get(f"{server.url}/healthz").raise_for_status()  # warm up (lazy imports)
        cpu0 = time.process_time()
        base = thread_cpu()
        t = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - t
        cpu = time.process_time() - cpu0
        by_role = {k: v - base.get(k, 0.0) for k, v in thread_cpu().items()}
    pipeline.stop()
    n = len(gen.alerts)
    print(
        f"[{label}] {n} alerts, {clients} clients x {per_request}/request: {elapsed:.2f} s "
        f"= {n / elapsed:,.0f} alerts/s (stored + correlated)"
    )
    clients_cpu = sum(client_cpu)
    roles = ", ".join(f"{k} {v / n * 1e6:.0f}" for k, v in sorted(by_role.items()))
    print(
        f"[{label}] CPU per alert: {(cpu - clients_cpu) / n * 1e6:.0f} µs server side "
        f"({roles}); clients {clients_cpu / n * 1e6:.0f} µs; process {cpu / n * 1e6:.0f} µs; "
        f"{pipeline.batches} write batches of {pipeline.alerts / max(pipeline.batches, 1):.0f}"
    )
    from sqlmodel import select

    from bot.store import Alert, Incident

    with db.session() as s:
        by_id = {a.id: a for a in s.exec(select(Alert))}
        incs = {i.id: i for i in s.exec(select(Incident))}
    pred = {fp: by_id[aid].incident_id or -1 for fp, aid in results.items()}
    precision, recall, f1 = pairwise(pred, gen.truth)
    # root accuracy: per true incident, the incident holding most of its alerts names a root
    # alert of the true root service
    good = 0
    for k, root_service in gen.roots.items():
        mine = [pred[fp] for fp, g in gen.truth.items() if g == k]
        top = max(set(mine), key=mine.count)
        root_alert = by_id.get(incs[top].root_alert_id) if top in incs else None
        good += bool(root_alert and root_alert.service == root_service)
    print(
        f"[{label}] incidents: {len(set(pred.values()))} (truth {len(gen.roots)}); pairwise "
        f"P={precision:.3f} R={recall:.3f} F1={f1:.3f}; root accuracy "
        f"{good}/{len(gen.roots)} = {good / len(gen.roots):.0%}"
    )
    db.dispose()


def correlation_cost(open_groups: int, probes: int = 3000) -> float:
    rng = random.Random(7)
    n = open_groups * 2
    graph = {f"s{i}": ([f"s{i + 1}"] if i % 2 == 0 else []) for i in range(n)}
    corr = Correlator(Topology(graph))
    for i in range(open_groups):
        corr.place(
            AlertFacts(
                id=f"seed{i}",
                at=T0,
                name="X",
                service=f"s{2 * i}",
                labels={"env": "prod", "pod": f"p{i}"},
            )
        )
    assert corr.open_count == open_groups
    t = time.perf_counter()
    for j in range(probes):
        svc = f"s{rng.randrange(n)}"
        corr.place(
            AlertFacts(
                id=f"probe{j}",
                at=T0 + timedelta(seconds=1),
                name="Y",
                service=svc,
                labels={"env": "prod", "pod": f"q{j}"},
            )
        )
    return (time.perf_counter() - t) / probes * 1e6


def scenarios() -> None:
    from handlers.replay.runner import replay
    from sandbox.scenario import load_scenario

    folder = ROOT / "examples" / "scenarios"
    exact = roots = total = 0
    for path in sorted(folder.glob("*.yaml")):
        loaded = load_scenario(path)
        t = time.perf_counter()
        result = replay(loaded.scenario)
        took = time.perf_counter() - t
        truth = loaded.truth.incidents if loaded.truth else []
        got = sorted((sorted(i["alerts"]), i["root_alert"]) for i in result["incidents"])
        want = sorted((sorted(i.alerts), i.root_alert) for i in truth)
        groups_ok = [g for g, _ in got] == [g for g, _ in want]
        total += 1
        exact += groups_ok
        roots += got == want
        print(
            f"  {path.name}: grouping {'exact' if groups_ok else 'WRONG'}, root "
            f"{'exact' if got == want else 'WRONG'} ({took:.2f} s)"
        )
    print(f"[scenarios] grouping exact {exact}/{total}, root exact {roots}/{total}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--alerts", type=int, default=10_000)
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--storm-only", action="store_true", help="skip the correlator and scenarios")
    args = ap.parse_args()
    gen = generate(random.Random(42), args.alerts)
    with tempfile.TemporaryDirectory() as tmp:
        run_storm(gen, f"sqlite:///{Path(tmp) / 'bench.db'}", "sqlite")
    if not args.no_postgres:
        from tests.pg import pg_bin, start_cluster

        if pg_bin() is None:
            print("[postgres] skipped: PostgreSQL binaries not installed")
        else:
            cluster = start_cluster()
            try:
                cluster.psql("CREATE DATABASE bench")
                run_storm(gen, cluster.url("bench"), "postgres")
            finally:
                cluster.stop()
    if args.storm_only:
        return
    for n in (100, 5000):
        print(f"[correlate] {n} open incidents: {correlation_cost(n):.1f} µs per alert")
    scenarios()


if __name__ == "__main__":
    main()

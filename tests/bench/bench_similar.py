"""Similar-incident retrieval: quality on held-back variants, and latency at 10,000 incidents.

Every truth incident of the in-repo scenarios (examples, holdout, reasoning, and the third-party
corpus without its held-out cases) is investigated once in its sandbox world; each becomes
``--history`` variants stored as past incidents (through ``bot.history.flows.remember``, on a
migrated SQLite file) and ``--queries`` held-back variants (``similar_corpus.variant``: other
service names, alert names with the service in them, findings lost, red herrings added, the top
two hypotheses sometimes swapped). For each held-back variant, a hit is a past incident with the
same root-cause kind and platform. Printed: recall@3 and MRR (over the top 10) for BM25
(``bot.history``) and for the naive baseline (past incidents sharing the most alert names, newest
first, one SQL query on the ``alert`` table), then the latency of each at ``--scale`` incidents
(p50 / p99 over ``--samples`` queries), the cold build of the index, and the first query after
one new incident (the index takes the new document in; it used to be rebuilt), whose answers
are checked against an index built from scratch.

    .venv/bin/python tests/bench/bench_similar.py [--cache FILE] [--scale 10000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from similar_corpus import Case, base_cases, variant  # noqa: E402
from sqlalchemy import func  # noqa: E402
from sqlmodel import col, select  # noqa: E402

from bot.clock import utcnow  # noqa: E402
from bot.history import flows, service  # noqa: E402
from bot.history.index import _cache, changed  # noqa: E402
from bot.history.terms import investigation_terms, platform_of  # noqa: E402
from bot.store import Alert, Database, Incident, connect  # noqa: E402
from bot.store.migrate import upgrade  # noqa: E402


def store(db: Database, cases: Sequence[Case], rng: random.Random) -> dict[int, tuple[str, str]]:
    """Past incidents (incident row, its alerts, its similarity doc) in one transaction."""
    labels: dict[int, tuple[str, str]] = {}
    now = utcnow()
    with db.session() as s:
        for c in cases:
            at = now - timedelta(days=rng.uniform(1, 365))
            row = Incident(title=c.result.query, status="resolved", created_at=at,
                           services=list(c.result.classification.targets))  # fmt: skip
            s.add(row)
            s.flush()
            assert row.id is not None
            labels[row.id] = c.label
            for n, a in enumerate(c.alerts):
                s.add(Alert(source="generic", fingerprint=f"{row.id}-{n}", name=a.name,
                            service=a.service, incident_id=row.id, starts_at=at))  # fmt: skip
            names, owners = [a.name for a in c.alerts], [a.service or "" for a in c.alerts]
            terms = investigation_terms(c.result, c.topology, alerts=names, alert_services=owners)
            top = max(c.result.hypotheses, key=lambda h: h.confidence, default=None)
            service.upsert_doc(
                session=s, incident_id=row.id, investigation_id=None,
                kind=top.kind if top else "",
                platform=platform_of(c.topology, top.service if top else None),
                service=top.service if top else None, summary="", terms=terms,
            )  # fmt: skip
    return labels


def bm25(db: Database, case: Case) -> list[int]:
    found = flows.similar_to_result(db, case.result, topology=case.topology, alerts=case.alerts,
                                    k=10)  # fmt: skip
    return [s.past.incident_id for s in found]


def same_alert_names(db: Database, case: Case) -> list[int]:
    """The baseline: past incidents sharing the most alert names, newest first."""
    names = sorted({a.name for a in case.alerts})
    shared = func.count(col(Alert.id))
    with db.session() as s:
        rows = s.exec(
            select(Alert.incident_id, shared)
            .join(Incident, col(Incident.id) == col(Alert.incident_id))
            .where(col(Alert.name).in_(names))
            .group_by(col(Alert.incident_id), col(Incident.created_at))
            .order_by(shared.desc(), col(Incident.created_at).desc())
            .limit(10)
        ).all()
    return [int(r[0]) for r in rows if r[0] is not None]


def quality(
    db: Database, labels: dict[int, tuple[str, str]], queries: Sequence[Case],
    method: Callable[[Database, Case], list[int]],
) -> tuple[float, float]:  # fmt: skip
    hits, rr = 0, 0.0
    for q in queries:
        ranked = method(db, q)
        right = [i for i, pid in enumerate(ranked) if labels.get(pid) == q.label]
        hits += bool(right and right[0] < 3)
        rr += 1.0 / (right[0] + 1) if right else 0.0
    return hits / len(queries), rr / len(queries)


def latency(db: Database, queries: Sequence[Case], method: Callable[[Database, Case], list[int]],
            samples: int) -> tuple[float, float]:  # fmt: skip
    times = []
    for n in range(samples):
        t0 = time.perf_counter()
        method(db, queries[n % len(queries)])
        times.append((time.perf_counter() - t0) * 1000.0)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, help="keep the investigated base cases in this JSON")
    ap.add_argument("--history", type=int, default=6, help="stored variants per base case")
    ap.add_argument("--queries", type=int, default=2, help="held-back variants per base case")
    ap.add_argument("--scale", type=int, default=10_000, help="past incidents for latency")
    ap.add_argument("--samples", type=int, default=300, help="queries timed at scale")
    ap.add_argument("--seed", type=int, default=17)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)

    t0 = time.perf_counter()
    bases = base_cases(args.cache)
    print(f"{len(bases)} base cases investigated in {time.perf_counter() - t0:.1f} s; "
          f"{len({b.label for b in bases})} distinct (kind, platform) labels")  # fmt: skip
    history, queries = [], []
    for b in bases:
        others = [o for o in bases if o is not b]
        history += [variant(b, others, rng, n) for n in range(args.history)]
        queries += [variant(b, others, rng, 100 + n) for n in range(args.queries)]

    with tempfile.TemporaryDirectory() as tmp:
        db = connect(f"sqlite:///{Path(tmp) / 'quality.db'}")
        upgrade(db.engine)
        labels = store(db, history, rng)
        print(f"\nretrieval quality: {len(history)} past incidents, {len(queries)} held-back "
              "variants; a hit = same root-cause kind and platform")  # fmt: skip
        print(f"  {'method':34} {'recall@3':>9} {'MRR':>6}")
        for name, method in (("BM25 (bot.history)", bm25),
                             ("baseline: same alert names", same_alert_names)):  # fmt: skip
            recall, mrr = quality(db, labels, queries, method)
            print(f"  {name:34} {recall:9.3f} {mrr:6.3f}")
        db.dispose()

        db = connect(f"sqlite:///{Path(tmp) / 'scale.db'}")
        upgrade(db.engine)
        filler = [variant(bases[n % len(bases)], bases, rng, 1000 + n) for n in range(args.scale)]
        t1 = time.perf_counter()
        store(db, filler, rng)
        load = os.getloadavg()[0]
        print(f"\nlatency at {args.scale} past incidents on SQLite (stored in "
              f"{time.perf_counter() - t1:.1f} s; load average {load:.1f} on "
              f"{os.cpu_count()} cores)")  # fmt: skip
        t1 = time.perf_counter()
        bm25(db, queries[0])
        print(f"  index cold build + first query: {(time.perf_counter() - t1) * 1000:8.1f} ms")
        for name, method in (("BM25 (bot.history)", bm25),
                             ("baseline: same alert names", same_alert_names)):  # fmt: skip
            p50, p99 = latency(db, queries, method, args.samples)
            print(f"  {name:34} p50 {p50:7.2f} ms   p99 {p99:7.2f} ms")
        store(db, queries[:1], rng)  # one new incident: the index takes it in
        changed(db)  # as ``flows.remember`` says it (else the cache trusts itself RECHECK_S)
        t1 = time.perf_counter()
        bm25(db, queries[1])
        print(f"  first query after one new incident: {(time.perf_counter() - t1) * 1000:8.1f} ms")
        kept = [bm25(db, q) for q in queries[:30]]
        _cache.clear()  # the reference: an index built from scratch
        same = kept == [bm25(db, q) for q in queries[:30]]
        print(
            f"  same answers as an index built from scratch (30 queries): {'yes' if same else 'NO'}"
        )
        db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

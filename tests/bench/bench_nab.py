"""NAB benchmark: our online detector scored with our NAB scorer, next to NAB's scoreboard.

Run: .venv/bin/python tests/bench/bench_nab.py [--set name=value ...] [--jobs 2]

Prints the standard / reward_low_FP / reward_low_FN scores, the published rows from
nab/results/final_results.json, the scorer's sanity checks (null → 0, perfect → 100) and the
detector's throughput in points per second (single process, pure Python).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.forecast.anomaly import AnomalyDetector, DetectorParams  # noqa: E402
from bot.forecast.nab_scoring import (  # noqa: E402
    load_corpus,
    load_profiles,
    perfect_scores,
    score_corpus,
)

NAB = ROOT.parent / "shared" / "data" / "nab"
PROFILE_KEYS = ("standard", "reward_low_FP_rate", "reward_low_FN_rate")


def run_detector(args: tuple[np.ndarray, np.ndarray, dict]) -> tuple[np.ndarray, float, int]:
    stamps, values, overrides = args
    det = AnomalyDetector(DetectorParams(**overrides))
    out = np.empty(len(values))
    epoch = stamps.astype("datetime64[s]").astype("int64").astype(float).tolist()
    t0 = time.perf_counter()
    for i, (t, v) in enumerate(zip(epoch, values.tolist(), strict=True)):
        out[i] = det.update(t, v).score
    return out, time.perf_counter() - t0, len(values)


def parse_overrides(pairs: list[str]) -> dict:
    fields = {f.name: f.type for f in dataclasses.fields(DetectorParams)}
    out: dict = {}
    for pair in pairs:
        key, _, raw = pair.partition("=")
        if key not in fields:
            raise SystemExit(f"unknown parameter {key!r}; known: {', '.join(fields)}")
        out[key] = int(raw) if fields[key] in (int, "int") else float(raw)
    return out


def rescore_published(folder: Path, series: list, profiles: dict, published: dict) -> None:
    """Score NAB's own per-detector output files with our scorer; print ours vs published."""
    for det_dir in sorted(p for p in Path(folder).iterdir() if p.is_dir()):
        name = det_dir.name
        if name not in published:
            continue
        scores = []
        for s in series:
            cat, fname = s.name.split("/")
            path = det_dir / cat / f"{name}_{fname}"
            if not path.exists():
                break
            scores.append(np.genfromtxt(path, delimiter=",", skip_header=1, usecols=(2,)))
        else:
            for k in PROFILE_KEYS:
                ours = score_corpus(series, scores, profiles[k]).normalized
                print(
                    f"  re-scored {name:<14} {k:<20} ours={ours:6.2f} "
                    f"published={published[name][k]:6.2f}"
                )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", action="append", default=[], help="detector parameter name=value")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--quiet", action="store_true", help="only our three scores")
    ap.add_argument(
        "--raw-results",
        type=Path,
        help="a NAB results/ folder with per-detector CSVs (e.g. from a NAB checkout): re-score "
        "each detector there that has a published row and print both numbers",
    )
    args = ap.parse_args()
    if not NAB.is_dir():
        print(f"[nab] skipped: no NAB data in {NAB} (../shared is not beside this clone)")
        return
    overrides = parse_overrides(args.set)
    series, values = load_corpus(NAB)
    profiles = load_profiles(NAB / "config" / "profiles.json")
    published = json.loads((NAB / "results" / "final_results.json").read_text())

    with Pool(args.jobs) as pool:
        results = pool.map(
            run_detector,
            [(s.timestamps, v, overrides) for s, v in zip(series, values, strict=True)],
            chunksize=1,
        )
    scores = [r[0] for r in results]
    seconds = sum(r[1] for r in results)
    points = sum(r[2] for r in results)

    ours = {k: score_corpus(series, scores, profiles[k]) for k in PROFILE_KEYS}
    if args.quiet:
        print(" ".join(f"{k}={ours[k].normalized:.2f}" for k in PROFILE_KEYS), overrides)
        return

    print(
        f"NAB corpus: {len(series)} files, {points} points, "
        f"{sum(len(s.windows) for s in series)} windows"
    )
    print(f"detector throughput: {points / seconds:,.0f} points/s (single process, pure Python)")
    print()
    header = f"{'detector':<22}" + "".join(f"{k:>20}" for k in PROFILE_KEYS)
    print(header)
    print("-" * len(header))
    row = "".join(f"{ours[k].normalized:>20.1f}" for k in PROFILE_KEYS)
    print(f"{'aiops (ours)':<22}{row}")
    ranked = sorted(published.items(), key=lambda kv: -kv[1]["standard"])
    for name, vals in ranked:
        print(f"{name:<22}" + "".join(f"{vals[k]:>20.1f}" for k in PROFILE_KEYS))
    print()
    for k in PROFILE_KEYS:
        s = ours[k]
        print(f"{k}: threshold={s.threshold:.6f} tp={s.tp} fp={s.fp} fn={s.fn} raw={s.raw:.2f}")

    print("\nscorer sanity checks (expect null 0, perfect 100):")
    null = [np.full(len(v), 0.5) for v in values]
    perfect = [perfect_scores(s) for s in series]
    for k in PROFILE_KEYS:
        n = score_corpus(series, null, profiles[k]).normalized
        p = score_corpus(series, perfect, profiles[k]).normalized
        print(f"  {k:<20} null={n:7.2f}  perfect={p:7.2f}")
    for folder in [NAB / "results", args.raw_results]:
        if folder is not None:
            rescore_published(folder, series, profiles, published)
    if not list((NAB / "results").rglob("*.csv")):
        print(
            "  (nab/results has no per-detector raw result files, only final_results.json: "
            "no published detector output to re-score)"
        )


if __name__ == "__main__":
    main()

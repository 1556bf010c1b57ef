"""Baseline comparison and change-point detection over one metric series (pure numpy).

``analyze(values, timestamps)`` finds the single most likely mean shift (binary segmentation:
the split that maximises the weighted difference of means), compares the recent level to the
baseline before it in units of the baseline's robust spread, classifies the shape (step, ramp,
spike that recovered), and separately fits a linear trend and looks for a saw-tooth (steady
climbs cut by resets, the signature of a leak killed by a limit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np


@dataclass(frozen=True)
class SeriesAnalysis:
    baseline: float
    current: float
    peak: float
    spread: float  # robust std-dev of the baseline
    changed: bool
    direction: str  # up | down | flat
    rel_change: float  # (current - baseline) / |baseline| (inf-safe)
    z: float
    onset: datetime | None
    shape: str  # step | ramp | spike | none
    recovered: bool  # a spike that came back to baseline
    trend_per_day: float
    trend_r2: float
    resets: int  # saw-tooth resets seen
    climb_r2: float  # mean linearity of the climbs between resets


_NONE = SeriesAnalysis(
    0.0, 0.0, 0.0, 0.0, False, "flat", 0.0, 0.0, None, "none", False, 0.0, 0.0, 0, 0.0
)


def _robust_sd(x: np.ndarray) -> float:
    if x.size < 2:
        return 0.0
    mad = float(np.median(np.abs(x - np.median(x)))) * 1.4826
    return mad if mad > 0 else float(np.std(x))


def _best_split(v: np.ndarray, min_seg: int) -> int:
    n = v.size
    csum = np.cumsum(v)
    idx = np.arange(min_seg, n - min_seg + 1)
    left = csum[idx - 1] / idx
    right = (csum[-1] - csum[idx - 1]) / (n - idx)
    score = np.abs(right - left) * np.sqrt(idx * (n - idx) / n)
    return int(idx[int(np.argmax(score))])


def _linear_fit(t_days: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    if v.size < 3 or float(np.ptp(t_days)) == 0.0:
        return 0.0, 0.0
    slope, intercept = np.polyfit(t_days, v, 1)
    resid = v - (slope * t_days + intercept)
    total = float(np.sum((v - v.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / total if total > 0 else 0.0
    return float(slope), r2


def _sawtooth(t_days: np.ndarray, v: np.ndarray) -> tuple[int, float]:
    rng = float(np.ptp(v))
    if rng <= 0 or v.size < 12:
        return 0, 0.0
    drops = np.where(np.diff(v) < -0.4 * rng)[0]
    if drops.size == 0:
        return 0, 0.0
    bounds = [0, *(int(d) + 1 for d in drops), v.size]
    r2s = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        if b - a >= 6:
            slope, r2 = _linear_fit(t_days[a:b], v[a:b])
            r2s.append(r2 if slope > 0 else 0.0)
    return int(drops.size), float(np.mean(r2s)) if r2s else 0.0


def analyze(values: list[float], timestamps: list[datetime]) -> SeriesAnalysis:
    if len(values) < 8:
        return _NONE
    v = np.asarray(values, dtype=float)
    n = v.size
    t0 = timestamps[0].timestamp()
    t_days = np.array([(ts.timestamp() - t0) / 86400.0 for ts in timestamps])
    split = _best_split(v, max(3, n // 20))
    base_part = v[:split]
    baseline = float(np.median(base_part))
    spread = _robust_sd(base_part)
    tail = max(3, n // 40)
    current = float(np.median(v[-tail:]))
    after = v[split:]
    peak_up, peak_down = float(after.max()), float(after.min())
    scale = max(spread, abs(baseline) * 0.01, 1e-9)
    delta = current - baseline
    peak = peak_up if abs(peak_up - baseline) >= abs(peak_down - baseline) else peak_down
    peak_delta = peak - baseline
    denom = abs(baseline) if abs(baseline) > 1e-9 else 1.0

    def significant(d: float) -> bool:
        rel_ok = abs(d) / denom >= 0.25 if abs(baseline) > 1e-9 else abs(d) >= 1.0
        return abs(d) > 4.0 * max(spread, 1e-9) and rel_ok

    changed = significant(delta)
    recovered = not changed and significant(peak_delta)
    used = delta if changed else peak_delta
    direction = "flat" if not (changed or recovered) else ("up" if used > 0 else "down")
    onset_idx = split
    if changed or recovered:
        sign = 1.0 if used > 0 else -1.0
        i = split
        while i > 0 and sign * (v[i - 1] - baseline) > 3.0 * max(spread, 1e-9):
            i -= 1
        onset_idx = i
    shape = "none"
    if recovered:
        shape = "spike"
    elif changed:
        # transition length: points between onset and first reaching 80% of the new level
        target = baseline + 0.8 * delta
        reach = onset_idx
        while reach < n - 1 and (v[reach] - target) * np.sign(delta) < 0:
            reach += 1
        shape = "step" if reach - onset_idx <= 3 else "ramp"
    slope, r2 = _linear_fit(t_days, v)
    resets, climb_r2 = _sawtooth(t_days, v)
    return SeriesAnalysis(
        baseline=baseline,
        current=current,
        peak=peak,
        spread=spread,
        changed=changed,
        direction=direction,
        rel_change=(used / denom) if (changed or recovered) else delta / denom,
        z=used / scale,
        onset=timestamps[onset_idx] if (changed or recovered) else None,
        shape=shape,
        recovered=recovered,
        trend_per_day=slope,
        trend_r2=r2,
        resets=resets,
        climb_r2=climb_r2,
    )

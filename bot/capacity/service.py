"""Assess watched resources: read history, forecast 48 h (model chosen per series) and 30 d
(robust trend), estimate 80/90/100 % crossings, and sort into critical / warning / healthy.

Status: **critical** when a threshold at or above ``critical_at`` (90 %) is reached within
7 days (or already); **warning** when any threshold from ``warning_at`` (80 %) is reached within
30 days (or already); otherwise **healthy**.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta

import numpy as np

from bot.capacity.models import (
    CapacityDigest,
    ResourceForecast,
    Skipped,
    Status,
    WatchedResource,
)
from bot.errors import AiopsError
from bot.forecast.breach import estimate_breach
from bot.forecast.forecast import forecast
from bot.forecast.models import Breach, Series
from integrations.metrics.models import MetricData, MetricSource, MetricSourceError

log = logging.getLogger(__name__)

SHORT = timedelta(hours=48)
LONG = timedelta(days=30)
HISTORY = timedelta(days=21)
CRITICAL_WINDOW = timedelta(days=7)
WARNING_WINDOW = timedelta(days=30)
MIN_POINTS = 24
MAX_LONG_POINTS = 24 * 31  # the 30-day forecast runs on at most hourly points


def _naive_utc(stamps: Sequence[datetime]) -> np.ndarray:
    return np.array([t.astimezone(UTC).replace(tzinfo=None) for t in stamps], dtype="datetime64[s]")


def to_series(resource: WatchedResource, data: MetricData) -> Series:
    values = resource.percent(np.asarray(data.values, dtype=float))
    ok = np.isfinite(values)
    return Series(_naive_utc(data.timestamps)[ok], values[ok])


def _coarsen(series: Series, seconds: int) -> Series:
    """Bucket means at ``seconds`` (for the 30-day forecast of finely sampled series)."""
    step = float(series.step / np.timedelta64(1, "s"))
    if step >= seconds:
        return series
    t = series.timestamps.astype("int64")
    buckets = t // seconds
    keys, first = np.unique(buckets, return_index=True)
    sums = np.add.reduceat(series.values, first)
    counts = np.diff(np.append(first, len(t)))
    return Series((keys * seconds).astype("datetime64[s]"), sums / counts)


def status_of(resource: WatchedResource, breaches: Sequence[Breach], now: datetime) -> Status:
    def within(b: Breach, window: timedelta) -> bool:
        return b.eta - now <= window

    if any(b.threshold >= resource.critical_at and within(b, CRITICAL_WINDOW) for b in breaches):
        return Status.CRITICAL
    if any(b.threshold >= resource.warning_at and within(b, WARNING_WINDOW) for b in breaches):
        return Status.WARNING
    return Status.HEALTHY


def assess(
    resource: WatchedResource, data: MetricData, *, method: str = "auto"
) -> ResourceForecast:
    """Forecast one resource from its history (percent of capacity)."""
    history = to_series(resource, data)
    if len(history) < MIN_POINTS:
        raise AiopsError(f"only {len(history)} points of history (need {MIN_POINTS})")
    step = max(float(history.step / np.timedelta64(1, "s")), 1.0)
    now = data.timestamps[-1].astimezone(UTC)
    short = forecast(history, max(int(SHORT.total_seconds() // step), 1), method=method)
    coarse = _coarsen(history, 3600) if step < 3600 else history
    cstep = max(float(coarse.step / np.timedelta64(1, "s")), 1.0)
    long_h = min(max(int(LONG.total_seconds() // cstep), 1), MAX_LONG_POINTS)
    long = forecast(coarse, long_h, method="linear") if len(coarse) >= 8 else short
    breaches = estimate_breach(history, short, thresholds=resource.thresholds)
    level = float(np.median(history.values[-min(len(history), 6) :]))
    return ResourceForecast(
        resource=resource,
        now=now,
        history=history,
        short=short,
        long=long,
        breaches=breaches,
        status=status_of(resource, breaches, now),
        level=level,
    )


def _assess_job(args: tuple[WatchedResource, MetricData, str]) -> ResourceForecast | str:
    resource, data, method = args
    try:
        return assess(resource, data, method=method)
    except AiopsError as exc:
        return str(exc)
    except Exception as exc:  # one bad series must not sink the digest; say why
        log.warning("forecast failed for %s", resource.name, exc_info=True)
        return f"forecast failed: {exc}"


def read_histories(
    resources: Sequence[WatchedResource],
    sources: Mapping[str, MetricSource],
    now: datetime,
    history: timedelta = HISTORY,
) -> tuple[list[tuple[WatchedResource, MetricData]], list[Skipped]]:
    """Read every resource's history, batched per source and step."""
    groups: dict[tuple[str, int], list[WatchedResource]] = defaultdict(list)
    skipped: list[Skipped] = []
    for r in resources:
        if r.source not in sources:
            skipped.append(Skipped(r, f"no metric source named {r.source!r}"))
            continue
        groups[(r.source, r.step_seconds)].append(r)
    out: list[tuple[WatchedResource, MetricData]] = []
    for (name, step), members in groups.items():
        # CloudWatch's end is exclusive: one step past now keeps the newest point
        end = now + timedelta(seconds=step) - timedelta(seconds=1)
        try:
            data = sources[name].read_many([r.ref for r in members], now - history, end, step)
        except MetricSourceError as exc:
            skipped.extend(Skipped(r, str(exc)) for r in members)
            continue
        out.extend(zip(members, data, strict=True))
    return out, skipped


def build_digest(
    resources: Sequence[WatchedResource],
    sources: Mapping[str, MetricSource],
    now: datetime,
    *,
    method: str | None = None,
    jobs: int = 1,
    history: timedelta = HISTORY,
) -> CapacityDigest:
    """The digest model: every resource assessed and sorted, the soonest breach first.

    ``method`` defaults to ``auto`` (model selection per series) for up to 200 resources and to
    the cheap ``linear`` model beyond that, so 1,000 series stay well under 30 s.
    """
    method = method or ("auto" if len(resources) <= 200 else "linear")
    read, skipped = read_histories(resources, sources, now, history)
    digest = CapacityDigest(generated_at=now, skipped=skipped)
    tasks = [(r, d, method) for r, d in read]
    if jobs > 1 and len(tasks) > 50:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(_assess_job, tasks, chunksize=max(len(tasks) // (jobs * 4), 1)))
    else:
        results = [_assess_job(t) for t in tasks]
    for (resource, _, _), result in zip(tasks, results, strict=True):
        if isinstance(result, str):
            digest.skipped.append(Skipped(resource, result))
        elif result.status is Status.CRITICAL:
            digest.critical.append(result)
        elif result.status is Status.WARNING:
            digest.warning.append(result)
        else:
            digest.healthy.append(result)

    def soonest(rf: ResourceForecast) -> tuple[datetime, str]:
        b = rf.attention
        return (b.eta if b else rf.now + LONG, rf.resource.name)

    digest.critical.sort(key=soonest)
    digest.warning.sort(key=soonest)
    digest.healthy.sort(key=lambda rf: rf.resource.name)
    return digest

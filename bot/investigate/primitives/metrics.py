"""Metric reads with baseline comparison and change-point detection."""

from __future__ import annotations

import statistics
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.forecast.changepoint import analyze
from bot.investigate.context import InvestigationContext
from bot.investigate.log_latency import log_latency_rules
from bot.investigate.models import Finding, FindingType
from bot.investigate.primitives.base import Scope, ago_text, fmt, minutes_ago
from bot.investigate.primitives.signals import metric_signal
from bot.investigate.sources import MetricRef, SeriesData

#: Read windows, shortest first: a series that has data before a window's start is read again
#: over the next one, with a coarser period so every read stays around 1,500 points.
WINDOWS = (timedelta(hours=8), timedelta(days=3), timedelta(days=30))
MAX_POINTS = 1500


def read_adaptive(ctx: InvestigationContext, ref: MetricRef, scope: Scope) -> SeriesData:
    series = SeriesData(ref, [], [])
    for window in WINDOWS:
        start = max(scope.long_start, scope.end - window)
        period = max(ref.period_s, int(window.total_seconds() // MAX_POINTS) // 60 * 60, 60)
        series = ctx.evidence.read_metric(replace(ref, period_s=period), start, scope.end)
        if not series.timestamps or start <= scope.long_start:
            break
        if (series.timestamps[0] - start).total_seconds() > 2 * period:
            break  # the data starts inside this window: nothing older to fetch
    return series


def attribute(ctx: InvestigationContext, ref: MetricRef) -> str | None:
    """The service a series measures: a dimension naming a dependency wins over the owner."""
    owner = ref.service
    deps = set(ctx.topology.dependencies(owner)) if owner else set()
    for value in ref.dimensions.values():
        if value in deps:
            return value
    if owner:
        return owner
    for value in ref.dimensions.values():
        node = ctx.topology.by_resource(value)
        if node:
            return node.name
    return None


def _instance_ref(ctx: InvestigationContext, ref: MetricRef) -> str | None:
    value = ref.dimensions.get("InstanceId")
    if not value:
        return None
    for inst in ctx.evidence.ec2_instances():
        if value in (inst.instance_id, inst.ref):
            return inst.ref
    return value


def scan(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    wanted = set(params.get("signals") or [])
    picked: list[tuple[MetricRef, str, str]] = []
    for ref in ctx.evidence.metric_catalog():
        service = attribute(ctx, ref)
        if service is None or service not in scope.services:
            continue
        signal = metric_signal(ref.namespace, ref.name)
        if wanted and signal not in wanted:
            continue
        picked.append((ref, service, signal))
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="metrics") as pool:
        reads = list(pool.map(lambda item: read_adaptive(ctx, item[0], scope), picked))
    out: list[Finding] = []
    for (ref, service, signal), series in zip(picked, reads, strict=True):
        result = analyze(series.values, series.timestamps)
        source = f"cloudwatch:{ref.namespace}/{ref.name}"
        label = f"{ref.name} ({service})"
        pct = ref.unit.lower() == "percent"
        base = {
            "signal": signal,
            "metric": ref.name,
            "namespace": ref.namespace,
            "unit": ref.unit,
            "baseline": round(result.baseline, 4),
            "current": round(result.current, 4),
            "peak": round(result.peak, 4),
            "instance": _instance_ref(ctx, ref),
        }
        if result.changed or result.recovered:
            onset = minutes_ago(ctx, result.onset)
            verb = "rose" if result.direction == "up" else "fell"
            now_txt = (
                f"back near baseline after peaking at {fmt(result.peak)}"
                if result.recovered
                else f"now {fmt(result.current)}"
            )
            at_limit = pct and max(result.current, result.peak) >= 90.0
            to_zero = (
                not result.recovered
                and result.direction == "down"
                and result.current <= 0.05 * abs(result.baseline)
            )
            out.append(
                Finding(
                    type=FindingType.METRIC_SHIFT,
                    service=service,
                    source=source,
                    at=result.onset,
                    summary=(
                        f"{label} {verb} from a baseline of {fmt(result.baseline)} "
                        f"{ago_text(onset)} ({result.shape}), {now_txt} {ref.unit}"
                    ),
                    attrs={
                        **base,
                        "direction": result.direction,
                        "shape": result.shape,
                        "rel_change": round(result.rel_change, 3),
                        "z": round(result.z, 1),
                        "onset_min_ago": onset,
                        "at_limit": at_limit,
                        "to_zero": to_zero,
                        "recovered": result.recovered,
                    },
                )
            )
        span_days = (
            (series.timestamps[-1] - series.timestamps[0]).total_seconds() / 86400.0
            if len(series.timestamps) > 1
            else 0.0
        )
        growth = result.trend_per_day * span_days
        material = growth >= (10.0 if pct else 0.2 * max(abs(series.values[0]), 1e-9))
        slope_ok = result.trend_r2 >= 0.8 and result.trend_per_day > 0 and material
        saw_ok = result.resets >= 1 and result.climb_r2 >= 0.8
        if slope_ok or saw_ok:
            pattern = "sawtooth" if saw_ok and not slope_ok else "linear"
            days_to_full = None
            if pct and result.trend_per_day > 0 and pattern == "linear":
                days_to_full = round((100.0 - result.current) / result.trend_per_day, 1)
            what = (
                f"climbs steadily and resets {result.resets} time(s) (peak {fmt(result.peak)})"
                if pattern == "sawtooth"
                else f"grows {fmt(result.trend_per_day)} {ref.unit}/day, now {fmt(result.current)}"
                + (f", full in ~{days_to_full} d" if days_to_full is not None else "")
            )
            out.append(
                Finding(
                    type=FindingType.METRIC_TREND,
                    service=service,
                    source=source,
                    summary=f"{label} {what}",
                    attrs={
                        **base,
                        "pattern": pattern,
                        "per_day": round(result.trend_per_day, 3),
                        "r2": round(max(result.trend_r2, result.climb_r2), 3),
                        "resets": result.resets,
                        "days_to_full": days_to_full,
                        "near_limit": pct and max(result.current, result.peak) >= 75.0,
                    },
                )
            )
    return out + split_by_dimension(picked, reads)


#: seconds per a latency metric's unit (CloudWatch's unit names)
_UNIT_SECONDS = {"seconds": 1.0, "milliseconds": 1e-3, "microseconds": 1e-6}


def split_by_dimension(
    picked: list[tuple[MetricRef, str, str]], reads: list[SeriesData]
) -> list[Finding]:
    """Latency series of one metric and service that differ in one dimension only (a route, a
    coupon, a method): when one value's median is ``split_ratio`` times the fastest value's and
    past ``split_seconds`` itself (``log_latency.yaml``), that path is slow and the others are
    not (a ``request_latency`` finding naming it)."""
    rules = log_latency_rules()
    groups: dict[tuple[str, str, str], list[tuple[MetricRef, float]]] = defaultdict(list)
    for (ref, service, signal), series in zip(picked, reads, strict=True):
        unit = _UNIT_SECONDS.get(ref.unit.lower())
        if signal == "latency" and unit is not None and series.values:
            groups[(service, ref.namespace, ref.name)].append(
                (ref, statistics.median(series.values) * unit)
            )
    out: list[Finding] = []
    for (service, namespace, name), members in groups.items():
        for key in sorted({k for ref, _ in members for k in ref.dimensions}):
            rest = {
                tuple(sorted((k, v) for k, v in r.dimensions.items() if k != key))
                for r, _ in members
            }
            values = {r.dimensions.get(key): p50 for r, p50 in members}
            if len(rest) != 1 or len(values) < 2 or None in values:
                continue
            slow = max(values, key=lambda v: values[v])
            fast = min(values, key=lambda v: values[v])
            high, low = values[slow], values[fast]
            if high < rules.split_seconds or high < rules.split_ratio * max(low, 1e-9):
                continue
            path = f"{key}={slow}"
            out.append(
                Finding(
                    type=FindingType.REQUEST_LATENCY,
                    service=service,
                    source=f"cloudwatch:{namespace}/{name}",
                    summary=f"{name} ({service}): requests with {path} take {fmt(high)} s "
                    f"(median), with {key}={fast} {fmt(low)} s: only that path is slow",
                    attrs={
                        "count": len(values),
                        "field": name,
                        "p50_s": round(statistics.median(values.values()), 4),
                        "slow": True,
                        "path": path,
                        "path_p50_s": round(high, 4),
                        "other_p50_s": round(low, 4),
                    },
                )
            )
            break
    return out


PRIMITIVES = {"metrics.scan": scan}

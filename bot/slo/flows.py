"""Read SLIs through a metric source and put SLO + SLA state into words (``/aiops slo``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from bot.slo.burn import WORKBOOK, BudgetStatus, SliSeries, budget_status
from bot.slo.config import SloConfig, SloSpec
from bot.slo.sla import IncidentTimes, clocks
from integrations.metrics.models import MetricData, MetricSource, MetricSourceError

LONGEST_ALERT = max(w.long for w in WORKBOOK)


def _aligned(datas: Sequence[MetricData]) -> tuple[list[datetime], list[np.ndarray]]:
    common = sorted(set.intersection(*(set(d.timestamps) for d in datas))) if datas else []
    out = []
    for d in datas:
        index = dict(zip(d.timestamps, d.values, strict=True))
        out.append(np.array([index[t] for t in common], dtype=float))
    return common, out


def sli_from(spec: SloSpec, datas: Sequence[MetricData]) -> SliSeries:
    """The SLI series from the metrics the spec names (in ``refs(spec)`` order)."""
    stamps, values = _aligned(datas)
    sli = spec.sli
    if sli.kind == "latency":
        (metric,) = values
        assert sli.threshold is not None
        return SliSeries.of(stamps, (metric <= sli.threshold).astype(float), np.ones(len(metric)))
    first, total = values
    good = first if sli.good is not None else np.clip(total - first, 0, None)
    return SliSeries.of(stamps, good, total)


def refs(spec: SloSpec) -> list:
    sli = spec.sli
    if sli.kind == "latency":
        assert sli.metric is not None
        return [sli.metric.ref()]
    first = sli.good or sli.bad
    assert first is not None and sli.total is not None
    return [first.ref(), sli.total.ref()]


@dataclass(frozen=True)
class SloState:
    spec: SloSpec
    status: BudgetStatus | None
    error: str | None = None

    def describe(self) -> str:
        s = self.spec
        if self.status is None:
            return f"{s.name}: no data ({self.error})"
        st = self.status
        if st.error_ratio is None:
            return f"{s.name}: no data over {s.window.days}d (target {s.target:g}%)"
        ratio = f"{100 * (1 - st.error_ratio):.3f}%"
        line = (
            f"{s.name}: {ratio} over {s.window.days}d (target {s.target:g}%), "
            f"error budget {100 * st.remaining:.0f}% left"
        )
        firing = st.firing
        if firing:
            line += "; BURNING: " + "; ".join(a.describe() for a in firing)
        return line


def evaluate(
    config: SloConfig, sources: Mapping[str, MetricSource], now: datetime
) -> list[SloState]:
    out = []
    for spec in config.slos:
        source = sources.get(spec.source)
        if source is None:
            out.append(SloState(spec, None, f"no metric source named {spec.source!r}"))
            continue
        start = now - max(spec.window, LONGEST_ALERT)
        step = int(spec.step.total_seconds())
        try:
            datas = source.read_many(refs(spec), start, now + timedelta(seconds=1), step)
        except MetricSourceError as exc:
            out.append(SloState(spec, None, str(exc)))
            continue
        series = sli_from(spec, datas)
        out.append(SloState(spec, budget_status(series, now, spec.window, spec.budget)))
    return out


def status_text(
    states: Sequence[SloState],
    incidents: Sequence[IncidentTimes],
    config: SloConfig,
    now: datetime,
) -> str:
    lines = ["*SLOs*"] + [f"• {s.describe()}" for s in states] if states else ["No SLOs defined."]
    live = []
    for inc in incidents:
        running = [c for c in clocks(inc, config.slas, now) if not c.stopped]
        if running:
            live.append(
                f"• #{inc.id} {inc.title} ({inc.severity}): "
                + "; ".join(c.describe() for c in running)
            )
    if live:
        lines += ["*Incident SLAs*", *live]
    return "\n".join(lines)

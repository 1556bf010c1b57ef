"""Render a ``CapacityDigest`` as Slack text, as a markdown file, and as PNG charts."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import numpy as np

from bot.capacity.models import CapacityDigest, ResourceForecast
from bot.forecast.chart import render_capacity_chart
from bot.forecast.models import Forecast, Series

MAX_CHARTS = 5
CHART_HISTORY = np.timedelta64(14, "D")


@dataclass(frozen=True)
class DigestReport:
    title: str
    slack_text: str
    markdown: str
    charts: list[Path]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "resource"


def _line(rf: ResourceForecast) -> str:
    return f"{rf.headline()} (now {rf.level:.0f}%, model {rf.short.model})"


def _cut(fc: Forecast, until: np.datetime64) -> Forecast:
    keep = fc.timestamps <= until
    if keep.sum() < 2:
        keep[: min(2, len(keep))] = True
    return replace(
        fc,
        timestamps=fc.timestamps[keep],
        mean=fc.mean[keep],
        lo80=fc.lo80[keep],
        hi80=fc.hi80[keep],
        lo95=fc.lo95[keep],
        hi95=fc.hi95[keep],
    )


def chart(rf: ResourceForecast, path: Path) -> Path:
    """History (last 14 days), the forecast up to a little past the last breach (≤ 30 days),
    its intervals, the thresholds and the predicted crossings."""
    h = rf.history
    recent = h.timestamps >= h.timestamps[-1] - CHART_HISTORY
    history = Series(h.timestamps[recent], h.values[recent])
    ahead = [b for b in rf.breaches if b.method != "already"]
    horizon = rf.long
    if ahead:
        last = max(b.eta for b in ahead)
        margin = max((last - rf.now) * 0.25, timedelta(days=1))
        until = np.datetime64((last + margin).replace(tzinfo=None), "s")
    else:
        until = h.timestamps[-1] + np.timedelta64(7, "D")
    fc = _cut(horizon, until)
    title = f"{rf.resource.name}: {rf.status.value}"
    return render_capacity_chart(history, fc, rf.resource.thresholds, rf.breaches, title, path)


def _charted(digest: CapacityDigest) -> list[ResourceForecast]:
    picked = digest.attention[:MAX_CHARTS]
    if not picked and digest.healthy:  # nothing urgent: show the fullest resource
        picked = [max(digest.healthy, key=lambda rf: rf.level)]
    return picked


def render(digest: CapacityDigest, chart_dir: Path | None = None) -> DigestReport:
    """Texts always; charts when ``chart_dir`` is given (one PNG per charted resource)."""
    title = f"Weekly capacity digest, {digest.week_key}"
    slack: list[str] = [f"*{title}* (as of {digest.generated_at:%Y-%m-%d %H:%M} UTC)"]
    md: list[str] = [f"# {title}", "", f"As of {digest.generated_at:%Y-%m-%d %H:%M} UTC.", ""]
    sections = (
        ("Critical: 90% or more within 7 days", ":red_circle:", digest.critical),
        ("Warning: 80% or more within 30 days", ":large_yellow_circle:", digest.warning),
    )
    for heading, icon, items in sections:
        if not items:
            continue
        slack.append(f"{icon} *{heading}*")
        md += [f"## {heading}", ""]
        for rf in items:
            slack.append(f"• {_line(rf)}")
            md.append(f"- {_line(rf)}")
        md.append("")
    if not digest.attention:
        slack.append(":white_check_mark: No resource needs attention in the next 30 days.")
        md += ["No resource needs attention in the next 30 days.", ""]
    healthy = f"{digest.healthy_count} resource{'s' * (digest.healthy_count != 1)} healthy"
    slack.append(f":large_green_circle: {healthy}")
    md += [f"**{healthy}.**", ""]
    if digest.skipped:
        reasons = "; ".join(f"{s.resource.name}: {s.reason}" for s in digest.skipped[:5])
        more = f" (+{len(digest.skipped) - 5} more)" if len(digest.skipped) > 5 else ""
        slack.append(f"_{len(digest.skipped)} not forecast: {reasons}{more}_")
        md += [f"_{len(digest.skipped)} not forecast: {reasons}{more}_", ""]
    charts: list[Path] = []
    if chart_dir is not None:
        picked = _charted(digest)
        if picked:
            md += ["## Charts", ""]
        for i, rf in enumerate(picked, 1):
            path = chart(rf, Path(chart_dir) / f"{i:02d}-{_slug(rf.resource.name)}.png")
            charts.append(path)
            md += [f"![{rf.resource.name}]({path.parent.name}/{path.name})", ""]
    return DigestReport(title, "\n".join(slack), "\n".join(md).rstrip() + "\n", charts)

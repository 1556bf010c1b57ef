"""The capacity chart of the weekly digest: history, forecast, interval band, thresholds, breach."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from bot.forecast.models import Breach, Forecast, Series  # noqa: E402

THRESHOLD_COLOURS = ("#e0a800", "#e8590c", "#c92a2a")


def _dt(values: np.ndarray) -> np.ndarray:
    return values.astype("datetime64[s]").astype("O")


def render_capacity_chart(
    history: Series,
    forecast: Forecast,
    thresholds: Sequence[float],
    breach: Breach | Sequence[Breach] | None,
    title: str,
    path: Path,
) -> Path:
    """Draw the chart to ``path`` (PNG, 1200×600) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    breaches = [breach] if isinstance(breach, Breach) else list(breach or [])
    fig, ax = plt.subplots(figsize=(12, 6), dpi=100)
    try:
        ax.plot(_dt(history.timestamps), history.values, color="#1c7ed6", lw=1.2, label="history")
        ft = _dt(forecast.timestamps)
        ax.fill_between(
            ft, forecast.lo95, forecast.hi95, color="#845ef7", alpha=0.15, label="95% interval"
        )
        ax.fill_between(
            ft, forecast.lo80, forecast.hi80, color="#845ef7", alpha=0.30, label="80% interval"
        )
        ax.plot(
            ft,
            forecast.mean,
            color="#5f3dc4",
            lw=1.6,
            ls="--",
            label=f"forecast ({forecast.model})",
        )
        for i, thr in enumerate(sorted(thresholds)):
            colour = THRESHOLD_COLOURS[min(i, len(THRESHOLD_COLOURS) - 1)]
            ax.axhline(thr, color=colour, lw=1.0, ls=":", label=f"{thr:g}% threshold")
        ahead = [b for b in breaches if b.method != "already"]
        if ahead:  # the extrapolated path from the forecast's end to the latest breach
            last = max(ahead, key=lambda b: b.eta)
            ax.plot(
                [ft[-1], last.eta],
                [forecast.mean[-1], last.threshold],
                color="#5f3dc4",
                lw=1.0,
                ls=":",
                label="trend extrapolation",
            )
            span = last.eta - _dt(history.timestamps[:1])[0].replace(tzinfo=last.eta.tzinfo)
            ax.set_xlim(right=last.eta + span * 0.12)
        for b in ahead:
            ax.axvline(mdates.date2num(b.eta), color="#c92a2a", lw=1.4)
            ax.axvspan(
                mdates.date2num(b.eta_lo),
                mdates.date2num(b.eta_hi or b.eta),
                color="#c92a2a",
                alpha=0.08,
            )
            ax.annotate(
                f"{b.threshold:g}% ~{b.eta:%b %d %H:%M}",
                xy=(mdates.date2num(b.eta), b.threshold),
                xytext=(6, 8),
                textcoords="offset points",
                color="#c92a2a",
                fontsize=9,
                fontweight="bold",
            )
        ax.set_title(title)
        ax.set_ylabel("value")
        ax.grid(True, alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
        fig.autofmt_xdate()
        fig.tight_layout()
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
    return path

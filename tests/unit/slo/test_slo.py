"""SLO burn-rate math on constructed series, SLA clocks and the monthly compliance report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from bot.errors import UserError
from bot.slo.burn import WORKBOOK, SliSeries, budget_status, burn_rate, error_ratio
from bot.slo.config import SlaSpec, parse_config
from bot.slo.flows import sli_from, status_text
from bot.slo.sla import IncidentTimes, clocks, compliance_report, fmt_duration
from integrations.metrics.models import MetricData, MetricRef

END = datetime(2025, 3, 31, 12, tzinfo=UTC)
MIN = timedelta(minutes=1)


def minutes(days: float, bad_fraction_at: dict[tuple[float, float], float]) -> SliSeries:
    """Per-minute series ending at END: 1,000 requests a minute; ``{(from_min_ago, to_min_ago):
    bad fraction}`` sets failures in those spans."""
    n = int(days * 1440)
    stamps = [END - MIN * (n - 1 - i) for i in range(n)]
    ago = np.arange(n)[::-1].astype(float)  # minutes before END
    bad = np.zeros(n)
    for (start, stop), frac in bad_fraction_at.items():
        bad[(ago < start) & (ago >= stop)] = frac
    total = np.full(n, 1000.0)
    return SliSeries.of(stamps, total * (1 - bad), total)


def test_burn_rate_is_error_ratio_over_budget() -> None:
    # 0.5 % errors for the last 2 hours, 99.9 % target → burn 5x over 1 h and 2 h
    s = minutes(3, {(120, 0): 0.005})
    assert error_ratio(s, END, timedelta(hours=1)) == pytest.approx(0.005)
    assert burn_rate(s, END, timedelta(hours=1), 0.001) == pytest.approx(5.0)
    # over 6 h only a third of the minutes were bad
    assert burn_rate(s, END, timedelta(hours=6), 0.001) == pytest.approx(5.0 / 3)


def test_fast_burn_pages_through_both_windows() -> None:
    # 2 % errors for the last 70 minutes: 20x on a 99.9 % SLO
    s = minutes(3, {(70, 0): 0.02})
    st = budget_status(s, END, timedelta(days=30), 0.001)
    fast = st.alerts[0]
    assert fast.window is WORKBOOK[0] and fast.firing
    assert fast.long_rate == pytest.approx(20.0) and fast.short_rate == pytest.approx(20.0)
    assert not st.alerts[1].firing  # 6 h window: 70/360 * 20 = 3.9x < 6x
    assert [a.window.severity for a in st.firing] == ["page"]


def test_short_window_resets_the_alert_once_burning_stops() -> None:
    # heavy burn from 70 to 10 minutes ago, then clean: the 1 h window still burns (~>14.4x),
    # the 5 min window is clean → no page
    s = minutes(3, {(70, 10): 0.03})
    fast = budget_status(s, END, timedelta(days=30), 0.001).alerts[0]
    assert fast.long_rate is not None and fast.long_rate > 14.4
    assert fast.short_rate == pytest.approx(0.0)
    assert not fast.firing


def test_slow_burn_opens_a_ticket_not_a_page() -> None:
    # 0.15 % errors for 3 days: 1.5x on 99.9 %
    s = minutes(4, {(3 * 1440, 0): 0.0015})
    st = budget_status(s, END, timedelta(days=30), 0.001)
    assert [a.window.long for a in st.firing] == [timedelta(days=3)]
    assert st.firing[0].window.severity == "ticket"
    # budget consumed over the 30 d window: only 4 days of data, 3 of them at 1.5x
    assert st.consumed == pytest.approx(1.5 * 3 / 4, rel=1e-3)
    assert st.remaining == pytest.approx(1 - 1.125, rel=1e-3)


def test_workbook_windows_spend_the_documented_budget() -> None:
    spent = [round(w.budget_spent, 3) for w in WORKBOOK]
    assert spent == [0.02, 0.05, 0.1, 0.1]


def test_latency_sli_counts_minutes_over_threshold() -> None:
    cfg = parse_config(
        {
            "slos": [
                {
                    "name": "lat",
                    "target": 99,
                    "window": "7d",
                    "sli": {
                        "kind": "latency",
                        "threshold": 0.5,
                        "metric": {"namespace": "ns", "name": "p99"},
                    },
                }
            ]
        }  # fmt: skip
    )
    stamps = [END - MIN * (9 - i) for i in range(10)]
    values = [0.2] * 7 + [0.9, 0.7, 0.4]
    sli = sli_from(cfg.slos[0], [MetricData(MetricRef("ns", "p99"), stamps, values)])
    assert error_ratio(sli, END, timedelta(minutes=10)) == pytest.approx(0.2)


def test_availability_from_bad_and_total_aligns_timestamps() -> None:
    cfg = parse_config(
        {
            "slos": [
                {
                    "name": "av",
                    "target": 99.9,
                    "sli": {
                        "kind": "availability",
                        "bad": {"name": "5xx"},
                        "total": {"name": "req"},
                    },
                }
            ]
        }  # fmt: skip
    )
    stamps = [END - MIN * (2 - i) for i in range(3)]
    bad = MetricData(MetricRef("", "5xx"), stamps[1:], [5.0, 0.0])  # first minute missing
    total = MetricData(MetricRef("", "req"), stamps, [100.0, 100.0, 100.0])
    sli = sli_from(cfg.slos[0], [bad, total])
    assert sli.total.tolist() == [100.0, 100.0] and sli.good.tolist() == [95.0, 100.0]


def test_bad_slo_files_name_the_problem() -> None:
    with pytest.raises(UserError, match="exactly one of good / bad"):
        parse_config({"slos": [{"name": "a", "target": 99, "sli": {
            "kind": "availability", "total": {"name": "t"}}}]})  # fmt: skip
    with pytest.raises(UserError, match="slos.0.target"):
        parse_config({"slos": [{"name": "a", "target": 100, "sli": {
            "kind": "latency", "metric": {"name": "m"}, "threshold": 1}}]})  # fmt: skip
    with pytest.raises(UserError, match="not a duration"):
        parse_config({"slas": [{"severity": "critical", "mtta": "soon"}]})


TARGETS = [
    SlaSpec(severity="critical", mtta=timedelta(minutes=5), mttr=timedelta(hours=4)),
    SlaSpec(severity="critical", team="payments", mtta=timedelta(minutes=2)),
    SlaSpec(severity="warning", mtta=timedelta(minutes=30)),
]
T0 = datetime(2025, 3, 10, 8, tzinfo=UTC)


def test_live_mtta_countdown_and_team_override() -> None:
    inc = IncidentTimes(1, "DB down", "critical", None, T0)
    (mtta, mttr) = clocks(inc, TARGETS, T0 + timedelta(minutes=3, seconds=30))
    assert mtta.describe() == "1m30s left before MTTA breach"
    assert mttr.describe() == "3h56m left before MTTR breach"
    team = IncidentTimes(2, "card declines", "critical", "payments", T0)
    (only,) = clocks(team, TARGETS, T0 + timedelta(minutes=3))
    assert only.describe() == "MTTA breached 1m ago"


def test_stopped_clocks_report_met_or_missed() -> None:
    inc = IncidentTimes(3, "x", "critical", None, T0, T0 + timedelta(minutes=7))
    mtta = clocks(inc, TARGETS, T0 + timedelta(hours=1))[0]
    assert mtta.stopped and mtta.breached
    assert mtta.describe() == "MTTA 7m (target 5m, missed by 2m)"
    assert fmt_duration(timedelta(days=1, hours=3)) == "1d3h"


def test_monthly_compliance_lists_breaches_with_reasons() -> None:
    now = datetime(2025, 4, 1, tzinfo=UTC)
    incidents = [
        IncidentTimes(1, "ok", "critical", None, T0, T0 + 2 * MIN, T0 + timedelta(hours=1)),
        IncidentTimes(2, "late ack", "critical", None, T0, T0 + 9 * MIN, T0 + timedelta(hours=1)),
        IncidentTimes(3, "never acked", "warning", None, T0),
        IncidentTimes(4, "still open", "critical", None, T0, T0 + MIN),
        IncidentTimes(5, "last month", "critical", None, T0 - timedelta(days=30)),
    ]
    report = compliance_report(incidents, TARGETS, 2025, 3, now)
    crit = report.lines["critical"]
    assert (crit.incidents, crit.mtta_met, crit.mtta_total) == (3, 2, 3)
    assert (crit.mttr_met, crit.mttr_total) == (2, 3)
    reasons = {(b.incident.id, b.metric): b.reason for b in report.breaches}
    assert set(reasons) == {(2, "MTTA"), (3, "MTTA"), (4, "MTTR")}
    assert reasons[(3, "MTTA")] == "nobody acknowledged it"
    assert reasons[(4, "MTTR")].startswith("still open")
    md = report.markdown()
    assert "| critical | 3 | 2/3 (67%) | 2/3 (67%) |" in md and "## Breaches (3)" in md


def test_status_text_shows_live_clocks() -> None:
    cfg = parse_config({"slas": [{"severity": "critical", "mtta": "5m"}]})
    inc = IncidentTimes(7, "API down", "critical", None, T0)
    text = status_text([], [inc], cfg, T0 + timedelta(minutes=4))
    assert "#7 API down (critical): 1m left before MTTA breach" in text

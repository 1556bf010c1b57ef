"""A healthy system is quiet: which services look steady, read from structure (issue 15 pt 6).

Logs print errors on healthy systems too: canned start-up stories, old dated lines replayed at
start, a routine error every few minutes for weeks. A service **looks steady** when its pods (read
directly) are all Running and ready with no restart, no alert that reports a failure fires, and
everything read about it is context (the graph, a change, a healthy resource) or an error line
that shows no failure going on now:

- printed at most ``one_off_count`` times (``calibration.yaml``): once, not recurring; or
- recurring at the rate it had before the question's window (``ctx.lookback``): first seen before
  the window, seen in it too, and its rate in the window at most ``steady_growth`` times its rate
  before. A line that started, or grew, in the window is an onset, not routine; one that stopped
  before it (a burst hours ago) is a past failure, not routine either.

``calibrate.final_confidences`` then lets a failure hypothesis resting only on such lines claim at
most ``steady_cap``, with why in its ``against``: the answer reads "probably healthy", not a
confident failure. No service, value or scenario is named here.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.investigate.classify import AlertView
from bot.investigate.context import InvestigationContext
from bot.investigate.fallback import informs
from bot.investigate.models import Finding, FindingType
from bot.investigate.reasoning_data import Calibration, calibration
from bot.investigate.resolve import alerting_services
from bot.investigate.sources import LogRecord

log = logging.getLogger(__name__)

LOG_TYPES = frozenset({FindingType.LOG_SIGNATURE, FindingType.LOG_TEMPLATE})
QUIET_TYPES = frozenset({FindingType.TOPOLOGY, FindingType.CHANGE})  # context, not health


@dataclass(frozen=True)
class PodHealth:
    """What the pods of a Kubernetes workload say: ``said`` for the answer, ``ok`` when all are
    ready and none restarted; ``unread`` when they could not be read."""

    said: str = ""
    ok: bool = True
    unread: str = ""
    ready: int = 0
    total: int = 0


def pod_health(ctx: InvestigationContext, service: str) -> PodHealth:
    """What the pods of a Kubernetes service say, read directly (nothing for other platforms)."""
    node = ctx.topology.get(service)
    if node is None or not node.kind.startswith("k8s") or not node.namespace:
        return PodHealth()
    try:
        pods = ctx.evidence.pods(node.namespace, node.resource)
    except Exception as exc:  # noqa: BLE001 - a read that fails is said, never raised
        return PodHealth(ok=False, unread=f"its pods could not be read ({type(exc).__name__})")
    if not pods:
        return PodHealth(f"no pod of {node.resource} found in namespace {node.namespace}", False)
    ready = sum(1 for p in pods if p.containers and all(c.ready for c in p.containers))
    restarts = sum(c.restart_count for p in pods for c in p.containers)
    phases = ", ".join(sorted({p.phase for p in pods}))
    return PodHealth(
        f"{ready}/{len(pods)} pod(s) ready ({phases}), {restarts} restart(s)",
        ready == len(pods) and restarts == 0,
        ready=ready,
        total=len(pods),
    )


def one_off(finding: Finding, rules: Calibration) -> bool:
    """A log line printed at most ``one_off_count`` times: not recurring."""
    count = finding.attrs.get("count")
    return finding.type in LOG_TYPES and isinstance(count, int) and count <= rules.one_off_count


def _pattern(template: str) -> re.Pattern[str]:
    """A mined template as a pattern over raw lines: each ``<*>`` stands for any text."""
    tokens = [".*?".join(re.escape(part) for part in tok.split("<*>")) for tok in template.split()]
    return re.compile(r"\s*" + r"\s+".join(tokens))


def _reads(
    ctx: InvestigationContext, findings: Sequence[Finding]
) -> dict[str, Sequence[LogRecord] | None]:
    """Each log source the findings came from, read once from the earliest of their first
    lines to now (None when it cannot be read again)."""
    since: dict[str, datetime] = {}
    for f in findings:
        source = f.attrs.get("log_source")
        if isinstance(source, str) and f.at is not None:
            since[source] = min(since.get(source, f.at), f.at)
    out: dict[str, Sequence[LogRecord] | None] = {}
    for source, start in since.items():
        try:
            out[source] = ctx.evidence.read_logs(source, start, ctx.now())
        except Exception:  # noqa: BLE001 - a read that fails only loses "steady"
            log.info("steady: %s could not be read again", source)
            out[source] = None
    return out


def _rates(
    finding: Finding, start: datetime, read: dict[str, Sequence[LogRecord] | None]
) -> tuple[int, int] | None:
    """How many of the finding's lines fall before ``start`` and from it on, in its source as
    read again; None when it cannot be told."""
    source, template = finding.attrs.get("log_source"), finding.attrs.get("template")
    if not isinstance(source, str) or not isinstance(template, str) or finding.at is None:
        return None
    lines = read.get(source)
    if lines is None:
        return None
    shape = _pattern(template)
    first = finding.at
    times = [
        ln.at
        for ln in lines
        if ln.at is not None and ln.at >= first and shape.match(ln.text.strip())
    ]
    before = sum(1 for t in times if t < start)
    return before, len(times) - before


def steady_rate(
    ctx: InvestigationContext,
    finding: Finding,
    rules: Calibration,
    read: dict[str, Sequence[LogRecord] | None] | None = None,
) -> tuple[int, int] | None:
    """``(before, in_window)`` when an error line recurs at the rate it had before the
    question's window (``ctx.lookback``), else None (it started or grew in the window).
    ``read``: its sources already read again (``_reads``); else its own is read."""
    end = ctx.now()
    start = end - ctx.lookback
    if finding.type not in LOG_TYPES or finding.at is None or finding.at >= start:
        return None
    counted = _rates(finding, start, read if read is not None else _reads(ctx, [finding]))
    if counted is None:
        return None
    before, after = counted
    span_before = (start - finding.at) / timedelta(hours=1)
    span_after = (end - start) / timedelta(hours=1)
    if before <= 0 or after <= 0 or span_before <= 0:  # a burst that stopped is a past failure
        return None
    if after / span_after > rules.steady_growth * before / span_before:
        return None
    return before, after


def _quiet(finding: Finding) -> bool:
    if finding.type in QUIET_TYPES:
        return True
    if finding.type == FindingType.RESOURCE_STATE:
        return finding.attrs.get("healthy") is True
    if finding.type == FindingType.REQUEST_LATENCY:  # requests timed as fast say it serves
        return finding.attrs.get("slow") is False
    return finding.type in LOG_TYPES


def steady_services(
    ctx: InvestigationContext,
    findings: Sequence[Finding],
    alerts: Sequence[AlertView] | None = None,
    rules: Calibration | None = None,
) -> dict[str, str]:
    """Service → why it looks steady, for the services with error lines that look steady.
    ``alerts`` are the incident's (None for a typed question: the store's firing alerts)."""
    rules = rules or calibration()
    if rules.one_off_count <= 0:
        return {}
    if alerts is not None and any(a.status == "firing" and not informs(a) for a in alerts):
        return {}  # an alert reports a failure: nothing is assumed quiet
    alerting: set[str] = set()
    if alerts is None:
        try:
            alerting = set(alerting_services(ctx))
        except Exception:  # noqa: BLE001 - the store unread: nothing is assumed quiet
            log.info("steady: alerts in the store unavailable")
            return {}
    own: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.service:
            own[finding.service].append(finding)
    out: dict[str, str] = {}
    for service, said in own.items():
        lines = [f for f in said if f.type in LOG_TYPES]
        if not lines or service in alerting or not all(_quiet(f) for f in said):
            continue
        pods = pod_health(ctx, service)
        if not pods.total or not pods.ok:
            continue
        why = _routine(ctx, lines, rules)
        if why is not None:
            out[service] = f"{service} looks steady: {pods.said}, no alert reports a failure, {why}"
    return out


def _routine(ctx: InvestigationContext, lines: Sequence[Finding], rules: Calibration) -> str | None:
    """Why none of the error lines shows a failure going on now, else None."""
    once = [f for f in lines if one_off(f, rules)]
    recurring = [f for f in lines if not one_off(f, rules)]
    read = _reads(ctx, recurring)  # each source once, not once per line
    rates = {f.summary: steady_rate(ctx, f, rules, read) for f in recurring}
    if any(r is None for r in rates.values()):
        return None
    said = []
    if once:
        most = max(int(f.attrs.get("count") or 0) for f in once)
        said.append(f"error line(s) printed at most {most} time(s), not recurring")
    for before, after in (r for r in rates.values() if r is not None):
        said.append(
            f"an error line recurring at its earlier rate ({before} before the last "
            f"{_hours(ctx)}, {after} in it), not a new onset"
        )
    return "; ".join(said[:3])


def _hours(ctx: InvestigationContext) -> str:
    hours = ctx.lookback / timedelta(hours=1)
    return f"{hours:g} h"

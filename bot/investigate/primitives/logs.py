"""Log error-pattern mining: drain3 templates with counts and first-seen, and the failure
signature (``playbooks/signatures``) each template's example line carries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.errors import NotFound
from bot.investigate.context import InvestigationContext
from bot.investigate.line_rates import behind, line_rate_rules
from bot.investigate.log_latency import log_latency_rules, read_latency
from bot.investigate.log_memory import memory_trend
from bot.investigate.models import Finding, FindingType
from bot.investigate.primitives.base import (
    Scope,
    ago_text,
    minutes_ago,
    owner_by_words,
    pod_owner,
)
from bot.investigate.rare_lines import rare_failures
from bot.investigate.signature_kinds import CHANGE_KINDS
from bot.investigate.signatures import match_line, match_source
from bot.investigate.sources import LogRecord
from bot.logmine import mine_templates
from bot.logmine.models import LogLine
from integrations.logs.models import LogSourceError

_ERROR_LEVELS = {"ERROR", "FATAL", "CRITICAL", "WARN", "WARNING", "EMERG", "ALERT", "CRIT"}


def source_owner(ctx: InvestigationContext, source: str) -> str | None:
    """The service a log source belongs to, from its name (pod prefix, host, group)."""
    kind, _, rest = source.partition(":")
    if kind == "k8s":
        parts = rest.split("/")
        if len(parts) >= 2:
            owner = pod_owner(ctx, parts[0], parts[1])
            if owner:
                return owner
    if kind == "file":
        host = rest.split(":", 1)[0]
        host_node = ctx.topology.by_resource(host)
        if host_node:
            return host_node.name
    return owner_by_words(ctx, rest.replace("/", " "))


def signature_findings(
    ctx: InvestigationContext, service: str, source: str, lines: Sequence[LogRecord]
) -> list[Finding]:
    """Mine ``lines`` and turn templates into findings (signatures and error templates)."""
    if not lines:
        return []
    templates = mine_templates(LogLine(ln.text, ln.at, ln.level) for ln in lines)
    needles = rare_failures(templates)  # one significant line among many routine ones
    out: list[Finding] = []
    unsigned = 0
    for index, t in enumerate(templates):
        example = t.examples[0] if t.examples else t.template
        matched = match_line(example) or match_source(source)
        level = (t.level or "").upper()
        first = minutes_ago(ctx, t.first_seen)
        mentions = owner_by_words(ctx, example)
        attrs: dict[str, Any] = {
            "signature": None,
            "count": t.count,
            "level": level,
            "first_seen_min_ago": first,
            "template": t.template[:300],
            "example": example[:300],  # one real line: what the template masked (hosts, codes)
            "mentions": mentions if mentions != service else None,
            "log_source": source,
        }
        if matched:
            attrs.update(matched.finding_attrs())
        if index in needles:
            attrs.update(rare=True, failure_words=", ".join(needles[index]))
        text = (
            f'{service}: {t.count} line(s) like "{t.template[:140]}" '
            f"since {ago_text(first)} in {source}"
        )
        if matched:
            out.append(
                Finding(
                    type=FindingType.LOG_SIGNATURE,
                    service=service,
                    source=source,
                    at=t.first_seen,
                    summary=text,
                    attrs=attrs,
                )
            )
            changed = CHANGE_KINDS.get(matched.kind)
            if changed is not None:  # a line that says the service changed while running
                out.append(_change_fact(service, source, changed, t.first_seen, first, example))
        elif index in needles or (level in _ERROR_LEVELS and unsigned < 3):
            unsigned += index not in needles
            out.append(
                Finding(
                    type=FindingType.LOG_TEMPLATE,
                    service=service,
                    source=source,
                    at=t.first_seen,
                    summary=text,
                    attrs=attrs,
                )
            )
    return out


def latency_finding(
    ctx: InvestigationContext, service: str, source: str, lines: Sequence[LogRecord]
) -> list[Finding]:
    """How long the requests timed in the source's lines take (a ``request_latency`` finding)."""
    node = ctx.topology.get(service)
    if node is not None and node.kind in log_latency_rules().skip_platforms:
        return []
    read = read_latency(lines)
    if read is None:
        return []
    first = minutes_ago(ctx, read.first_slow)
    return [
        Finding(
            type=FindingType.REQUEST_LATENCY,
            service=service,
            source=source,
            at=read.first_slow,
            summary=f"{service}: {read.said()} in {source}",
            attrs={
                "count": read.count,
                "field": read.field,
                "p50_s": read.p50_s,
                "p95_s": read.p95_s,
                "slow": read.slow,
                "path": read.path,
                "path_count": read.path_count or None,
                "path_p50_s": read.path_p50_s,
                "other_p50_s": read.other_p50_s,
                "first_seen_min_ago": first,
                "example": read.example,
                "log_source": source,
            },
        )
    ]


def memory_finding(
    ctx: InvestigationContext, service: str, source: str, lines: Sequence[LogRecord]
) -> list[Finding]:
    """The memory the source's lines report, when it climbs (``log_memory``): a trend."""
    trend = memory_trend(lines)
    if trend is None:
        return []
    near = " (near the limit it reports)" if trend.near_limit else ""
    return [
        Finding(
            type=FindingType.METRIC_TREND,
            service=service,
            source=source,
            summary=f"{service}: the memory its lines report climbs from {trend.first_mb:g} MB "
            f"to {trend.last_mb:g} MB over {trend.readings} readings{near} in {source}",
            attrs={
                "signal": "memory",
                "pattern": "linear",
                "per_day": trend.per_day_mb,
                "near_limit": trend.near_limit,
            },
        )
    ]


def _change_fact(
    service: str, source: str, kind: str, at: datetime | None, ago: float | None, line: str
) -> Finding:
    label = f"{kind} reloaded"
    return Finding(
        type=FindingType.CHANGE,
        service=service,
        source=f"log:{source}",
        at=at,
        summary=f'{service}: {label} {ago_text(ago)} — "{line[:160]}"',
        attrs={
            "kind": kind,
            "event_name": None,
            "version": None,
            "previous": None,
            "minutes_ago": ago,
            "actor": None,
            "label": label,
            "behavioural": True,
            "message": line[:300],
        },
    )


def lag_findings(ctx: InvestigationContext, lines_of: dict[str, list[LogRecord]]) -> list[Finding]:
    """Consumers on a shared queue that print their per-message line far slower than its
    busiest producer (``line_rates``): a backlog, with the one other service each message
    waits on when there is one."""
    out = []
    for lag in behind(lines_of, ctx.topology):
        others = [
            d
            for d in ctx.topology.depends_on(lag.consumer)
            if d != lag.queue
            and (n := ctx.topology.get(d)) is not None
            and n.tier not in line_rate_rules().queue_tiers
        ]
        out.append(
            Finding(
                type=FindingType.LINE_RATE,
                service=lag.consumer,
                source="logs",
                summary=f"{lag.consumer}: falls behind on {lag.queue}: it prints its per-message "
                f'line ("{lag.consumed.example[:80]}") {lag.consumed.per_second:g}/s, '
                f"{lag.ratio:.0f}x slower than {lag.producer} prints its own "
                f'("{lag.produced.example[:80]}", {lag.produced.per_second:g}/s)',
                attrs={
                    "queue": lag.queue,
                    "producer": lag.producer,
                    "produced_per_s": lag.produced.per_second,
                    "consumed_per_s": lag.consumed.per_second,
                    "ratio": round(lag.ratio, 1),
                    "behind": True,
                    "mentions": others[0] if len(others) == 1 else None,
                    "example": lag.consumed.example,
                },
            )
        )
    return out


def mine(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    lines_of: dict[str, list[LogRecord]] = defaultdict(list)
    for source in ctx.evidence.log_sources():
        owner = source_owner(ctx, source)
        if owner is not None and owner not in scope.services:
            continue
        try:
            lines = ctx.evidence.read_logs(source, scope.long_start, scope.end)
        except (NotFound, LogSourceError):
            # one gone pod, log group or malformed source name must not hide every other
            # source's lines
            continue
        if owner is not None:
            lines_of[owner].extend(lines)
            out.extend(signature_findings(ctx, owner, source, lines))
            out.extend(latency_finding(ctx, owner, source, lines))
            out.extend(memory_finding(ctx, owner, source, lines))
            continue
        # a shared source (event bus, audit trail, scheduler): attribute line by line
        by_service: dict[str, list[LogRecord]] = defaultdict(list)
        for line in lines:
            service = owner_by_words(ctx, line.text)
            if service in scope.services:
                by_service[service].append(line)
        for service, group in sorted(by_service.items()):
            lines_of[service].extend(group)
            out.extend(signature_findings(ctx, service, source, group))
            out.extend(latency_finding(ctx, service, source, group))
            out.extend(memory_finding(ctx, service, source, group))
    return out + lag_findings(ctx, lines_of)


PRIMITIVES = {"logs.mine": mine}

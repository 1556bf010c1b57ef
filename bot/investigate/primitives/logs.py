"""Log error-pattern mining: drain3 templates with counts and first-seen, and the failure
signature (``playbooks/signatures``) each template's example line carries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.errors import NotFound
from bot.investigate.context import InvestigationContext
from bot.investigate.models import Finding, FindingType
from bot.investigate.primitives.base import (
    Scope,
    ago_text,
    minutes_ago,
    owner_by_words,
    pod_owner,
)
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
    out: list[Finding] = []
    unsigned = 0
    for t in templates:
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
        elif level in _ERROR_LEVELS and unsigned < 3:
            unsigned += 1
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


def mine(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    out: list[Finding] = []
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
            out.extend(signature_findings(ctx, owner, source, lines))
            continue
        # a shared source (event bus, audit trail, scheduler): attribute line by line
        by_service: dict[str, list[LogRecord]] = defaultdict(list)
        for line in lines:
            service = owner_by_words(ctx, line.text)
            if service in scope.services:
                by_service[service].append(line)
        for service, group in sorted(by_service.items()):
            out.extend(signature_findings(ctx, service, source, group))
    return out


PRIMITIVES = {"logs.mine": mine}

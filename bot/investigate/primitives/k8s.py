"""Kubernetes describe: pod states (waiting / last terminated reasons, restarts, pending),
Warning events, and the previous container's logs of crashing pods.

Which waiting reasons, exit codes and event messages mean a failure, and what they say about the
cause, is the signature catalogue's knowledge (``playbooks/signatures``), not this module's."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from bot.investigate.context import InvestigationContext
from bot.investigate.models import Finding, FindingType
from bot.investigate.primitives.base import Scope, owner_by_words, pod_owner
from bot.investigate.primitives.logs import signature_findings
from bot.investigate.signatures import (
    SignatureMatch,
    match_event,
    match_exit,
    match_line,
    match_waiting,
)


def _k8s_nodes(ctx: InvestigationContext, scope: Scope) -> list[Any]:
    return [
        n
        for s in scope.services
        if (n := ctx.topology.get(s)) and n.kind == "k8s_deployment" and n.namespace
    ]


_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)([KMGTPE]i?|[kmM]?)$")


def raised_limit(quantity: str | None, factor: int = 2) -> str | None:
    """A Kubernetes quantity times ``factor`` in the same unit ("256Mi" -> "512Mi"), or None
    when it is not one plain quantity (several limits joined, an expression)."""
    found = _QUANTITY.match((quantity or "").strip())
    if found is None:
        return None
    number = float(found.group(1)) * factor
    text = str(int(number)) if number.is_integer() else f"{number:g}"
    return f"{text}{found.group(2)}"


def pods(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    for node in _k8s_nodes(ctx, scope):
        items = ctx.evidence.pods(node.namespace, node.resource)
        if not items:
            continue
        reasons: Counter[str] = Counter()
        matches: dict[str, SignatureMatch] = {}
        messages: dict[str, str] = {}
        restarts = 0
        not_ready = 0
        exit_codes: Counter[int] = Counter()
        codes_by_reason: dict[str, Counter[int]] = {}
        limits: set[str] = set()
        # the container each last-terminated reason was seen on, and its memory limit
        container_of: dict[str, tuple[str, str | None]] = {}
        for pod in items:
            if pod.phase == "Pending":
                reasons["Pending"] += 1
            for c in pod.containers:
                restarts += c.restart_count
                if not c.ready:
                    not_ready += 1
                waiting = (
                    match_waiting(c.waiting_reason, c.waiting_message) if c.waiting_reason else None
                )
                if waiting is not None and c.waiting_reason:
                    reasons[c.waiting_reason] += 1
                    matches.setdefault(c.waiting_reason, waiting)
                    if c.waiting_message:
                        messages.setdefault(c.waiting_reason, c.waiting_message)
                if c.last_terminated_reason and c.restart_count > 0:
                    key = f"last:{c.last_terminated_reason}"
                    reasons[key] += 1
                    container_of.setdefault(key, (c.name, c.memory_limit))
                    if c.last_exit_code is not None:
                        exit_codes[c.last_exit_code] += 1
                        codes_by_reason.setdefault(key, Counter())[c.last_exit_code] += 1
                if c.memory_limit:
                    limits.add(c.memory_limit)
        src = f"k8s:pods/{node.namespace}/{node.resource}"
        for reason, count in reasons.items():
            last = reason.startswith("last:")
            name = reason.removeprefix("last:")
            code = exit_codes.most_common(1)[0][0] if exit_codes else None
            if last:  # the exit this reason's pods ended with most, and what it means
                own = codes_by_reason.get(reason)
                code = own.most_common(1)[0][0] if own else code
                ended = match_exit(code, name)
                if ended is not None:
                    matches[reason] = ended
            out.append(
                Finding(
                    type=FindingType.POD_STATE,
                    service=node.name,
                    source=src,
                    summary=(
                        f"{node.name}: {count} of {len(items)} pod(s) last terminated with "
                        f"{name}" + (f" (exit code {code})" if code is not None else "")
                        if last
                        else f"{node.name}: {count} of {len(items)} pod(s) {name}"
                        + (f": {messages[reason][:160]}" if reason in messages else "")
                    ),
                    attrs={
                        "reason": name,
                        "last_terminated": last,
                        "count": count,
                        "pods": len(items),
                        "exit_code": code,
                        "restarts": restarts,
                        "memory_limit": ",".join(sorted(limits)) or None,
                        **_container_attrs(container_of.get(reason)),
                        **(matches[reason].finding_attrs() if reason in matches else {}),
                    },
                )
            )
        if not_ready and not reasons:
            out.append(
                Finding(
                    type=FindingType.POD_STATE,
                    service=node.name,
                    source=src,
                    summary=f"{node.name}: {not_ready} of {len(items)} container(s) not ready",
                    attrs={
                        "reason": "NotReady",
                        "last_terminated": False,
                        "count": not_ready,
                        "pods": len(items),
                        "restarts": restarts,
                    },
                )
            )
    return out


def _container_attrs(seen: tuple[str, str | None] | None) -> dict[str, Any]:
    """The container a last-terminated reason was seen on, its memory limit and that limit
    doubled (what a ``k8s.set_resources`` proposal for an OOM kill starts from)."""
    if seen is None:
        return {}
    name, limit = seen
    return {"container": name, "memory_limit_next": raised_limit(limit)}


def events(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    """One finding per service and event reason: of its events with that reason, the one whose
    catalogue entry says the most (its priority; a known one over an unknown). The kubelet
    repeats a generic message beside the specific one ("FailedMount … timed out waiting for the
    condition" every two minutes after "… secret "x" not found"), in any order."""
    kept: dict[tuple[str | None, str], tuple[int, Finding]] = {}
    namespaces = {n.namespace for n in _k8s_nodes(ctx, scope)}
    for ns in sorted(ns for ns in namespaces if ns):
        for ev in ctx.evidence.k8s_events(ns):
            if ev.type != "Warning":
                continue
            service = (
                pod_owner(ctx, ns, ev.name)
                or owner_by_words(ctx, ev.name)
                or owner_by_words(ctx, ev.message)
            )
            if service not in scope.services:
                continue
            # an event the catalogue does not know by reason may still quote a known error
            matched = match_event(ev.reason, ev.message) or match_line(ev.message)
            says = matched.priority if matched else -1
            have = kept.get((service, ev.reason))
            if have is not None and have[0] >= says:
                continue
            kept[(service, ev.reason)] = (
                says,
                Finding(
                    type=FindingType.K8S_EVENT,
                    service=service,
                    at=ev.at,
                    source=f"k8s:events/{ns}",
                    summary=f"{service}: Warning {ev.reason} x{ev.count} on {ev.kind.lower()}/"
                    f"{ev.name}: {ev.message[:160]}",
                    attrs={
                        "reason": ev.reason,
                        "count": ev.count,
                        "object_kind": ev.kind,
                        **(matched.finding_attrs() if matched else {}),
                    },
                ),
            )
    # node-level events (OOM killer) name the process, not the pod: keep them unattributed
    return [finding for _, finding in kept.values()]


def previous_logs(ctx: InvestigationContext, scope: Scope, params: dict[str, Any]) -> list[Finding]:
    """Logs of the previous (crashed) containers of pods that restart."""
    out: list[Finding] = []
    for node in _k8s_nodes(ctx, scope):
        for pod in ctx.evidence.pods(node.namespace, node.resource):
            for c in pod.containers:
                if c.restart_count == 0:
                    continue
                source = f"k8s:{pod.namespace}/{pod.name}/{c.name}"
                lines = ctx.evidence.read_logs(source, scope.long_start, scope.end, previous=True)
                out.extend(signature_findings(ctx, node.name, source, lines))
    return out


# the resource kind each primitive reads per scoped service: with none in scope it reads nothing
READS = dict.fromkeys(("k8s.pods", "k8s.events", "k8s.previous_logs"), "k8s_deployment")

PRIMITIVES = {"k8s.pods": pods, "k8s.events": events, "k8s.previous_logs": previous_logs}

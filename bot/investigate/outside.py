"""Causes outside: a host our services fail to call that is not ours (a vendor, the cloud).

Hosts are read from the error lines the log mining kept (signatures and error templates). A host
is ours when a service or the resource that runs one is named by it (the host or its first
label), or it ends with a cluster-internal suffix; an IP address says nothing and is skipped. A
host that the service graph knows as an ``external`` node is outside under that node's name.
Rules in ``playbooks/reasoning/outside.yaml``.

When such a host fails and nothing inside explains it, its hypothesis ranks first: a symptom on
a caller (a pool that fills while calls hang, a restart that cannot help) whose failed calls
began no later than the symptom is explained by it and is ranked below it, saying so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.investigate.context import Topology
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.reasoning_data import Outside, change_relevance, outside_rules

_HOST = re.compile(
    r"(?:(?:https?|wss?|grpcs?|tcp)://|\bhost[=: ]+['\"]?|(?<![/\w.-])lookup |\bdial tcp |@)"
    r"(?P<h>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62})"
    r"|(?P<p>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}):\d{2,5}\b",
    re.I,
)
_IP = re.compile(r"^\d+(\.\d+){3}$")
MAX_CONFIDENCE = 0.85
MARGIN = 0.05
OUTSIDE_PREFIX = "The cause is outside:"
# inside evidence at most this much earlier than the failing calls may explain them
INSIDE_WINDOW_MIN = 120.0


@dataclass
class OutsideHost:
    host: str
    service: str  # the external node's name, or the host itself
    cloud: bool
    lines: int = 0
    callers: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    first_seen_min_ago: float | None = None


def _mailbox(text: str, m: re.Match[str]) -> bool:
    """``name@domain`` that is not a connection string: no credentials before the ``@``
    (``user:pass@``) and no port or path after the host (a mail address such as
    ``someone@shop.example`` in an order confirmation, or an Erlang node name)."""
    if not m.group(0).startswith("@"):
        return False
    local = re.search(r"[^\s\"'<(=,;]*$", text[: m.start()])
    credentials = ":" in (local.group(0) if local else "")
    return not credentials and text[m.end() : m.end() + 1] not in (":", "/")


def hosts_in(text: str) -> list[str]:
    """Host names in a line: after a scheme, ``host=`` (quoted too: urllib3's ``host='x'``),
    ``lookup`` (a word of its own, not a URL path's ``/lookup``), ``dial tcp`` or a connection
    string's ``@``, or as ``name.tld:port``. A bare ``name.ext:N`` whose ending is a source file's
    (``compose.lua:62``, ``main.go:23``: ``file_extensions``) is a file and line, not a host; a
    mail address's domain is not one either; a URL right after ``reference_words`` ("Background
    on this error at:", "see") is a link to read, not a call."""
    rules = outside_rules()
    files = {e.lower() for e in rules.file_extensions}
    found = []
    for m in _HOST.finditer(text):
        host = (m.group("h") or m.group("p") or "").lower().rstrip(".")
        if m.group("p") and host.rsplit(".", 1)[-1] in files:
            continue
        if re.search(rules.reference_words, text[max(0, m.start() - 48) : m.start()], re.I):
            continue  # a link the message points to for reading, not a call it made
        if _mailbox(text, m):
            continue
        if host and not _IP.match(host) and host not in found:
            found.append(host)
    return found


def _owner(host: str, topo: Topology) -> tuple[str | None, bool]:
    """(service, is ours) for a host: a service or resource named by it (the host or its first
    label), or an external node named by one of its labels (``api.<vendor>-x.example``), else
    (None, False)."""
    labels = host.split(".")
    for node in topo.services.values():
        for token in (node.name.lower(), node.resource.lower()):
            if token and (token in (host, labels[0]) or host.startswith(token + ".")):
                return node.name, node.kind != "external"
    for node in topo.services.values():
        token = node.name.lower()
        if node.kind == "external" and any(
            lab == token or lab.startswith(token + "-") for lab in labels
        ):
            return node.name, False
    return None, False


def _is_error(f: Finding, rules: Outside) -> bool:
    if f.type not in (FindingType.LOG_SIGNATURE, FindingType.LOG_TEMPLATE):
        return False
    text = f"{f.attrs.get('example') or ''} {f.attrs.get('template') or f.summary}"
    return f.attrs.get("signature") in rules.error_signatures or bool(
        re.search(rules.error_words, text, re.I)
    )


def outside_hosts(findings: Sequence[Finding], topo: Topology) -> list[OutsideHost]:
    rules = outside_rules()
    by_host: dict[str, OutsideHost] = {}
    for f in findings:
        if not f.service or not _is_error(f, rules):
            continue
        texts = (str(f.attrs.get(key) or "") for key in ("example", "template"))
        for host in dict.fromkeys(h for text in texts for h in hosts_in(text)):
            if any(host == s.lstrip(".") or host.endswith(s) for s in rules.internal_suffixes):
                continue
            owner, ours = _owner(host, topo)
            if ours:
                continue
            cloud = any(host.endswith(s) for s in rules.cloud_suffixes)
            entry = by_host.setdefault(host, OutsideHost(host, owner or host, cloud))
            count = f.attrs.get("count")
            entry.lines += int(count) if isinstance(count, int | float) else 1
            if f.service not in entry.callers:
                entry.callers.append(f.service)
            entry.findings.append(f)
            first = f.attrs.get("first_seen_min_ago")
            if isinstance(first, int | float):
                prev = entry.first_seen_min_ago
                entry.first_seen_min_ago = first if prev is None else max(prev, first)
    return [h for h in by_host.values() if h.lines >= rules.min_lines]


def hypothesis_for(entry: OutsideHost) -> Hypothesis:
    rules = outside_rules()
    callers = ", ".join(entry.callers)
    since = (
        f" for {entry.first_seen_min_ago:.0f} min" if entry.first_seen_min_ago is not None else ""
    )
    what = "the cloud provider's endpoint" if entry.cloud else "a third party, not ours"
    return Hypothesis(
        kind=rules.cloud_kind if entry.cloud else rules.kind,
        service=entry.service,
        confidence=round(
            min(MAX_CONFIDENCE, rules.base + rules.per_caller * (len(entry.callers) - 1)), 3
        ),
        summary=f"{OUTSIDE_PREFIX} calls from {callers} to {entry.host} ({what}) fail"
        f"{since} ({entry.lines} error line(s)); {callers} only "
        + ("reports it" if len(entry.callers) == 1 else "report it"),
        evidence=list(dict.fromkeys(f.summary for f in entry.findings))[:5],
        playbook="reasoning:outside",
    )


_CHANGES = (FindingType.CHANGE, FindingType.CONFIG_DIFF)


def _minutes(
    hyp: Hypothesis, findings: Sequence[Finding], change_kinds: Sequence[str]
) -> float | None:
    """How long ago ``hyp``'s own evidence began: the change it blames, or its first symptom."""
    blames_change = hyp.kind in change_kinds
    ages = []
    for f in findings:
        if f.summary not in hyp.evidence or f.service != hyp.service:
            continue
        if (f.type in _CHANGES) != blames_change:
            continue
        for key in ("minutes_ago", "first_seen_min_ago", "onset_min_ago"):
            value = f.attrs.get(key)
            if isinstance(value, int | float):
                ages.append(float(value))
    return max(ages) if ages else None


def apply(
    hypotheses: list[Hypothesis], findings: Sequence[Finding], topo: Topology
) -> list[Hypothesis]:
    """Add the outside hypotheses; rank them first over the caller symptoms they explain."""
    rules = outside_rules()
    added: list[Hypothesis] = []
    for entry in outside_hosts(findings, topo):
        out = hypothesis_for(entry)
        reach = set(entry.callers)
        for caller in entry.callers:
            reach |= set(topo.dependents(caller))
        inside_first = False
        for hyp in hypotheses:
            if hyp.service not in reach or hyp.kind not in rules.explained_kinds:
                continue
            began = _minutes(hyp, findings, change_relevance().change_kinds)
            outside_began = entry.first_seen_min_ago
            unrelated = any("probably unrelated" in a for a in hyp.against)
            if (
                not unrelated
                and began is not None
                and outside_began is not None
                and outside_began + 2 < began <= outside_began + INSIDE_WINDOW_MIN
            ):
                inside_first = True
                continue
            if hyp.confidence >= out.confidence - MARGIN:
                hyp.confidence = round(max(0.05, out.confidence - MARGIN), 3)
            hyp.against.append(f"explained by failing calls to {entry.host}, which began first")
        if inside_first:
            out.confidence = round(min(out.confidence, 0.3), 3)
            out.against.append("a change inside came before the failing calls")
        same = next((h for h in hypotheses if (h.kind, h.service) == (out.kind, out.service)), None)
        if same is not None:
            same.confidence = max(same.confidence, out.confidence)
            same.summary = out.summary
            same.evidence = list(dict.fromkeys([*out.evidence, *same.evidence]))
        else:
            added.append(out)
    return added

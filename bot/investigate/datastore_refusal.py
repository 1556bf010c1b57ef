"""A datastore refusing its clients: the cause is on the datastore, not the client that crashes.

A database whose own lines say it refuses a client for its credentials, permissions or transport
(a user dropped, a role revoked, TLS made mandatory) is running and answering; what changed is
who it admits. Its clients crash or fail on the refusal and only report it. The datastore gets a
hypothesis of ``kind`` (its configuration) just above the best hypothesis it explains, and the
explained ones on its clients (and a "down" reading of itself) rank below it, saying why. A
client whose own configuration or release changed just before may be the wrong side (a rotated
secret not rolled out): then nothing moves. A managed datastore whose lines we cannot read
counts its clients' refusal lines as its own when it changed itself just before they began.
Rules in ``playbooks/reasoning/datastore_refusal.yaml``; no service is named here.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from pydantic import Field

from bot.investigate.context import Topology
from bot.investigate.explains import lead_confidence, rank_below
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.reasoning_data import CauseMargin, load

PLAYBOOK = "reasoning:datastore_refusal"
_CLIENT_CHANGES = ("config", "deployment", "deploy", "secret", "image", "feature_flag")


class DatastoreRefusal(CauseMargin):
    refusals: list[str] = Field(min_length=1)
    tiers: list[str] = Field(min_length=1)
    because: str
    client_change_minutes: float = Field(ge=0.0)


@lru_cache(maxsize=1)
def datastore_refusal_rules() -> DatastoreRefusal:
    return load(DatastoreRefusal, "datastore_refusal.yaml")


def _refusals(service: str, findings: Sequence[Finding], rules: DatastoreRefusal) -> list[Finding]:
    return [
        f
        for f in findings
        if f.type == FindingType.LOG_SIGNATURE
        and f.service == service
        and f.attrs.get("signature") in rules.refusals
    ]


def _changed_before_clients_refused(
    name: str, clients: Sequence[str], findings: Sequence[Finding], rules: DatastoreRefusal
) -> list[Finding]:
    """The clients' own refusal lines, when the datastore itself changed before they began (its
    credentials rotated, its parameters modified): a managed database prints nothing we read, and
    then its change and its clients' refusals are its evidence. Without such a change the
    clients' word alone blames nobody."""
    said = [f for c in clients for f in _refusals(c, findings, rules)]
    if not said:
        return []
    first = max(float(f.attrs.get("first_seen_min_ago") or 0.0) for f in said)
    for f in findings:
        ago = f.attrs.get("minutes_ago")
        if (
            f.type == FindingType.CHANGE
            and f.service == name
            and isinstance(ago, int | float)
            and first <= ago <= first + rules.client_change_minutes
        ):
            return said
    return []


def _client_changed(
    clients: Sequence[str], refused: Sequence[Finding], findings: Sequence[Finding], window: float
) -> bool:
    """A direct client's own change (config, secret, release) within ``window`` minutes before
    the first refusal: the client may be the side that is wrong."""
    first = max((float(f.attrs.get("first_seen_min_ago") or 0.0) for f in refused), default=0.0)
    for f in findings:
        if f.type != FindingType.CHANGE or f.service not in clients:
            continue
        if str(f.attrs.get("kind") or "") not in _CLIENT_CHANGES:
            continue
        ago = f.attrs.get("minutes_ago")
        if isinstance(ago, int | float) and first <= ago <= first + window:
            return True
    return False


def apply(
    hypotheses: list[Hypothesis], findings: Sequence[Finding], topo: Topology
) -> list[Hypothesis]:
    """Add (or raise) the refusing datastore's hypothesis and rank what it explains below it;
    returns the hypotheses added (those given are changed in place, not extended)."""
    rules = datastore_refusal_rules()
    added: list[Hypothesis] = []
    for name in topo.names():
        node = topo.get(name)
        if node is None or node.tier not in rules.tiers:
            continue
        clients = [c for c in topo.names() if name in topo.depends_on(c)]
        refused = _refusals(name, findings, rules) or _changed_before_clients_refused(
            name, clients, findings, rules
        )
        if not refused or not clients:
            continue
        if _client_changed(clients, refused, findings, rules.client_change_minutes):
            continue
        reach = {name, *topo.dependents(name)}
        known = [*hypotheses, *added]
        explained = [
            h
            for h in known
            if h.service in reach and h.kind in rules.explained_kinds and h.kind != rules.kind
        ]
        if not explained:  # nothing failing reads it: a refused stray login is no incident
            continue
        confidence = lead_confidence(explained, rules)
        said = str(refused[0].attrs.get("signature_id") or refused[0].attrs.get("signature"))
        because = rules.because.format(service=name, said=said, clients=", ".join(clients))
        own_changes = [
            f.summary for f in findings if f.type == FindingType.CHANGE and f.service == name
        ]
        evidence = [*(f.summary for f in refused), *own_changes]
        # not ``explains.lead``: a reading of its kind already there is raised even when a
        # rule weighed evidence against it, and takes this evidence first
        same = next((h for h in known if (h.kind, h.service) == (rules.kind, name)), None)
        if same is None:
            same = Hypothesis(
                kind=rules.kind,
                service=name,
                confidence=confidence,
                summary=because,
                evidence=evidence,
                playbook=PLAYBOOK,
            )
            added.append(same)
        else:
            same.confidence = max(same.confidence, confidence)
            same.evidence = list(dict.fromkeys([*evidence, *same.evidence]))
        for h in explained:
            reason = f"explained by {name} refusing its clients ({said})"
            rank_below(h, same.confidence, rules.margin, reason)
    return added

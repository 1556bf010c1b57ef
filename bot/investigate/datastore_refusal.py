"""A datastore refusing its clients: the cause is on the datastore, not the client that crashes.

A database whose own lines say it refuses a client for its credentials, permissions or transport
(a user dropped, a role revoked, TLS made mandatory) is running and answering; what changed is
who it admits. Its clients crash or fail on the refusal and only report it. The datastore gets a
hypothesis of ``kind`` (its configuration) just above the best hypothesis it explains, and the
explained ones on its clients (and a "down" reading of itself) rank below it, saying why. A
client whose own configuration or release changed just before may be the wrong side (a rotated
secret not rolled out): then nothing moves. A managed datastore whose lines we cannot read
counts its clients' refusal lines as its own when it changed itself just before they began.

Some refusals report the datastore's own state, not who it admits (``states``): at its
connection limit ("too many clients", "Too many connections"), read-only. The server's message
reaches us through its clients, and it is corroborated by its own lines, by enough distinct
clients saying it at once (one client's word may be its own doing: a pool raised, an endpoint
on a reader), or by its connections metric standing at its ``max_connections``. Then it leads
with the state's kind, over the clients' pool exhaustion and errors that only report it.
Rules in ``playbooks/reasoning/datastore_refusal.yaml``; no service is named here.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from pydantic import Field

from bot.configfile import FrozenModel
from bot.investigate.context import Topology
from bot.investigate.explains import lead_confidence, rank_below
from bot.investigate.models import Finding, FindingType, Hypothesis
from bot.investigate.reasoning_data import CauseMargin, load
from bot.investigate.relevance import inert_reason
from bot.investigate.signature_kinds import CauseKind

PLAYBOOK = "reasoning:datastore_refusal"
_CLIENT_CHANGES = ("config", "deployment", "deploy", "secret", "image", "feature_flag")


class RefusalState(FrozenModel):
    """A refusal that reports the datastore's own state: the signatures' cause kinds that say
    it, the hypothesis kind, and what corroborates its clients' word."""

    name: str
    cause_kinds: list[CauseKind] = Field(min_length=1)
    kind: str
    clients: int = Field(ge=1)  # this many distinct clients saying it are enough
    at_limit: float | None = Field(default=None, gt=0.0, le=1.0)  # or connections at this share
    because: str
    # the datastores whose answer it is (a tier of the service graph: Redis's replies come from
    # a cache); empty: every datastore tier
    tiers: list[str] = Field(default_factory=list)
    # readings of the datastore itself this state explains beyond ``explained_kinds`` (a cache
    # at its maxmemory climbs to it: no leak)
    explains: list[str] = Field(default_factory=list)


class DatastoreRefusal(CauseMargin):
    refusals: list[str] = Field(min_length=1)
    tiers: list[str] = Field(min_length=1)
    because: str
    client_change_minutes: float = Field(ge=0.0)
    states: list[RefusalState] = Field(default_factory=list)


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
    the first refusal: the client may be the side that is wrong. A change whose every key is
    inert (a log level, tags) cannot be."""
    first = max((float(f.attrs.get("first_seen_min_ago") or 0.0) for f in refused), default=0.0)
    for f in findings:
        if f.type != FindingType.CHANGE or f.service not in clients:
            continue
        if str(f.attrs.get("kind") or "") not in _CLIENT_CHANGES:
            continue
        if inert_reason(f, findings) is not None:
            continue
        ago = f.attrs.get("minutes_ago")
        if isinstance(ago, int | float) and first <= ago <= first + window:
            return True
    return False


def _state_lines(
    name: str, clients: Sequence[str], findings: Sequence[Finding], state: RefusalState
) -> tuple[list[Finding], list[Finding]]:
    """The datastore's own lines and its clients' lines whose signature says ``state``."""
    kinds = {k.value for k in state.cause_kinds}
    said = [
        f
        for f in findings
        if f.type == FindingType.LOG_SIGNATURE and f.attrs.get("cause_kind") in kinds
    ]
    return [f for f in said if f.service == name], [f for f in said if f.service in clients]


def _connections_at_limit(name: str, findings: Sequence[Finding], share: float) -> list[Finding]:
    """Its connections metric risen to ``share`` of the ``max_connections`` its resource reports
    (the metric's finding), else nothing."""
    limits = [
        f.attrs.get("max_connections")
        for f in findings
        if f.type == FindingType.RESOURCE_STATE and f.service == name
    ]
    limit = next((v for v in limits if isinstance(v, int | float) and v > 0), None)
    if limit is None:
        return []
    return [
        f
        for f in findings
        if f.type == FindingType.METRIC_SHIFT
        and f.service == name
        and f.attrs.get("signal") == "connections"
        and f.attrs.get("direction") == "up"
        and max(float(f.attrs.get("current") or 0.0), float(f.attrs.get("peak") or 0.0))
        >= share * float(limit)
    ]


def _state_evidence(
    name: str, clients: Sequence[str], findings: Sequence[Finding], state: RefusalState
) -> list[Finding]:
    """What says the datastore is in ``state``: its own lines; else its clients' lines when
    enough distinct clients say it, or when its connections stand at its limit (with that
    metric); else nothing."""
    own, theirs = _state_lines(name, clients, findings, state)
    if own:
        return own
    if not theirs:
        return []
    if len({f.service for f in theirs}) >= state.clients:
        return theirs
    full = _connections_at_limit(name, findings, state.at_limit) if state.at_limit else []
    return [*theirs, *full] if full else []


def _lead(
    name: str,
    kind: str,
    because: str,
    evidence: Sequence[str],
    said: str,
    hypotheses: list[Hypothesis],
    added: list[Hypothesis],
    topo: Topology,
    rules: DatastoreRefusal,
    own: Sequence[str] = (),
) -> None:
    """The datastore's hypothesis of ``kind`` leads what it explains (added, or raised): the
    readings of ``explained_kinds`` on it and its dependents, and those of ``own`` on it."""
    reach = {name, *topo.dependents(name)}
    known = [*hypotheses, *added]
    explained = [
        h
        for h in known
        if h.kind != kind
        and (
            (h.service in reach and h.kind in rules.explained_kinds)
            or (h.service == name and h.kind in own)
        )
    ]
    if not explained:  # nothing failing reads it: a refused stray login is no incident
        return
    confidence = lead_confidence(explained, rules)
    # not ``explains.lead``: a reading of its kind already there is raised even when a
    # rule weighed evidence against it, and takes this evidence first
    same = next((h for h in known if (h.kind, h.service) == (kind, name)), None)
    if same is None:
        same = Hypothesis(
            kind=kind,
            service=name,
            confidence=confidence,
            summary=because,
            evidence=list(evidence),
            playbook=PLAYBOOK,
        )
        added.append(same)
    else:
        same.confidence = max(same.confidence, confidence)
        same.evidence = list(dict.fromkeys([*evidence, *same.evidence]))
    for h in explained:
        reason = f"explained by {name} refusing its clients ({said})"
        rank_below(h, same.confidence, rules.margin, reason)


def _said(lines: Sequence[Finding]) -> str:
    return str(lines[0].attrs.get("signature_id") or lines[0].attrs.get("signature"))


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
        if not clients:
            continue
        own_changes = [
            f.summary for f in findings if f.type == FindingType.CHANGE and f.service == name
        ]
        refused = _refusals(name, findings, rules) or _changed_before_clients_refused(
            name, clients, findings, rules
        )
        window = rules.client_change_minutes
        if refused and not _client_changed(clients, refused, findings, window):
            said = _said(refused)
            because = rules.because.format(service=name, said=said, clients=", ".join(clients))
            evidence = [*(f.summary for f in refused), *own_changes]
            _lead(name, rules.kind, because, evidence, said, hypotheses, added, topo, rules)
        for state in rules.states:
            if state.tiers and node.tier not in state.tiers:
                continue
            lines = _state_evidence(name, clients, findings, state)
            if not lines or _client_changed(clients, lines, findings, window):
                continue
            said = _said(lines)
            users = sorted({f.service for f in lines if f.service in clients})
            because = state.because.format(
                service=name, said=said, clients=", ".join(users or clients)
            )
            evidence = [*(f.summary for f in lines), *own_changes]
            _lead(
                name, state.kind, because, evidence, said, hypotheses, added, topo, rules,
                state.explains,
            )  # fmt: skip
    return added

"""A question that names no service → the services it most likely means, and what was assumed.

"customers say checkout is broken since lunch" names no service exactly. Its words are matched
against what the inventory and the service graph know about each service: the parts of its name
and of the resource that runs it, EC2 tags, the words of its platform and tier, synonym groups
and close spellings (``playbooks/reasoning/service_words.yaml``). When nothing matches, the
services alerting now are taken; when nothing alerts, every service is looked at. The result
always says which of these was assumed, so the answer can be read for what it is.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.investigate.context import InvestigationContext, ServiceNode
from bot.investigate.reasoning_data import ServiceWords, service_words

log = logging.getLogger(__name__)

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_EXACT, _SYNONYM, _FUZZY, _PLATFORM, _WEAK = 3.0, 2.0, 1.5, 1.0, 0.5
MAX_MATCHES = 3


@dataclass(frozen=True)
class Resolution:
    services: list[str]
    assumed: str  # one sentence: what the investigation took the question to mean
    how: str  # "words" | "alerting" | "everything"
    matched: dict[str, list[str]] = field(default_factory=dict)  # service -> the words it matched


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _parts(text: str) -> set[str]:
    """The parts of a name, and the name with its separators dropped, so that a question
    spelling it ``OpenSearch`` or ``payments_api`` finds ``open-search`` / ``payments-api``."""
    parts = {p for p in re.split(r"[^a-z0-9]+", text.lower()) if p}
    joined = "".join(re.split(r"[^a-z0-9]+", text.lower()))
    return parts | ({joined} if joined else set())


def _tag_words(ctx: InvestigationContext) -> dict[str, set[str]]:
    """Service -> words of the tags of the EC2 instances that run it (inventory)."""
    out: dict[str, set[str]] = {}
    try:
        instances = ctx.evidence.ec2_instances()
    except Exception:  # noqa: BLE001 - an inventory we cannot read only loses tag matches
        log.info("resolve: EC2 inventory unavailable; matching on names only")
        return out
    for inst in instances:
        node = ctx.topology.by_resource(inst.ref) or ctx.topology.by_resource(
            inst.tags.get("Name", "")
        )
        if node:
            bag = out.setdefault(node.name, set())
            for value in inst.tags.values():
                bag |= _parts(value)
    return out


def _score(
    node: ServiceNode, words: Iterable[str], vocab: ServiceWords, tags: set[str]
) -> tuple[float, list[str]]:
    own = _parts(node.name) | _parts(node.resource) | tags
    weak = set(vocab.weak_parts)
    strong = own - weak
    platform = set(vocab.kinds.get(node.kind, [])) | set(vocab.tiers.get(node.tier or "", []))
    groups = [set(g) for g in vocab.synonyms]
    score = 0.0
    hits: list[str] = []
    for w in words:
        if w in strong:
            gain = _EXACT
        elif any(w in g and g & strong for g in groups):
            gain = _SYNONYM
        elif len(w) >= 5 and difflib.get_close_matches(w, sorted(strong), n=1, cutoff=0.8):
            gain = _FUZZY
        elif w in platform:
            gain = _PLATFORM
        elif w in own:
            gain = _WEAK
        else:
            continue
        score += gain
        hits.append(w)
    return score, hits


def match_words(ctx: InvestigationContext, query: str) -> dict[str, list[str]]:
    """The best-matching services (at most three, ties kept) and the words each matched."""
    vocab = service_words()
    stop = set(vocab.stopwords)
    words = [w for w in dict.fromkeys(words_of(query)) if w not in stop]
    if not words:
        return {}
    tags = _tag_words(ctx)
    scored = []
    for node in ctx.topology.services.values():
        score, hits = _score(node, words, vocab, tags.get(node.name, set()))
        if score > 0:
            scored.append((score, node.name, hits))
    if not scored:
        return {}
    best = max(s for s, _, _ in scored)
    if best < _PLATFORM:
        return {}
    top = sorted((s for s in scored if s[0] == best), key=lambda s: s[1])
    if len(top) > MAX_MATCHES:  # a platform word alone ("the database") that fits too many
        return {}
    return {name: hits for _, name, hits in top}


def alerting_services(ctx: InvestigationContext) -> list[str]:
    """Services with a firing alert in the store (the incidents open now), known to the graph."""
    if ctx.store is None:
        return []
    from sqlmodel import Session, col, select

    from bot.store.models import Alert

    since = ctx.now() - ctx.lookback
    with Session(ctx.store.engine) as session:
        rows = session.exec(
            select(Alert.service)
            .where(Alert.status == "firing", col(Alert.starts_at) >= since)
            .distinct()
        )
        names = [str(s) for s in rows if s]
    return sorted(n for n in names if n in ctx.topology.services)


def has_symptom(query: str, keywords: Iterable[str] = ()) -> bool:
    """Does the question describe something going wrong (so that it must be looked into)?"""
    words = set(words_of(query))
    text = query.lower()
    return bool(words & set(service_words().symptom_words)) or any(
        k.lower() in text for k in keywords
    )


def alert_says_symptom(name: str, summary: str) -> bool:
    """Do an alert's own words describe something going wrong? Its words about itself
    (``alert_self_words``: "alert", "incident") do not."""
    own = set(service_words().alert_self_words)
    words = [w for w in words_of(f"{name} {summary}") if w not in own]
    return has_symptom(" ".join(words))


def resolve(ctx: InvestigationContext, query: str) -> Resolution:
    matched = match_words(ctx, query)
    if matched:
        parts = [
            f"{name} (from {', '.join(repr(w) for w in hits)})" for name, hits in matched.items()
        ]
        return Resolution(
            services=list(matched),
            assumed="The question names no service exactly; assumed it means "
            + ", ".join(parts)
            + ".",
            how="words",
            matched=matched,
        )
    alerting = alerting_services(ctx)
    if alerting:
        return Resolution(
            services=alerting,
            assumed="The question names no known service; assumed it is about what is alerting "
            f"now: {', '.join(alerting)}.",
            how="alerting",
        )
    everything = ctx.topology.names()
    return Resolution(
        services=everything,
        assumed="The question names no known service and nothing is alerting; looked at every "
        f"service ({len(everything)}) for what is failing.",
        how="everything",
    )

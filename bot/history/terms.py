"""The terms of an investigated incident: what similar-incident retrieval counts.

The question is "the same kind of root cause on the same kind of platform", not "the same
service", so an investigation becomes terms like ``cause:oom_killed@k8s_deployment``,
``finding:pod_state@k8s_deployment``, ``sig:oom_killed``, ``pod_state.reason:oomkilled``,
``alert:highmemory`` and words of log templates. Service names are replaced by ``svc`` before
anything is counted, numbers and ids are masked (``bot.logmine.masking``), and only the
categorical attributes listed in ``terms.yaml`` become terms. Weights (how often a term repeats)
are data in ``terms.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from bot.configfile import validate_knowledge
from bot.errors import ConfigError
from bot.investigate.models import Finding, Hypothesis, InvestigationResult
from bot.logmine.masking import mask
from bot.topology import Topology
from bot.yamlloc import load_yaml

TERMS_FILE = Path(__file__).with_name("terms.yaml")
UNKNOWN_PLATFORM = "unknown"

_WORD = re.compile(r"[a-z][a-z]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPACE = re.compile(r"\s+")
_PARTS = re.compile(r"[-_.]+")


class Weights(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cause: tuple[int, ...] = Field(min_length=1)
    cause_platform: tuple[int, ...] = Field(min_length=1)
    finding: int = Field(ge=0)
    signature: int = Field(ge=0)
    attribute: int = Field(ge=0)
    alert: int = Field(ge=0)
    action: int = Field(ge=0)
    platform: int = Field(ge=0)
    word: int = Field(ge=0)


class TermRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    weights: Weights
    attributes: frozenset[str]
    stopwords: frozenset[str]


def load_rules(path: Path = TERMS_FILE) -> TermRules:
    """``terms.yaml`` validated; a mistake is a ConfigError naming the file and the key."""
    try:
        raw: Any = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path.name}: cannot read: {exc}") from None
    return validate_knowledge(TermRules, raw, origin=path.name)


@lru_cache(maxsize=1)
def rules() -> TermRules:
    return load_rules()


class Scrubber:
    """Lower-cases text and takes out service names, numbers and ids."""

    def __init__(self, services: Iterable[str]) -> None:
        names = sorted({s.lower() for s in services if s and len(s) >= 2}, key=len, reverse=True)
        # "orders-api" is also written "orders_api", "orders api" and "OrdersApi"
        spelled = ["[-_. ]?".join(map(re.escape, _PARTS.split(n))) for n in names]
        self._names = (
            re.compile("|".join(rf"(?<![a-z0-9]){n}(?![a-z0-9])" for n in spelled))
            if names
            else None
        )

    def text(self, value: str) -> str:
        out = mask(value).lower()
        if self._names is not None:
            out = self._names.sub(" svc ", out)
        return _SPACE.sub(" ", out).strip()

    def value(self, value: object) -> str:
        """One attribute value as a term part: no spaces, no digits."""
        text = self.text(str(value))
        text = re.sub(r"(?<![a-z])\d+(?![a-z])", "", text)  # numbers go, k8s stays
        return re.sub(r"[^a-z0-9_.]+", "_", text).strip("_.")


def words(text: str, stop: frozenset[str]) -> list[str]:
    """Words of three letters or more that are not stop words (``text`` already scrubbed)."""
    return [w for w in _WORD.findall(text) if len(w) >= 3 and w not in stop]


def platform_of(topology: Topology, service: str | None) -> str:
    node = topology.get(service) if service else None
    return node.kind if node is not None else UNKNOWN_PLATFORM


def _finding_terms(f: Finding, platform: str, scrub: Scrubber, r: TermRules) -> list[str]:
    w = r.weights
    out = [f"finding:{f.type}@{platform}"] * w.finding
    for key in ("signature", "signature_id"):
        value = f.attrs.get(key)
        if isinstance(value, str) and value:
            out += [f"sig:{scrub.value(value)}"] * w.signature
    for key, value in sorted(f.attrs.items()):
        if key not in r.attributes or value is None or value is False:
            continue
        shown = str(value) if isinstance(value, int) else scrub.value(value)  # codes stay
        part = key if value is True else f"{key}:{shown}"
        if part and not part.endswith(":"):
            out += [f"{f.type}.{part}"] * w.attribute
    template = f.attrs.get("template")
    if isinstance(template, str):
        out += [f"w:{x}" for x in words(scrub.text(template), r.stopwords)] * w.word
    return out


def _cause_terms(hypotheses: Sequence[Hypothesis], topology: Topology, r: TermRules) -> list[str]:
    w, out = r.weights, []
    for rank, h in enumerate(hypotheses[: len(w.cause)]):
        out += [f"cause:{h.kind}"] * w.cause[rank]
        plat = platform_of(topology, h.service)
        out += [f"cause:{h.kind}@{plat}"] * w.cause_platform[min(rank, len(w.cause_platform) - 1)]
    return out


def alert_terms(names: Iterable[str], scrub: Scrubber, r: TermRules) -> list[str]:
    out: list[str] = []
    for name in names:
        spaced = _CAMEL.sub(" ", name)
        plain = scrub.text(spaced)
        kept = words(plain, r.stopwords)
        if kept:
            out += ["alert:" + "_".join(kept)] * r.weights.alert
            out += [f"w:{x}" for x in kept] * r.weights.word
    return out


def text_terms(text: str | None, scrub: Scrubber, r: TermRules) -> list[str]:
    if not text:
        return []
    return [f"w:{x}" for x in words(scrub.text(_CAMEL.sub(" ", text)), r.stopwords)] * (
        r.weights.word
    )


def case_terms(
    topology: Topology,
    *,
    hypotheses: Sequence[Hypothesis] = (),
    findings: Sequence[Finding] = (),
    targets: Sequence[str] = (),
    actions: Sequence[str] = (),
    query: str = "",
    alerts: Sequence[str] = (),
    alert_services: Sequence[str] = (),
    note: str | None = None,
) -> list[str]:
    """The terms of one investigated case: its conclusions, findings, the platforms it looked
    at, its actions, its alert names (else the question) and a resolution note."""
    r = rules()
    services = {
        *topology.names(),
        *targets,
        *(f.service for f in findings if f.service),
        *(h.service for h in hypotheses),
        *(s for s in alert_services if s),
    }
    scrub = Scrubber(services)
    ranked = sorted(hypotheses, key=lambda h: h.confidence, reverse=True)
    out = _cause_terms(ranked, topology, r)
    for f in findings:
        out += _finding_terms(f, platform_of(topology, f.service), scrub, r)
    looked_at = sorted({platform_of(topology, s) for s in targets})
    out += [f"platform:{p}" for p in looked_at] * r.weights.platform
    out += [f"action:{a}" for a in actions] * r.weights.action
    out += alert_terms(alerts, scrub, r)
    if not alerts:
        out += text_terms(query, scrub, r)
    out += text_terms(note, scrub, r)
    return out


def investigation_terms(
    result: InvestigationResult,
    topology: Topology,
    *,
    alerts: Sequence[str] = (),
    alert_services: Sequence[str] = (),
    note: str | None = None,
) -> list[str]:
    """``case_terms`` of a finished investigation."""
    return case_terms(
        topology,
        hypotheses=result.hypotheses,
        findings=result.findings,
        targets=result.classification.targets,
        actions=[a.action for a in result.actions],
        query=result.query,
        alerts=alerts,
        alert_services=alert_services,
        note=note,
    )


@lru_cache(maxsize=4096)
def _scrubber(services: tuple[str, ...]) -> Scrubber:
    return Scrubber(services)


def note_terms(note: str | None, services: Iterable[str]) -> list[str]:
    """The words of a resolution note (added to an incident's terms when it is resolved)."""
    if not note:
        return []
    return text_terms(note, _scrubber(tuple(sorted(services))), rules())

"""The reasoning rules as validated data (``playbooks/reasoning/*.yaml``).

Each file has one model here; a typo in a key is a load error naming the file and the key, not
a rule that silently never fires. The rules are general knowledge (what a symptom looks like,
which diffs cannot change behaviour, which hosts are ours); none names a deployment's service.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, Field, field_validator

from bot.configfile import FrozenModel, validate_knowledge
from bot.errors import ConfigError
from bot.investigate.playbook_schema import PLAYBOOK_DIR, Matcher
from bot.investigate.signature_kinds import CauseKind
from bot.yamlloc import load_yaml

REASONING_DIR = PLAYBOOK_DIR / "reasoning"


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


#: the pattern check, for rule models beside their only reader (``log_latency``, ``log_memory``)
regex = _regex


class CauseMargin(FrozenModel):
    """A rule whose cause (of ``kind``) leads the readings of ``explained_kinds`` it explains:
    ``margin`` above the best of them, within ``floor`` and ``ceiling`` (``explains``)."""

    kind: str
    margin: float = Field(ge=0.0, le=0.3)
    floor: float = Field(ge=0.05, le=0.9)
    ceiling: float = Field(ge=0.05, le=0.9)
    explained_kinds: list[str] = Field(default_factory=list)


# ---- service_words.yaml ------------------------------------------------------------------


class ServiceWords(FrozenModel):
    stopwords: list[str] = Field(default_factory=list)
    symptom_words: list[str] = Field(default_factory=list)
    alert_self_words: list[str] = Field(default_factory=list)
    weak_parts: list[str] = Field(default_factory=list)
    kinds: dict[str, list[str]] = Field(default_factory=dict)
    tiers: dict[str, list[str]] = Field(default_factory=dict)
    synonyms: list[list[str]] = Field(default_factory=list)


# ---- failure_modes.yaml ------------------------------------------------------------------


class Cause(FrozenModel):
    """A cause the evidence can support for a failing service: the first matching one wins.

    ``blame``: ``self`` (the failing service), ``finding`` (the service the matched finding
    belongs to, e.g. a failing dependency), ``mentions`` (the service the matched log line
    names, or the one dependency its words name by role) or ``named`` (only a service the line
    names: a provider outside the graph leaves the failing service blamed). ``kind_by_tier`` /
    ``kind_by_platform`` refine ``kind`` by the blamed service's tier or platform (a data-tier
    dependency that cannot be reached is a database down)."""

    kind: str
    match: Matcher
    because: str
    blame: str = Field(default="self", pattern=r"^(self|finding|mentions|named)$")
    confidence: float = Field(ge=0.0, le=0.6)
    kind_by_tier: dict[str, str] = Field(default_factory=dict)
    kind_by_platform: dict[str, str] = Field(default_factory=dict)


class FailureMode(FrozenModel):
    name: str = Field(pattern=r"^[a-z_]+$")
    label: str
    seen: list[Matcher] = Field(min_length=1)  # any of these on the service: it fails this way
    kind: str  # the kind reported when no cause is identified
    # ... refined by the failing service's tier (first) or platform
    kind_by_tier: dict[str, str] = Field(default_factory=dict)
    kind_by_platform: dict[str, str] = Field(default_factory=dict)
    # words of an alert's name or summary that say this mode, when only the alert shows it
    alert_words: list[str] = Field(default_factory=list)
    # its kind only restates the symptom ("not ready, so unreachable"): a cause of the service's
    # own that the evidence supports goes above a hypothesis of that kind (fallback.over_generic)
    restates: bool = False

    def kind_for(self, tier: str | None, platform: str) -> str:
        """The kind this mode reports on a service of ``tier`` running on ``platform``."""
        if tier in self.kind_by_tier:
            return self.kind_by_tier[tier]
        return self.kind_by_platform.get(platform, self.kind)


class FailureModes(FrozenModel):
    unknown_confidence: float = Field(ge=0.0, le=0.3)
    alert_confidence: float = Field(default=0.15, ge=0.0, le=0.3)
    alert_cause_cap: float = Field(default=0.35, ge=0.0, le=0.5)  # a cause under an alert alone
    alert_default: str = "erroring"  # the mode an alert that names none is taken to show
    alert_info_severities: list[str] = Field(default_factory=list)  # they show no failure
    modes: list[FailureMode] = Field(min_length=1)
    causes: list[Cause] = Field(default_factory=list)
    # a "dependency it calls is down" hypothesis on a caller names the dependency its evidence
    # points to, with the kind refined by that dependency's tier or platform
    dependency_kind_by_tier: dict[str, str] = Field(default_factory=dict)
    dependency_kind_by_platform: dict[str, str] = Field(default_factory=dict)
    # a hypothesis of these kinds (a datastore's fault) on a service not of these tiers moves to
    # the one datastore of these tiers it depends on that its own lines name or imply
    datastore_kinds: list[str] = Field(default_factory=list)
    # a caller whose own lines say its network is degraded, calling a dependency that shows no
    # failure of its own, fails on its own network: this kind on it, not the dependency's failure
    own_network_ids: list[str] = Field(default_factory=list)
    own_network_kind: str = "network_partition"
    # a client whose own lines say it lost a shared dependency of these tiers (a broker: these
    # signature families), which shows no failure of its own while none of its other clients
    # does: the path from that client is cut, the same kind on it
    own_path_tiers: list[str] = Field(default_factory=list)
    own_path_signatures: list[str] = Field(default_factory=list)
    # lines whose signature says what the far end is (tier -> catalogue ids): they imply the one
    # dependency of that tier, as a role word does ("database connection failed")
    signature_tiers: dict[str, list[str]] = Field(default_factory=dict)
    datastore_tiers: list[str] = Field(default_factory=list)


# ---- signature_causes.yaml --------------------------------------------------------------


class SignatureFamily(FrozenModel):
    """Signature cause kinds (or single catalogue entries) that point to one root-cause kind."""

    name: str = Field(pattern=r"^[a-z_]+$")
    root: str
    because: str
    cause_kinds: list[CauseKind] = Field(default_factory=list)
    signature_ids: list[str] = Field(default_factory=list)
    except_ids: list[str] = Field(default_factory=list)
    confidence: float = Field(ge=0.05, le=0.7)
    corrects: list[str] = Field(default_factory=list)
    penalty: float = Field(default=0.1, ge=0.0, le=0.5)
    # the finding types it reads (default: the file's ``finding_types``)
    finding_types: list[str] = Field(default_factory=list)
    # holds only when no pod state of the service shows a failure (its pods run and are ready)
    pods_healthy: bool = False

    def holds(self, cause_kind: str | None, signature_id: str | None) -> bool:
        if signature_id is not None and signature_id in self.except_ids:
            return False
        if signature_id is not None and signature_id in self.signature_ids:
            return True
        return cause_kind is not None and cause_kind in self.cause_kinds


class SignatureCauses(FrozenModel):
    finding_types: list[str] = Field(min_length=1)
    families: list[SignatureFamily] = Field(min_length=1)

    def family(self, cause_kind: str | None, signature_id: str | None) -> SignatureFamily | None:
        """The first family that holds for a signature (entry ids before kinds, in order)."""
        by_id = next((f for f in self.families if signature_id in f.signature_ids), None)
        return by_id or next((f for f in self.families if f.holds(cause_kind, signature_id)), None)


# ---- calibration.yaml ---------------------------------------------------------------------


#: what a hypothesis's confidence rests on, as calibration reads it (``calibrate.reading``)
Basis = Literal["leader", "unknown", "alert", "runner_up", "steady"]


class Calibration(FrozenModel):
    weak_types: list[str] = Field(default_factory=list)
    single_weak_cap: float = Field(ge=0.05, le=1.0)
    exclusive: bool = True
    floor: float = Field(default=0.05, ge=0.0, le=0.3)
    # evidence strength (the leader only): what its evidence is, and how far ahead it is
    identified_above: float = Field(default=0.25, ge=0.0, le=0.5)
    context_types: list[str] = Field(default_factory=list)  # never independent corroboration
    corroboration_gain: float = Field(default=0.0, ge=0.0, le=0.5)
    signature_gain: float = Field(default=0.0, ge=0.0, le=0.5)
    close_margin: float = Field(default=0.1, ge=0.0, le=0.5)
    runner_up_share: float = Field(default=1.0, ge=0.1, le=1.0)
    ceiling: float = Field(default=0.97, ge=0.5, le=1.0)
    # a healthy system is quiet (bot/investigate/steady.py): 0 turns the rule off
    one_off_count: int = Field(default=0, ge=0, le=10)
    steady_growth: float = Field(default=1.5, ge=1.0, le=10.0)
    steady_cap: float = Field(default=1.0, ge=0.05, le=1.0)
    # fitted (tests/bench/calibration_fit.py --write): basis -> points of a monotone map
    maps: dict[Basis, list[tuple[float, float]]] = Field(default_factory=dict)

    @field_validator("maps")
    @classmethod
    def _monotone(
        cls, value: dict[Basis, list[tuple[float, float]]]
    ) -> dict[Basis, list[tuple[float, float]]]:
        for basis, points in value.items():
            xs, ys = [x for x, _ in points], [y for _, y in points]
            if any(not 0.0 <= v <= 1.0 for v in xs + ys):
                raise ValueError(f"maps.{basis}: every point lies in [0, 1]")
            if xs != sorted(set(xs)) or ys != sorted(ys):
                raise ValueError(f"maps.{basis}: x must rise and y never fall (a monotone map)")
        return value


# ---- change_relevance.yaml ---------------------------------------------------------------


class Inert(FrozenModel):
    """Diff keys or event names that cannot change how a service behaves."""

    pattern: str
    reason: str

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        return _regex(value)


class ChangeEffect(FrozenModel):
    """What a kind of change can cause, and where its symptom shows.

    A change finding whose ``kinds`` (the change's own kind: config, deployment…) and whose
    ``text`` (a regex over its label, event name, object, keys and details) both hold can cause
    ``kind`` on the changed service when, within ``window_minutes`` after it, a finding matching
    one of ``symptoms`` shows ``at`` the changed service itself (``self``), at the services
    that call it (``callers``), or at the workloads of the namespace it was made in
    (``namespace``: a namespace-wide object such as a ResourceQuota; the hypothesis goes to each
    workload that shows the symptom); no ``symptoms``: any failure mode seen there."""

    name: str = Field(pattern=r"^[a-z_]+$")
    kinds: list[str] = Field(default_factory=list)
    text: str | None = None
    symptoms: list[Matcher] = Field(default_factory=list)
    at: str = Field(pattern=r"^(self|callers|namespace)$")
    kind: str
    confidence: float = Field(ge=0.05, le=0.7)
    window_minutes: float = Field(gt=0.0)
    because: str
    # readings of the same service the change's effect explains: ranked ``margin`` below it
    explains: list[str] = Field(default_factory=list)
    margin: float = Field(default=0.05, ge=0.0, le=0.3)
    # and those of the services sharing a dependency with it that show the same symptom in the
    # window (the other clients of one database, waiting on the same locks)
    explains_peers: bool = False

    @field_validator("text")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return _regex(value) if value is not None else None


class ChangeRelevance(FrozenModel):
    change_kinds: list[str] = Field(min_length=1)  # hypothesis kinds that blame a change
    grace_minutes: float = Field(ge=0.0)  # a change this long after the onset still counts
    penalty: float = Field(ge=0.0, le=1.0)  # confidence taken from an unrelated change's blame
    inert: list[Inert] = Field(default_factory=list)
    effects: list[ChangeEffect] = Field(default_factory=list)


# ---- outside.yaml ------------------------------------------------------------------------


class Outside(FrozenModel):
    internal_suffixes: list[str] = Field(default_factory=list)
    cloud_suffixes: list[str] = Field(default_factory=list)
    file_extensions: list[str] = Field(default_factory=list)  # name.ext:N is a file, not a host
    error_signatures: list[str] = Field(default_factory=list)
    error_words: str  # regex: a line with a host that also says this is a failed call
    # regex: the words just before a URL that make it a reference to read, not a call made
    reference_words: str = r"(?!)"
    min_lines: int = Field(ge=1)
    base: float = Field(ge=0.0, le=1.0)
    per_caller: float = Field(ge=0.0, le=0.3)
    kind: str
    cloud_kind: str
    explained_kinds: list[str] = Field(default_factory=list)  # caller symptoms it explains

    @field_validator("error_words", "reference_words")
    @classmethod
    def _words(cls, value: str) -> str:
        return _regex(value)


# ---- cascade.yaml ------------------------------------------------------------------------


class Cascade(CauseMargin):
    """A caller's error lines that name a deeper dependency refusing it: that one is the cause
    (``kind`` when neither its tier nor its platform names one)."""

    signatures: list[str] = Field(min_length=1)
    levels: list[str] = Field(min_length=1)
    kind_by_tier: dict[str, str] = Field(default_factory=dict)
    kind_by_platform: dict[str, str] = Field(default_factory=dict)
    floor: float = Field(ge=0.05, le=0.7)


# ---- harm.yaml ---------------------------------------------------------------------------


class Advice(FrozenModel):
    kinds: list[str] = Field(min_length=1)
    outside: bool | None = None  # only for causes outside (True) or inside (False)
    when: Matcher | None = None  # only when a finding on the hypothesis's service matches
    steps: list[str] = Field(min_length=1)


class Persists(FrozenModel):
    """Root-cause kinds a restart cannot fix, and why (the same limit, config, load comes back)."""

    kinds: list[str] = Field(min_length=1)
    reason: str


class CannotHelp(FrozenModel):
    """Write actions the evidence on the hypothesis's service says cannot help (``when`` matches
    a finding there, and none of ``unless`` does), and why: more replicas do not raise a limit
    the service enforces itself."""

    actions: list[str] = Field(min_length=1)
    when: Matcher
    unless: list[Matcher] = Field(default_factory=list)  # any of these holding keeps the write
    reason: str


class Harm(FrozenModel):
    write_risks: list[str] = Field(min_length=1)
    restart_actions: list[str] = Field(default_factory=list)
    survives_restart: list[Persists] = Field(default_factory=list)
    cannot_help: list[CannotHelp] = Field(default_factory=list)
    restart_behind_a_fix: list[str] = Field(default_factory=list)
    undo_actions: list[str] = Field(default_factory=list)
    advice: list[Advice] = Field(default_factory=list)
    default_steps: list[str] = Field(min_length=1)


M = TypeVar("M", bound=BaseModel)


def load(model: type[M], name: str, directory: Path | None = None) -> M:
    path = (directory or REASONING_DIR) / name
    try:
        raw: Any = load_yaml(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path.name}: cannot read: {exc}") from None
    return validate_knowledge(model, raw, origin=path.name)


@lru_cache(maxsize=1)
def service_words() -> ServiceWords:
    return load(ServiceWords, "service_words.yaml")


@lru_cache(maxsize=1)
def failure_modes() -> FailureModes:
    return load(FailureModes, "failure_modes.yaml")


@lru_cache(maxsize=1)
def signature_causes() -> SignatureCauses:
    return load(SignatureCauses, "signature_causes.yaml")


@lru_cache(maxsize=1)
def calibration() -> Calibration:
    return load(Calibration, "calibration.yaml")


@lru_cache(maxsize=1)
def change_relevance() -> ChangeRelevance:
    return load(ChangeRelevance, "change_relevance.yaml")


@lru_cache(maxsize=1)
def outside_rules() -> Outside:
    return load(Outside, "outside.yaml")


@lru_cache(maxsize=1)
def harm_rules() -> Harm:
    return load(Harm, "harm.yaml")


@lru_cache(maxsize=1)
def cascade_rules() -> Cascade:
    return load(Cascade, "cascade.yaml")

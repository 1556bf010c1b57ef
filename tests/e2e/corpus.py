"""The replay-and-check loop the scenario-set tests share. The converted peer sets are one table,
``test_corpora.py``'s ``CORPORA``: a ``ConvertedSet`` row each, saying what its tests expect of it.

A set is a folder of converted cases under ``tests/scenarios`` (``Corpus``), most with a seeded
held-out third in ``heldout.txt``. A case is replayed through the real webhooks with its
investigations (``replayed``), or each incident of its truth is investigated in its world
(``investigated``); the checks read the truth here only, never in the replay.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

from bot.investigate import investigate_incident
from bot.investigate.models import InvestigationResult
from handlers.replay.runner import replay
from sandbox.investigate.context import context_for_world
from sandbox.investigate.enricher import InvestigateEach
from sandbox.investigate.views import incident_view
from sandbox.scenario import load_scenario
from sandbox.world import SandboxWorld
from tests.bench.rca_scoring import Truth, truths

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def listed(text: str) -> list[str]:
    """The case names a ``heldout.txt`` lists (comments and its ``seed:`` line left out)."""
    lines = (raw.split("#", 1)[0].strip() for raw in text.splitlines())
    return [line for line in lines if line and not line.startswith("seed:")]


@dataclass(frozen=True)
class Corpus:
    """A set of cases: ``tests/scenarios/<name>/*.yaml``, and the held-out third it lists."""

    folder: Path

    @classmethod
    def named(cls, name: str) -> Corpus:
        return cls(SCENARIOS / name)

    @property
    def cases(self) -> list[Path]:
        return sorted(self.folder.glob("*.yaml"))

    @property
    def held(self) -> set[str]:
        return set(listed((self.folder / "heldout.txt").read_text()))

    @property
    def dev(self) -> list[Path]:
        return [path for path in self.cases if path.stem not in self.held]

    @property
    def held_out(self) -> list[Path]:
        return [path for path in self.cases if path.stem in self.held]


#: the licence notice a set converted from HolmesGPT's evaluation suite carries in its README
HOLMES_NOTICE = "Copyright (c) 2024 Robusta Dev Ltd"
#: the HolmesGPT fixture such a case names as its source
HOLMES_FIXTURE = r"tests/llm/fixtures/(\S+)"


@dataclass(frozen=True)
class ConvertedSet:
    """A set converted from a peer suite, and what its tests expect of it: one row of
    ``test_corpora.py``'s table."""

    #: the folder under tests/scenarios
    name: str
    #: the seed of heldout.txt's draw
    seed: int
    #: the licence notice its README carries
    notice: str = HOLMES_NOTICE
    #: a pattern whose first group is the source a case names (where it was converted from)
    source: str = HOLMES_FIXTURE
    #: texts every case's header holds (where and how it was converted)
    cites: tuple[str, ...] = ()
    #: what the held-out third was drawn over: the case names, or the sources (then mapped)
    drawn_over: Literal["names", "sources"] = "names"
    #: the fewest cases the set may hold
    minimum: int = 20
    #: which cases must never be silent: the dev part (the held-out third is replayed for
    #: crashes only, and each of its incidents must be investigated), or all of them
    never_silent: Literal["dev", "all"] = "dev"
    #: how bench_rca.py scores it: its dev part in the default run and the whole set in
    #: --every ("default"), the whole set in --every only ("every"), or only when named
    bench: Literal["default", "every", "named"] = "named"
    #: whether each case comes from a source of its own (false where one source, run with other
    #: parameters, gave several cases)
    one_case_per_source: bool = True
    #: cases expected to be silent (xfail, not strict), each with its reason
    known_silent: Mapping[str, str] = field(default_factory=dict)

    @property
    def corpus(self) -> Corpus:
        return Corpus.named(self.name)

    @property
    def silent_checked(self) -> list[Path]:
        """The cases replayed with the never-silent check."""
        return self.corpus.dev if self.never_silent == "dev" else self.corpus.cases

    @property
    def crash_checked(self) -> list[Path]:
        """The cases replayed for crashes only (each incident investigated)."""
        return self.corpus.held_out if self.never_silent == "dev" else []

    def source_of(self, path: Path) -> str:
        """The source the case names (a case naming none fails: "<case> names no source")."""
        found = re.search(self.source, path.read_text())
        assert found is not None, f"{path.name} names no source"
        return found.group(1)


def case_params(row: ConvertedSet, cases: list[Path]) -> list[Any]:
    """One test per case of ``row``'s set, by ``<set>/<case>``; a case its ``known_silent`` names is
    expected to fail (xfail with the row's reason, not strict)."""
    return [
        pytest.param(
            path,
            id=f"{row.name}/{path.stem}",
            marks=(
                [pytest.mark.xfail(raises=AssertionError, reason=row.known_silent[path.stem])]
                if path.stem in row.known_silent
                else []
            ),
        )
        for path in cases
    ]


def replayed(path: Path) -> tuple[Any, dict[str, Any]]:
    """The case's truth, and its replay through the real webhooks with its investigations."""
    loaded = load_scenario(path)
    assert loaded.truth is not None, f"{path.name} carries truth"
    with InvestigateEach(loaded.scenario) as investigate:
        return loaded.truth, replay(loaded.scenario, enrichers=[investigate])


def assert_replays_and_is_never_silent(path: Path) -> None:
    """Replay ``path`` with investigations; each incident with a failing alert has a hypothesis."""
    truth, result = replayed(path)
    assert result["incidents"], "the replay opened no incident"
    failing = {
        alert
        for inc in truth.incidents
        if (inc.root_cause or truth.root_cause) is not None
        for alert in inc.alerts
    }
    for incident in result["incidents"]:
        investigation = incident.get("investigation")
        assert investigation is not None, f"incident {incident['alerts']} was not investigated"
        if failing & set(incident["alerts"]):
            assert investigation["hypotheses"], (
                f"silent: the facts hold a failure and no hypothesis names it "
                f"({len(investigation['facts'])} facts)"
            )


def assert_every_incident_investigated(path: Path) -> None:
    """Replay ``path`` with investigations: it opens incidents, and each one is investigated.
    What a held-out case is checked for: whether its answers are silent is a per-case outcome,
    and held-out outcomes are read as bench totals only."""
    _, result = replayed(path)
    assert result["incidents"], "the replay opened no incident"
    assert all(incident.get("investigation") is not None for incident in result["incidents"])


def investigated(path: Path) -> list[tuple[Truth, InvestigationResult]]:
    """Each incident of the case's truth investigated in its world (alerts and root alert as the
    truth groups them, not replayed): what the truth says of it, and the investigation."""
    loaded = load_scenario(path)
    assert loaded.truth is not None
    out = []
    with SandboxWorld(loaded.scenario) as world:
        ctx = context_for_world(world)
        for inc, want in truths(loaded.truth):
            alerts = [a for a in loaded.scenario.alerts if a.id in inc.alerts]
            out.append((want, investigate_incident(ctx, incident_view(alerts, inc.root_alert))))
    return out


#: HolmesGPT fixture folders the project keeps for its external evaluation: never converted
RESERVED_FIXTURES = {
    "test_investigate/" + n
    for n in [
        "01_oom_kill",
        "02_crashloop_backoff",
        "03_cpu_throttling",
        "04_image_pull_backoff",
        "05_crashpod",
        "09_high_latency",
        "10_KubeDeploymentReplicasMismatch",
        "11_KubePodCrashLooping",
        "12_KubePodNotReady",
    ]
} | {
    "test_ask_holmes/" + n
    for n in [
        "07_high_latency",
        "09_crashpod",
        "10_image_pull_backoff",
        "11_init_containers",
        "14_pending_resources",
        "22_high_latency_dbi_down",
        "71_connection_pool_starvation",
        "83_secret_not_found",
        "104a_postgres_root_issue",
        "157_disk_full_statefulset",
    ]
}


def assert_sources_and_held_out_third(row: ConvertedSet) -> None:
    """A converted set: at least ``row.minimum`` cases, each named in the README with its source
    (``row.source`` reads it from the case) under the licence ``row.notice``, and a seeded
    held-out third in heldout.txt."""
    corpus = row.corpus
    cases = corpus.cases
    assert len(cases) >= row.minimum
    readme = (corpus.folder / "README.md").read_text()
    assert row.notice in readme
    for path in cases:
        assert f"`{path.name}`" in readme and f"`{row.source_of(path)}`" in readme, path.name
    held = (corpus.folder / "heldout.txt").read_text()
    assert "seed:" in held
    names = listed(held)
    assert len(names) == len(cases) // 3
    assert all(name + ".yaml" in {p.name for p in cases} for name in names)


def assert_held_out_is_the_seeded_draw(row: ConvertedSet) -> None:
    """heldout.txt: ``random.Random(row.seed).sample`` of a third of the sorted case names, or of
    the sorted sources, each then mapped to its case (``row.drawn_over``)."""
    by_draw = {
        (path.stem if row.drawn_over == "names" else row.source_of(path)): path.stem
        for path in row.corpus.cases
    }
    drawn = random.Random(row.seed).sample(sorted(by_draw), len(by_draw) // 3)
    assert {by_draw[name] for name in drawn} == row.corpus.held


def assert_one_case_per_source(row: ConvertedSet) -> None:
    """No two cases of a set that says so name the same source."""
    sources = [row.source_of(path) for path in row.corpus.cases]
    assert not row.one_case_per_source or len(sources) == len(set(sources))


def assert_every_case_cites(row: ConvertedSet) -> None:
    """Each case's header (before ``version:``) holds every ``row.cites`` text (where and how it
    was converted from), and the case carries a truth."""
    for path in row.corpus.cases:
        text = path.read_text()
        head = text.split("\nversion:", 1)[0]
        assert all(part in head for part in row.cites), path.name
        assert "\ntruth:" in text, path.name


def assert_none_reserved_or_earlier(row: ConvertedSet, earlier: Sequence[ConvertedSet]) -> None:
    """No case of ``row``'s set comes from a reserved fixture or from a source an ``earlier`` set
    converted already."""
    converted = {
        source
        for before in earlier
        for p in before.corpus.cases
        for source in re.findall(before.source, p.read_text())
    }
    for path in row.corpus.cases:
        source = row.source_of(path)
        assert source not in RESERVED_FIXTURES, path.name
        assert source not in converted, path.name

"""The replay-and-check loop the scenario-set tests share; each test file keeps its set and what
it expects of it.

A set is a folder of converted cases under ``tests/scenarios`` (``Corpus``), most with a seeded
held-out third in ``heldout.txt``. A case is replayed through the real webhooks with its
investigations (``replayed``), or each incident of its truth is investigated in its world
(``investigated``); the checks read the truth here only, never in the replay.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def params(cases: list[Path], silent: Collection[str]) -> list[Any]:
    """One test per case, by its name; the ``silent`` ones expected to fail (xfail, not strict)."""
    marks = pytest.mark.xfail(
        raises=AssertionError, reason="silent before never-silent lands (issue 15 pt 1)"
    )
    return [
        pytest.param(path, id=path.stem, marks=[marks] if path.stem in silent else [])
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


def source_named(pattern: str, what: str) -> Callable[[Path], str]:
    """Reads the source a converted case names: the first group of ``pattern`` in its text
    (a case naming none fails: "<case> names no source <what>")."""

    def source(path: Path) -> str:
        found = re.search(pattern, path.read_text())
        assert found is not None, f"{path.name} names no source {what}"
        return found.group(1)

    return source


#: the HolmesGPT fixture a converted case names as its source
fixture_source = source_named(r"tests/llm/fixtures/(\S+)", "fixture")


def assert_sources_and_held_out_third(
    corpus: Corpus,
    notice: str = "Copyright (c) 2024 Robusta Dev Ltd",
    source: Callable[[Path], str] = fixture_source,
    minimum: int = 20,
) -> None:
    """A converted set: at least ``minimum`` cases, each named in the README with its source
    (``source`` reads it from the case; HolmesGPT's fixture by default) under the licence
    ``notice``, and a seeded held-out third in heldout.txt."""
    cases = corpus.cases
    assert len(cases) >= minimum
    readme = (corpus.folder / "README.md").read_text()
    assert notice in readme
    for path in cases:
        assert f"`{path.name}`" in readme and f"`{source(path)}`" in readme, path.name
    held = (corpus.folder / "heldout.txt").read_text()
    assert "seed:" in held
    names = listed(held)
    assert len(names) == len(cases) // 3
    assert all(name + ".yaml" in {p.name for p in cases} for name in names)


def assert_held_out_is_the_seeded_draw(corpus: Corpus, seed: int) -> None:
    """heldout.txt: ``random.Random(seed).sample`` of a third of the sorted case names."""
    names = sorted(path.stem for path in corpus.cases)
    assert set(random.Random(seed).sample(names, len(names) // 3)) == corpus.held


def assert_every_case_cites(corpus: Corpus, *origin: str) -> None:
    """Each case's header (before ``version:``) holds every ``origin`` text (where and how it
    was converted from), and the case carries a truth."""
    for path in corpus.cases:
        text = path.read_text()
        head = text.split("\nversion:", 1)[0]
        assert all(part in head for part in origin), path.name
        assert "\ntruth:" in text, path.name


def assert_none_reserved_or_earlier(corpus: Corpus, earlier: list[str]) -> None:
    """No case comes from a reserved fixture or one an ``earlier`` set converted already."""
    converted = {
        source
        for name in earlier
        for p in Corpus.named(name).cases
        for source in re.findall(r"tests/llm/fixtures/(\S+)", p.read_text())
    }
    for path in corpus.cases:
        source = fixture_source(path)
        assert source not in RESERVED_FIXTURES, path.name
        assert source not in converted, path.name

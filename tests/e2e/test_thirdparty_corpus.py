"""Every third-party case (tests/scenarios/thirdparty, converted from HolmesGPT's evaluation suite)
replays through the real webhooks with its investigations, without a crash, and is never silent:
an incident whose truth holds a failure gets at least one hypothesis (issue 15 pts 1 and 8).

Top-1 is not asserted here: the honest figures are bench_rca's, per corpus.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from handlers.replay.runner import replay
from sandbox.investigate.enricher import InvestigateEach
from sandbox.scenario import load_scenario

THIRDPARTY = Path(__file__).resolve().parents[1] / "scenarios" / "thirdparty"
CASES = sorted(THIRDPARTY.glob("*.yaml"))

# Silent on the untuned bench (issue 15's "before" figure; the held-out ones were added after
# their single scoring). The never-silent promise is being built on other branches; when it
# lands these pass, and this list is deleted. Not strict, so the merge order does not matter.
#: cases still silent (xfail); empty now: every case answers, and the replay guards it
KNOWN_SILENT: set[str] = set()


def _replayed(path: Path) -> tuple[Any, dict[str, Any]]:
    loaded = load_scenario(path)
    assert loaded.truth is not None, f"{path.name} carries truth"
    with InvestigateEach(loaded.scenario) as investigate:
        return loaded.truth, replay(loaded.scenario, enrichers=[investigate])


def _params(cases: list[Path] = CASES, silent: set[str] = KNOWN_SILENT) -> list[Any]:
    marks = pytest.mark.xfail(
        raises=AssertionError, reason="silent before never-silent lands (issue 15 pt 1)"
    )
    return [
        pytest.param(path, id=path.stem, marks=[marks] if path.stem in silent else [])
        for path in cases
    ]


@pytest.mark.parametrize("path", _params())
def test_replays_without_crash_and_is_never_silent(path: Path) -> None:
    assert_replays_and_is_never_silent(path)


def assert_replays_and_is_never_silent(path: Path) -> None:
    """Replay ``path`` with investigations; each incident with a failing alert has a hypothesis."""
    truth, result = _replayed(path)
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


def test_the_corpus_is_there() -> None:
    assert len(CASES) >= 25
    assert (THIRDPARTY / "README.md").read_text().count("Copyright (c) 2024 Robusta Dev Ltd") >= 1
    held = (THIRDPARTY / "heldout.txt").read_text()
    assert "seed:" in held
    assert all(line.strip() + ".yaml" in {p.name for p in CASES} for line in _listed(held))


def _listed(text: str) -> list[str]:
    lines = (raw.split("#", 1)[0].strip() for raw in text.splitlines())
    return [line for line in lines if line and not line.startswith("seed:")]


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


def _source(path: Path) -> str:
    """The HolmesGPT fixture a converted case names as its source."""
    found = re.search(r"tests/llm/fixtures/(\S+)", path.read_text())
    assert found is not None, f"{path.name} names no source fixture"
    return found.group(1)


def assert_sources_and_held_out_third(
    folder: Path,
    cases: list[Path],
    notice: str = "Copyright (c) 2024 Robusta Dev Ltd",
    source: Callable[[Path], str] = _source,
) -> None:
    """A converted set: at least 20 cases, each named in the README with its source (``source``
    reads it from the case; HolmesGPT's fixture by default) under the licence ``notice``, and a
    seeded held-out third in heldout.txt."""
    assert len(cases) >= 20
    readme = (folder / "README.md").read_text()
    assert notice in readme
    for path in cases:
        assert f"`{path.name}`" in readme and f"`{source(path)}`" in readme, path.name
    held = (folder / "heldout.txt").read_text()
    assert "seed:" in held
    listed = _listed(held)
    assert len(listed) == len(cases) // 3
    assert all(name + ".yaml" in {p.name for p in cases} for name in listed)


def assert_none_reserved_or_earlier(cases: list[Path], earlier_folders: list[Path]) -> None:
    """No case comes from a reserved fixture or one an earlier set converted already."""
    earlier = {
        source
        for folder in earlier_folders
        for p in folder.glob("*.yaml")
        for source in re.findall(r"tests/llm/fixtures/(\S+)", p.read_text())
    }
    for path in cases:
        source = _source(path)
        assert source not in RESERVED_FIXTURES, path.name
        assert source not in earlier, path.name

"""The fourth third-party set (tests/scenarios/thirdparty4, converted from HolmesGPT's evaluation
suite after the first three were scored) loads, replays through the real webhooks with its
investigations without a crash, and is never silent where its truth holds a failure (issue 15 pts 8
and 9).

Same checks as ``test_thirdparty_corpus.py``, over the new folder; top-1 is bench_rca's figure. The
held-out third is only replayed for crashes here: whether its answers are silent is a per-case
outcome, and this set's held-out outcomes are read as bench totals only.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from tests.e2e.test_thirdparty_corpus import (
    _listed,
    _params,
    _replayed,
    assert_replays_and_is_never_silent,
)

THIRDPARTY4 = Path(__file__).resolve().parents[1] / "scenarios" / "thirdparty4"
CASES = sorted(THIRDPARTY4.glob("*.yaml"))
HELD = set(_listed((THIRDPARTY4 / "heldout.txt").read_text()))
DEV = [path for path in CASES if path.stem not in HELD]

#: dev cases silent on main's rules when the set landed (ask55, ask120: an alert naming no
#: service); none since an alert the rules cannot follow is answered like a question
KNOWN_SILENT: set[str] = set()


@pytest.mark.parametrize("path", _params(DEV, KNOWN_SILENT))
def test_replays_without_crash_and_is_never_silent(path: Path) -> None:
    assert_replays_and_is_never_silent(path)


@pytest.mark.parametrize("path", [p for p in CASES if p.stem in HELD], ids=lambda p: p.stem)
def test_a_held_out_case_replays_and_every_incident_is_investigated(path: Path) -> None:
    _, result = _replayed(path)
    assert result["incidents"], "the replay opened no incident"
    assert all(incident.get("investigation") is not None for incident in result["incidents"])


def test_the_set_is_there_with_its_sources_and_held_out_third() -> None:
    assert len(CASES) >= 20
    readme = (THIRDPARTY4 / "README.md").read_text()
    assert "Copyright (c) 2024 Robusta Dev Ltd" in readme
    for path in CASES:
        source = re.search(r"tests/llm/fixtures/(\S+)", path.read_text())
        assert source is not None, f"{path.name} names no source fixture"
        assert f"`{path.name}`" in readme and f"`{source.group(1)}`" in readme, path.name
    held = (THIRDPARTY4 / "heldout.txt").read_text()
    assert "seed:" in held
    listed = _listed(held)
    assert len(listed) == len(CASES) // 3
    assert all(name + ".yaml" in {p.name for p in CASES} for name in listed)


def test_the_held_out_third_is_the_seeded_draw_over_the_source_folders() -> None:
    """heldout.txt: random.Random(20261208).sample over the sorted source folders, as files."""
    by_source = {
        re.findall(r"tests/llm/fixtures/(\S+)", path.read_text())[0]: path.stem for path in CASES
    }
    drawn = random.Random(20261208).sample(sorted(by_source), len(by_source) // 3)
    assert {by_source[name] for name in drawn} == HELD


def test_no_case_comes_from_a_reserved_or_already_converted_fixture() -> None:
    reserved = {
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
    earlier = set()
    for folder in ("thirdparty", "thirdparty2", "thirdparty3"):
        for path in (THIRDPARTY4.parent / folder).glob("*.yaml"):
            earlier |= set(re.findall(r"tests/llm/fixtures/(\S+)", path.read_text()))
    for path in CASES:
        source = re.findall(r"tests/llm/fixtures/(\S+)", path.read_text())[0]
        assert source not in reserved, path.name
        assert source not in earlier, path.name

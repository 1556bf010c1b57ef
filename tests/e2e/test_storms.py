"""Alert storms from a public RCA dataset (``../shared/data/storms``, not shipped with the
repository): a few development storms replayed through the real webhooks, ingest and correlator.
The storm becomes one incident whose root alert lies on the faulty service. Held-out storms
(``tests/bench/storms_heldout.txt``) are never used here; ``tests/bench/bench_storms.py`` scores
them all."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.replay.runner import replay
from sandbox.scenario import load_scenario
from tests.cli import run_aiops
from tests.conftest import DATA_DIR

STORMS = DATA_DIR / "storms"
HELDOUT = Path(__file__).resolve().parents[1] / "bench" / "storms_heldout.txt"
# Development storms of each kind of evidence: a replica with anomalies of its own (001, 015),
# failing calls into one callee (022), a caller that finds all its dependencies slow while their
# other callers do not (028: the caller is the common factor), a callee of three calling
# services whose callers all find it slow (004: a shared callee can be the root).
DEV = [
    "sd-001-container-read-io-load",
    "sd-004-container-cpu-load",
    "sd-015-container-memory-load",
    "sd-022-container-network-latency",
    "sd-028-container-network-latency",
]


def _heldout() -> set[str]:
    lines = HELDOUT.read_text(encoding="utf-8").splitlines()
    return {line.strip().removesuffix(".yaml") for line in lines if not line.startswith("#")}


def test_dev_storms_are_not_held_out() -> None:
    assert not set(DEV) & _heldout()


@pytest.mark.parametrize("stem", DEV)
def test_storm_root_is_on_the_faulty_service(stem: str) -> None:
    path = STORMS / f"{stem}.yaml"
    if not path.is_file():
        pytest.skip(f"storm data absent ({path}): ../shared/data is not beside this clone")
    loaded = load_scenario(path)
    truth = loaded.truth
    assert truth is not None and truth.root_cause is not None
    result = replay(loaded.scenario)
    main = max(result["incidents"], key=lambda i: len(i["alerts"]))
    assert len(main["alerts"]) >= 0.9 * len(loaded.scenario.alerts)
    service_of = {a.id: a.service for a in loaded.scenario.alerts}
    assert service_of[main["root_alert"]] == truth.root_cause.service
    # the replay's output carries why: the root service, the confidence and the evidence
    assert main["root_why"].startswith(f"root service {truth.root_cause.service} (confidence ")


def test_aiops_replay_prints_why_the_root_was_elected() -> None:
    path = STORMS / f"{DEV[0]}.yaml"
    if not path.is_file():
        pytest.skip(f"storm data absent ({path}): ../shared/data is not beside this clone")
    done = run_aiops("replay", str(path))
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())  # the console wraps long lines
    assert "why: root service shippingservice (confidence" in said
    assert "from its own anomalies" in said

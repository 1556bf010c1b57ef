"""The real ways in read a gone pod's shipped logs from the Loki that ``LOKI_URL`` names.

The world: a report builder filled its scratch volume yesterday and its pod was replaced since,
so the cluster no longer lists it; only Loki (served locally over ``query_range`` / ``series``)
holds its lines. ``aiops investigate`` (a subprocess with the settings in its environment) and
``/aiops investigate`` in Slack (the runtime ``aiops run`` starts, building its contexts from the
settings) must both reach them; without ``LOKI_URL`` the answer cannot name the cause.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from sandbox.scenario import load_scenario
from sandbox.slack import Message
from sandbox.world import SandboxWorld
from tests.cli import run_aiops
from tests.slack.helpers import command
from tests.wired import wired_runtime

ROOT = Path(__file__).resolve().parents[3]
SCENARIO = ROOT / "tests" / "scenarios" / "reasoning" / "r05-gone-pod-logs-only-shipped.yaml"
QUESTION = "why did the report-builder batch never finish?"
CAUSE = "no space left on device"
AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def _topology_file(tmp: Path) -> Path:
    """The scenario's services as ``topology.yaml`` (the same shape)."""
    services = yaml.safe_load(SCENARIO.read_text())["services"]
    path = tmp / "topology.yaml"
    path.write_text(yaml.safe_dump({"services": services}))
    return path


@pytest.fixture
def world() -> Iterator[SandboxWorld]:
    """The world as of the wall clock: the CLI reads with the system's clock."""
    scenario = load_scenario(SCENARIO).scenario
    now = datetime.now(UTC).replace(microsecond=0)
    with SandboxWorld(scenario.model_copy(update={"now": now})) as running:
        yield running


def _cli(world: SandboxWorld, tmp: Path, *, loki: bool) -> str:
    ep = world.endpoints
    env = {
        **AWS, "AWS_REGION": ep.region, "AWS_ENDPOINT_URL": str(ep.aws_endpoint_url),
        "KUBECONFIG": str(ep.kubeconfig_path), "AIOPS_TOPOLOGY_FILE": str(_topology_file(tmp)),
        "AIOPS_DB": str(tmp / "aiops.db"), "AIOPS_CONFIG": str(tmp / "aiops.toml"),
    }  # fmt: skip
    if loki:
        env["LOKI_URL"] = str(ep.loki_url)
    done = run_aiops("investigate", QUESTION, "--json", env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_cli_reads_a_gone_pods_lines_from_the_configured_loki(
    world: SandboxWorld, tmp_path: Path
) -> None:
    answer = json.loads(_cli(world, tmp_path, loki=True))
    assert CAUSE in json.dumps(answer["hypotheses"][0]).lower()
    # the same question without LOKI_URL: the cluster has no such pod, so nothing says why
    assert CAUSE not in _cli(world, tmp_path, loki=False).lower()


def test_slack_investigate_reads_a_gone_pods_lines_from_the_configured_loki(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in AWS.items():
        monkeypatch.setenv(name, value)
    with wired_runtime(
        SCENARIO, tmp_path, token="t", users=["UASK0001"], from_settings=True,
        aiops_topology_file=_topology_file(tmp_path),
    ) as wired:  # fmt: skip
        command(wired.slack, "UASK0001", f'investigate "{QUESTION}"')

        def posted() -> Message | None:
            found = [m for m in wired.slack.messages("general") if "Investigation" in m.all_text]
            return found[0] if found else None

        summary = wired.slack.wait_for(posted, 60)
    assert CAUSE in summary.all_text.lower()

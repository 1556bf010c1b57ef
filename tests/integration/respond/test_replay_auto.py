"""``aiops replay FILE --auto-investigate``: each incident investigates itself as it opens, as a
page would make it (``bot/respond/auto.py`` wired into the replay's real incident flows), against
the scenario's sandbox world; the output shows what that run found and proposed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli import run_aiops
from tests.conftest import SCENARIOS_DIR

pytestmark = pytest.mark.timeout(300)
SCENARIO = SCENARIOS_DIR / "02-k8s-crashloop-bad-env.yaml"  # warnings only


def _scenario() -> str:
    if not SCENARIO.is_file():
        pytest.skip(f"example scenario absent (looked for {SCENARIO})")
    return str(SCENARIO)


def test_replay_json_carries_each_automatic_investigation(tmp_path: Path) -> None:
    done = run_aiops("replay", _scenario(), "--auto-investigate", "--json",
                     env={"AIOPS_CONFIG": str(tmp_path / "none.toml")}, timeout=280)  # fmt: skip
    assert done.returncode == 0, done.stderr
    incidents = json.loads(done.stdout)["incidents"]
    assert incidents
    for inc in incidents:
        auto = inc["auto_investigation"]
        assert auto["policy"] == "replay"
        assert inc["auto_investigated"] == (
            f"Investigated automatically (policy replay): {auto['top_line']}"
        )
        # it ran as the incident opened (on its first alerts): the class may differ from the
        # investigation of the whole incident at the end of the replay
        assert auto["facts"] and auto["incident_class"] and inc["investigation"]["incident_class"]
        proposed = {r["action"] for r in auto["requests"]}
        assert proposed and proposed <= {a["action"] for a in auto["actions"]}
        assert "verified" not in {r["state"] for r in auto["requests"]}  # nobody approved


def test_plain_output_says_when_the_policy_did_not_ask(tmp_path: Path) -> None:
    critical_only = tmp_path / "auto.yaml"
    critical_only.write_text("default: p\npolicies:\n  - name: p\n"
                             "    when: [{severities: [critical]}]\n")  # fmt: skip
    env = {"AIOPS_CONFIG": str(tmp_path / "none.toml")}
    done = run_aiops("replay", _scenario(), "--auto-investigate", "--auto-policy",
                     str(critical_only), env=env, timeout=280)  # fmt: skip
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())
    assert "investigated automatically: no (its policy did not ask for it)" in said
    lonely = run_aiops("replay", _scenario(), "--auto-policy", str(critical_only), env=env)
    assert lonely.returncode != 0 and "--auto-investigate" in lonely.stdout + lonely.stderr

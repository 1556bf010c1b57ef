"""``aiops demo`` as a newcomer runs it: a subprocess, non-interactive, on an example scenario."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.errors import UserError
from handlers.demo.session import default_scenario

ROOT = Path(__file__).resolve().parents[2]
AIOPS = [sys.executable, "-m", "handlers.cli.main"]


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
    return subprocess.run(
        [*AIOPS, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def demo_run(request: pytest.FixtureRequest) -> tuple[subprocess.CompletedProcess[str], Path]:
    from tests.conftest import example_scenarios

    return _run("demo", "--fast"), example_scenarios()[0]


def test_demo_finishes_and_shows_the_incident_its_root_cause_and_a_verified_remediation(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    proc, scenario = demo_run
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    from sandbox.scenario import load_scenario

    loaded = load_scenario(scenario).scenario
    root = loaded.alerts[0]
    # the incident message, read back from the local Slack server, names the root alert
    assert "#incidents (local Slack)" in out
    assert f"#1 {root.service}: {root.name}" in out
    # the thread: alerts folded, the investigation with facts and hypotheses, approve buttons
    assert "new alert(s)" in out and "Hypotheses" in out and "Approve" in out
    # paged through the local PagerDuty, then acknowledged there by the Slack ack
    assert "PagerDuty incident" in out and "triggered, assigned to" in out
    assert "PagerDuty Q" in out and "acknowledged" in out.split("PagerDuty (local)")[1]
    # the remediation was approved by the demo approver, executed once and verified
    assert "approved" in out and "executed → verified" in out
    assert "verified" in out.split("#incidents (local Slack)")[1]
    # the timeline the on-call asked for with /aiops timeline
    assert "Timeline: #1" in out
    assert "Traceback" not in out + proc.stderr


def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    from handlers.cli.main import run

    monkeypatch.setattr(sys, "argv", ["aiops", *args])
    with pytest.raises(SystemExit) as exit_info:
        run()
    return exit_info.value.code, capsys.readouterr().err


def test_demo_with_a_missing_scenario_file_exits_2_with_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _cli(monkeypatch, capsys, "demo", "--scenario", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "no scenario file" in err and "Traceback" not in err


def test_demo_with_a_malformed_scenario_exits_2_naming_the_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    code, err = _cli(monkeypatch, capsys, "demo", "--scenario", str(bad))
    assert code == 2, err
    assert "bad.yaml" in err.replace("\n", "") and "Traceback" not in err


def _samples() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    from prometheus_client.parser import text_string_to_metric_families

    from bot.observability import render

    return {
        (x.name, tuple(sorted(x.labels.items()))): x.value
        for family in text_string_to_metric_families(render()[0].decode())
        for x in family.samples
    }


def test_interactive_clicks_by_number_and_types_commands_against_the_local_slack() -> None:
    from rich.console import Console

    from handlers.demo import script
    from handlers.demo.interactive import play
    from handlers.demo.report import numbered_buttons
    from handlers.demo.session import CHANNEL, ONCALL, DemoSession
    from tests.conftest import example_scenarios

    examples = example_scenarios()
    console = Console(file=io.StringIO(), width=120)
    with DemoSession(examples[0]) as demo:
        script.replay_alerts(demo)
        demo.slack.wait_for(lambda: demo.slack.messages(CHANNEL), 20)
        ack = next(b for b in numbered_buttons(demo) if b.action_id == "incident_acknowledge")
        answers = iter([str(ack.number), "/aiops timeline 1", "42", "q"])
        play(demo, console, ask=lambda _prompt: next(answers))
        card = demo.slack.messages(CHANNEL)[0]
        assert "acknowledged" in card.all_text.lower()
        assert any("Timeline: #1" in e.all_text for e in demo.ephemerals(ONCALL))
    # the Bolt middleware timed both acks; the transition and the alerts were counted
    metrics = _samples()
    assert metrics[("aiops_slack_ack_seconds_count", (("kind", "block_actions"),))] >= 1
    assert metrics[("aiops_slack_ack_seconds_count", (("kind", "slash_command"),))] >= 1
    assert metrics[("aiops_incident_transitions_total", (("to", "acknowledged"),))] >= 1
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert f"clicked [{ack.number}] Acknowledge" in shown
    assert "no button 42" in shown


def test_default_scenario_is_the_first_example_and_an_absent_folder_is_a_user_error(
    tmp_path: Path,
) -> None:
    with pytest.raises(UserError, match="does not exist"):
        default_scenario(tmp_path / "absent")
    (tmp_path / "b.yaml").write_text("x: 1")
    (tmp_path / "a.yaml").write_text("x: 1")
    assert default_scenario(tmp_path).name == "a.yaml"

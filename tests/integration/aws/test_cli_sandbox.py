"""``aiops scenario check`` and ``aiops sandbox up`` through the Typer app."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from handlers.cli.main import app
from tests.unit.sandbox.test_scenario_loader import MINIMAL

runner = CliRunner()


def test_scenario_check_ok_and_errors_exit_2(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(MINIMAL)
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL.replace("state: running", "state: paused"))
    ok = runner.invoke(app, ["scenario", "check", str(good)])
    assert ok.exit_code == 0 and f"OK {good} (tiny-world)" in ok.output
    result = runner.invoke(app, ["scenario", "check", str(good), str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:10: aws.ec2_instances[0].state: Input should be" in result.output
    assert "Traceback" not in result.output


def test_sandbox_up_prints_endpoints_and_env_and_stops(tmp_path: Path) -> None:
    path = tmp_path / "world.yaml"
    path.write_text(MINIMAL)
    result = runner.invoke(app, ["sandbox", "up", str(path), "--for", "0"])
    assert result.exit_code == 0, result.output
    assert "export AWS_ENDPOINT_URL=http://127.0.0.1:" in result.output
    assert "export AWS_ACCESS_KEY_ID=testing" in result.output
    assert "id_ref web-1 = i-" in result.output
    assert "sandbox world stopped" in result.output

"""The port-risk table is validated data: a malformed file is a clear ConfigError."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.posture import network


def test_shipped_table_loads_and_ports_are_unique() -> None:
    ports = [r.port for r in network.port_risks().ports]
    assert len(ports) == len(set(ports))


def test_malformed_table_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "port_risk.yaml"
    bad.write_text("ports: [{port: 22, name: SSH, severity: dire}]\nother: medium\n")
    monkeypatch.setattr(network, "RISK_FILE", bad)
    network.port_risks.cache_clear()
    try:
        with pytest.raises(ConfigError, match="port_risk.yaml"):
            network.port_risks()
    finally:
        network.port_risks.cache_clear()

"""Fixtures: the example scenarios with a ``kubernetes:`` section, served by the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from integrations.kubernetes import KubernetesApi, client_from_kubeconfig
from sandbox.k8s import K8sSandbox, start_k8s_sandbox
from tests.conftest import example_scenarios


def k8s_scenario_files() -> list[Path]:
    return [p for p in example_scenarios() if "kubernetes" in (yaml.safe_load(p.read_text()) or {})]


def scenario_params() -> list[Any]:
    return [pytest.param(p, id=p.stem) for p in k8s_scenario_files()]


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def now_of(scenario: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(scenario["now"]).replace("Z", "+00:00"))


def serve(scenario: dict[str, Any]) -> K8sSandbox:
    return start_k8s_sandbox(scenario["kubernetes"], now_of(scenario), scenario.get("logs"))


class World:
    """A running sandbox for one scenario, with the adapter pointed at it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.scenario = load(path)
        self.section = self.scenario["kubernetes"]
        self.now = now_of(self.scenario)
        self.sandbox = serve(self.scenario)
        self.client = client_from_kubeconfig(self.sandbox.kubeconfig_path)
        self.k8s = KubernetesApi(self.client)

    def close(self) -> None:
        self.client.close()
        self.sandbox.stop()


@pytest.fixture(scope="module", params=scenario_params())
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    """Read-only tests share one sandbox per scenario."""
    item = World(request.param)
    yield item
    item.close()


@pytest.fixture
def make_world() -> Iterator[Any]:
    """Write tests get a fresh sandbox."""
    made: list[World] = []

    def factory(path: Path) -> World:
        item = World(path)
        made.append(item)
        return item

    yield factory
    for item in made:
        item.close()

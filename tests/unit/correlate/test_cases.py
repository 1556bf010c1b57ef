"""Table-driven correlation tests: every ``cases/*.yaml`` file is one table of cases.

A case: a ``topology`` (service -> depends_on), optional ``config``, ``steps`` (an alert to
place, or a manual ``merge`` / ``split`` / ``close`` naming groups by one of their alerts) and
``expect``: the groups (as sets of alert ids) with their root alert.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.correlate import AlertFacts, CorrelationConfig, Correlator
from bot.topology import Topology

CASES = Path(__file__).parent / "cases"
T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def _minutes(text: str | int) -> timedelta:
    value = str(text)
    if value.endswith("m"):
        return timedelta(minutes=float(value[:-1]))
    if value.endswith("s"):
        return timedelta(seconds=float(value[:-1]))
    return timedelta(minutes=float(value))


def _load() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()):
            params.append(pytest.param(case, id=f"{path.stem}:{case['name']}"))
    return params


def _run(case: dict[str, Any]) -> Correlator:
    cfg = dict(case.get("config") or {})
    if "window" in cfg:
        cfg["window"] = _minutes(cfg["window"])
    corr = Correlator(Topology(case.get("topology") or {}), config=CorrelationConfig(**cfg))
    splits = 0
    for step in case["steps"]:
        if "merge" in step:
            into, other = (corr.group_of(a) for a in step["merge"])
            assert into and other
            corr.merge(into, other)
        elif "split" in step:
            key = corr.group_of(step["split"][0])
            assert key
            splits += 1
            corr.split(key, step["split"], f"split{splits}")
        elif "close" in step:
            key = corr.group_of(step["close"])
            assert key
            corr.close(key)
        else:
            corr.place(
                AlertFacts(
                    id=step["id"],
                    at=T0 + _minutes(step.get("at", 0)),
                    name=step.get("name", step["id"]),
                    service=step.get("service"),
                    labels={str(k): str(v) for k, v in (step.get("labels") or {}).items()},
                    summary=step.get("summary", ""),
                )
            )
    return corr


@pytest.mark.parametrize("case", _load())
def test_case(case: dict[str, Any]) -> None:
    corr = _run(case)
    got = {frozenset(v.alerts): v.root_alert for v in corr.views() if v.alerts and v.open}
    want = {frozenset(g["alerts"]): g["root"] for g in case["expect"]}
    assert set(got) == set(want), f"groups: got {sorted(map(sorted, got))}"
    for alerts, root in want.items():
        assert got[alerts] == root, f"root of {sorted(alerts)}"

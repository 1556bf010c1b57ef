"""The corpus of bench_similar: investigated scenarios and their generated variants.

A *base case* is one truth incident of an in-repo scenario, investigated once in its sandbox
world (the real engine and clients), labelled with the truth's root-cause kind and the platform
its service runs on. A *variant* is the same investigation as another team would see it: every
service renamed (names drawn from a shared pool, so the same name recurs on unrelated
incidents), alert names sometimes prefixed with the service, some findings lost, red-herring
findings from other incidents added, and now and then the top two hypotheses swapped (the bot
guessed wrong that time). Truth is read only here, for labels.
"""

from __future__ import annotations

import json
import random
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.investigate.classify import AlertView  # noqa: E402
from bot.investigate.models import InvestigationResult  # noqa: E402
from bot.topology import ServiceNode, Topology  # noqa: E402

CORPORA = {
    "examples": ROOT / "examples" / "scenarios",
    "holdout": ROOT / "tests" / "scenarios" / "holdout",
    "reasoning": ROOT / "tests" / "scenarios" / "reasoning",
    "thirdparty": ROOT / "tests" / "scenarios" / "thirdparty",
}
_FIRST = [
    "billing",
    "orders",
    "search",
    "ledger",
    "identity",
    "catalog",
    "inventory",
    "profile",
    "media",
    "notify",
    "checkout",
    "shipping",
    "pricing",
    "reviews",
    "gateway",
    "reports",
    "tasks",
    "events",
    "sessions",
    "assets",
]
_SECOND = ["api", "svc", "worker", "web", "core", "backend", "jobs", "store", "cache", "queue"]


@dataclass
class Case:
    name: str
    kind: str
    platform: str
    result: InvestigationResult
    alerts: list[AlertView]
    nodes: list[ServiceNode]

    @property
    def label(self) -> tuple[str, str]:
        return (self.kind, self.platform)

    @property
    def topology(self) -> Topology:
        return Topology(self.nodes)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "kind": self.kind, "platform": self.platform,
            "result": self.result.model_dump(mode="json"),
            "alerts": [asdict(a) for a in self.alerts],
            "nodes": [asdict(n) for n in self.nodes],
        }  # fmt: skip

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Case:
        return cls(
            raw["name"], raw["kind"], raw["platform"],
            InvestigationResult.model_validate(raw["result"]),
            [AlertView(**a) for a in raw["alerts"]],
            [ServiceNode(**{**n, "depends_on": tuple(n["depends_on"])}) for n in raw["nodes"]],
        )  # fmt: skip


def heldout_thirdparty() -> set[str]:
    listing = CORPORA["thirdparty"] / "heldout.txt"
    lines = (raw.split("#", 1)[0].strip() for raw in listing.read_text().splitlines())
    return {line for line in lines if line and not line.startswith("seed:")}


def scenario_paths() -> list[Path]:
    held = heldout_thirdparty()
    out: list[Path] = []
    for name, folder in CORPORA.items():
        paths = sorted(folder.glob("*.yaml"))
        out += [p for p in paths if name != "thirdparty" or p.stem not in held]
    return out


def investigate_scenario(path: Path) -> list[Case]:
    """Each truth incident of the scenario, investigated in its world (no LLM key)."""
    from bot.investigate import investigate_incident
    from sandbox.investigate.context import context_for_world
    from sandbox.investigate.views import incident_view
    from sandbox.scenario import load_scenario
    from sandbox.world import SandboxWorld

    loaded = load_scenario(path)
    scenario, truth = loaded.scenario, loaded.truth
    if truth is None:
        return []
    out: list[Case] = []
    with SandboxWorld(scenario) as world:
        ctx = context_for_world(world)
        for n, inc in enumerate(truth.incidents):
            cause = inc.root_cause or truth.root_cause
            if cause is None or not cause.kind:
                continue
            alerts = [a for a in scenario.alerts if a.id in inc.alerts]
            view = incident_view(alerts, inc.root_alert)
            result = investigate_incident(ctx, view)
            node = ctx.topology.get(cause.service)
            platform = node.kind if node else "external"
            nodes = list(ctx.topology.services.values())
            name = f"{path.stem}#{n + 1}"
            out.append(Case(name, cause.kind, platform, result, list(view.alerts), nodes))
    return out


def base_cases(cache: Path | None) -> list[Case]:
    if cache is not None and cache.is_file():
        return [Case.from_json(c) for c in json.loads(cache.read_text())]
    cases: list[Case] = []
    for path in scenario_paths():
        try:
            cases += investigate_scenario(path)
        except Exception as exc:  # a world that does not come up is left out, and said so
            print(f"  {path.name}: skipped ({type(exc).__name__}: {exc})")
    if cache is not None:
        cache.write_text(json.dumps([c.to_json() for c in cases]))
    return cases


def _camel(name: str) -> str:
    return "".join(p.capitalize() for p in re.split(r"[-_.]", name))


def _rename(text: str, mapping: dict[str, str]) -> str:
    if not mapping:
        return text
    names = sorted(mapping, key=len, reverse=True)
    pattern = re.compile("|".join(rf"(?<![A-Za-z0-9]){re.escape(n)}(?![A-Za-z0-9])" for n in names))
    return pattern.sub(lambda m: mapping[m.group(0)], text)


def variant(case: Case, others: list[Case], rng: random.Random, n: int) -> Case:
    """``case`` as another team would see it (see the module doc)."""
    pool = [f"{a}-{b}" for a in _FIRST for b in _SECOND]
    names = [node.name for node in case.nodes]
    mapping = dict(zip(names, rng.sample(pool, len(names)), strict=True))
    raw = json.loads(_rename(json.dumps(case.to_json()), mapping))
    result = InvestigationResult.model_validate(raw["result"])
    findings = [f for f in result.findings if rng.random() > 0.25] or result.findings[:1]
    donor = rng.choice(others)
    herrings = rng.sample(donor.result.findings, min(len(donor.result.findings), rng.randint(1, 3)))
    targets = list(mapping.values())
    findings += [h.model_copy(update={"service": rng.choice(targets)}) for h in herrings]
    hyps = sorted(result.hypotheses, key=lambda h: h.confidence, reverse=True)
    if len(hyps) >= 2 and rng.random() < 0.15:  # the bot guessed wrong this time
        first, second = hyps[0], hyps[1]
        hyps[0] = first.model_copy(update={"confidence": second.confidence})
        hyps[1] = second.model_copy(update={"confidence": first.confidence})
    result = result.model_copy(update={"findings": findings, "hypotheses": hyps})
    alerts = []
    for a in raw["alerts"]:
        view = AlertView(**a)
        if rng.random() < 0.5 and view.service:  # teams that put the service in the name
            view = AlertView(**{**a, "name": _camel(view.service) + view.name})
        alerts.append(view)
    nodes = [ServiceNode(**{**nd, "depends_on": tuple(nd["depends_on"])}) for nd in raw["nodes"]]
    return Case(f"{case.name}~{n}", case.kind, case.platform, result, alerts, nodes)

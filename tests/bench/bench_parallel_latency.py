"""Parallel steps under latency: 100 ms injected into every AWS and Kubernetes call.

An 8-step investigation (metrics, change history, logs, pods, events, revisions, previous
logs, RDS state) runs against the sandbox world of an example scenario with a 100 ms sleep
before every boto3 request (a botocore ``before-send`` hook) and every Kubernetes API request
(wrapping the ApiClient's ``request``). Prints the wall time, the slowest step (its chain of
sequential calls), the sum of the steps, and whether wall < 2 x slowest chain.

    .venv/bin/python tests/bench/bench_parallel_latency.py [SCENARIO.yaml]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.investigate import investigate_query  # noqa: E402
from bot.investigate.playbook_schema import Playbook  # noqa: E402
from bot.investigate.sources_live import LiveEvidence  # noqa: E402
from integrations.aws.session import make_clients  # noqa: E402
from sandbox.investigate.context import context_for_world  # noqa: E402
from sandbox.scenario import load_scenario  # noqa: E402
from sandbox.world import SandboxWorld  # noqa: E402

LATENCY_S = 0.100
STEPS = [
    "metrics.scan",
    "changes.recent",
    "logs.mine",
    "k8s.pods",
    "k8s.events",
    "config_diff.k8s",
    "k8s.previous_logs",
    "resources.rds",
]
DEFAULT = ROOT / "examples" / "scenarios" / "01-deploy-db-pool-exhaustion.yaml"

CALLS = {"aws": 0, "k8s": 0}


def slow_aws(clients: Any) -> None:
    def sleep(**_: Any) -> None:
        CALLS["aws"] += 1
        time.sleep(LATENCY_S)

    for name in ("cloudwatch", "cloudtrail", "logs", "ec2", "rds", "lambda_", "ecs", "iam", "s3"):
        getattr(clients, name).meta.events.register("before-send", sleep)


def slow_k8s(api: Any) -> None:
    client = api.core.api_client
    original = client.request

    def request(*args: Any, **kwargs: Any) -> Any:
        CALLS["k8s"] += 1
        time.sleep(LATENCY_S)
        return original(*args, **kwargs)

    client.request = request


def main(path: Path) -> int:
    scenario = load_scenario(path).scenario
    book = Playbook.model_validate(
        {
            "name": "bench_eight_steps",
            "title": "eight steps",
            "incident_class": "bench",
            "always": True,
            "steps": [{"primitive": p} for p in STEPS],
        }
    )
    with SandboxWorld(scenario) as world:
        ep = world.endpoints
        assert world.aws is not None  # the world is running
        clients = make_clients(
            ep.region,
            ep.aws_endpoint_url,
            gaps_url=ep.gaps_endpoint_url,
            session=world.aws.session(),
        )
        ctx = context_for_world(world, aws_clients=clients, step_timeout_s=60)
        slow_aws(clients)
        assert isinstance(ctx.evidence, LiveEvidence)  # a world's investigations read it live
        k8s = ctx.evidence.k8s_api  # the bench wraps the real client
        if k8s is not None:
            slow_k8s(k8s)
        t0 = time.perf_counter()
        query = " ".join(s.name for s in scenario.services) + " latency"
        result = investigate_query(ctx, query, playbooks=[book])
        wall = (time.perf_counter() - t0) * 1000.0
    print(
        f"scenario {scenario.name}: {len(result.steps)} steps, "
        f"{CALLS['aws']} AWS + {CALLS['k8s']} Kubernetes calls, {LATENCY_S * 1000:.0f} ms each"
    )
    for step in sorted(result.steps, key=lambda s: -s.duration_ms):
        print(f"  {step.primitive:22} {step.status:8} {step.duration_ms:8.0f} ms")
    slowest = max(s.duration_ms for s in result.steps)
    total = sum(s.duration_ms for s in result.steps)
    verdict = "PASS" if wall < 2 * slowest else "FAIL"
    print(
        f"wall {wall:.0f} ms | slowest step chain {slowest:.0f} ms | sum of steps {total:.0f} ms"
        f" | wall / slowest = {wall / slowest:.2f} (target < 2) {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT))

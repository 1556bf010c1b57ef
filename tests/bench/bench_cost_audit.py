"""Print the cost audit's wall time and AWS API calls per resource as the account doubles.

Run: .venv/bin/python tests/bench/bench_cost_audit.py [N ...]   (default: 50 100 200)
Each world holds N running EC2 instances with 15 days of CPU (one sample every 2 h), N/5 RDS
instances, N/5 Lambda functions with REPORT lines, and 30 days of spend; the audit runs over
the sandbox (moto, real boto3). CloudWatch is read in batches of up to 500 queries per
``GetMetricData``, so calls per resource should stay flat; each Lambda costs one
``FilterLogEvents`` (plus pages).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.capacity.setup import metric_sources  # noqa: E402
from bot.posture.cost import CostSources, cost_audit  # noqa: E402
from bot.posture.pricing import load_prices, load_rules  # noqa: E402
from integrations.aws.session import make_clients  # noqa: E402
from sandbox.aws import moto_server  # noqa: E402
from sandbox.scenario import parse_scenario_text  # noqa: E402
from sandbox.world import SandboxWorld  # noqa: E402

REPORT = "REPORT RequestId: x Billed Duration: 200 ms Memory Size: 1024 MB Max Memory Used: 90 MB"


def world_text(n: int) -> str:
    dbs, fns = max(1, n // 5), max(1, n // 5)
    lines = [
        "version: 1", f"name: cost-bench-{n}", 'now: "2025-06-01T12:00:00Z"',
        "services: [{name: web, runs_on: {kind: external, name: web}}]", "aws:",
        "  ec2_instances:",
    ]  # fmt: skip
    lines += [f"    - {{id_ref: i{k}, instance_type: m5.xlarge}}" for k in range(n)]
    lines.append("  rds_instances:")
    lines += [
        f"    - {{id: db{k}, engine: postgres, instance_class: db.r5.xlarge}}" for k in range(dbs)
    ]
    lines.append("  lambda_functions:")
    lines += [f"    - {{name: fn{k}, memory: 1024}}" for k in range(fns)]
    lines += [
        "  spend:",
        "    - {service: Amazon Elastic Compute Cloud - Compute, baseline: 100, noise: 3}",
        "metrics:",
    ]
    lines += [
        f"  - {{id: c{k}, namespace: AWS/EC2, name: CPUUtilization, dimensions: {{InstanceId: "
        f"i{k}}}, step: 2h, from: -15d, baseline: {3 + (k % 40)}, noise: 1}}"
        for k in range(n)
    ]
    lines += [
        f"  - {{id: d{k}, namespace: AWS/RDS, name: CPUUtilization, dimensions: "
        f"{{DBInstanceIdentifier: db{k}}}, step: 2h, from: -15d, baseline: 12, noise: 1}}"
        for k in range(dbs)
    ]
    lines.append("logs:")
    for k in range(fns):
        lines.append(f"  - source: cloudwatch:/aws/lambda/fn{k}")
        lines.append(f'    lines: [{{at: -5d, text: "{REPORT}", repeat: 40, every: 1h}}]')
    lines.append("alerts: [{id: a1, at: -1m, format: generic, name: bench, severity: info}]")
    return "\n".join(lines) + "\n"


def run(n: int) -> tuple[float, int, Counter[str], int, int]:
    scenario = parse_scenario_text(world_text(n), f"bench-{n}.yaml").scenario
    with SandboxWorld(scenario) as world:
        assert world.aws is not None
        session = world.aws.session()
        calls: Counter[str] = Counter()

        def count(model: Any, **_: Any) -> None:
            calls[f"{model.service_model.service_name}.{model.name}"] += 1

        session.events.register("before-call", count)
        try:
            ep = world.endpoints
            clients = make_clients(ep.region, ep.aws_endpoint_url, session=session)
            src = CostSources.of(clients, metric_sources(clients.cloudwatch)["cloudwatch"])
            prices, rules = load_prices(), load_rules()
            start = time.perf_counter()
            audit = cost_audit(src, world.clock.now(), prices, rules)
            elapsed = time.perf_counter() - start
        finally:
            session.events.unregister("before-call", count)
        resources = n + max(1, n // 5) * 2
        return elapsed, resources, calls, len(audit.findings), len(audit.notes)


def main() -> int:
    sizes = [int(a) for a in sys.argv[1:]] or [50, 100, 200]
    run(5)  # one-off imports and botocore models
    print(f"{'N':>5} {'resources':>9} {'wall s':>7} {'calls':>6} {'calls/res':>9} findings")
    for n in sizes:
        elapsed, resources, calls, found, _ = run(n)
        total = sum(calls.values())
        print(f"{n:5d} {resources:9d} {elapsed:7.2f} {total:6d} {total / resources:9.2f} {found}")
        print("      " + ", ".join(f"{k} {v}" for k, v in sorted(calls.items())))
    moto_server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The cost audit on the sandbox's AWS (moto server, real boto3): each check finds the waste the
world holds and leaves alone what is used, every finding priced from the shipped table.

The world publishes 15 days of hourly CloudWatch samples (``put_metric_data`` with timestamps
spread over the window), Lambda ``REPORT`` lines in CloudWatch Logs, and 30 days of spend by
service served by Cost Explorer ``get_cost_and_usage``: EC2 spend jumps on the last day, the
other services stay on their baseline.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest

from bot.capacity.setup import metric_sources
from bot.posture.cost import CostAudit, CostSources, cost_audit
from bot.posture.cost_render import render, rows
from bot.posture.pricing import CostRules, PriceTable, load_prices, load_rules
from integrations.aws.session import AwsClients
from sandbox.world import SandboxWorld
from tests.integration.aws.worlds import clients_of, world_of

pytestmark = pytest.mark.timeout(180)

REPORT = (
    "REPORT RequestId: 3f1c Duration: {ms}.52 ms Billed Duration: {ms} ms "
    "Memory Size: {size} MB Max Memory Used: {used} MB"
)


def _hourly(mid: str, namespace: str, name: str, dims: str, base: float, noise: float) -> str:
    return (
        f"  - {{id: {mid}, namespace: {namespace}, name: {name}, dimensions: {{{dims}}}, "
        f"step: 1h, from: -15d, baseline: {base}, noise: {noise}, seed: 3}}\n"
    )


def _reports(function: str, at: str, repeat: int, every: str, line: str) -> str:
    return (
        f"  - source: cloudwatch:/aws/lambda/{function}\n"
        f'    lines: [{{at: {at}, text: "{line}", repeat: {repeat}, every: {every}}}]\n'
    )


WORLD = (
    """\
version: 1
name: cost-audit
now: "2025-06-01T12:00:00Z"
region: us-east-1
services: [{name: web, runs_on: {kind: ec2, name: busy-1}}]
aws:
  ec2_instances:
    - {id_ref: idle-1, instance_type: t3.large, tags: {Name: idle-1}}
    - {id_ref: busy-1, instance_type: m5.xlarge, tags: {Name: busy-1}}
    - {id_ref: half-1, instance_type: m5.xlarge, tags: {Name: half-1}}
    - {id_ref: memhog-1, instance_type: m5.xlarge, tags: {Name: memhog-1}}
    - {id_ref: young-1, instance_type: m5.xlarge, tags: {Name: young-1}}
  rds_instances:
    - {id: orders-db, engine: postgres, instance_class: db.r5.xlarge}
    - {id: busy-db, engine: postgres, instance_class: db.t3.medium}
  lambda_functions:
    - {name: resize, memory: 1024}
    - {name: tight, memory: 256}
    - {name: rare, memory: 2048}
  spend:
    - {service: Amazon Elastic Compute Cloud - Compute, baseline: 120, noise: 3, seed: 1,
       events: [{at: -1d, shape: step, to: 480}]}
    - {service: Amazon Simple Storage Service, baseline: 20, noise: 1, seed: 2}
    - {service: AWS Lambda, baseline: 2, noise: 0.2, seed: 4,
       events: [{at: -1d, shape: step, to: 4}]}
metrics:
"""
    + _hourly("idle", "AWS/EC2", "CPUUtilization", "InstanceId: idle-1", 2, 0.5)
    + _hourly("busy", "AWS/EC2", "CPUUtilization", "InstanceId: busy-1", 55, 8)
    + _hourly("half", "AWS/EC2", "CPUUtilization", "InstanceId: half-1", 12, 2)
    + _hourly("memhog", "AWS/EC2", "CPUUtilization", "InstanceId: memhog-1", 12, 2)
    + _hourly("memhog_mem", "CWAgent", "mem_used_percent", "InstanceId: memhog-1", 70, 3)
    + _hourly("orders", "AWS/RDS", "CPUUtilization", "DBInstanceIdentifier: orders-db", 10, 2)
    + _hourly("busydb", "AWS/RDS", "CPUUtilization", "DBInstanceIdentifier: busy-db", 65, 5)
    + """\
  - {id: young, namespace: AWS/EC2, name: CPUUtilization, dimensions: {InstanceId: young-1},
     step: 1h, from: -3d, baseline: 1}
logs:
"""
    + _reports("resize", "-13d", 1800, "10m", REPORT.format(ms=800, size=1024, used=150))
    + _reports("tight", "-13d", 300, "1h", REPORT.format(ms=300, size=256, used=200))
    + _reports("rare", "-2d", 3, "1h", REPORT.format(ms=100, size=2048, used=90))
    + "alerts: [{id: a1, at: -1m, format: generic, name: cost-check, severity: warning}]\n"
)


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxWorld]:
    with world_of(WORLD, "cost.yaml") as world:
        yield world


@pytest.fixture(scope="module")
def clients(world: SandboxWorld) -> AwsClients:
    return clients_of(world)


@pytest.fixture(scope="module")
def prices() -> PriceTable:
    return load_prices()


@pytest.fixture(scope="module")
def rules() -> CostRules:
    return load_rules()


@pytest.fixture(scope="module")
def audit(world: SandboxWorld, clients: AwsClients, prices: PriceTable, rules: CostRules) -> Any:
    metrics = metric_sources(clients.cloudwatch)["cloudwatch"]
    return cost_audit(CostSources.of(clients, metrics), world.clock.now(), prices, rules)


def _by(audit: CostAudit, check: str) -> dict[str, Any]:
    return {f.resource: f for f in audit.findings if f.check == check}


def _id(world: SandboxWorld, ref: str) -> str:
    return f"ec2:{world.id_refs[ref]}"


def test_idle_instance_is_priced_and_busy_ones_are_not_idle(
    audit: CostAudit, world: SandboxWorld, prices: PriceTable
) -> None:
    idle = _by(audit, "idle_instance")
    assert set(idle) == {_id(world, "idle-1")}
    finding = idle[_id(world, "idle-1")]
    assert finding.monthly == round(prices.ec2_hourly["t3.large"] * prices.hours_per_month, 2)
    assert "on each of the last 14 days" in finding.summary and "t3.large" in finding.summary
    # too little history is not judged, and says so
    assert _id(world, "young-1") not in idle
    assert any("1 running instance with under 14 days of CPU data" in n for n in audit.notes)


def test_rightsizing_names_the_next_smaller_size_and_the_saving(
    audit: CostAudit, world: SandboxWorld, prices: PriceTable
) -> None:
    ec2 = _by(audit, "rightsize_ec2")
    half = ec2[_id(world, "half-1")]
    assert half.params == {"target": "m5.large"}
    saving = (prices.ec2_hourly["m5.xlarge"] - prices.ec2_hourly["m5.large"]) * 730
    assert half.monthly == round(saving, 2)
    # busy on CPU, or light on CPU but heavy on memory: stays; idle: stopping beats shrinking
    for ref in ("busy-1", "memhog-1", "idle-1"):
        assert _id(world, ref) not in ec2
    rds = _by(audit, "rightsize_rds")
    assert set(rds) == {"rds:orders-db"}
    assert rds["rds:orders-db"].params == {"target": "db.r5.large"}
    saving = (prices.rds_hourly["db.r5.xlarge"] - prices.rds_hourly["db.r5.large"]) * 730
    assert rds["rds:orders-db"].monthly == round(saving, 2)


def test_lambda_memory_over_provisioning(
    audit: CostAudit, prices: PriceTable, rules: CostRules
) -> None:
    found = _by(audit, "lambda_memory")
    assert set(found) == {"lambda:resize"}  # tight uses its memory; rare has too few runs
    resize = found["lambda:resize"]
    target = rules.lambda_.step_mb * -(-150 * rules.lambda_.headroom // rules.lambda_.step_mb)
    assert resize.params == {"name": "resize", "memory_mb": str(int(target))}
    gb_s = 1800 * 0.8 * (1024 - target) / 1024
    expected = gb_s * prices.lambda_gb_second["x86_64"] * 30.4 / rules.lambda_.days
    assert resize.monthly == pytest.approx(expected, abs=0.01)
    assert any("1 function with under 20 REPORT lines" in n for n in audit.notes)


def test_cost_explorer_anomaly_names_the_service_and_the_amount_over(audit: CostAudit) -> None:
    spend = audit.spend
    assert spend is not None and spend.available
    assert list(spend.by_service)[0] == "Amazon Elastic Compute Cloud - Compute"
    [anomaly] = spend.anomalies  # S3 is quiet; Lambda doubled but by less than min_over
    assert anomaly.service == "Amazon Elastic Compute Cloud - Compute"
    assert anomaly.day == datetime(2025, 5, 31).date()
    assert 340 < anomaly.over < 380 and anomaly.amount > 460
    text = render(audit)
    assert "cost anomaly: Amazon Elastic Compute Cloud - Compute spent $4" in text
    assert "Amazon Simple Storage Service" in text  # in the spend line, not as an anomaly
    assert "prices as of " in text and "/month to save" in text


def test_report_rows_carry_the_monthly_figure(audit: CostAudit) -> None:
    found = [r for r in rows(audit) if r.section == "cost"]
    assert found and all(r.monthly_usd for r in found)
    savings = [float(r.monthly_usd) for r in found]
    assert savings == sorted(savings, reverse=True)  # largest saving first
    [anomaly] = [r for r in rows(audit) if r.section == "anomaly"]
    assert anomaly.severity == "high" and anomaly.resource.startswith("Amazon Elastic")


# ------------------------------------------------------------------ snapshots, volumes, EIPs
def test_old_snapshots_ebs_and_rds(
    clients: AwsClients, prices: PriceTable, rules: CostRules
) -> None:
    zone = f"{clients.region}a"
    vol = clients.ec2.create_volume(AvailabilityZone=zone, Size=40, VolumeType="gp3")
    snap = clients.ec2.create_snapshot(VolumeId=vol["VolumeId"])["SnapshotId"]
    clients.rds.create_db_snapshot(DBInstanceIdentifier="orders-db", DBSnapshotIdentifier="pre")
    taken = datetime.now(UTC)  # moto stamps snapshots with the real clock
    src = CostSources(ec2=clients.ec2, rds=clients.rds)
    later = cost_audit(src, taken + timedelta(days=rules.snapshots.older_than_days + 5),
                       prices, rules)  # fmt: skip
    old = _by(later, "old_snapshot")
    assert old[f"ebs:{snap}"].monthly == round(40 * prices.snapshot_gb_month["ebs"], 2)
    assert "at most" in old[f"ebs:{snap}"].summary  # EBS snapshots are incremental
    assert "rds:pre" in old and old["rds:pre"].monthly is not None
    soon = cost_audit(src, taken + timedelta(days=1), prices, rules)
    assert not _by(soon, "old_snapshot")


def test_unattached_volume_and_idle_address_are_priced(
    clients: AwsClients, prices: PriceTable, rules: CostRules
) -> None:
    zone = f"{clients.region}a"
    vol = clients.ec2.create_volume(AvailabilityZone=zone, Size=100, VolumeType="gp2")
    ip = clients.ec2.allocate_address(Domain="vpc")
    found = cost_audit(CostSources(ec2=clients.ec2), datetime.now(UTC), prices, rules)
    volume = _by(found, "unattached_volume")[f"ec2:{vol['VolumeId']}"]
    assert volume.monthly == round(100 * prices.ebs_gb_month["gp2"], 2)
    address = _by(found, "idle_eip")[f"ec2:{ip['AllocationId']}"]
    assert address.monthly == round(prices.elastic_ip_hourly * 730, 2)
    assert address.how  # no registry action releases an address: the manual fix is named
    clients.ec2.delete_volume(VolumeId=vol["VolumeId"])
    clients.ec2.release_address(AllocationId=ip["AllocationId"])
    after = cost_audit(CostSources(ec2=clients.ec2), datetime.now(UTC), prices, rules)
    assert f"ec2:{vol['VolumeId']}" not in _by(after, "unattached_volume")
    assert f"ec2:{ip['AllocationId']}" not in _by(after, "idle_eip")


# ------------------------------------------------------------------ Cost Explorer closed
class _Denied(BaseHTTPRequestHandler):
    """Cost Explorer as an account without the permission answers (AWS JSON 1.1)."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps(
            {"__type": "AccessDeniedException",
             "Message": "User: arn:aws:iam::123456789012:user/bot is not authorized to perform:"
                        " ce:GetCostAndUsage"}
        ).encode()  # fmt: skip
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def denied_ce() -> Iterator[Any]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Denied)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield boto3.client(
            "ce", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{server.server_port}",
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()


def test_cost_explorer_denied_is_a_line_not_an_error(
    clients: AwsClients, denied_ce: Any, prices: PriceTable, rules: CostRules
) -> None:
    found = cost_audit(CostSources(ec2=clients.ec2, ce=denied_ce), datetime.now(UTC),
                       prices, rules)  # fmt: skip
    assert found.spend is not None and not found.spend.available
    text = render(found)
    assert "Cost Explorer: not available (access denied: User: arn:aws:iam::" in text
    assert [r.check for r in rows(found) if r.section == "spend"] == ["cost_explorer"]


def test_a_price_override_changes_the_estimate_and_the_date(
    world: SandboxWorld, clients: AwsClients, rules: CostRules, tmp_path: Any
) -> None:
    mine = tmp_path / "prices.yaml"
    mine.write_text("as_of: 2026-12-01\nregion: us-east-1\nec2_hourly: {t3.large: 0.05}\n")
    prices = load_prices(mine)
    metrics = metric_sources(clients.cloudwatch)["cloudwatch"]
    found = cost_audit(CostSources.of(clients, metrics), world.clock.now(), prices, rules)
    idle = _by(found, "idle_instance")[_id(world, "idle-1")]
    assert idle.monthly == round(0.05 * 730, 2)
    assert "prices as of 2026-12-01, us-east-1" in render(found)


# ------------------------------------------------------------------ fixed through approval
def _approve_and_run(world: SandboxWorld, db: Any, action: str, params: dict[str, str]) -> str:
    """Propose the finding's fix, approve it as an operator (not the requester), run it once."""
    from bot.remediate import flows, service
    from bot.remediate.enums import Risk
    from bot.remediate.policy import Policy
    from sandbox.remediate.context import context_for_world

    policy, clock = Policy(), world.clock
    proposal = service.propose(
        db, action=action, params=params, requested_by="cost-audit", policy=policy, clock=clock,
        rationale="cost audit finding",
    )  # fmt: skip
    rid = proposal.request.id or 0
    assert proposal.request.state == "pending"  # a write waits for a person
    role = policy.roles.get(Risk(proposal.request.risk))
    decision = service.approve(db, request_id=rid, user="UAPPROVER", roles=[role] if role else [],
                               policy=policy, clock=clock)  # fmt: skip
    assert decision.ready_to_run
    outcome = flows.execute(db, request_id=rid, ctx=context_for_world(world), worker="test")
    return str(outcome.as_json()["status"])


def test_fixes_applied_through_approval_make_the_next_audit_clean(
    world: SandboxWorld, clients: AwsClients, prices: PriceTable, rules: CostRules,
    sqlite_url: str,
) -> None:  # fmt: skip
    from bot.store import connect

    db = connect(sqlite_url)  # migrated by the fixture
    metrics = metric_sources(clients.cloudwatch)["cloudwatch"]
    src, now = CostSources.of(clients, metrics), world.clock.now()
    before = cost_audit(src, now, prices, rules)
    idle = _by(before, "idle_instance")[_id(world, "idle-1")]
    memory = _by(before, "lambda_memory")["lambda:resize"]
    assert (idle.fix_action, memory.fix_action) == ("ec2.stop_instance", "lambda.set_memory")
    for found in (idle, memory):
        assert found.fix_action is not None
        status = _approve_and_run(world, db, found.fix_action, found.params)
        assert status in ("verified", "unverified"), status  # ran; no metric to judge it by
    after = cost_audit(src, now, prices, rules)
    assert _id(world, "idle-1") not in _by(after, "idle_instance")
    assert "lambda:resize" not in _by(after, "lambda_memory")
    assert _id(world, "half-1") in _by(after, "rightsize_ec2")  # untouched findings stay
    db.dispose()

"""v1.1 keys, remediation effects and the gap endpoint's error paths, on a small world."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from bot.errors import UpstreamUnavailable
from integrations.aws import cloudwatch, ecs
from integrations.aws.session import AwsClients, make_clients
from sandbox.aws import cbor
from sandbox.scenario import parse_scenario_text
from sandbox.world import SandboxWorld

WORLD = """\
version: 1
name: extras
now: "2025-06-01T12:00:00Z"
region: eu-west-1
services:
  - {name: web, runs_on: {kind: ec2, name: web-1}}
aws:
  ec2_instances: [{id_ref: web-1, instance_type: t3.small}]
  ecs_services:
    - {cluster: prod, name: api, desired: 2, running: 2, task_definition_revisions: [6, 7]}
  ecs_task_definitions: [{family: api, revision: 7, image: acme/api:v7}]
  autoscaling_groups: [{name: web-asg, min: 1, max: 4, desired: 2}]
  cloudfront_distributions: [{id_ref: www, origin: web-origin, error_caching_min_ttl: 3600}]
  acm_certificates: [{domain: api.example.com, not_after: -40m}]
metrics:
  - {id: cpu, namespace: AWS/EC2, name: CPUUtilization, dimensions: {InstanceId: web-1},
     stat: p99, unit: Percent, step: 60s, from: -1h, baseline: 20, noise: 0, seed: 1,
     events: [{at: -10m, shape: step, to: 97}]}
alerts:
  - {id: a1, at: -9m, format: cloudwatch_sns, name: web-cpu-high, severity: critical, metric: cpu}
remediation_effects:
  - action: ec2.reboot_instance
    params: {instance: web-1}
    effects: [{metric: cpu, to: 21, after: 3m}]
"""


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxWorld]:
    with SandboxWorld(parse_scenario_text(WORLD, "extras.yaml").scenario) as running:
        yield running


@pytest.fixture(scope="module")
def clients(world: SandboxWorld) -> AwsClients:
    ep = world.endpoints
    session = world._aws().session()
    return make_clients(
        ep.region, ep.aws_endpoint_url, gaps_url=ep.gaps_endpoint_url, session=session
    )


def _cpu(world: SandboxWorld, clients: AwsClients, minutes: int) -> list[float]:
    now = world.clock.now()
    query = cloudwatch.MetricQuery(
        namespace="AWS/EC2",
        name="CPUUtilization",
        dimensions={"InstanceId": world.id_refs["web-1"]},
        stat="p99",
        start=now - timedelta(minutes=minutes),
        end=now + timedelta(seconds=1),
    )
    return cloudwatch.read_series(clients.cloudwatch, query).values


def test_v11_resources(world: SandboxWorld, clients: AwsClients) -> None:
    svc = ecs.describe_service(clients.ecs, "prod", "api")
    assert svc.task_definition_revision == 7
    assert ecs.describe_task_definition(clients.ecs, "api:7").images == ["acme/api:v7"]
    assert ecs.describe_task_definition(clients.ecs, "api:6").revision == 6
    group = clients.autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["web-asg"])
    got = group["AutoScalingGroups"][0]
    assert (got["MinSize"], got["MaxSize"], got["DesiredCapacity"]) == (1, 4, 2)
    dist = clients.cloudfront.get_distribution(Id=world.id_refs["www"])["Distribution"]
    errors = dist["DistributionConfig"]["CustomErrorResponses"]["Items"]
    assert {e["ErrorCachingMinTTL"] for e in errors} == {3600}
    (summary,) = clients.acm.list_certificates(CertificateStatuses=["EXPIRED"])[
        "CertificateSummaryList"
    ]
    cert = clients.acm.describe_certificate(CertificateArn=summary["CertificateArn"])
    assert cert["Certificate"]["NotAfter"] == datetime(2025, 6, 1, 11, 20, tzinfo=UTC)
    assert world.to_id_refs({"i": [world.id_refs["web-1"]]}) == {"i": ["web-1"]}


def test_remediation_effect_is_seen_by_get_metric_data(
    world: SandboxWorld, clients: AwsClients
) -> None:
    assert _cpu(world, clients, 5)[-1] == 97
    assert world.apply_remediation("ec2.reboot_instance", {"instance": "web-2"}) == []
    applied = world.apply_remediation(
        "ec2.reboot_instance", {"instance": world.id_refs["web-1"], "reason": "x"}
    )
    assert [(a.metric, a.to) for a in applied] == [("cpu", 21)]
    world.clock.advance(timedelta(minutes=6))
    values = _cpu(world, clients, 8)
    assert values[0] == 97 and values[-1] == 21
    assert values.count(21) == 4  # minutes +3 … +6 after the action


def test_gap_endpoint_errors_are_aws_shaped(clients: AwsClients) -> None:
    start = datetime(2025, 6, 2, tzinfo=UTC)
    with pytest.raises(ClientError) as info:
        clients.cloudtrail.lookup_events(StartTime=start, EndTime=start - timedelta(days=1))
    assert info.value.response["Error"]["Code"] == "InvalidTimeRangeException"
    with pytest.raises(ClientError) as info:
        clients.cloudtrail.lookup_events(
            LookupAttributes=[
                {"AttributeKey": "EventName", "AttributeValue": "a"},
                {"AttributeKey": "Username", "AttributeValue": "b"},
            ]
        )
    assert info.value.response["Error"]["Code"] == "InvalidLookupAttributesException"


def test_second_world_in_the_same_process_is_refused(world: SandboxWorld) -> None:
    with pytest.raises(UpstreamUnavailable, match="another sandbox world"):
        SandboxWorld(world.scenario).start()


def test_cbor_roundtrip() -> None:
    when = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    value = {"a": [1, -2, 3.5, "x", b"\x00", True, False, None], "t": when, "n": 2**40}
    assert cbor.loads(cbor.dumps(value)) == value

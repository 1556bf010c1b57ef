"""Every example scenario, served by the sandbox world, read back through boto3 + integrations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from integrations.aws import cloudtrail, cloudwatch, ec2, ecs, iam, lambda_, logs, rds, s3
from integrations.aws.errors import AwsNotFound
from integrations.aws.session import AwsClients, make_clients
from sandbox.aws.seed_telemetry import cloudwatch_group, expand_lines, map_dimensions
from sandbox.scenario import load_scenario
from sandbox.world import SandboxWorld
from tests.conftest import example_scenarios

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module", params=example_scenarios(), ids=lambda p: p.name)
def world(request: pytest.FixtureRequest) -> Iterator[SandboxWorld]:
    path: Path = request.param
    with SandboxWorld(load_scenario(path).scenario) as running:
        yield running


@pytest.fixture(scope="module")
def clients(world: SandboxWorld) -> AwsClients:
    ep = world.endpoints
    return make_clients(
        ep.region,
        ep.aws_endpoint_url,
        gaps_url=ep.gaps_endpoint_url,
        session=world._aws().session(),
    )


def test_metrics_equal_the_generator(world: SandboxWorld, clients: AwsClients) -> None:
    scenario = world.scenario
    assert scenario.metrics
    for metric in scenario.metrics[:3]:
        expected = world.series(metric.id)
        got = cloudwatch.read_series(
            clients.cloudwatch,
            cloudwatch.MetricQuery(
                namespace=metric.namespace,
                name=metric.name,
                dimensions=map_dimensions(metric.dimensions, world.id_refs),
                stat=metric.stat,
                period_seconds=int(metric.step.total_seconds()),
                start=expected.timestamps[0],
                end=expected.timestamps[-1] + metric.step,
            ),
        )
        assert got.timestamps == expected.timestamps, metric.id
        assert got.values == pytest.approx(expected.values, rel=1e-9, abs=1e-9), metric.id


def test_resources_are_seeded(world: SandboxWorld, clients: AwsClients) -> None:
    aws = world.scenario.aws
    instances = {i.name: i for i in ec2.describe_instances(clients.ec2)}
    for spec in aws.ec2_instances:
        got = instances[spec.tags.get("Name", spec.id_ref)]
        assert got.instance_id == world.id_refs[spec.id_ref]
        assert got.state == spec.state and got.instance_type == spec.instance_type
    for group in aws.security_groups:
        (found,) = ec2.security_groups(clients.ec2, names=[group.name])
        assert sorted((r.to_port, r.cidr) for r in found.ingress) == sorted(
            (r.port, r.cidr) for r in group.ingress
        )
    for bucket in aws.s3_buckets:
        state = s3.bucket_state(clients.s3, bucket.name)
        assert (state.public, state.encrypted) == (bucket.public, bucket.encrypted)
    for db in aws.rds_instances:
        got_db = rds.describe(clients.rds, db.id)
        assert got_db.status == db.status
        if db.max_connections is not None:
            value = rds.parameter(clients.rds, got_db.parameter_groups[0], "max_connections")
            assert value == str(db.max_connections)
    for fn in aws.lambda_functions:
        config = lambda_.get_config(clients.lambda_, fn.name)
        assert (config.timeout, config.memory, config.reserved_concurrency) == (
            fn.timeout,
            fn.memory,
            fn.reserved_concurrency,
        )
    for svc in aws.ecs_services:
        got_svc = ecs.describe_service(clients.ecs, svc.cluster, svc.name)
        assert (got_svc.desired, got_svc.running) == (svc.desired, svc.running)
        assert got_svc.task_definition_revision == max(svc.task_definition_revisions)
        for revision in svc.task_definition_revisions:
            td = ecs.describe_task_definition(clients.ecs, f"{svc.name}:{revision}")
            assert td.revision == revision
    users = {u.name: u for u in iam.list_users_keys(clients.iam)}
    for user in aws.iam_users:
        got_user = users[user.name]
        assert got_user.mfa == user.mfa and sorted(got_user.policies) == sorted(user.policies)
        if user.access_key_age_days is not None:
            age = got_user.access_keys[0].age_days(world.scenario.now)
            assert age == user.access_key_age_days


def test_cloudtrail_changes_come_back(world: SandboxWorld, clients: AwsClients) -> None:
    scenario = world.scenario
    expected = sorted(
        (scenario.now + c.at, c.detail["event_name"])
        for c in scenario.changes
        if c.source == "cloudtrail"
    )
    start = min([t for t, _ in expected], default=scenario.now) - timedelta(minutes=1)
    got = cloudtrail.lookup_changes(clients.cloudtrail, start, scenario.now)
    assert [(c.at, c.event_name) for c in got] == expected
    if expected:
        name = expected[-1][1]
        only = cloudtrail.lookup_changes(clients.cloudtrail, start, scenario.now, event_name=name)
        assert {c.event_name for c in only} == {name}


def test_alarm_history_for_cloudwatch_alerts(world: SandboxWorld, clients: AwsClients) -> None:
    scenario = world.scenario
    sns = [a for a in scenario.alerts if a.format == "cloudwatch_sns"]
    got = cloudwatch.alarm_history(
        clients.cloudwatch_history, scenario.now - timedelta(days=1), scenario.now
    )
    assert sorted(c.alarm for c in got) == sorted(a.name for a in sns)


def test_cloudwatch_logs_come_back(world: SandboxWorld, clients: AwsClients) -> None:
    scenario = world.scenario
    sources = [s for s in scenario.logs if cloudwatch_group(s.source)]
    for source in sources:
        group = cloudwatch_group(source.source)
        assert group is not None
        lines = expand_lines(source, scenario.now)
        start, end = lines[0].at, lines[-1].at + timedelta(seconds=1)
        events = logs.filter_events(clients.logs, group, start, end)
        assert [e.message for e in events] == [line.text for line in lines]
        word = lines[-1].text.split()[0]
        filtered = logs.filter_events(clients.logs, group, start, end, pattern=word)
        assert filtered and all(word in e.message for e in filtered)


def test_unknown_resources_are_not_found(clients: AwsClients) -> None:
    with pytest.raises(AwsNotFound):
        rds.describe(clients.rds, "no-such-db")
    with pytest.raises(AwsNotFound):
        lambda_.get_config(clients.lambda_, "no-such-function")

"""The rewrites bench_rename replays: every name built from a service is renamed consistently,
what is not a name is kept, the metric series keep their numbers, and a jitter only moves time."""

from __future__ import annotations

from pathlib import Path

import yaml

from sandbox.metricgen import stable_seed
from sandbox.scenario import parse_scenario_text
from tests.bench.scenario_rename import jitter_scenario, product_named, rename_scenario

SCENARIO = """
version: 1
name: tiny
now: '2026-01-01T12:00:00Z'
services:
- {name: pay, tier: app, runs_on: {kind: k8s_deployment, namespace: prod, name: pay},
   depends_on: [pay-db, redis]}
- {name: pay-db, tier: data, runs_on: {kind: rds, name: pay-db}}
- {name: redis, tier: cache, runs_on: {kind: k8s_deployment, namespace: prod, name: redis}}
kubernetes:
  deployments:
  - namespace: prod
    name: pay
    replicas: 1
    revisions: [{revision: 1, image: acme/pay:v1, at: -3d}]
  pods:
  - {namespace: prod, name: pay-7d9f6c5b4d-x2k4q, owner: pay, phase: Running,
     containers: [{name: pay, ready: true}]}
metrics:
- {id: pay_p99, namespace: AWS/ApplicationELB, name: TargetResponseTime, stat: p99,
   service: pay, baseline: 0.2, noise: 0.02}
logs:
- source: k8s:prod/pay-7d9f6c5b4d-x2k4q/pay
  lines:
  - at: -5m
    level: ERROR
    text: "dial tcp pay-db.prod.svc:5432: refused; Redis is loading; redis down"
changes:
- {at: -10m, kind: feature_flag, service: pay, source: manual, detail: {flag: payFailure}}
alerts:
- {id: a1, at: -2m, format: alertmanager, name: HighLatency, severity: critical, service: pay,
   labels: {instance: pay-7d9f6c5b4d-x2k4q}, summary: p99 of pay, metric: pay_p99}
- {id: a2, at: -2m, format: alertmanager, name: DbDown, severity: critical, service: pay-db}
truth:
  incidents: [{alerts: [a1, a2], root_alert: a2}]
  root_cause: {kind: database_unavailable, service: pay-db}
"""


def test_every_name_built_from_a_service_is_renamed_and_nothing_else() -> None:
    done = rename_scenario(SCENARIO, seed=3)
    api, db, cache = (done.mapping[n] for n in ("pay", "pay-db", "redis"))
    assert len({api, db, cache}) == 3 and all(w.isalpha() for w in (api, db, cache))
    data = yaml.safe_load(done.text)
    assert [s["name"] for s in data["services"]] == [api, db, cache]
    assert data["services"][0]["depends_on"] == [db, cache]
    assert data["kubernetes"]["pods"][0]["name"] == f"{api}-7d9f6c5b4d-x2k4q"
    assert data["logs"][0]["source"] == f"k8s:prod/{api}-7d9f6c5b4d-x2k4q/{api}"
    text = data["logs"][0]["lines"][0]["text"]
    assert text == f"dial tcp {db}.prod.svc:5432: refused; Redis is loading; {cache} down"
    assert data["changes"][0]["detail"]["flag"] == f"{api}Failure"
    assert data["kubernetes"]["deployments"][0]["revisions"][0]["image"] == "acme/pay:v1"
    assert data["truth"]["root_cause"] == {"kind": "database_unavailable", "service": db}
    assert data["name"] == "tiny"
    assert done.back(db) == "pay-db" and done.back("other") == "other"
    loaded = parse_scenario_text(done.text)
    assert loaded.scenario.metrics[0].seed == stable_seed("pay_p99")


def test_the_same_seed_gives_the_same_words_and_another_seed_others() -> None:
    assert rename_scenario(SCENARIO, 1).mapping == rename_scenario(SCENARIO, 1).mapping
    assert rename_scenario(SCENARIO, 1).mapping != rename_scenario(SCENARIO, 2).mapping


def test_a_jitter_moves_the_clock_and_reverses_alerts_of_equal_time() -> None:
    done = jitter_scenario(SCENARIO, days=2)
    loaded = parse_scenario_text(done.text)
    assert loaded.scenario.now.isoformat() == "2026-01-03T12:00:00+00:00"
    assert [a.id for a in loaded.scenario.alerts] == ["a2", "a1"]


def test_product_named_services_are_told_apart() -> None:
    assert product_named("redis") and product_named("user-mongodb")
    assert not product_named("pay") and not product_named("geo")


def test_every_dev_case_still_loads_once_renamed() -> None:
    from tests.bench.bench_rca import corpus
    from tests.bench.bench_rename import DEV

    for name in DEV:
        for path in corpus(name):
            parse_scenario_text(rename_scenario(Path(path).read_text()).text, str(path))

"""storms_convert turns an alert-extractor dump into storm scenarios the contract's loader reads,
with the truth where the dump's label puts it; bench_storms scores any such folder (``--dir``)
with its own held-out list. The input is a tiny hand-written system: a gateway calls an api
(two instances) that stores in a database, on one host."""

from __future__ import annotations

import json
from pathlib import Path

from sandbox.scenario import load_scenario
from tests.bench.bench_storms import most_upstream_service, storm_files
from tests.bench.storms_convert import convert, parse_args

KG = {
    "nodes": [
        {"id": "gateway", "type": "Service"},
        {"id": "api", "type": "Service"},
        {"id": "db", "type": "Database"},
        {"id": "h1", "type": "Host"},
        {"id": "gateway1", "type": "Service_Instance"},
        {"id": "api1", "type": "Service_Instance"},
        {"id": "api2", "type": "Service_Instance"},
    ],
    "edges": [
        {"source": "gateway", "target": "api", "label": "control_flow"},
        {"source": "api", "target": "api", "label": "control_flow"},
        {"source": "api", "target": "db", "label": "data_flow"},
        {"source": "api", "target": "h1", "label": "hosted_on"},
        {"source": "gateway1", "target": "gateway", "label": "instance_of"},
        {"source": "api1", "target": "api", "label": "instance_of"},
        {"source": "api2", "target": "api", "label": "instance_of"},
    ],
}
# 2021-07-01 18:45:00 at UTC+8 is 10:45:00 UTC = epoch 1625136300.
T0 = 1625136300_000
LABELS = (
    "fault_id,fault_level,fault_entity,fault_type,fault_st_time,fault_duration,augmented\n"
    "0,service_instance,api2,[memory_anomalies],2021-07-01 18:45:00.000,600,False\n"
    "1,service_instance,api2,[memory_anomalies],2021-09-01 01:00:00.000,600,True\n"
    "2,service_instance,api1,[login failure],2021-07-01 19:00:00.000,11,False\n"
    "3,node,h1,[node cpu load],2021-07-01 19:30:00.000,600,False\n"
    "4,service,gateway,[file moving program],1625140800,600,False\n"
)
METRICS = {
    "0": [
        [str(T0 + 2_500), "api2", "10.0.0.1", "docker_memory_usage_pct", "up"],
        [str(T0 + 4_000), "10.0.0.1", "system", "system_core_iowait_pct", "up"],
    ],
    "1": [[str(T0 + 2_500), "api2", "10.0.0.1", "docker_memory_usage_pct", "up"]],
    "2": [
        [str(T0 + 900_000), "gateway1", "10.0.0.1", "docker_cpu_core_1_pct", "up"],
        [str(T0 + 901_000), "api2", "10.0.0.1", "docker_cpu_core_1_pct", "up"],
        [str(T0 + 902_000), "api1", "10.0.0.1", "docker_cpu_core_1_pct", "up"],
    ],
    "3": [[str(T0 + 1_800_000), "10.0.0.1", "system", "system_core_user_pct", "up"]],
    "4": [[str(T0 + 4_500_000), "api1", "10.0.0.1", "docker_cpu_core_1_pct", "down"]],
}
TRACES = {
    "0": [[str(T0 + 1_000), "gateway1", "api1", "http://10.0.0.1:80/read", "PD"]],
    "4": [[str(T0 + 4_501_000), "gateway1", "gateway1", "http://10.0.0.1:81/home", "500"]],
}
LOGS = {
    "0": [
        [
            "gateway1",
            "7",
            [
                "2021-07-01 18:45:03,200 | ERROR | 10.0.0.1 | gateway1 | ab12 | downstream failed",
                "2021-07-01 18:45:09,000 | ERROR | 10.0.0.1 | gateway1 | cd34 | downstream failed",
            ],
            2,
            None,
        ]
    ]
}


def dump(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "src"
    for rel, data in (("metric/metrics.json", METRICS), ("trace/traces.json", TRACES),
                      ("log/logs.json", LOGS)):  # fmt: skip
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(json.dumps(data), encoding="utf-8")
    (src / "label.csv").write_text(LABELS, encoding="utf-8")
    kg = tmp_path / "kg.json"
    kg.write_text(json.dumps(KG), encoding="utf-8")
    return src, kg


def run(tmp_path: Path, keep: int = 60) -> list[Path]:
    src, kg = dump(tmp_path)
    out = tmp_path / "out"
    argv = ["--src", str(src), "--kg", str(kg), "--out", str(out), "--system", "Tiny"]
    return convert(parse_args([*argv, "--prefix", "tn", "--keep", str(keep)]))


def test_each_kept_fault_is_a_scenario_the_contract_loads(tmp_path: Path) -> None:
    files = run(tmp_path)
    # fault 1 is a time-shifted copy of fault 0 and fault 3 is on a host: both skipped.
    assert [p.name for p in files] == [
        "tn-001-memory-anomalies.yaml",
        "tn-002-login-failure.yaml",
        "tn-003-file-moving-program.yaml",
    ]
    for path in files:
        loaded = load_scenario(path)
        assert loaded.truth is not None and loaded.truth.root_cause is not None
        assert loaded.scenario.name == path.name[:6]


def test_the_services_come_from_the_graph_without_hosts_instances_or_self_calls(
    tmp_path: Path,
) -> None:
    loaded = load_scenario(run(tmp_path)[0])
    deps = {s.name: s.depends_on for s in loaded.scenario.services}
    assert deps == {"gateway": ["api"], "api": ["db"], "db": []}
    tiers = {s.name: s.tier for s in loaded.scenario.services}
    assert tiers == {"gateway": "edge", "api": "app", "db": "data"}


def test_an_instance_fault_roots_at_its_instance_not_at_a_call_into_a_sibling(
    tmp_path: Path,
) -> None:
    loaded = load_scenario(run(tmp_path)[0])
    alerts = {a.id: a for a in loaded.scenario.alerts}
    assert [a.name for a in loaded.scenario.alerts] == [
        "trace:PD",
        "metric:docker_memory_usage_pct:up",
        "log:template-7",
        "metric:system_core_iowait_pct:up",
    ]
    trace, own, log, host = loaded.scenario.alerts
    assert (trace.service, trace.labels["caller"], trace.labels["callee"]) == (
        "api",
        "gateway1",
        "api1",
    )
    assert (own.service, own.labels["pod"], own.labels["node"]) == ("api", "api2", "10.0.0.1")
    assert host.service is None and host.labels["node"] == "10.0.0.1" and "pod" not in host.labels
    assert log.service == "gateway" and log.summary == "downstream failed (occurred 2 times)"
    truth = loaded.truth
    assert truth is not None and truth.root_cause is not None
    assert truth.incidents[0].root_alert == own.id and alerts[own.id].labels["entity"] == "api2"
    assert (truth.root_cause.service, truth.root_cause.kind) == ("api", "memory_leak")
    assert sorted(truth.incidents[0].alerts) == sorted(alerts)


def test_times_are_offsets_from_a_minute_after_the_last_alert_and_log_stamps_are_local(
    tmp_path: Path,
) -> None:
    loaded = load_scenario(run(tmp_path)[0])
    # last alert at 10:45:04 UTC -> now 10:47:00; the log's first line 18:45:03,2 at UTC+8.
    assert loaded.scenario.now.isoformat().startswith("2021-07-01T10:47:00")
    offsets = [int(a.at.total_seconds()) for a in loaded.scenario.alerts]
    assert offsets == [-119, -118, -117, -116]


def test_a_service_fault_roots_at_any_alert_of_its_service(tmp_path: Path) -> None:
    loaded = load_scenario(run(tmp_path)[2])
    truth = loaded.truth
    assert truth is not None and truth.root_cause is not None
    first_gateway = next(a for a in loaded.scenario.alerts if a.service == "gateway")
    assert truth.incidents[0].root_alert == first_gateway.id
    assert truth.root_cause.service == "gateway"


def test_a_fault_whose_entity_is_not_among_the_kept_alerts_is_skipped(tmp_path: Path) -> None:
    # with two alerts kept, the login fault's two are on gateway1 and api2, none on api1.
    names = [p.name for p in run(tmp_path, keep=2)]
    assert names == ["tn-001-memory-anomalies.yaml", "tn-002-file-moving-program.yaml"]


def test_the_bench_scores_a_folder_with_its_own_heldout_list(tmp_path: Path) -> None:
    files = run(tmp_path)
    folder = files[0].parent
    listing = folder / "heldout.txt"
    listing.write_text("# held out\ntn-002-login-failure.yaml\n", encoding="utf-8")
    assert storm_files(True, folder, listing) == [files[1]]
    assert storm_files(False, folder, listing) == [files[0], files[2]]
    assert storm_files(None, folder, listing) == files
    assert storm_files(False, folder, folder / "absent.txt") == files
    # the baseline on the converted topology: api alerted, its dependency db did not.
    assert most_upstream_service(load_scenario(files[0])) == "api"

"""What a log line says about the entity that printed it (``playbooks/storms/alert_roles.yaml``):
a failure of its own files, disk or memory is strong evidence of its own; a report that a call to
something else failed is a symptom pointing elsewhere, not an error of its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.correlate.entities import EntityMap
from bot.correlate.models import AlertFacts
from bot.correlate.roles import load_roles, roles
from bot.correlate.storm import StormEvidence
from bot.errors import ConfigError
from bot.topology import Topology

T0 = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "line",
    [
        "get a error [Errno 2] No such file or directory: 'data/input.csv' (occurred 120 times)",
        "FileNotFoundError: [Errno 2] No such file or directory: '/srv/app/model.bin'",
        "open /var/lib/app/state.db: permission denied",
        "PermissionError: [Errno 13] Permission denied: '/data/out'",
        "write /data/segment-0001: no space left on device",
        "failed to write journal: read-only file system",
        "java.io.IOException: Input/output error",
        "accept: too many open files; retrying in 5ms",
        "fork: Cannot allocate memory",
    ],
)
def test_a_failure_of_its_own_files_disk_or_memory_is_a_strong_error(line: str) -> None:
    role = roles().classify("log:template-3", line)
    assert role.role == "error"
    assert role.weight >= roles().classify("KubePodCrashLooping").weight  # a named cause


@pytest.mark.parametrize(
    "line",
    [
        "an error occurred in the downstream service (occurred 5 times)",
        "upstream request failed: 503 Service Unavailable",
        "failed to call remote endpoint /api/v1/stock",
        "Error connecting to host inventory:8080",
        "connection refused by db:5432",
        "dial tcp 10.0.3.7:6379: connect: connection refused",
        "rpc error: code = DeadlineExceeded desc = context deadline exceeded",
        "request to the service payments failed with status 502",
        "java.net.SocketTimeoutException: Read timed out",
    ],
)
def test_a_failed_call_to_something_else_is_a_symptom(line: str) -> None:
    role = roles().classify("log:template-4", line)
    assert (role.role, role.weight) == ("symptom", 0.0)


@pytest.mark.parametrize(
    "line",
    [
        "NullPointerException in OrderHandler.handle",
        "ValueError: invalid literal for int() with base 10: 'abc'",
        "unable to parse the request body",
    ],
)
def test_other_error_lines_stay_ordinary_errors(line: str) -> None:
    role = roles().classify("log:template-5", line)
    assert (role.role, role.weight) == ("error", 1.0)


def test_lines_of_one_local_failure_count_once() -> None:
    book = roles()
    a = book.classify("log:template-1", "No such file or directory: 'a.csv'")
    b = book.classify("log:template-2", "open /etc/x.conf: permission denied")
    assert a.key == b.key


def _log(i: str, s: int, pod: str, line: str) -> AlertFacts:
    service = pod.rsplit("-", 1)[0]
    at = T0 + timedelta(seconds=s)
    return AlertFacts(i, at, "log:template-" + i, service, {"pod": pod}, line)


def _cpu(i: str, s: int, pod: str, core: int) -> AlertFacts:
    kpi = f"docker_cpu_core_{core}_pct"
    service = pod.rsplit("-", 1)[0]
    labels = {"pod": pod, "kpi": kpi}
    return AlertFacts(i, T0 + timedelta(seconds=s), f"metric:{kpi}:up", service, labels)


def test_a_missing_file_outweighs_cpu_noise_on_another_service() -> None:
    topology = Topology({"web": ["store", "cache"], "store": [], "cache": []})
    storm = StormEvidence(EntityMap(topology.services))
    alerts = [
        AlertFacts("t1", T0, "trace:500", "store", {"caller": "web-0", "callee": "store-0"}),
        AlertFacts("t2", T0, "trace:PD", "cache", {"caller": "web-0", "callee": "cache-0"}),
        _log("l1", 1, "store-0", "[Errno 2] No such file or directory: 'data/x.csv'"),
    ]
    alerts += [_cpu(f"c{n}", 2, "cache-0", n) for n in range(12)]
    for seq, alert in enumerate(alerts):
        storm.add(seq, alert)
    assert set(storm.own["store"]["store-0"]) == {"local-error"}
    verdict = storm.verdict(topology)
    assert verdict is not None and verdict.service == "store"


def test_a_downstream_error_is_not_an_error_of_the_entry_service() -> None:
    storm = StormEvidence(EntityMap(["web", "orders"]))
    storm.add(0, _log("l1", 0, "web-0", "an error occurred in the downstream service"))
    assert "web" not in storm.own  # nothing of its own
    assert "web" in storm.symptom_at  # a symptom, seen at its time


def test_a_text_rule_with_a_bad_pattern_in_its_list_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "roles.yaml"
    bad.write_text("rules:\n  - {role: symptom, weight: 0, text: ['error', 'down(stream']}\n")
    with pytest.raises(ConfigError, match=r"roles\.yaml: rules\.0\.text"):
        load_roles(bad)


def test_a_missing_file_on_one_replica_stands_out_against_its_siblings_noise() -> None:
    topology = Topology({"web": ["store", "cache"], "store": [], "cache": []})
    storm = StormEvidence(EntityMap(topology.services))
    alerts = [
        AlertFacts("t1", T0, "trace:PD", "cache", {"caller": "web-0", "callee": "cache-0"}),
        AlertFacts("t2", T0, "trace:PD", "cache", {"caller": "store-1", "callee": "cache-0"}),
        _log("l1", 1, "store-0", "open /srv/data/input.csv: no such file or directory"),
        _cpu("c1", 2, "store-1", 3),  # generic noise on its sibling
    ]
    for seq, alert in enumerate(alerts):
        storm.add(seq, alert)
    verdict = storm.verdict(topology)
    assert verdict is not None and (verdict.service, verdict.entity) == ("store", "store-0")


def test_a_key_without_collapse_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "roles.yaml"
    bad.write_text("rules:\n  - {role: error, weight: 1, key: local}\n")
    with pytest.raises(ConfigError, match=r"roles\.yaml: rules\.0: .*collapse"):
        load_roles(bad)

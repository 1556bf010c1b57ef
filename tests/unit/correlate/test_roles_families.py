"""A metric's family (``playbooks/storms/alert_roles.yaml``, ``families``): one quantity that an
exporter publishes under many names counts as one anomaly of an entity, not as many."""

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
    ("metric", "family"),
    [
        # per CPU core, a normalised twin, a total beside its modes, ticks: all CPU time
        ("docker_cpu_core_7_norm_pct", "docker_cpu"),
        ("docker_cpu_core_12_pct", "docker_cpu"),
        ("docker_cpu_core_3_ticks", "docker_cpu"),
        ("docker_cpu_total_norm_pct", "docker_cpu"),
        ("docker_cpu_user_pct", "docker_cpu"),
        ("container_cpu_usage_seconds", "container_cpu"),
        ("node_cpu0_seconds_total", "node_cpu"),
        # a stats prefix and a total twin, units
        ("docker_memory_stats_total_rss", "docker_memory_rss"),
        ("docker_memory_rss_pct", "docker_memory_rss"),
        ("docker_memory_usage_max", "docker_memory_usage"),
        ("container_memory_usage_MB", "container_memory_usage"),
        # per device and per interface, plurals, rates and latencies of one direction
        ("container_fs_reads./dev/vda", "container_fs_read"),
        ("container_fs_reads_sdb1", "container_fs_read"),
        ("docker_diskio_read_rate", "docker_diskio_read"),
        ("docker_diskio_read_service_time", "docker_diskio_read"),
        ("container_network_receive_MB.eth0", "container_network_receive"),
        ("http_requests_total", "http_request"),
        # what is already one quantity stays as it is
        ("container_threads", "container_threads"),
        ("docker_memory_stats_rss_huge", "docker_memory_rss_huge"),
        ("grpc-sr", "grpc-sr"),
        ("metric:cpu:up", "cpu"),
        ("io", "io"),
    ],
)
def test_a_metric_maps_to_its_family(metric: str, family: str) -> None:
    assert roles().family(metric) == family


def test_distinct_quantities_keep_distinct_families() -> None:
    book = roles()
    names = ["docker_cpu_core_1_pct", "docker_memory_rss_pct", "docker_memory_usage_pct"]
    names += ["docker_diskio_read_bytes", "docker_diskio_write_bytes", "container_threads"]
    assert len({book.family(n) for n in names}) == len(names)


def test_an_alert_is_keyed_by_the_family_of_its_metric_label() -> None:
    book = roles()
    a = book.classify("metric:docker_cpu_core_0_pct:up", kpi="docker_cpu_core_0_pct")
    b = book.classify("metric:docker_cpu_core_9_norm_pct:down", kpi="docker_cpu_core_9_norm_pct")
    assert a.role == b.role == "resource"
    assert (a.key, b.key) == ("docker_cpu up", "docker_cpu down")  # the direction is kept
    c = book.classify("metric:docker_cpu_total_norm_pct:up", kpi="docker_cpu_total_norm_pct")
    assert c.key == a.key


def _metric(i: int, pod: str, kpi: str) -> AlertFacts:
    service = pod.rstrip("0123456789").rstrip("-")
    labels = {"pod": pod, "kpi": kpi}
    return AlertFacts(f"m{i}", T0 + timedelta(seconds=i), f"metric:{kpi}:up", service, labels)


def test_an_entity_counts_distinct_families_not_alerts() -> None:
    topology = Topology({"web": ["cache"], "cache": []})
    storm = StormEvidence(EntityMap(topology.services))
    noisy = [f"docker_cpu_core_{n}_{u}" for n in range(8) for u in ("pct", "norm_pct")]
    for i, kpi in enumerate(noisy):
        storm.add(i, _metric(i, "web-0", kpi))
    broad = ["docker_memory_rss_pct", "docker_memory_stats_total_rss", "docker_cpu_total_pct"]
    broad += ["docker_diskio_write_bytes", "docker_memory_usage_max"]
    for i, kpi in enumerate(broad, start=len(noisy)):
        storm.add(i, _metric(i, "cache-0", kpi))
    assert set(storm.own["web"]["web-0"]) == {"docker_cpu up"}
    assert len(storm.own["cache"]["cache-0"]) == 4  # rss twice, cpu, disk writes, usage


def test_a_storm_of_per_core_noise_does_not_outweigh_a_broad_fault() -> None:
    topology = Topology({"web": ["cache", "db"], "cache": [], "db": []})
    storm = StormEvidence(EntityMap(topology.services))
    alerts = [
        AlertFacts("c1", T0, "trace:PD", "cache", {"caller": "web-0", "callee": "cache-0"}),
        AlertFacts("c2", T0, "trace:PD", "db", {"caller": "web-0", "callee": "db-0"}),
    ]
    noisy = [f"docker_cpu_core_{n}_{u}" for n in range(6) for u in ("pct", "norm_pct", "ticks")]
    alerts += [_metric(i, "web-0", kpi) for i, kpi in enumerate(noisy)]
    broad = ["docker_memory_rss_pct", "docker_memory_usage_pct", "docker_memory_active_anon"]
    broad += ["docker_memory_pgmajfault"]
    alerts += [_metric(100 + i, "db-0", kpi) for i, kpi in enumerate(broad)]
    for seq, alert in enumerate(alerts):
        storm.add(seq, alert)
    verdict = storm.verdict(topology)
    assert verdict is not None and verdict.service == "db"


def test_a_bad_family_rewrite_names_the_file_and_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "roles.yaml"
    rules = "rules:\n  - {role: routine, weight: 0}\n"
    bad.write_text("families:\n  - {pattern: '_core_(\\d+'}\n" + rules)
    with pytest.raises(ConfigError, match=r"roles\.yaml: families\.0\.pattern"):
        load_roles(bad)
    bad.write_text("families:\n  - {pattern: x, with: y}\n" + rules)
    with pytest.raises(ConfigError, match=r"families\.0\.with"):
        load_roles(bad)

"""The fault classes of the generated bench (issue 15 points 1-3), one function each.

Every line is written as the system that prints it does, from its public documentation or
source, not from our signature patterns: the kubelet's and scheduler's event reasons and
messages (kubernetes.io "Debug Pods", "Pod Lifecycle", "Assigning Pods to Nodes"), the container
runtimes' exit codes (128 + signal), shells' "not found" (POSIX sh/bash), CPython's faulthandler,
Go's envconfig and crypto/x509 and net packages, PostgreSQL's and MySQL's server messages
(postgresql.org errcodes, MySQL error reference 1040/1045/1290), HikariCP, SQLAlchemy's
QueuePool, the Linux ENOSPC text, AWS Health's event types.
"""

from __future__ import annotations

import random
from typing import Any

from scenario_faults_deps import (
    cpu_saturation,
    db_auth_failed,
    db_read_only,
    db_too_many_connections,
    disk_full,
    dns_no_such_host,
    memory_leak,
    pool_exhausted,
    third_party,
    tls_expired,
    tls_unknown_authority,
    zone_event,
)
from scenario_faults_kube import (
    cpu_throttling,
    crash_exit126,
    evicted_storage,
    failed_mount,
    init_crash,
    init_hang,
    quota_exceeded,
    readiness_failing,
)
from scenario_faults_pods import (
    bad_deploy,
    ccce_configmap,
    ccce_secret,
    config_change,
    crash_exit1_config,
    crash_exit127,
    crash_liveness_137,
    crash_liveness_143,
    crash_oom_137,
    crash_segfault_139,
    image_pull,
    pending_pvc,
    pending_resources,
    pending_taint,
)
from scenario_faults_runtime import (
    aws_throttling,
    db_instance_down,
    db_lock_wait,
    java_heap,
    redis_loading,
    redis_oom,
    too_many_open_files,
)
from scenario_gen import Builder, Topology, random_topology

CLASSES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "crash_exit1_config": (crash_exit1_config, ()),
    "crash_exit127": (crash_exit127, ()),
    "crash_oom_137": (crash_oom_137, ()),
    "crash_liveness_137": (crash_liveness_137, ()),
    "crash_segfault_139": (crash_segfault_139, ()),
    "crash_liveness_143": (crash_liveness_143, ()),
    "image_pull": (image_pull, ()),
    "pending_resources": (pending_resources, ()),
    "pending_taint": (pending_taint, ()),
    "pending_pvc": (pending_pvc, ()),
    "ccce_secret": (ccce_secret, ()),
    "ccce_configmap": (ccce_configmap, ()),
    "bad_deploy": (bad_deploy, ()),
    "config_change": (config_change, ()),
    "db_too_many_connections": (db_too_many_connections, ("data",)),
    "db_auth_failed": (db_auth_failed, ("data",)),
    "db_read_only": (db_read_only, ("data",)),
    "disk_full": (disk_full, ()),
    "tls_expired": (tls_expired, ("called_app",)),
    "tls_unknown_authority": (tls_unknown_authority, ("called_app",)),
    "dns_no_such_host": (dns_no_such_host, ()),
    "pool_exhausted": (pool_exhausted, ("data",)),
    "cpu_saturation": (cpu_saturation, ()),
    "memory_leak": (memory_leak, ()),
    "third_party": (third_party, ("external",)),
    "zone_event": (zone_event, ()),
    # the failure classes on-call people meet most (gen2)
    "cpu_throttling": (cpu_throttling, ()),
    "readiness_failing": (readiness_failing, ()),
    "init_crash": (init_crash, ()),
    "init_hang": (init_hang, ()),
    "quota_exceeded": (quota_exceeded, ()),
    "db_instance_down": (db_instance_down, ("data",)),
    "redis_oom": (redis_oom, ("cache",)),
    "redis_loading": (redis_loading, ("cache",)),
    "db_lock_wait": (db_lock_wait, ("data",)),
    "java_heap": (java_heap, ("java",)),
    "crash_exit126": (crash_exit126, ()),
    "failed_mount": (failed_mount, ()),
    "evicted_storage": (evicted_storage, ()),
    "too_many_open_files": (too_many_open_files, ()),
    "aws_throttling": (aws_throttling, ()),
}


def _fits(topo: Topology, needs: tuple[str, ...]) -> bool:
    for need in needs:
        if need == "called_app":
            if not any(topo.callers(s.name) for s in topo.of_tier("app")):
                return False
        elif need == "java":
            if not any(s.style == "java" for s in topo.of_tier("app", "edge")):
                return False
        elif not topo.of_tier(need):
            return False
    return True


def generate(fault_class: str, seed: int) -> dict[str, Any]:
    """One scenario of ``fault_class`` drawn from ``seed`` (same seed, same scenario)."""
    fault, needs = CLASSES[fault_class]
    rng = random.Random(f"{fault_class}:{seed}")
    while True:
        topo = random_topology(rng, external=True if "external" in needs else None)
        if _fits(topo, needs):
            break
    b = Builder(rng, topo, f"gen-{fault_class.replace('_', '-')}-{seed}")
    return fault(b)

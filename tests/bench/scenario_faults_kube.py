"""Fault classes of the generated bench the kubelet, the scheduler's neighbours and the kernel
report (the classes of ``scenario_faults.CLASSES``): CPU throttling, readiness, init containers,
quota and LimitRange refusals, volume mounts, exit 126, eviction.

Every line is written as the system prints it, from its public documentation or source (each
class's docstring names it), never from our signature patterns.
"""

from __future__ import annotations

import copy
from typing import Any

from scenario_faults_pods import ROLLBACK, _apps, _crash, _finish, _root_alerts, _start, _uid
from scenario_gen import Builder, Svc, pod_suffix, word


def _ip(b: Builder) -> str:
    r = b.rng
    return f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(2, 250)}"


def _called_app(b: Builder) -> Svc:
    """An app with callers when there is one (its symptoms show upstream), else any app."""
    cands = [s for s in _apps(b) if b.topo.callers(s.name)]
    return b.rng.choice(cands or _apps(b))


def _same_image(b: Builder, s: Svc) -> str:
    """The image version ``s`` runs now: a pod-template change (an init container, a volume,
    limits) makes a new revision of the same image."""
    return str(b.deployments[s.name]["revisions"][-1]["image"].rsplit(":", 1)[1])


def _diff(b: Builder, s: Svc, field: str, before: Any, after: Any) -> None:
    """What the last rollout of ``s`` changed in its pod template, as a GitOps diff says it."""
    b.doc["changes"][-1]["detail"].update(
        {"object": f"deployment/{s.name}", "field": field, "from": before, "to": after}
    )


def _replicaset(b: Builder, s: Svc) -> str:
    return f"{s.name}-{pod_suffix(b.rng).split('-')[0]}"


# --------------------------------------------------------------------------- CPU throttling
def cpu_throttling(b: Builder) -> dict[str, Any]:
    """CFS throttling under a low CPU limit (kubernetes.io "Resource Management for Pods and
    Containers": a container at its CPU limit is throttled, not killed; cAdvisor's
    ``container_cpu_cfs_throttled_periods_total`` / ``container_cpu_cfs_periods_total``, which
    kube-prometheus's CPUThrottlingHigh divides). The pods use their whole limit, the node is
    mostly idle, the service's latency climbs; no change. Raising the limit is the fix."""
    r, s = b.rng, _called_app(b)
    t0 = -r.uniform(12, 45)
    for pod in b.pods[s.name]:
        res = pod["containers"][0]["resources"]
        res["limits"]["cpu"] = res["requests"]["cpu"] = r.choice(["100m", "200m", "250m"])
    dims = {"namespace": b.ns, "container": s.container, "service": s.name}
    thr = b.metric(s, "throttled", "Prometheus", "container_cpu_cfs_throttled_periods_ratio",
                   "Percent", r.uniform(1, 4), 0.5, dims)  # fmt: skip
    b.set_to(s, "throttled", t0 - 3, r.uniform(55, 85), shape="ramp", over=3)
    over = b.metric(s, "cpu_over_limit", "ContainerInsights",
                    "pod_cpu_utilization_over_pod_limit", "Percent", r.randint(45, 65), 3,
                    {"ClusterName": f"{b.ns}-eks", "Namespace": b.ns, "Service": s.name})  # fmt: skip  # noqa: E501
    b.set_to(s, "cpu_over_limit", t0 - 3, r.uniform(97, 100), shape="ramp", over=3)
    b.shift(s, "rps", t0 - 4, r.uniform(1.2, 1.6))  # a busier hour, well within the node
    lat = b.shift(s, "latency", t0, r.uniform(6, 20))
    pod = b.pods[s.name][0]["name"]
    root = b.alert("CPUThrottlingHigh", s,
                   f"{r.randint(55, 85)}% throttling of CPU in namespace {b.ns} for container "
                   f"{s.container} in pod {pod}.", t0 + r.uniform(1, 4), metric=thr,
                   severity="info", labels={"namespace": b.ns, "pod": pod,
                                            "container": s.container}, fmt="alertmanager")  # fmt: skip  # noqa: E501
    b.alert("HighLatencyP99", s, f"{s.name} p99 latency above its objective", t0 + 3, metric=lat)
    b.effect("k8s.set_resources", s, [m for m in [thr, over, lat] if m])
    return _finish(b, s, t0, "slow", "cpu_saturation", "k8s.set_resources",
                   f"{s.name} throttled at a low CPU limit", root)  # fmt: skip


# --------------------------------------------------------------------------- readiness
def readiness_failing(b: Builder) -> dict[str, Any]:
    """A rollout whose pods never pass their readiness probe (kubernetes.io "Configure
    Liveness, Readiness and Startup Probes": a pod that fails readiness is removed from its
    Service's endpoints, not restarted; the kubelet's ``Unhealthy`` event "Readiness probe
    failed: …"). The pods run, none is Ready, the Service has no endpoints, and callers get
    connection refused or 503 from the proxy in front."""
    r, s = b.rng, _called_app(b)
    t0 = -r.uniform(12, 45)
    ip = _ip(b)
    if r.random() < 0.5:
        b.new_revision(s, t0 - r.uniform(0.5, 2), image_version=b.version(),
                       message="readiness checks the new warm-up state")  # fmt: skip
        probe = "Readiness probe failed: HTTP probe failed with statuscode: 503"
        kind = "deployment_regression"
    else:
        b.new_revision(s, t0 - r.uniform(0.5, 2), env={"PORT": str(r.choice([9090, 8081, 3000]))},
                       message="listen on the shared port")  # fmt: skip
        probe = (f'Readiness probe failed: Get "http://{ip}:{s.port}/ready": dial tcp '
                 f"{ip}:{s.port}: connect: connection refused")  # fmt: skip
        kind = "config_change"
    for pod in b.pods[s.name]:
        pod["containers"][0].update(ready=False, state={"running": {"started_at": mins_s(t0)}})
        b.event(f"pod/{pod['name']}", "Unhealthy", probe, -r.uniform(0.2, 2),
                count=r.randint(40, 200))  # fmt: skip
    b.log(s, _start(b, s), at=t0, level="INFO")
    b.set_to(s, "rps", t0, 0)
    root = b.alert("KubePodNotReady", s,
                   f"Pod {b.ns}/{s.pods[0]} has been in a non-ready state for longer than 15 minutes.",  # noqa: E501
                   t0 + 15, severity="warning", labels={"namespace": b.ns, "pod": s.pods[0]},
                   fmt="alertmanager")  # fmt: skip
    _root_alerts(b, s, t0, crash=False)
    return _finish(b, s, t0, "down", kind, ROLLBACK,
                   f"{s.name}'s new pods never pass readiness: no endpoints", root)  # fmt: skip


def mins_s(m: float) -> str:
    return f"-{round(-m * 60)}s"


# --------------------------------------------------------------------------- init containers
def _init_pods(b: Builder, s: Svc, init: dict[str, Any]) -> None:
    """Every pod of ``s`` held by its init container: Pending, the init container's status
    first (the API's ``initContainerStatuses``, listed before the app's as the itbench corpus
    writes them; kubectl prints ``Init:…`` from it), the app container waiting
    ``PodInitializing``."""
    for pod in b.pods[s.name]:
        pod["phase"] = "Pending"
        app = pod["containers"][0]
        app.update(ready=False, restart_count=0, state={"waiting": {"reason": "PodInitializing"}})
        pod["containers"] = [dict(copy.deepcopy(init), ready=False), app]


def init_crash(b: Builder) -> dict[str, Any]:
    """A rollout adds an init container (a schema migration) that exits 1 on every start
    (kubernetes.io "Init Containers": a failing init container is restarted under the pod's
    restartPolicy and the app container never starts; kubectl shows ``Init:CrashLoopBackOff``,
    the kubelet's ``BackOff`` event names the init container). Its last lines say why: the
    migration tool's own error on a setting the rollout left out."""
    r, s = b.rng, _called_app(b)
    t0 = -r.uniform(12, 45)
    init = r.choice(["migrate", "db-migrate", "init-schema"])
    var = r.choice(["MIGRATIONS_DIR", "DATABASE_DSN", "SCHEMA_VERSION"])
    b.new_revision(s, t0 - r.uniform(0.5, 2), image_version=_same_image(b, s),
                   message=f"run schema migrations in an init container ({init})")  # fmt: skip
    _diff(
        b,
        s,
        "spec.template.spec.initContainers",
        None,
        [{"name": init, "image": b.image(s, _same_image(b, s)), "command": ["/app/migrate"]}],
    )
    restarts = max(3, int(-t0 / 2.5))
    _init_pods(b, s, {"name": init, "image": b.image(s, _same_image(b, s)),
                      "restart_count": restarts,
                      "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                      "last_state": {"terminated": {"reason": "Error", "exit_code": 1,
                                                    "at": f"-{r.randint(20, 170)}s"}}})  # fmt: skip
    line = r.choice([
        f"error: required environment variable {var} is not set",
        f"Error: {var.lower()}: required flag(s) \"{var.lower().replace('_', '-')}\" not set",
        f'panic: missing required configuration "{var}"',
    ])  # fmt: skip
    for pod in b.pods[s.name]:
        name = pod["name"]
        b.event(f"pod/{name}", "BackOff",
                f"Back-off restarting failed container {init} in pod {name}_{b.ns}({_uid(r)})",
                -r.uniform(0.2, 2), count=restarts * 4)  # fmt: skip
        src = f"k8s:{b.ns}/{name}/{init}"
        b.doc["logs"].append({"source": src, "lines": [
            {"at": mins_s(t0), "level": "INFO", "text": "starting migrations", "repeat": restarts,
             "every": "150s"},
            {"at": mins_s(t0 - 0.01), "level": "ERROR", "text": line, "repeat": restarts,
             "every": "150s"}]})  # fmt: skip
    root = b.alert("KubePodNotReady", s,
                   f"Pod {b.ns}/{s.pods[0]} has been in a non-ready state for longer than 15 minutes.",  # noqa: E501
                   t0 + 15, severity="warning", labels={"namespace": b.ns, "pod": s.pods[0]},
                   fmt="alertmanager")  # fmt: skip
    _root_alerts(b, s, t0, crash=False)
    return _finish(b, s, t0, "down", "crashloop_bad_config", ROLLBACK,
                   f"{s.name}'s new init container {init} exits 1", root)  # fmt: skip


def init_hang(b: Builder) -> dict[str, Any]:
    """A rollout adds an init container that waits for a dependency by name, and the name does
    not resolve: the loop of the kubernetes.io "Init Containers" example (``until nslookup …;
    do echo waiting for …; sleep 2; done``) never ends, kubectl shows ``Init:0/1`` and the app
    container never starts. busybox's nslookup prints "can't resolve"."""
    r, s = b.rng, _called_app(b)
    t0 = -r.uniform(12, 45)
    init = r.choice(["wait-for-deps", "init-wait", "await-upstream"])
    missing = word(r, 2)
    fqdn = f"{missing}.{b.ns}.svc.cluster.local"
    b.new_revision(s, t0 - r.uniform(0.5, 2), image_version=_same_image(b, s),
                   message=f"wait for {missing} before starting")  # fmt: skip
    loop = f"until nslookup {missing}; do echo waiting for {missing}; sleep 2; done"
    _diff(b, s, "spec.template.spec.initContainers", None,
          [{"name": init, "image": "busybox:1.36", "command": ["sh", "-c", loop]}])  # fmt: skip
    _init_pods(b, s, {"name": init, "image": "busybox:1.36", "restart_count": 0,
                      "state": {"running": {"started_at": mins_s(t0)}}})  # fmt: skip
    for pod in b.pods[s.name]:
        b.doc["logs"].append({"source": f"k8s:{b.ns}/{pod['name']}/{init}", "lines": [
            {"at": mins_s(t0), "level": "INFO", "text": "Server:    10.96.0.10",
             "repeat": int(-t0 * 30), "every": "2s"},
            {"at": mins_s(t0 - 0.005), "level": "INFO",
             "text": f"nslookup: can't resolve '{fqdn}'", "repeat": int(-t0 * 30),
             "every": "2s"},
            {"at": mins_s(t0 - 0.01), "level": "INFO", "text": f"waiting for {missing}",
             "repeat": int(-t0 * 30), "every": "2s"}]})  # fmt: skip
    root = b.alert("KubePodNotReady", s,
                   f"Pod {b.ns}/{s.pods[0]} has been in a non-ready state for longer than 15 minutes.",  # noqa: E501
                   t0 + 15, severity="warning", labels={"namespace": b.ns, "pod": s.pods[0]},
                   fmt="alertmanager")  # fmt: skip
    _root_alerts(b, s, t0, crash=False)
    return _finish(b, s, t0, "down", "config_change", ROLLBACK,
                   f"{s.name}'s new init container waits for {missing}, which does not resolve",
                   root)  # fmt: skip


# --------------------------------------------------------------------------- quota / LimitRange
def quota_exceeded(b: Builder) -> dict[str, Any]:
    """The ReplicaSet cannot create pods: the admission of a ResourceQuota or a LimitRange
    refuses them (kubernetes.io "Resource Quotas", "Limit Ranges"; the ReplicaSet controller's
    ``FailedCreate`` event "Error creating: pods … is forbidden: exceeded quota: …" or
    "… maximum memory usage per Container is …"). Either a rollout raised the containers'
    limits past what the namespace allows (the new ReplicaSet gets no pod while the old one was
    scaled down), or a scale-out ran into the namespace's quota."""
    r, s = b.rng, _called_app(b)
    t0 = -r.uniform(12, 45)
    rs = _replicaset(b, s)
    quota = r.choice(["compute-resources", "mem-cpu-quota", f"{b.ns}-quota"])
    pod = f"{rs}-{pod_suffix(r).split('-')[1]}"
    if r.random() < 0.5:
        new = r.choice(["4Gi", "6Gi", "8Gi"])
        b.new_revision(s, t0 - r.uniform(0.3, 1), image_version=_same_image(b, s),
                       message=f"raise memory limit to {new}")  # fmt: skip
        old_limit = b.pods[s.name][0]["containers"][0]["resources"]["limits"]["memory"]
        _diff(b, s, "spec.template.spec.containers[0].resources.limits.memory", old_limit, new)
        if r.random() < 0.5:
            msg = (f'Error creating: pods "{pod}" is forbidden: maximum memory usage per '
                   f"Container is 2Gi, but limit is {new}")  # fmt: skip
        else:
            msg = (f'Error creating: pods "{pod}" is forbidden: exceeded quota: {quota}, '
                   f"requested: limits.memory={new}, used: limits.memory={r.randint(10, 14)}Gi, "
                   f"limited: limits.memory=16Gi")  # fmt: skip
        kind, fix, what = "config_change", ROLLBACK, f"{s.name}'s rollout refused by the quota"
        keep = max(1, len(b.pods[s.name]) - 1)  # the old ReplicaSet scaled down by one
    else:
        b.change(t0 - 0.5, "scaling", s, "manual", version=str(len(s.pods) * 3),
                 previous=str(len(s.pods)))  # fmt: skip
        used = r.randint(18, 20)
        msg = (
            f'Error creating: pods "{pod}" is forbidden: exceeded quota: {quota}, '
            f"requested: requests.cpu=1, used: requests.cpu={used}, limited: requests.cpu=20"
        )
        kind, fix, what = "scaling_limit", None, f"{s.name}'s scale-out refused by the quota"
        keep = len(b.pods[s.name])
    for pod_ in b.pods[s.name][keep:]:
        b.doc["kubernetes"]["pods"].remove(pod_)
    b.pods[s.name] = b.pods[s.name][:keep]
    b.event(f"replicaset/{rs}", "FailedCreate", msg, -r.uniform(0.2, 2), count=r.randint(15, 60))
    lat = b.shift(s, "latency", t0, r.uniform(3, 8))
    root = b.alert("KubeDeploymentReplicasMismatch", s,
                   f"Deployment {b.ns}/{s.name} has not matched the expected number of replicas for longer than 15 minutes.",  # noqa: E501
                   t0 + 15, severity="warning", labels={"namespace": b.ns, "deployment": s.name},
                   fmt="alertmanager")  # fmt: skip
    b.alert("HighLatencyP99", s, f"{s.name} p99 latency above its objective", t0 + 3, metric=lat)
    return _finish(b, s, t0, "slow", kind, fix, what, root)


# --------------------------------------------------------------------------- volumes
def failed_mount(b: Builder) -> dict[str, Any]:
    """A rollout mounts a Secret or ConfigMap volume that does not exist: the kubelet cannot
    set it up and the pods stay ``ContainerCreating`` (kubernetes.io "Secrets": "a Pod can't
    start until its volumes are mounted"; the kubelet's ``FailedMount`` events "MountVolume.SetUp
    failed for volume … : secret … not found" and, after two minutes, "Unable to attach or
    mount volumes: … timed out waiting for the condition")."""
    r, s = b.rng, _called_app(b)
    t0 = -r.uniform(12, 45)
    what = r.choice(["secret", "configmap"])
    obj = f"{s.name}-{r.choice(['tls', 'keys', 'settings', 'certs'])}"
    vol = r.choice(["certs", "config", "keys"])
    b.new_revision(s, t0, image_version=_same_image(b, s),
                   message=f"mount {what} {obj} at /etc/{s.name}")  # fmt: skip
    _diff(
        b,
        s,
        "spec.template.spec.volumes",
        None,
        [{"name": vol, what: {"secretName" if what == "secret" else "name": obj}}],
    )
    for pod in b.pods[s.name]:
        pod["phase"] = "Pending"
        pod["containers"][0].update(ready=False, restart_count=0,
                                    state={"waiting": {"reason": "ContainerCreating"}})  # fmt: skip
        o = f"pod/{pod['name']}"
        b.event(o, "FailedMount",
                f'MountVolume.SetUp failed for volume "{vol}" : {what} "{obj}" not found',
                -r.uniform(0.2, 2), count=r.randint(10, 30))  # fmt: skip
        b.event(o, "FailedMount",
                f"Unable to attach or mount volumes: unmounted volumes=[{vol}], unattached "
                f"volumes=[{vol} kube-api-access-{word(r, 1)[:5]}]: timed out waiting for the "
                "condition", -r.uniform(0.2, 2), count=r.randint(3, 12))  # fmt: skip
    root = _root_alerts(b, s, t0, crash=False)
    return _finish(b, s, t0, "down", "crashloop_bad_config", ROLLBACK,
                   f"{s.name}'s rollout mounts a missing {what}", root)  # fmt: skip


# --------------------------------------------------------------------------- exit 126
def crash_exit126(b: Builder) -> dict[str, Any]:
    """A rollout starts the container through a script mounted from a ConfigMap, whose files
    are not executable (a ConfigMap volume's ``defaultMode`` is 0644 unless set; kubernetes.io
    "ConfigMaps", "Configure a Pod to Use a ConfigMap"): the shell finds the script and cannot
    run it, prints "Permission denied" and exits 126 (POSIX sh "Command Search and Execution":
    126 when a command is found but is not executable; bash's manual, "Exit Status")."""
    r, s = b.rng, b.rng.choice(_apps(b))
    t0 = -r.uniform(12, 45)
    script = f"/scripts/{r.choice(['start', 'entrypoint', 'run'])}.sh"
    cm = f"{s.name}-{r.choice(['scripts', 'bootstrap', 'launch'])}"
    b.new_revision(s, t0 - r.uniform(0.5, 2), image_version=_same_image(b, s),
                   message=f"start through {script} from configmap {cm}")  # fmt: skip
    _diff(b, s, "spec.template.spec.containers[0].command", None, ["sh", "-c", f"exec {script}"])
    b.doc["changes"][-1]["detail"]["volumes"] = [{"name": "scripts", "configMap": {"name": cm}}]
    line = r.choice([
        f"sh: 1: exec: {script}: Permission denied",
        f"/bin/sh: line 1: {script}: Permission denied",
    ])  # fmt: skip
    _crash(b, s, t0, 126, "Error", [line])
    root = _root_alerts(b, s, t0)
    return _finish(b, s, t0, "down", "crashloop_bad_config", ROLLBACK,
                   f"{s.name}'s rollout runs {script} from a ConfigMap without +x: exit 126", root)  # fmt: skip  # noqa: E501


# --------------------------------------------------------------------------- eviction
def evicted_storage(b: Builder) -> dict[str, Any]:
    """The service writes its spool to the container's writable layer until the kubelet evicts
    it (kubernetes.io "Node-pressure Eviction" and "Local ephemeral storage": the pod is Failed
    with reason ``Evicted`` and the message "The node was low on resource:
    ephemeral-storage. …" or "Pod ephemeral local storage usage exceeds the total limit of
    containers …"; the node reports ``DiskPressure``). Nothing changed; no registry write frees
    the disk (the replacement pods fill it again)."""
    r, s = b.rng, _called_app(b)
    t0 = -r.uniform(12, 45)
    pods = b.pods[s.name]
    node = pods[0]["node"]
    evicted = []
    for pod in pods[: max(1, len(pods) // 2 + 1)]:
        name = f"{s.name}-{pod_suffix(r)}"
        if r.random() < 0.5:
            msg = (f"The node was low on resource: ephemeral-storage. Threshold quantity: "
                   f"{r.randint(2, 6)}Gi, available: {r.randint(500, 1900)}Mi. Container "
                   f"{s.container} was using {r.randint(14, 40)}Gi, request is 0, has larger "
                   "consumption of ephemeral-storage.")  # fmt: skip
            for n in b.doc["kubernetes"]["nodes"]:
                if n["name"] == node:
                    n["conditions"]["DiskPressure"] = True
        else:
            msg = (f"Pod ephemeral local storage usage exceeds the total limit of containers "
                   f"{r.choice(['1Gi', '2Gi', '4Gi'])}.")  # fmt: skip
        spec = {"namespace": b.ns, "name": name, "owner": s.name, "phase": "Failed",
                "node": node, "containers": [{
                    "name": s.container, "image": pod["containers"][0]["image"], "ready": False,
                    "state": {"terminated": {"reason": "Evicted", "exit_code": 137,
                                             "at": mins_s(t0 + r.uniform(0, 3))}}}]}  # fmt: skip
        b.doc["kubernetes"]["pods"].append(spec)
        b.event(f"pod/{name}", "Evicted", msg, t0 + r.uniform(0, 3))
        evicted.append(name)
    b.log(s, r.choice([
        f'level=error msg="spool write failed" err="write /tmp/{s.name}/batch.tmp: no space left on device"',  # noqa: E501
        "java.io.IOException: No space left on device",
        f"OSError: [Errno 28] No space left on device: '/tmp/{s.name}/cache.bin'",
    ]), at=t0 - 1, repeat=r.randint(10, 30), every=10)  # fmt: skip
    err = b.shift(s, "errors", t0, r.uniform(40, 200))
    root = b.alert("KubePodEvicted", s, f"Pod {b.ns}/{evicted[0]} was evicted",
                   t0 + r.uniform(1, 3), severity="warning",
                   labels={"namespace": b.ns, "pod": evicted[0]}, metric=err, fmt="alertmanager")  # fmt: skip  # noqa: E501
    return _finish(b, s, t0, "errors", "disk_exhaustion", None,
                   f"{s.name}'s pods evicted for ephemeral storage", root)  # fmt: skip

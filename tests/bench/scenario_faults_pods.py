"""Fault classes of the generated bench on the pods themselves: crash loops, pods that do not
start, rollouts and config changes (the classes of ``scenario_faults.CLASSES``).

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

from scenario_gen import Builder, Svc, word
from scenario_spread import add_noise, call_failure_line, propagate

ROLLBACK = "k8s.rollback_deployment"


def _apps(b: Builder) -> list[Svc]:
    return b.topo.of_tier("app") or b.topo.of_tier("edge")


def _uid(r: random.Random) -> str:
    h = "0123456789abcdef"
    return "-".join("".join(r.choice(h) for _ in range(n)) for n in (8, 4, 4, 4, 12))


def _crash(b: Builder, s: Svc, t0: float, code: int, reason: str, last: list[str],
           events: list[tuple[str, str]] = ()) -> None:  # type: ignore[assignment]  # fmt: skip
    """Every pod of ``s`` crash-looping since ``t0``: last state terminated ``reason``/``code``,
    waiting CrashLoopBackOff, its last lines, the kubelet's BackOff (and given) events."""
    r = b.rng
    restarts = max(3, int(-t0 / 2.5))
    for pod in b.pods[s.name]:
        c = pod["containers"][0]
        c.update(ready=False, restart_count=restarts + r.randint(0, 3),
                 state={"waiting": {"reason": "CrashLoopBackOff"}},
                 last_state={"terminated": {"reason": reason, "exit_code": code,
                                            "at": f"-{r.randint(20, 170)}s"}})  # fmt: skip
        name = pod["name"]
        for reason_, msg in events:
            b.event(f"pod/{name}", reason_, msg, -r.uniform(0.5, 3), count=restarts)
        b.event(f"pod/{name}", "BackOff",
                f"Back-off restarting failed container {s.container} in pod {name}_{b.ns}({_uid(r)})",  # noqa: E501
                -r.uniform(0.2, 2), count=restarts * 4)  # fmt: skip
    for i, line in enumerate(last):
        b.log(s, line, at=t0 + 0.1 * i, repeat=restarts, every=150,
              level="INFO" if i < len(last) - 1 else "ERROR")  # fmt: skip
    b.shift(s, "restarts", t0, 1)
    b.set_to(s, "restarts", t0, restarts, shape="ramp", over=-t0 - 1)


def _root_alerts(b: Builder, s: Svc, t0: float, crash: bool = True) -> str:
    r = b.rng
    at = t0 + r.uniform(3, 6)
    if crash:
        pod = b.pods[s.name][0]["name"]
        return b.alert("KubePodCrashLooping", s,
                       f"Pod {b.ns}/{pod} ({s.container}) is in waiting state (reason: \"CrashLoopBackOff\").",  # noqa: E501
                       at, severity="warning",
                       labels={"namespace": b.ns, "pod": pod, "container": s.container},
                       metric=b.metric_ids.get((s.name, "restarts")), fmt="alertmanager")  # fmt: skip  # noqa: E501
    return b.alert("KubeDeploymentReplicasMismatch", s,
                   f"Deployment {b.ns}/{s.name} has not matched the expected number of replicas for longer than 15 minutes.",  # noqa: E501
                   at + 10, severity="warning", labels={"namespace": b.ns, "deployment": s.name},
                   fmt="alertmanager")  # fmt: skip


def _start(b: Builder, s: Svc) -> str:
    v = b.deployments[s.name]["revisions"][-1]["image"].rsplit(":", 1)[1]
    return {
        "go": f'level=info msg="starting {s.name}" version={v}',
        "java": f"Starting {word(b.rng).capitalize()}Application v{v.lstrip('v')} using Java 21.0.3 with PID 1",  # noqa: E501
        "python": f"INFO:     Started server process [{b.rng.randint(1, 9)}]",
        "node": f'{{"level":30,"msg":"booting {s.name} {v}"}}',
    }[s.style]


def _finish(b: Builder, s: Svc, t0: float, mode: str, kind: str, fix: str | None, what: str,
            root_alert: str | None = None) -> dict[str, Any]:  # fmt: skip
    propagate(b, s, t0 + 0.5, mode)
    noise = add_noise(b, s, t0)
    return b.finish(f"{what}; noise: {', '.join(noise) or 'none'}", kind, s, fix, root_alert)


# --------------------------------------------------------------------------- crash loops
def crash_exit1_config(b: Builder) -> dict[str, Any]:
    """A rollout changes an env value the program cannot parse, or drops a required one: it
    prints why and exits 1."""
    r, s = b.rng, b.rng.choice(_apps(b))
    t0 = -r.uniform(12, 45)
    var = r.choice(["REQUEST_TIMEOUT", "CACHE_EXPIRY", "RETRY_BACKOFF", "FLUSH_INTERVAL"])
    bad = r.choice(["30 seconds", "5 mins", "2hrs"])
    b.new_revision(s, t0 - r.uniform(0.5, 2), env={var: bad}, image_version=b.version(),
                   message=f"make {var.lower()} configurable")  # fmt: skip
    field = var.title().replace("_", "")
    line = {
        "go": f'level=fatal msg="invalid configuration" error="envconfig.Process: assigning {var} to {field}: converting \'{bad}\' to type time.Duration. details: time: unknown unit \\" {bad.split()[-1] if " " in bad else bad.lstrip("0123456789")}\\" in duration \\"{bad}\\""',  # noqa: E501
        "java": f"Failed to bind properties under 'app.{var.lower().replace('_', '-')}' to java.time.Duration: Reason: failed to convert java.lang.String to java.time.Duration (caused by java.lang.IllegalArgumentException: '{bad}' is not a valid duration)",  # noqa: E501
        "python": f"pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings {var.lower()} Input should be a valid timedelta, invalid character in number [type=time_delta_parsing, input_value='{bad}', input_type=str]",  # noqa: E501
        "node": f'Error: Invalid duration for {var}: "{bad}" (expected a number of milliseconds)',  # noqa: E501
    }[s.style]
    _crash(b, s, t0, 1, "Error", [_start(b, s), line])
    root = _root_alerts(b, s, t0)
    return _finish(b, s, t0, "down", "crashloop_bad_config", ROLLBACK,
                   f"{s.name} exits 1 on a config value after a rollout", root)  # fmt: skip


def crash_exit127(b: Builder) -> dict[str, Any]:
    """A new image whose entrypoint calls a binary that is not in it: the shell prints
    "not found" and exits 127."""
    r, s = b.rng, b.rng.choice(_apps(b))
    t0 = -r.uniform(12, 45)
    b.new_revision(s, t0 - r.uniform(0.5, 2), message="slim base image")
    binary = r.choice(["gunicorn", "java", "node", f"/app/bin/{s.name}", "tini", "envsubst"])
    line = r.choice([
        f"/docker-entrypoint.sh: line {r.randint(5, 40)}: exec: {binary}: not found",
        f"/bin/sh: 1: exec: {binary}: not found",
        f"/bin/sh: {binary}: not found",
    ])  # fmt: skip
    _crash(b, s, t0, 127, "Error", [line])
    root = _root_alerts(b, s, t0)
    return _finish(b, s, t0, "down", "crashloop_bad_config", ROLLBACK,
                   f"{s.name}'s new image lacks {binary}: exit 127", root)  # fmt: skip


def crash_oom_137(b: Builder) -> dict[str, Any]:
    """The container is killed by the OOM killer under its limit (reason OOMKilled, 137), its
    memory near the limit before; no change."""
    r, s = b.rng, b.rng.choice(_apps(b))
    t0 = -r.uniform(12, 45)
    b.set_to(s, "memory", t0 - 20, r.uniform(86, 95), shape="ramp", over=15)
    b.set_to(s, "memory", t0, 100)
    _crash(b, s, t0, 137, "OOMKilled", [_start(b, s)])
    root = _root_alerts(b, s, t0)
    b.effect("k8s.set_resources", s, [m for m in [b.metric_ids.get((s.name, "restarts"))] if m])
    return _finish(b, s, t0, "down", "oom_killed", "k8s.set_resources",
                   f"{s.name} OOMKilled at its memory limit", root)  # fmt: skip


def _liveness(b: Builder, code: int) -> dict[str, Any]:
    r, s = b.rng, b.rng.choice(_apps(b))
    t0 = -r.uniform(12, 45)
    ip = f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(2, 250)}"
    kind = "crashloop_bad_config"  # the probe and the program disagree on where to answer
    if r.random() < 0.5:
        b.new_revision(s, t0 - r.uniform(0.5, 2), image_version=b.version(),
                       message="move health endpoints under /internal")  # fmt: skip
        probe = "Liveness probe failed: HTTP probe failed with statuscode: 404"
        kind = "deployment_regression"  # a new image that no longer answers its probe
    else:
        new = r.choice([9090, 8081, 3000])
        b.new_revision(s, t0 - r.uniform(0.5, 2), env={"PORT": str(new)},
                       message="listen on the shared port")  # fmt: skip
        probe = (f'Liveness probe failed: Get "http://{ip}:{s.port}/healthz": dial tcp '
                 f"{ip}:{s.port}: connect: connection refused")  # fmt: skip
    events = [("Unhealthy", probe),
              ("Killing", f"Container {s.container} failed liveness probe, will be restarted")]  # fmt: skip  # noqa: E501
    last = [_start(b, s)]
    if code == 143:
        last.append(r.choice(["Received SIGTERM, shutting down gracefully",
                              'level=info msg="shutting down" signal=terminated']))  # fmt: skip
    _crash(b, s, t0, code, "Error", last, events)
    root = _root_alerts(b, s, t0)
    return _finish(b, s, t0, "down", kind, ROLLBACK,
                   f"{s.name} killed by its liveness probe after a rollout (exit {code})", root)  # fmt: skip  # noqa: E501


def crash_liveness_137(b: Builder) -> dict[str, Any]:
    """A rollout breaks the liveness endpoint; the kubelet kills the container (Error, 137)."""
    return _liveness(b, 137)


def crash_liveness_143(b: Builder) -> dict[str, Any]:
    """The same, with a program that exits on SIGTERM (143)."""
    return _liveness(b, 143)


def crash_segfault_139(b: Builder) -> dict[str, Any]:
    """A new image with a native extension that segfaults (139): a code regression."""
    r, s = b.rng, b.rng.choice(_apps(b))
    t0 = -r.uniform(12, 45)
    b.new_revision(s, t0 - r.uniform(0.5, 2), message="bump image codec library")
    line = {
        "python": "Fatal Python error: Segmentation fault",
        "go": "SIGSEGV: segmentation violation PC=0x7f3c2a1b4e20 m=4 sigcode=1 addr=0x0 signal arrived during cgo execution",  # noqa: E501
        "java": "# A fatal error has been detected by the Java Runtime Environment: SIGSEGV (0xb) at pc=0x00007f8e2c3d1a40, pid=1, tid=57",  # noqa: E501
        "node": "Segmentation fault (core dumped)",
    }[s.style]
    _crash(b, s, t0, 139, "Error", [_start(b, s), line])
    root = _root_alerts(b, s, t0)
    return _finish(b, s, t0, "down", "deployment_regression", ROLLBACK,
                   f"{s.name}'s new image segfaults (139)", root)  # fmt: skip


# --------------------------------------------------------------------------- not starting
def _not_started(b: Builder, s: Svc, waiting: str, phase: str, keep_old: int = 0) -> None:
    for i, pod in enumerate(b.pods[s.name]):
        if i < keep_old:
            continue
        c = pod["containers"][0]
        c.update(ready=False, restart_count=0, state={"waiting": {"reason": waiting}})
        pod["phase"] = phase
        if waiting == "Pending":
            pod["node"] = None
            c.pop("state")


def image_pull(b: Builder) -> dict[str, Any]:
    """A rollout points at a tag that was never pushed: ErrImagePull, ImagePullBackOff."""
    r, s = b.rng, b.rng.choice(_apps(b))
    t0 = -r.uniform(12, 45)
    ver = b.new_revision(s, t0, image_version=b.version() + "-rc" + str(r.randint(1, 4)))
    image = b.image(s, ver)
    _not_started(b, s, r.choice(["ImagePullBackOff", "ErrImagePull"]), "Pending")
    for pod in b.pods[s.name]:
        o = f"pod/{pod['name']}"
        b.event(o, "Pulling", f'Pulling image "{image}"', t0 + 0.2, type_="Normal")
        b.event(
            o,
            "Failed",
            f'Failed to pull image "{image}": rpc error: code = NotFound desc = failed to pull and unpack image "{image}": failed to resolve reference "{image}": {image}: not found',  # noqa: E501
            t0 + 0.3,
            count=r.randint(4, 9),
        )  # noqa: E501
        b.event(o, "Failed", "Error: ErrImagePull", t0 + 0.3, count=r.randint(4, 9))
        b.event(o, "BackOff", f'Back-off pulling image "{image}"', -1, count=r.randint(20, 60),
                type_="Normal")  # fmt: skip
        b.event(o, "Failed", "Error: ImagePullBackOff", -1, count=r.randint(20, 60))
    root = _root_alerts(b, s, t0, crash=False)
    return _finish(b, s, t0, "down", "image_pull_error", ROLLBACK,
                   f"{s.name} rollout to an image tag that does not exist", root)  # fmt: skip


def _pending(b: Builder, message: str, kind: str, what: str, change: str) -> dict[str, Any]:
    r, s = b.rng, b.rng.choice(_apps(b))
    t0 = -r.uniform(12, 45)
    n = len(b.nodes)
    if change == "infra":
        b.change(t0 - r.uniform(1, 5), "infra", s, "cloudtrail",
                 detail={"event_name": "UpdateNodegroupConfig",
                         "message": "node group replaced; new nodes carry a taint"})  # fmt: skip
    elif change == "scaling":
        b.change(t0 - 0.5, "scaling", s, "manual", version=str(len(s.pods) * 3),
                 previous=str(len(s.pods)))  # fmt: skip
    _not_started(b, s, "Pending", "Pending")
    for pod in b.pods[s.name]:
        b.event(f"pod/{pod['name']}", "FailedScheduling", message.format(n=n), -r.uniform(0.5, 3),
                count=r.randint(5, 40))  # fmt: skip
    root = _root_alerts(b, s, t0, crash=False)
    b.alert("KubePodNotReady", s,
            f"Pod {b.ns}/{s.pods[0]} has been in a non-ready state for longer than 15 minutes.",
            t0 + 15, severity="warning", labels={"namespace": b.ns, "pod": s.pods[0]})  # fmt: skip
    return _finish(b, s, t0, "down", kind, None, what, root)


def pending_resources(b: Builder) -> dict[str, Any]:
    """Pods cannot be placed: no node has the cpu or memory they request."""
    res = b.rng.choice(["cpu", "memory"])
    msg = ("0/{n} nodes are available: {n} Insufficient " + res + ". preemption: 0/{n} nodes are "
           "available: {n} No preemption victims found for incoming pod.")  # fmt: skip
    return _pending(b, msg, "scaling_limit", f"pods Pending on Insufficient {res}", "scaling")


def pending_taint(b: Builder) -> dict[str, Any]:
    """New nodes carry a taint the pods do not tolerate."""
    key = b.rng.choice(["dedicated", "workload", "pool"])
    val = word(b.rng, 2)
    msg = ("0/{n} nodes are available: {n} node(s) had untolerated taint {{" + key + ": " + val +
           "}}. preemption: 0/{n} nodes are available: {n} Preemption is not helpful for "
           "scheduling.")  # fmt: skip
    return _pending(b, msg, "config_change", "pods Pending on an untolerated taint", "infra")


def pending_pvc(b: Builder) -> dict[str, Any]:
    """The pod's claim is not bound: its storage class does not exist."""
    r = b.rng
    msg = ("0/{n} nodes are available: pod has unbound immediate PersistentVolumeClaims. "
           "preemption: 0/{n} nodes are available: {n} Preemption is not helpful for scheduling.")  # fmt: skip  # noqa: E501
    doc = _pending(b, msg, "config_change", "pods Pending on an unbound PVC", "none")
    root = doc["truth"]["root_cause"]["service"]
    sc = r.choice(["fast-ssd", "gp3-encrypted", "premium-rwo"])
    b.event(f"persistentvolumeclaim/data-{root}-0", "ProvisioningFailed",
            f'storageclass.storage.k8s.io "{sc}" not found', -r.uniform(1, 10), count=30)  # fmt: skip  # noqa: E501
    return doc


def _ccce(b: Builder, what: str) -> dict[str, Any]:
    r, s = b.rng, b.rng.choice(_apps(b))
    t0 = -r.uniform(12, 45)
    obj = f"{s.name}-{r.choice(['credentials', 'settings', 'tls', 'keys'])}"
    b.new_revision(s, t0, env={"SETTINGS_FROM": obj}, image_version=b.version(),
                   message=f"read settings from {what} {obj}")  # fmt: skip
    for pod in b.pods[s.name]:
        pod["containers"][0].update(
            ready=False, state={"waiting": {"reason": "CreateContainerConfigError"}}
        )
        pod["phase"] = "Pending"
        b.event(f"pod/{pod['name']}", "Failed", f'Error: {what} "{obj}" not found',
                -r.uniform(0.5, 3), count=r.randint(10, 80))  # fmt: skip
    root = _root_alerts(b, s, t0, crash=False)
    return _finish(b, s, t0, "down", "crashloop_bad_config", ROLLBACK,
                   f"{s.name} rollout references a missing {what}", root)  # fmt: skip


def ccce_secret(b: Builder) -> dict[str, Any]:
    """CreateContainerConfigError: the new revision names a Secret that does not exist."""
    return _ccce(b, "secret")


def ccce_configmap(b: Builder) -> dict[str, Any]:
    """CreateContainerConfigError: the new revision names a ConfigMap that does not exist."""
    return _ccce(b, "configmap")


# --------------------------------------------------------------------------- changes
def bad_deploy(b: Builder) -> dict[str, Any]:
    """A new image, then 5xx from the service itself with its runtime's exceptions."""
    r, s = b.rng, b.rng.choice(_apps(b))
    t0 = -r.uniform(12, 45)
    b.new_revision(s, t0 - r.uniform(0.3, 1.5), message="refactor request handling")
    line = {
        "go": f"http: panic serving 10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(2, 250)}:{r.randint(30000, 60000)}: runtime error: invalid memory address or nil pointer dereference",  # noqa: E501
        "java": 'java.lang.NullPointerException: Cannot invoke "String.length()" because "value" is null',  # noqa: E501
        "python": "TypeError: unsupported operand type(s) for +: 'NoneType' and 'int'",
        "node": "TypeError: Cannot read properties of undefined (reading 'id')",
    }[s.style]
    b.log(s, line, at=t0, repeat=r.randint(40, 120), every=5)
    b.log(s, b.access_line(s, 500), at=t0, repeat=60, every=5, level="WARN")
    err = b.shift(s, "errors", t0, r.uniform(80, 400))
    root = b.alert("HighErrorRate", s, f"{s.name} 5xx ratio above 5%", t0 + r.uniform(2, 5),
                   metric=err)  # fmt: skip
    b.effect(ROLLBACK, s, [m for m in [err] if m])
    return _finish(b, s, t0, "errors", "deployment_regression", ROLLBACK,
                   f"{s.name} answers 500 after a new image", root)  # fmt: skip


def config_change(b: Builder) -> dict[str, Any]:
    """A config change whose diff produces the symptom: a client timeout cut below what the
    callee needs, or a connection pool cut to a handful."""
    r = b.rng
    cands = [s for s in _apps(b) if any(b.topo.get(d).tier != "external" for d in s.depends_on)]
    s = r.choice(cands or _apps(b))
    t0 = -r.uniform(12, 45)
    callee = next((b.topo.get(d) for d in s.depends_on if b.topo.get(d).tier != "external"), None)
    if callee is not None and callee.tier != "data" and r.random() < 0.5:
        b.new_revision(s, t0 - r.uniform(0.5, 3), env={"UPSTREAM_TIMEOUT_MS": "50"},
                       message="tighten upstream timeout (was 2000)")  # fmt: skip
        b.log(s, call_failure_line(b, s, callee, "slow"), at=t0, repeat=80, every=5)
        what = f"UPSTREAM_TIMEOUT_MS cut to 50 on {s.name}"
        kind = "config_change"
    else:
        b.new_revision(s, t0 - r.uniform(0.5, 3), env={"DB_POOL_MAX_SIZE": "2"},
                       message="lower pool size (was 40)")  # fmt: skip
        line = {
            "java": "HikariPool-1 - Connection is not available, request timed out after 30000ms.",  # noqa: E501
            "python": "sqlalchemy.exc.TimeoutError: QueuePool limit of size 2 overflow 0 reached, connection timed out, timeout 30.00",  # noqa: E501
        }.get(
            s.style,
            'level=error msg="acquire connection" err="context deadline exceeded: pool exhausted (max 2)"',  # noqa: E501
        )  # noqa: E501
        b.log(s, line, at=t0, repeat=80, every=5)
        what = f"DB_POOL_MAX_SIZE cut to 2 on {s.name}"
        kind = "connection_pool_exhaustion"  # as examples/scenarios/01 calls a pool cut
    err = b.shift(s, "errors", t0, r.uniform(60, 300))
    b.shift(s, "latency", t0, r.uniform(5, 30))
    root = b.alert("HighErrorRate", s, f"{s.name} 5xx ratio above 5%", t0 + r.uniform(2, 5),
                   metric=err)  # fmt: skip
    return _finish(b, s, t0, "errors", kind, ROLLBACK, what, root)

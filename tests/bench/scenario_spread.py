"""How a generated fault shows beyond its service: symptoms on every caller, and noise.

The callers' lines are what their HTTP clients print when a callee refuses, hangs or answers
5xx (Go's net/http, Spring's RestTemplate, Python requests/urllib3, node-fetch), each naming the
callee's address; the noise is drawn at random and never names the faulty service.
"""

from __future__ import annotations

from scenario_gen import Builder, Svc, word


def _ip(b: Builder) -> str:
    r = b.rng
    return f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(2, 250)}"


def call_failure_line(b: Builder, caller: Svc, callee: Svc, mode: str) -> str:
    """What ``caller``'s HTTP client logs when a call to ``callee`` fails: ``mode`` is ``down``
    (refused), ``slow`` (timed out) or ``errors`` (a 5xx answer; 503 from a provider)."""
    r = b.rng
    host = b.host_of(callee)
    scheme = "https" if callee.tier == "external" else "http"
    path = r.choice(["/v1/items", "/v2/charges", "/api/lookup", "/v1/quotes", "/internal/state"])
    url = f"{scheme}://{host}{path}"
    hostname, _, port = host.partition(":")
    port = port or ("443" if scheme == "https" else "80")
    status = 503 if callee.tier == "external" else r.choice([500, 502, 503])
    reason = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}[status]
    method = r.choice(["Get", "Post"])
    style = caller.style
    if style == "go":
        err = {
            "down": f'{method} \\"{url}\\": dial tcp {_ip(b)}:{port}: connect: connection refused',
            "slow": f'{method} \\"{url}\\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',  # noqa: E501
            "errors": f"{method.upper()} {url}: unexpected status {status} {reason}",
        }[mode]
        return f'level=error msg="upstream call failed" err="{err}"'
    if style == "java":
        if mode == "errors":
            return (
                f"org.springframework.web.client.HttpServerErrorException$"
                f'{reason.replace(" ", "")}: {status} {reason} on {method.upper()} request for "{url}"'  # noqa: E501
            )
        why = "Connection refused" if mode == "down" else "Read timed out"
        return (
            f"org.springframework.web.client.ResourceAccessException: I/O error on "
            f'{method.upper()} request for "{url}": {why}'
        )
    if style == "python":
        pool = "HTTPSConnectionPool" if scheme == "https" else "HTTPConnectionPool"
        if mode == "down":
            return (
                f"requests.exceptions.ConnectionError: {pool}(host='{hostname}', port={port}): "
                f"Max retries exceeded with url: {path} (Caused by NewConnectionError('<urllib3."
                f"connection.HTTPConnection object at 0x7f{r.randint(10**9, 10**10 - 1):x}>: Failed"
                f" to establish a new connection: [Errno 111] Connection refused'))"
            )
        if mode == "slow":
            return (
                f"requests.exceptions.ReadTimeout: {pool}(host='{hostname}', port={port}): "
                f"Read timed out. (read timeout={r.choice([2, 5, 10, 30])})"
            )
        return f"requests.exceptions.HTTPError: {status} Server Error: {reason} for url: {url}"
    if mode == "down":
        return f"FetchError: request to {url} failed, reason: connect ECONNREFUSED {_ip(b)}:{port}"
    if mode == "slow":
        return f"FetchError: network timeout at: {url}"
    return f'{{"level":50,"msg":"upstream responded {status}","url":"{url}","status":{status}}}'


def propagate(b: Builder, root: Svc, t0: float, mode: str, *, alert_root_callers: bool = True,
              skip: tuple[str, ...] = ()) -> list[str]:  # fmt: skip
    """Symptoms on every transitive caller of ``root`` after ``t0`` (minutes, negative): errors
    (and latency when calls hang) on its series, its client's lines naming the callee it calls,
    its own 5xx access lines, and alerts (always on the entry, sometimes on the others).
    Returns the alert ids."""
    r = b.rng
    ids: list[str] = []
    first_mode = mode
    for caller, callee, d in b.topo.ancestors(root.name):
        if caller.name in skip:
            continue
        t = t0 + sum(r.uniform(0.5, 2.0) for _ in range(d))
        m = first_mode if callee.name == root.name else "errors"
        if not caller.k8s:
            continue
        err = b.shift(caller, "errors", t, r.uniform(40, 300))
        lat = None
        if m == "slow" or r.random() < 0.4:
            lat = b.shift(caller, "latency", t, r.uniform(4, 25))
        b.onset.setdefault(caller.name, t)
        if callee.tier == "app" or callee.tier == "external" or callee.name != root.name:
            # a datastore's direct clients print its own error: the fault wrote those lines
            line = call_failure_line(b, caller, callee, m)
            b.log(caller, line, at=t, repeat=r.randint(30, 90), every=r.choice([5, 10, 15]))
        status = 504 if m == "slow" else r.choice([500, 502, 503])
        b.log(caller, b.access_line(caller, status, r.randint(900, 30000) if m == "slow" else None),
              at=t, repeat=r.randint(30, 90), every=10, level="WARN")  # fmt: skip
        alert_at = t + r.uniform(2, 5)
        if caller is b.topo.entry or (alert_root_callers and r.random() < 0.6):
            if lat is not None and r.random() < 0.5:
                ids.append(b.alert(
                    r.choice(["HighLatencyP99", "SLOLatencyBurnRate", "TargetResponseTimeHigh"]),
                    caller, f"{caller.name} p99 latency above its objective", alert_at,
                    metric=lat, severity=r.choice(["critical", "warning"])))  # fmt: skip
            else:
                ids.append(b.alert(
                    r.choice(["HighErrorRate", "Http5xxRateHigh", "SLOErrorBudgetBurn"]),
                    caller, f"{caller.name} 5xx ratio above 5% for 5 minutes", alert_at,
                    metric=err))  # fmt: skip
    return ids


def add_noise(b: Builder, root: Svc, t0: float) -> list[str]:
    """Each drawn at random: an unrelated change, a healthy service with steady old error lines,
    an extra low-severity alert elsewhere. Returns what was added, for the scenario's summary."""
    r = b.rng
    added = []
    others = [s for s in b.topo.services if s.k8s and s.name != root.name]
    callers = [c for c, _, _ in b.topo.ancestors(root.name) if c.k8s]
    if others and r.random() < 0.6:
        pick = r.choice(["log_level", "flag", "caller_deploy"])
        if pick == "caller_deploy" and callers:
            c = r.choice(callers)
            after = b.onset.get(c.name, t0)  # minutes after this caller's own symptom began
            b.new_revision(c, after + r.uniform(4, 8), message="add request-id to access logs")
            added.append(f"deploy to {c.name} after the symptom")
        elif pick == "flag" or not callers:
            # a flag on a service outside the failure path: on a failing caller, just before
            # it fails, a flag could produce its symptom and would be no noise
            path = {c.name for c in callers}
            s = r.choice([o for o in others if o.name not in path] or others)
            flag = f"{word(r, 2)}_{r.choice(['beta', 'ui', 'v2', 'rollout'])}"
            b.change(t0 - r.uniform(5, 60), "feature_flag", s, "manual",
                     detail={"flag": flag, "from": False, "to": True})  # fmt: skip
            added.append(f"flag {flag} on {s.name}")
        else:
            s = r.choice(others)
            b.new_revision(s, t0 - r.uniform(5, 60), env={"LOG_LEVEL": "debug"},
                           message="more logging")  # fmt: skip
            added.append(f"LOG_LEVEL=debug on {s.name}")
    if others and r.random() < 0.5:
        s = r.choice(others)
        line = r.choice([
            'level=error msg="metrics push failed" err="context canceled"',
            "WARN deprecated config key cache.ttl, use cache.expiry",
            "ERROR failed to refresh feature flags: 304 Not Modified treated as error",
            "ERROR Unable to load native-hadoop library for your platform",
        ])  # fmt: skip
        b.log(s, line, at=-178, repeat=170, every=60)
        added.append(f"steady old errors on {s.name}")
    if others and r.random() < 0.5:
        s = r.choice(others)
        name, summary = r.choice([
            ("KubeHpaMaxedOut", f"HPA {b.ns}/{s.name} has been running at max replicas for 15 minutes"),  # noqa: E501
            ("CPUThrottlingHigh", f"27% throttling of CPU in namespace {b.ns} for container {s.container} in pod {s.pods[0]}"),  # noqa: E501
            ("KubePodNotReady", f"Pod {b.ns}/{s.pods[-1]} has been in a non-ready state for longer than 15 minutes"),  # noqa: E501
        ])  # fmt: skip
        b.alert(name, s, summary, t0 - r.uniform(-10, 40), severity=r.choice(["info", "warning"]))
        added.append(f"{name} on {s.name}")
    return added

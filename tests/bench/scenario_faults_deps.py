"""Fault classes of the generated bench around a service: datastores, disks, TLS, DNS, pools,
saturation and causes outside (the classes of ``scenario_faults.CLASSES``); lines as
``scenario_faults_pods.py`` says.
"""

from __future__ import annotations

from typing import Any

from scenario_faults_pods import ROLLBACK, _apps, _crash, _finish, _start, _uid
from scenario_gen import Builder, Svc, word
from scenario_spread import add_noise, call_failure_line, propagate


# --------------------------------------------------------------------------- datastores
def _db(b: Builder) -> Svc:
    return b.rng.choice(b.topo.of_tier("data"))


def _db_users(b: Builder, db: Svc) -> list[Svc]:
    return [c for c in b.topo.callers(db.name) if c.k8s]


Err = tuple[
    str, str, str
]  # Postgres: (severity, sqlstate, message); MySQL: (code, sqlstate, message)


def _client_line(b: Builder, u: Svc, db: Svc, host: str, err: Err) -> str:
    """A database's error as ``u``'s driver prints it: pgx / go-sql-driver, the PostgreSQL JDBC
    driver / Connector/J, psycopg2 (libpq's double space after the severity) / PyMySQL, node-pg /
    mysql2."""
    r = b.rng
    if db.engine == "postgres":
        sev, state, msg = err
        q = msg.replace('"', '\\"')  # logfmt escapes the quotes inside a quoted value
        ip = f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(2, 250)}"
        return {
            "go": f'level=error msg="query failed" db={host} err="{sev}: {q} (SQLSTATE {state})"',  # noqa: E501
            "java": f"org.postgresql.util.PSQLException: {sev}: {msg}",
            "python": f'psycopg2.OperationalError: connection to server at "{host}" ({ip}), port {db.port} failed: {sev}:  {msg}'  # noqa: E501
            if sev == "FATAL"
            else f"psycopg2.errors.ReadOnlySqlTransaction: {msg}",
            "node": f"error: {msg}",
        }[u.style]
    code, state, msg = err
    return {
        "go": f'level=error msg="query failed" db={host} err="Error {code} ({state}): {msg}"',
        "java": 'java.sql.SQLNonTransientConnectionException: Data source rejected establishment of connection,  message from server: "Too many connections"'  # noqa: E501
        if code == "1040"
        else f"java.sql.SQLException: {msg}",
        "python": f'pymysql.err.OperationalError: ({code}, "{msg}")',
        "node": f"Error: {msg}",
    }[u.style]


def _db_fault(b: Builder, pg: Err, my: Err, kind: str, what: str, *, metric: tuple[str, float]
              | None = None, change: bool = False) -> dict[str, Any]:  # fmt: skip
    r, db = b.rng, _db(b)
    t0 = -r.uniform(12, 45)
    if change:
        if r.random() < 0.5:  # the master password reset on the instance itself
            b.change(t0 - r.uniform(0.5, 3), "config", db, "cloudtrail",
                     detail={"event_name": "ModifyDBInstance", "db_instance": db.name,
                             "masterUserPassword": "****", "applyImmediately": True})  # fmt: skip
        else:  # the RDS-managed secret rotated: its name does not say which instance;
            # DescribeDBInstances' MasterUserSecret does (CloudTrail's RotateSecret carries
            # requestParameters.secretId, the sandbox puts the secret's real ARN there)
            secret = f"rds!db-{_uid(r)}"
            next(rds for rds in b.doc["aws"]["rds_instances"]
                 if rds["id"] == db.name)["master_user_secret"] = secret  # fmt: skip
            b.change(t0 - r.uniform(0.5, 3), "config", db, "cloudtrail",
                     detail={"event_name": "RotateSecret", "secretId": secret})  # fmt: skip
    users = _db_users(b, db)
    host = b.host_of(db).split(":")[0]
    for u in users:
        line = _client_line(b, u, db, host, pg if db.engine == "postgres" else my)
        b.log(u, line, at=t0 + r.uniform(0.1, 1), repeat=r.randint(40, 100), every=5)
        b.shift(u, "errors", t0 + 0.5, r.uniform(60, 300))
    if metric:
        b.set_to(db, metric[0], t0, metric[1])
    mid = b.metric_ids.get((db.name, metric[0])) if metric else None
    root = b.alert(r.choice(["RDSDatabaseErrors", "DatabaseConnectionErrors"]), db,
                   f"{db.name}: clients failing: {what}", t0 + r.uniform(2, 5), metric=mid,
                   fmt=r.choice(["cloudwatch_sns", "generic"]), labels={})  # fmt: skip
    propagate(b, db, t0 + 0.5, "errors", skip=())
    noise = add_noise(b, db, t0)
    return b.finish(f"{what}; noise: {', '.join(noise) or 'none'}", kind, db, None, root)


def db_too_many_connections(b: Builder) -> dict[str, Any]:
    """The database refuses new connections at its limit."""
    doc = _db_fault(b, ("FATAL", "53300", "sorry, too many clients already"),
                    ("1040", "08004", "Too many connections"), "database_unavailable",
                    "database at max connections", metric=("connections", 0))  # fmt: skip
    _fix_connections(b)
    return doc


def db_auth_failed(b: Builder) -> dict[str, Any]:
    """The database's credentials were rotated; every client's login is refused."""
    return _db_fault(b, ("FATAL", "28P01", 'password authentication failed for user "svc_app"'),
                     ("1045", "28000", "Access denied for user 'svc_app'@'10.0.3.17' (using password: YES)"),  # noqa: E501
                     "config_change", "database credentials rotated", change=True)  # fmt: skip


def db_read_only(b: Builder) -> dict[str, Any]:
    """Writes are refused: the endpoint answers read-only."""
    return _db_fault(b, ("ERROR", "25006", "cannot execute INSERT in a read-only transaction"),
                     ("1290", "HY000", "The MySQL server is running with the --read-only option so it cannot execute this statement"),  # noqa: E501
                     "database_unavailable", "database refuses writes (read-only)")  # fmt: skip


def _fix_connections(b: Builder) -> None:
    """The connections series at max for the too-many-clients class."""
    for m in b.doc["metrics"]:
        if m["name"] == "DatabaseConnections":
            for e in m["events"]:
                if e["to"] == 0:
                    db = next(rds for rds in b.doc["aws"]["rds_instances"]
                              if rds["id"] == m["service"])  # fmt: skip
                    e["to"] = db["max_connections"]


def disk_full(b: Builder) -> dict[str, Any]:
    """A volume fills: the program's writes fail with ENOSPC."""
    r = b.rng
    s = r.choice(b.topo.of_tier("cache", "queue") or _apps(b))
    t0 = -r.uniform(12, 45)
    line = {
        "cache": "Write error saving DB on disk: No space left on device",
        "queue": "Error when writing to disk: {error,enospc}",
    }.get(s.tier, r.choice([
        "java.io.IOException: No space left on device at java.base/java.io.FileOutputStream.writeBytes(Native Method)",  # noqa: E501
        f"OSError: [Errno 28] No space left on device: '/var/lib/{s.name}/spool/batch-{r.randint(1000, 9999)}.tmp'",  # noqa: E501
        f'level=error msg="write failed" err="write /data/{s.name}/segment.log: no space left on device"',  # noqa: E501
    ]))  # fmt: skip
    b.log(s, line, at=t0, repeat=r.randint(40, 100), every=10)
    client = {  # what a store's clients are told (Redis's stop-writes-on-bgsave-error)
        "cache": "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.",  # noqa: E501
        "queue": f"connection to amqp://{b.host_of(s)} blocked by the broker: low on disk",
    }.get(s.tier)
    for u in b.topo.callers(s.name) if client else []:
        if u.k8s:
            b.log(u, client or "", at=t0 + r.uniform(0.1, 1), repeat=r.randint(40, 90), every=10)
    disk = b.metric(s, "disk", "ContainerInsights", "pod_volume_used_percent", "Percent",
                    r.randint(50, 70), 0.5, {"Namespace": b.ns, "Service": s.name})  # fmt: skip
    b.set_to(s, "disk", t0 - 60, 97, shape="ramp", over=60)
    b.set_to(s, "disk", t0, 100)
    root = b.alert("KubePersistentVolumeFillingUp", s,
                   f"The PersistentVolume claimed by data-{s.name}-0 in Namespace {b.ns} has 0% free.",  # noqa: E501
                   t0 + r.uniform(1, 4), metric=disk, fmt="alertmanager")  # fmt: skip
    return _finish(b, s, t0, "errors", "disk_exhaustion", None, f"{s.name}'s volume full", root)


# --------------------------------------------------------------------------- network, TLS
def _callee_with_callers(b: Builder, tiers: tuple[str, ...]) -> Svc:
    cands = [s for s in b.topo.of_tier(*tiers) if b.topo.callers(s.name)]
    return b.rng.choice(cands)


def _tls(b: Builder, go: str, java: str, python: str, kind: str, what: str,
         change: bool) -> dict[str, Any]:  # fmt: skip
    r = b.rng
    s = _callee_with_callers(b, ("app",))
    t0 = -r.uniform(12, 45)
    host = b.host_of(s).split(":")[0]
    if change:
        b.change(t0 - r.uniform(0.5, 3), "infra", s, "manual",
                 detail={"message": f"reissue {host} certificate from the new internal CA"})  # fmt: skip  # noqa: E501
    else:
        b.doc["aws"].setdefault("acm_certificates", []).append(
            {"domain": host, "not_after": f"{round(t0 * 60)}s"}
        )
    for c in b.topo.callers(s.name):
        if not c.k8s:
            continue
        url = f"https://{host}:8443/v1/items"
        line = {
            "go": f'level=error msg="upstream call failed" err="Get \\"{url}\\": tls: failed to verify certificate: {go}"',  # noqa: E501
            "java": f'org.springframework.web.client.ResourceAccessException: I/O error on GET request for "{url}": {java}',  # noqa: E501
            "python": f"requests.exceptions.SSLError: HTTPSConnectionPool(host='{host}', port=8443): Max retries exceeded with url: /v1/items (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {python} (_ssl.c:1006)')))",  # noqa: E501
        }.get(c.style, f"FetchError: request to {url} failed, reason: {python}")
        b.log(c, line, at=t0 + r.uniform(0, 0.5), repeat=r.randint(40, 100), every=5)
    errs = propagate(b, s, t0, "errors", skip=tuple(c.name for c in b.topo.callers(s.name)))
    first = b.topo.callers(s.name)[0]
    err = b.shift(first, "errors", t0, r.uniform(60, 300))
    root = b.alert("HighErrorRate", first, f"{first.name} 5xx ratio above 5%",
                   t0 + r.uniform(2, 4), metric=err)  # fmt: skip
    noise = add_noise(b, s, t0)
    del errs
    return b.finish(f"{what}; noise: {', '.join(noise) or 'none'}", kind, s, None, root)


def tls_expired(b: Builder) -> dict[str, Any]:
    """A service's serving certificate ran out; its callers' TLS clients refuse it."""
    return _tls(b, "x509: certificate has expired or is not yet valid: current time 2026-01-01T00:00:00Z is after 2025-12-31T23:59:59Z",  # noqa: E501
                "sun.security.validator.ValidatorException: PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed",  # noqa: E501
                "certificate has expired", "certificate_expiry", "serving certificate expired",
                change=False)  # fmt: skip


def tls_unknown_authority(b: Builder) -> dict[str, Any]:
    """A service's certificate was reissued from a CA its callers do not trust."""
    return _tls(b, "x509: certificate signed by unknown authority",
                "sun.security.validator.ValidatorException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target",  # noqa: E501
                "unable to get local issuer certificate", "config_change",
                "certificate reissued from an untrusted CA", change=True)  # fmt: skip


def dns_no_such_host(b: Builder) -> dict[str, Any]:
    """A config change points a service at a host name that does not resolve."""
    r = b.rng
    cands = [s for s in _apps(b) if s.depends_on]
    s = r.choice(cands or _apps(b))
    t0 = -r.uniform(12, 45)
    bad = f"{word(r, 2)}.{b.ns}.svc.cluster.local"
    key = "UPSTREAM_URL"
    if s.depends_on:
        key = f"{s.depends_on[0].upper().replace('-', '_')}_URL"
    b.new_revision(s, t0 - r.uniform(0.5, 3), env={key: f"http://{bad}:8080"},
                   message="point at the new endpoint")  # fmt: skip
    line = {
        "go": f'level=error msg="upstream call failed" err="Get \\"http://{bad}:8080/v1/items\\": dial tcp: lookup {bad} on 172.20.0.10:53: no such host"',  # noqa: E501
        "java": f'org.springframework.web.client.ResourceAccessException: I/O error on GET request for "http://{bad}:8080/v1/items": {bad}',  # noqa: E501
        "python": f"requests.exceptions.ConnectionError: HTTPConnectionPool(host='{bad}', port=8080): Max retries exceeded with url: /v1/items (Caused by NameResolutionError(\"<urllib3.connection.HTTPConnection object at 0x7f2b3c4d5e60>: Failed to resolve '{bad}' ([Errno -2] Name or service not known)\"))",  # noqa: E501
        "node": f"Error: getaddrinfo ENOTFOUND {bad}",
    }[s.style]
    b.log(s, line, at=t0, repeat=80, every=5)
    err = b.shift(s, "errors", t0, r.uniform(60, 300))
    root = b.alert("HighErrorRate", s, f"{s.name} 5xx ratio above 5%", t0 + r.uniform(2, 5),
                   metric=err)  # fmt: skip
    return _finish(b, s, t0, "errors", "config_change", ROLLBACK,
                   f"{s.name} points at {bad}, which does not resolve", root)  # fmt: skip


# --------------------------------------------------------------------------- saturation
def pool_exhausted(b: Builder) -> dict[str, Any]:
    """The service's own connection pool is exhausted (the database is idle and healthy)."""
    r = b.rng
    cands = [s for s in _apps(b) if any(b.topo.get(d).tier == "data" for d in s.depends_on)]
    s = r.choice(cands or _apps(b))
    t0 = -r.uniform(12, 45)
    line = {
        "java": f"HikariPool-1 - Connection is not available, request timed out after {r.choice([30000, 10000])}ms.",  # noqa: E501
        "python": f"sqlalchemy.exc.TimeoutError: QueuePool limit of size {r.choice([5, 10, 20])} overflow 10 reached, connection timed out, timeout 30.00 (Background on this error at: https://sqlalche.me/e/20/3o7r)",  # noqa: E501
        "go": 'level=error msg="query failed" err="FATAL: no more connections allowed (max_client_conn) (SQLSTATE 08P01)"',  # noqa: E501 - pgbouncer's refusal, as pgx prints it
        "node": "KnexTimeoutError: Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call?",  # noqa: E501
    }[s.style]
    b.log(s, line, at=t0, repeat=r.randint(60, 120), every=5)
    err = b.shift(s, "errors", t0, r.uniform(60, 300))
    b.shift(s, "latency", t0, r.uniform(20, 80))
    root = b.alert("HighErrorRate", s, f"{s.name} 5xx ratio above 5%", t0 + r.uniform(2, 5),
                   metric=err)  # fmt: skip
    return _finish(b, s, t0, "slow", "connection_pool_exhaustion", None,
                   f"{s.name}'s connection pool exhausted", root)  # fmt: skip


def cpu_saturation(b: Builder) -> dict[str, Any]:
    """The service's CPU pins at its limit with steady traffic; it answers slowly."""
    r, s = b.rng, b.rng.choice(_apps(b))
    t0 = -r.uniform(12, 45)
    cpu = b.set_to(s, "cpu", t0 - 2, r.uniform(96, 100), shape="ramp", over=2)
    lat = b.shift(s, "latency", t0, r.uniform(8, 30))
    root = b.alert(r.choice(["CPUThrottlingHigh", "ContainerCpuUsageHigh"]), s,
                   f"{s.name} CPU at {r.randint(96, 100)}% of its limit", t0 + r.uniform(1, 4),
                   metric=cpu, fmt="alertmanager")  # fmt: skip
    b.alert("HighLatencyP99", s, f"{s.name} p99 latency above its objective", t0 + 3, metric=lat)
    b.effect("k8s.scale_deployment", s, [m for m in [cpu, lat] if m])
    return _finish(b, s, t0, "slow", "cpu_saturation", "k8s.scale_deployment",
                   f"{s.name} CPU-saturated", root)  # fmt: skip


def memory_leak(b: Builder) -> dict[str, Any]:
    """Memory climbs for hours, then the pods are OOMKilled and restart."""
    r, s = b.rng, b.rng.choice(_apps(b))
    t0 = -r.uniform(12, 45)
    b.set_to(s, "memory", -170, 100, shape="ramp", over=170 + t0)
    _crash(b, s, t0, 137, "OOMKilled", [_start(b, s)])
    for pod in b.pods[s.name]:  # restarted once, running again and climbing
        c = pod["containers"][0]
        c.update(ready=True, state={"running": {"started_at": f"{round(t0 * 30)}s"}},
                 restart_count=r.randint(1, 3))  # fmt: skip
    mem = b.metric_ids.get((s.name, "memory"))
    root = b.alert("ContainerMemoryNearLimit", s, f"{s.name} memory at 98% of its limit",
                   t0 - 5, metric=mem, severity="warning", fmt="alertmanager")  # fmt: skip
    b.effect("k8s.restart_deployment", s, [m for m in [mem] if m])
    return _finish(b, s, t0, "errors", "memory_leak", "k8s.restart_deployment",
                   f"{s.name} leaks memory until OOMKilled", root)  # fmt: skip


# --------------------------------------------------------------------------- outside
def third_party(b: Builder) -> dict[str, Any]:
    """A provider's API answers 503 or times out; its callers log its host."""
    r = b.rng
    ext = b.topo.of_tier("external")[0]
    t0 = -r.uniform(12, 45)
    ids = propagate(b, ext, t0, r.choice(["errors", "slow"]))
    noise = add_noise(b, ext, t0)
    unwired = r.random() < 0.5
    if unwired:  # the service map lists the provider, but no edge to it was ever drawn
        for s in b.topo.services:
            if ext.name in s.depends_on:
                s.depends_on.remove(ext.name)  # the scenario's services hold these lists
    what = f"{ext.host} failing{' (no edge to it in the graph)' if unwired else ''}"
    return b.finish(f"{what}; noise: {', '.join(noise) or 'none'}",
                    "dependency_failure", ext, None, ids[0] if ids else None)  # fmt: skip


def zone_event(b: Builder) -> dict[str, Any]:
    """An AWS Health operational issue in one Availability Zone: the service's pods on nodes in
    that zone time out calling their datastore, the others are fine."""
    r = b.rng
    cands = [s for s in _apps(b) if s.depends_on]
    s = r.choice(cands or _apps(b))
    t0 = -r.uniform(12, 45)
    zone = r.choice(b.zones)
    zone_nodes = [n for n in b.nodes if b.node_zone[n] == zone]
    bad = b.pods[s.name][: max(1, len(b.pods[s.name]) // 2)]
    for pod in bad:
        pod["node"] = r.choice(zone_nodes)
        pod["containers"][0]["ready"] = False
    for node in b.doc["kubernetes"]["nodes"]:
        if node["name"] in zone_nodes:
            node["conditions"]["NetworkUnavailable"] = True
    callee = b.topo.get(s.depends_on[0])

    b.log(s, call_failure_line(b, s, callee, "slow"), at=t0, repeat=80, every=5,
          pods=[p["name"] for p in bad])  # fmt: skip
    err = b.shift(s, "errors", t0, r.uniform(40, 200))
    code = r.choice(["AWS_EC2_OPERATIONAL_ISSUE", "AWS_VPC_OPERATIONAL_ISSUE"])
    az = (
        f"{b.region.split('-')[0][:2]}{b.region.split('-')[1][0]}{b.region[-1]}-az{r.randint(1, 6)}"  # noqa: E501
    )
    health = b.alert(
        f"AWS Health {code}", None,
        f"We are investigating increased network connectivity issues for instances in a single "
        f"Availability Zone ({az.upper()}) in the {b.region.upper()} Region.",
        t0 + r.uniform(3, 10), fmt="generic", severity="critical",
        labels={"aws_service": code.split("_")[1], "resource": zone})  # fmt: skip
    root = b.alert("HighErrorRate", s, f"{s.name} 5xx ratio above 5%", t0 + r.uniform(2, 4),
                   metric=err)  # fmt: skip
    del health
    return _finish(b, s, t0, "errors", "network_partition", None,
                   f"{zone} network issue (AWS Health) hits {s.name}'s pods there", root)  # fmt: skip  # noqa: E501


#: class name → (fault, what the topology must hold)

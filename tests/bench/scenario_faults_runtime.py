"""Fault classes of the generated bench that datastores, runtimes and the cloud's APIs report (the
classes of ``scenario_faults.CLASSES``): a database instance down, Redis at ``maxmemory`` and
Redis loading, lock waits, the JVM's heap, file descriptors, AWS API throttling.

Every line is written as the system or its client library prints it, from its public
documentation or source (each class's docstring names it), never from our signature patterns.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from scenario_faults_pods import ROLLBACK, _apps, _crash, _finish, _start, _uid
from scenario_gen import Builder, Svc
from scenario_spread import add_noise, propagate


def _users(b: Builder, store: Svc) -> list[Svc]:
    return [c for c in b.topo.callers(store.name) if c.k8s]


def _ip(b: Builder) -> str:
    r = b.rng
    return f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(2, 250)}"


def _store_fault(b: Builder, store: Svc, t0: float, lines: dict[str, str], kind: str,
                 what: str, root: str | None, mode: str = "errors") -> dict[str, Any]:  # fmt: skip
    """Every client of ``store`` logs its line (by its style), errs, and its callers follow."""
    r = b.rng
    for u in _users(b, store):
        b.log(u, lines[u.style], at=t0 + r.uniform(0.1, 1), repeat=r.randint(40, 100), every=5)
        b.shift(u, "errors", t0 + 0.5, r.uniform(60, 300))
        if mode == "slow":
            b.shift(u, "latency", t0 + 0.5, r.uniform(8, 40))
    ids = propagate(b, store, t0 + 0.5, mode)
    noise = add_noise(b, store, t0)
    return b.finish(f"{what}; noise: {', '.join(noise) or 'none'}", kind, store, None,
                    root or (ids[0] if ids else None))  # fmt: skip


# --------------------------------------------------------------------------- database down
def db_instance_down(b: Builder) -> dict[str, Any]:
    """Someone stops the RDS instance (CloudTrail ``StopDBInstance``; the instance's status
    ``stopped``, RDS event RDS-EVENT-0087 "DB instance stopped"): its endpoint still resolves,
    nothing answers, and every client's connect times out as its driver says it (pgx's
    "failed to connect … dial error", PgJDBC's "The connection attempt failed.", libpq's
    "Connection timed out", Connector/J's "Communications link failure", PyMySQL's 2003,
    node-postgres's "Connection terminated due to connection timeout", mysql2's ETIMEDOUT).
    No registry action starts an instance, so the truth has no fix."""
    r = b.rng
    db = r.choice(b.topo.of_tier("data"))
    t0 = -r.uniform(12, 45)
    next(i for i in b.doc["aws"]["rds_instances"] if i["id"] == db.name)["status"] = "stopped"
    b.change(t0 - r.uniform(0.2, 1), "infra", db, "cloudtrail",
             detail={"event_name": "StopDBInstance", "db_instance": db.name})  # fmt: skip
    host = b.host_of(db).split(":")[0]
    ip = _ip(b)
    if db.engine == "postgres":
        lines = {
            "go": f'level=error msg="query failed" err="failed to connect to `host={host} user=svc_app database=app`: dial error (dial tcp {ip}:5432: connect: connection timed out)"',  # noqa: E501
            "java": "org.postgresql.util.PSQLException: The connection attempt failed.",
            "python": f'psycopg2.OperationalError: connection to server at "{host}" ({ip}), port 5432 failed: Connection timed out Is the server running on that host and accepting TCP/IP connections?',  # noqa: E501
            "node": "Error: Connection terminated due to connection timeout",
        }
    else:
        lines = {
            "go": f'level=error msg="query failed" err="dial tcp {ip}:3306: i/o timeout"',
            "java": "com.mysql.cj.jdbc.exceptions.CommunicationsException: Communications link failure The last packet sent successfully to the server was 0 milliseconds ago. The driver has not received any packets from the server.",  # noqa: E501
            "python": f"pymysql.err.OperationalError: (2003, \"Can't connect to MySQL server on '{host}' (timed out)\")",  # noqa: E501
            "node": "Error: connect ETIMEDOUT",
        }
    b.set_to(db, "connections", t0, 0)
    b.set_to(db, "cpu", t0, 0)
    root = None
    if r.random() < 0.5:
        root = b.alert("RDS-EVENT-0087", db, f"DB instance stopped: {db.name}",
                       t0 + r.uniform(0.5, 2), fmt="cloudwatch_sns", labels={},
                       severity="warning")  # fmt: skip
    return _store_fault(b, db, t0, lines, "database_unavailable",
                        f"RDS instance {db.name} stopped", root, mode="slow")  # fmt: skip


# --------------------------------------------------------------------------- Redis
def _cache(b: Builder) -> Svc:
    return b.rng.choice(b.topo.of_tier("cache"))


def redis_oom(b: Builder) -> dict[str, Any]:
    """Redis at its ``maxmemory`` with the ``noeviction`` policy refuses writes with "OOM
    command not allowed when used memory > 'maxmemory'." (redis.io "Key eviction"; the reply
    as go-redis, Jedis, redis-py's ``OutOfMemoryError`` (its code stripped) and ioredis's
    ``ReplyError`` print it);
    redis_exporter's used/max memory ratio at 100%. No registry action raises ``maxmemory``."""
    r, c = b.rng, _cache(b)
    t0 = -r.uniform(12, 45)
    oom = "OOM command not allowed when used memory > 'maxmemory'."
    lines = {
        "go": f'level=error msg="cache write failed" err="{oom}"',
        "java": f"redis.clients.jedis.exceptions.JedisDataException: {oom}",
        # redis-py strips the error code into the exception's class (_parsers/base.py)
        "python": f"redis.exceptions.OutOfMemoryError: {oom.removeprefix('OOM ')}",
        "node": f"ReplyError: {oom}",
    }
    dims = {"namespace": b.ns, "service": c.name}
    mem = b.metric(c, "redis_memory", "Prometheus", "redis_memory_used_ratio_of_max", "Percent",
                   r.randint(40, 70), 1, dims)  # fmt: skip
    b.set_to(c, "redis_memory", t0 - 60, 99, shape="ramp", over=60)
    b.set_to(c, "redis_memory", t0, 100)
    root = b.alert("RedisOutOfConfiguredMaxmemory", c,
                   f"Redis {c.name} is running out of configured maxmemory (> 90%)",
                   t0 + r.uniform(1, 3), metric=mem, severity="warning", fmt="alertmanager",
                   labels={"namespace": b.ns})  # fmt: skip
    return _store_fault(b, c, t0, lines, "database_unavailable",
                        f"Redis {c.name} at maxmemory (noeviction)", root)  # fmt: skip


def redis_loading(b: Builder) -> dict[str, Any]:
    """Redis's pods were rescheduled and load a large RDB file: until it is in memory every
    command gets "LOADING Redis is loading the dataset in memory" (redis.io "Redis
    persistence"; the server's "Loading RDB produced by version …" and "DB loaded from disk"
    lines; the reply as go-redis, Jedis, redis-py's ``BusyLoadingError`` and ioredis print it).
    Nothing to roll back or restart: a restart starts the load again."""
    r, c = b.rng, _cache(b)
    t0 = -r.uniform(12, 45)
    load = "LOADING Redis is loading the dataset in memory"
    lines = {
        "go": f'level=error msg="cache read failed" err="{load}"',
        "java": f"redis.clients.jedis.exceptions.JedisDataException: {load}",
        "python": "redis.exceptions.BusyLoadingError: Redis is loading the dataset in memory",
        "node": f"ReplyError: {load}",
    }
    ver = b.deployments[c.name]["revisions"][-1]["image"].rsplit(":", 1)[1]
    for pod in b.pods[c.name]:
        pod["containers"][0].update(
            ready=False, state={"running": {"started_at": f"{round(t0 * 60)}s"}}
        )  # noqa: E501
    started = datetime.fromisoformat(b.doc["now"].replace("Z", "+00:00")) + timedelta(minutes=t0)
    stamp = started.strftime("%d %b %Y %H:%M:%S.") + f"{started.microsecond // 1000:03d}"
    b.log(c, f"1:M {stamp} * Loading RDB produced by version {ver}", at=t0, level="INFO")
    b.log(c, f"1:M {stamp} * RDB age {r.randint(8, 60)} seconds", at=t0 + 0.01, level="INFO")
    b.log(c, f"1:M {stamp} * RDB memory usage when created {r.uniform(8, 40):.2f} Gb",
          at=t0 + 0.02, level="INFO")  # fmt: skip
    return _store_fault(b, c, t0, lines, "database_unavailable",
                        f"Redis {c.name} loading its dataset after a reschedule", None)  # fmt: skip


# --------------------------------------------------------------------------- lock waits
def db_lock_wait(b: Builder) -> dict[str, Any]:
    """A new version of one client holds row locks in a long transaction; every client of the
    database waits and times out: MySQL's 1205 "Lock wait timeout exceeded; try restarting
    transaction" (MySQL error reference, ``innodb_lock_wait_timeout``), PostgreSQL's 55P03
    "canceling statement due to lock timeout" (``lock_timeout``), as the drivers print them.
    The fix is the deploy's rollback."""
    r = b.rng
    db = r.choice([d for d in b.topo.of_tier("data") if _users(b, d)])
    t0 = -r.uniform(12, 45)
    users = _users(b, db)
    culprit = r.choice(users)
    b.new_revision(culprit, t0 - r.uniform(0.5, 3), message="nightly totals in one transaction")
    if db.engine == "mysql":
        msg = "Lock wait timeout exceeded; try restarting transaction"
        lines = {
            "go": f'level=error msg="query failed" err="Error 1205 (HY000): {msg}"',
            "java": f"com.mysql.cj.jdbc.exceptions.MySQLTransactionRollbackException: {msg}",
            "python": f"pymysql.err.OperationalError: (1205, '{msg}')",
            "node": f"Error: {msg}",
        }
    else:
        msg = "canceling statement due to lock timeout"
        lines = {
            "go": f'level=error msg="query failed" err="ERROR: {msg} (SQLSTATE 55P03)"',
            "java": f"org.postgresql.util.PSQLException: ERROR: {msg}",
            "python": f"psycopg2.errors.LockNotAvailable: {msg}",
            "node": f"error: {msg}",
        }
    for u in users:
        b.log(u, lines[u.style], at=t0 + r.uniform(0.1, 1), repeat=r.randint(30, 90), every=5)
        b.shift(u, "latency", t0 + 0.3, r.uniform(10, 50))
    err = b.shift(culprit, "errors", t0 + 0.3, r.uniform(40, 200))
    root = b.alert("HighErrorRate", culprit, f"{culprit.name} 5xx ratio above 5%",
                   t0 + r.uniform(2, 5), metric=err)  # fmt: skip
    b.effect(ROLLBACK, culprit, [m for m in [err] if m])
    return _finish(b, culprit, t0, "slow", "deployment_regression", ROLLBACK,
                   f"{culprit.name}'s new long transaction holds locks on {db.name}", root)  # fmt: skip  # noqa: E501


# --------------------------------------------------------------------------- runtimes
def java_heap(b: Builder) -> dict[str, Any]:
    """A JVM's heap fills over hours: "java.lang.OutOfMemoryError: Java heap space" (Oracle's
    "Troubleshooting Guide", Understand the OutOfMemoryError Exception). With
    ``-XX:+ExitOnOutOfMemoryError`` the JVM exits ("Terminating due to
    java.lang.OutOfMemoryError: Java heap space", exit 3) and restarts; without it request
    threads die and the service answers 500. The heap, not the container: never OOMKilled.
    A restart frees the heap for a while."""
    r = b.rng
    s = r.choice([a for a in b.topo.of_tier("app", "edge") if a.style == "java"])
    t0 = -r.uniform(12, 45)
    heap = b.metric(s, "heap", "Prometheus", "jvm_memory_used_ratio_of_max", "Percent",
                    r.randint(35, 55), 2, {"namespace": b.ns, "service": s.name, "area": "heap"})  # fmt: skip  # noqa: E501
    b.set_to(s, "heap", -170, 99, shape="ramp", over=170 + t0)
    oom = "java.lang.OutOfMemoryError: Java heap space"
    if r.random() < 0.5:
        _crash(b, s, t0, 3, "Error", [_start(b, s), f"Terminating due to {oom}"])
        for pod in b.pods[s.name]:  # restarted, running again and climbing
            pod["containers"][0].update(ready=True, restart_count=r.randint(1, 3),
                                        state={"running": {"started_at": f"{round(t0 * 30)}s"}})  # fmt: skip  # noqa: E501
        how = "exits 3 on"
    else:
        b.log(s, f'Exception in thread "http-nio-{s.port}-exec-{r.randint(1, 200)}" {oom}',
              at=t0, repeat=r.randint(30, 90), every=10)  # fmt: skip
        b.log(s, b.access_line(s, 500), at=t0, repeat=60, every=5, level="WARN")
        how = "answers 500 on"
    err = b.shift(s, "errors", t0, r.uniform(40, 200))
    root = b.alert("JvmHeapNearMax", s, f"{s.name} JVM heap above 95% of max", t0 - 5,
                   metric=heap, severity="warning", fmt="alertmanager")  # fmt: skip
    b.effect("k8s.restart_deployment", s, [m for m in [heap, err] if m])
    return _finish(b, s, t0, "errors", "memory_leak", "k8s.restart_deployment",
                   f"{s.name} {how} Java heap space", root)  # fmt: skip


def too_many_open_files(b: Builder) -> dict[str, Any]:
    """A new version leaks sockets until the process hits its open-file limit: EMFILE
    ("Too many open files", errno(3)); Go's net/http server logs "http: Accept error: … too
    many open files; retrying in …", the JVM's "java.net.SocketException: Too many open files",
    CPython's "[Errno 24]", Node's "EMFILE"; ``process_open_fds`` climbs to
    ``process_max_fds`` (the Prometheus client libraries' standard process metrics)."""
    r, s = b.rng, b.rng.choice(_apps(b))
    t0 = -r.uniform(12, 45)
    b.new_revision(s, t0 - r.uniform(20, 60), message="reuse upstream clients per tenant")
    limit = r.choice([1024, 65536])
    fds = b.metric(s, "fds", "Prometheus", "process_open_fds", "Count", r.randint(40, 200), 5,
                   {"namespace": b.ns, "service": s.name})  # fmt: skip
    b.set_to(s, "fds", t0 - 30, limit, shape="ramp", over=30)
    line = {
        "go": f"http: Accept error: accept tcp [::]:{s.port}: accept4: too many open files; retrying in 1s",  # noqa: E501
        "java": "java.net.SocketException: Too many open files",
        "python": "OSError: [Errno 24] Too many open files",
        "node": "Error: accept EMFILE",
    }[s.style]
    b.log(s, line, at=t0, repeat=r.randint(40, 100), every=5)
    err = b.shift(s, "errors", t0, r.uniform(60, 300))
    root = b.alert("HighErrorRate", s, f"{s.name} 5xx ratio above 5%", t0 + r.uniform(2, 5),
                   metric=err)  # fmt: skip
    b.effect(ROLLBACK, s, [m for m in [err, fds] if m])
    return _finish(b, s, t0, "errors", "deployment_regression", ROLLBACK,
                   f"{s.name}'s new version leaks file descriptors (EMFILE)", root)  # fmt: skip


# --------------------------------------------------------------------------- cloud APIs
def aws_throttling(b: Builder) -> dict[str, Any]:
    """A new version reads an SSM parameter on every request instead of at start: the account's
    GetParameter rate is exceeded and the SDK gives up after its retries: "ThrottlingException:
    Rate exceeded" (AWS Systems Manager quotas; botocore's "An error occurred
    (ThrottlingException) when calling the GetParameter operation (reached max retries: 4):
    Rate exceeded", the Go SDK v2's "operation error SSM: GetParameter, exceeded maximum
    number of attempts", the Java SDK v2's ``SsmException``). The fix is the rollback."""
    r, s = b.rng, b.rng.choice(_apps(b))
    t0 = -r.uniform(12, 45)
    b.new_revision(s, t0 - r.uniform(0.5, 3), message="read feature limits from SSM")
    rid = _uid(r)
    line = {
        "go": f'level=error msg="load limits" err="operation error SSM: GetParameter, exceeded maximum number of attempts, 3, https response error StatusCode: 400, RequestID: {rid}, api error ThrottlingException: Rate exceeded"',  # noqa: E501
        "java": f"software.amazon.awssdk.services.ssm.model.SsmException: Rate exceeded (Service: Ssm, Status Code: 400, Request ID: {rid})",  # noqa: E501
        "python": "botocore.exceptions.ClientError: An error occurred (ThrottlingException) when calling the GetParameter operation (reached max retries: 4): Rate exceeded",  # noqa: E501
        "node": "ThrottlingException: Rate exceeded",
    }[s.style]
    b.log(s, line, at=t0, repeat=r.randint(40, 100), every=5)
    err = b.shift(s, "errors", t0, r.uniform(60, 300))
    b.shift(s, "latency", t0, r.uniform(3, 10))
    root = b.alert("HighErrorRate", s, f"{s.name} 5xx ratio above 5%", t0 + r.uniform(2, 5),
                   metric=err)  # fmt: skip
    b.effect(ROLLBACK, s, [m for m in [err] if m])
    return _finish(b, s, t0, "errors", "deployment_regression", ROLLBACK,
                   f"{s.name}'s new version is throttled by SSM GetParameter", root)  # fmt: skip

"""Generic vocabularies: which signal a metric measures, which signature a log line carries.

These are facts about widely used software and metric names (CloudWatch, Prometheus exporters,
HikariCP, the JVM, Go, Lambda, ECS, PostgreSQL), never about a particular service.
"""

from __future__ import annotations

import re

# (signal, pattern over "namespace/name") in priority order.
_METRIC_SIGNALS: list[tuple[str, re.Pattern[str]]] = [
    (sig, re.compile(pat, re.I))
    for sig, pat in [
        ("throttles", r"throttl"),
        ("concurrency", r"concurrentexecutions|concurrency"),
        ("pool_pending", r"(pool|connections?)_?pending|pending_?(connections?|threads)"),
        ("pool_active", r"(pool|hikari\w*)_?connections_?active|connections_active"),
        ("restarts", r"restart"),
        ("healthy_hosts", r"healthyhostcount"),
        ("availability", r"replicas_available|runningtaskcount|available"),
        ("pending_tasks", r"pendingtaskcount"),
        ("backlog", r"messagesvisible|queue_?(depth|length|size)|backlog|consumer_?lag"),
        ("desired", r"desired"),
        ("disk", r"disk|volume_?used|filesystem|storage_?used|freestoragespace"),
        ("memory", r"mem(ory)?"),
        ("cpu", r"cpu|procstat"),
        ("errors", r"5xx|(^|_)5\d\d(_|Error)|errors?(rate|count)?$|error_?rate|failed|failure"),
        ("latency", r"latency|responsetime|duration|p99|response_time"),
        ("queue_age", r"ageofoldest|queue.*age|eventage"),
        ("connections", r"connections"),
        ("traffic", r"requestcount|requests|invocations|putrequests|getrequests|throughput"),
    ]
]


def metric_signal(namespace: str, name: str) -> str:
    """The signal a metric measures: ``cpu``, ``latency``, ``errors``, ``disk``… or ``other``."""
    text = f"{namespace}/{name}"
    for signal, pattern in _METRIC_SIGNALS:
        if pattern.search(name) or (signal == "cpu" and pattern.search(text) and "cpu" in name):
            return signal
    return "other"


# Log signatures: (signature, pattern). Checked on every mined template's example line.
_LOG_SIGNATURES: list[tuple[str, re.Pattern[str]]] = [
    (sig, re.compile(pat, re.I))
    for sig, pat in [
        (
            "image_pull",
            r"CannotPullContainerError|ErrImagePull|ImagePullBackOff|manifest .*not found"
            r"|pull access denied|failed to resolve ref",
        ),
        (
            "pool_exhausted",
            r"Connection is not available, request timed out|pool (is )?exhausted"
            r"|too many clients|remaining connection slots|QueuePool limit|timeout acquiring",
        ),
        (
            "config_error",
            r"invalid configuration|parse error|unknown unit|missing required"
            r"|config(uration)? (error|invalid)|unable to parse|invalid value for",
        ),
        (
            "db_shutdown",
            r"database system is shut down|could not map anonymous shared memory"
            r"|the database system is (starting up|in recovery)",
        ),
        ("oom", r"out of memory|OOMKill|OutOfMemoryError|Cannot allocate memory|MemoryError"),
        ("function_timeout", r"Task timed out after|function timed out"),
        ("throttled", r"Rate exceeded|TooManyRequestsException|throttl"),
        (
            "connection_refused",
            r"connection refused|Connection to \S+ refused|ECONNREFUSED|could not connect"
            r"|failed to connect|is the server running",
        ),
        (
            "upstream_timeout",
            r"read timeout|upstream request failed|upstream timed out"
            r"|context deadline exceeded|gateway time-?out|slow:",
        ),
        ("worker_timeout", r"WORKER TIMEOUT"),
        ("disk_full", r"No space left on device|disk full|could not extend file"),
        ("cert_expired", r"certificate (has )?expired|x509: certificate|CERT_HAS_EXPIRED"),
        (
            "slow_query",
            r"LOG:\s+duration: \d{4,}(\.\d+)? ms|slow query|statement timeout"
            r"|canceling statement due to|Query_time:\s*\d|Rows_examined:\s*\d",
        ),
        ("tasks_failed", r"tasks failed to start|TaskFailedToStart|deployment failed"),
        ("auth_failure", r"Failed password|Invalid user|authentication failure"),
        ("anonymous_access", r"ANONYMOUS_PRINCIPAL|anonymous access"),
        ("retry_storm", r"retrying immediately"),
        ("cold_start", r"Init Duration: \d"),
    ]
]


_SLOW_LOG_SOURCE = re.compile(r"slow[_-]?(query|queries|log)", re.I)


def source_signature(source: str) -> str | None:
    """A signature every line of a source carries by what the source is: a database's slow-query
    log only holds queries slower than its threshold."""
    return "slow_query" if _SLOW_LOG_SOURCE.search(source) else None


def log_signature(text: str) -> str | None:
    for signature, pattern in _LOG_SIGNATURES:
        if pattern.search(text):
            return signature
    return None


# Environment / parameter keys that size a pool, a timeout or memory.
_KEY_CLASSES: list[tuple[str, re.Pattern[str]]] = [
    ("pool", re.compile(r"pool|max_?conn|connections", re.I)),
    ("timeout", re.compile(r"timeout|ttl|deadline", re.I)),
    ("memory", re.compile(r"mem|heap|xmx|buffers", re.I)),
    ("workers", re.compile(r"workers|threads|concurrency", re.I)),
]


def key_class(key: str) -> str:
    for cls, pattern in _KEY_CLASSES:
        if pattern.search(key):
            return cls
    return "other"


SENSITIVE_PORTS = {
    22: "SSH",
    3389: "RDP",
    3306: "MySQL",
    5432: "PostgreSQL",
    6379: "Redis",
    27017: "MongoDB",
    9200: "Elasticsearch",
    11211: "Memcached",
    23: "Telnet",
    21: "FTP",
    1433: "SQL Server",
    5601: "Kibana",
    2375: "Docker API",
}
PUBLIC_WEB_PORTS = {80, 443}

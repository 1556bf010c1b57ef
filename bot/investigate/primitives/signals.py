"""Generic vocabularies: which signal a metric measures, which class a setting's key belongs to.

These are facts about widely used software and metric names (CloudWatch, Prometheus exporters,
HikariCP, the JVM, Go, Lambda, ECS, PostgreSQL), never about a particular service. What a log
line, an event or an exit code says went wrong is the failure-signature catalogue's
(``playbooks/signatures``, matched by ``bot.investigate.signatures``).
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
        # Kafka's consumer lag, as the group's metric or the client's (records_lag_max)
        (
            "backlog",
            r"messagesvisible|queue_?(depth|length|size)|backlog|consumer_?(group_?)?lag"
            r"|records_?lag",
        ),
        ("desired", r"desired"),
        ("disk", r"disk|volume_?used|filesystem|storage_?used|freestoragespace"),
        ("memory", r"mem(ory)?"),
        ("cpu", r"cpu|procstat"),
        # a ratio of failed calls counts as errors: span metrics' error ratio, a load generator's
        # share of non-2xx answers; so do requests selected by a 4xx / 5xx response code (a
        # Prometheus selector on Istio's or an ingress' response_code / status label)
        (
            "errors",
            r"5xx|(^|_)5\d\d(_|Error)|errors?(rate|count)?$|error_?rat(e|io)|failed|failure"
            r"|non_?2xx|(response_?code|status(_?code)?)=~?\"?[45](\d\d|\.\.)",
        ),
        ("latency", r"latency|responsetime|duration|p99|response_time"),
        ("queue_age", r"ageofoldest|queue.*age|eventage"),
        # Istio's TCP counters count connections opened / closed towards a workload: its
        # traffic, not a pool's or a database's connection count
        # (https://istio.io/latest/docs/reference/config/metrics/#metrics)
        ("traffic", r"tcp_connections_(opened|closed)"),
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

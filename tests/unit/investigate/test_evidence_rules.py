"""Generic evidence rules: what a change's detail says it set, slow-query sources, and binding
account-level findings to the service whose alerts name them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.investigate.plan import alert_texts
from bot.investigate.primitives.base import Scope, alert_owner
from bot.investigate.primitives.config_diff import detail_diffs, direction
from bot.investigate.primitives.signals import metric_signal
from bot.investigate.signatures import match_line, match_source


@pytest.mark.parametrize(
    ("detail", "want"),
    [
        (
            {"parameter": "max_connections", "old_value": "400", "new_value": "60"},
            [("max_connections", "400", "60")],
        ),
        ({"function": "f", "timeout": 2, "previous_timeout": 10}, [("timeout", 10, 2)]),
        ({"memory_size": 512, "memory_size_old": 1024}, [("memory_size", 1024, 512)]),
        ({"function": "f", "timeout": 3, "memory_size": 256}, []),
    ],
)
def test_detail_diffs(detail: dict[str, object], want: list[tuple[str, object, object]]) -> None:
    assert detail_diffs(detail) == want


@pytest.mark.parametrize(
    ("old", "new", "want"),
    [
        ("400", "60", "down"),
        (10, 30, "up"),
        ("{Mem/32768}", "{Mem/8192}", "changed"),
        (None, "5", "changed"),
    ],
)
def test_direction(old: object, new: object, want: str) -> None:
    assert direction(old, new) == want


def test_slow_query_evidence() -> None:
    line = match_line("# Query_time: 38.4  Lock_time: 0.0 Rows_examined: 18422911")
    assert line is not None and line.signature == "slow_query"
    source = match_source("cloudwatch:/aws/rds/instance/db/slowquery")
    assert source is not None and source.signature == "slow_query"
    assert match_source("cloudwatch:/aws/rds/instance/db/error") is None


def test_backlog_signal() -> None:
    assert metric_signal("AWS/SQS", "ApproximateNumberOfMessagesVisible") == "backlog"
    assert metric_signal("AWS/SQS", "ApproximateAgeOfOldestMessage") == "queue_age"
    assert metric_signal("Prometheus", "kafka_consumer_records_lag_max") == "backlog"


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("traces_span_metrics_calls_total:error_ratio", "errors"),  # span metrics' failed share
        ("non_2xx_or_timeout_ratio", "errors"),  # a load generator's failed share
        ("traces_span_metrics_calls_total:rate1m", "other"),
    ],
)
def test_span_and_load_generator_error_ratios_are_errors(name: str, want: str) -> None:
    assert metric_signal("Prometheus", name) == want


@pytest.mark.parametrize(
    ("name", "want"),
    [
        # requests selected by an error response code are errors, whatever the exporter
        ('istio_requests_total:rate1m{response_code="401"}', "errors"),
        ('nginx_ingress_controller_requests{status="502"}', "errors"),
        ('http_server_requests_total{status_code=~"5.."}', "errors"),  # any 5xx
        ('istio_requests_total:rate1m{response_code="200"}', "traffic"),
        # Istio's TCP counters are the traffic a workload receives, not a pool's connections
        ("istio_tcp_connections_opened_total:rate1m", "traffic"),
        ("istio_tcp_connections_closed_total", "traffic"),
        ("DatabaseConnections", "connections"),
        ("pg_stat_activity_connections", "connections"),
    ],
)
def test_response_codes_and_mesh_tcp_counters_read_as_what_they_count(name: str, want: str) -> None:
    assert metric_signal("Prometheus", name) == want


class _Alert:
    def __init__(self, service: str, name: str, summary: str, labels: dict[str, str]) -> None:
        self.service, self.name, self.summary, self.labels = service, name, summary, labels


def test_alert_owner_binds_whole_words_only() -> None:
    texts = alert_texts(
        [
            _Alert(
                "edge", "TLSCheckFailed", "x509 expired", {"target": "https://api.example.net/h"}
            ),
            _Alert("builder", "StaleKey", "IAM user release-bot has an old key", {}),
        ]
    )
    now = datetime(2025, 1, 1, tzinfo=UTC)
    scope = Scope(("edge", "builder"), now, now, now, hints={"alert_text": texts})
    assert alert_owner(scope, "api.example.net") == "edge"
    assert alert_owner(scope, "release-bot") == "builder"
    assert alert_owner(scope, "bot") is None
    assert alert_owner(scope, "example.net") is None

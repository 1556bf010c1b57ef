"""One metric-source interface (``MetricSource``) with two backends: CloudWatch
(``get_metric_data`` through an injected boto3 client) and Prometheus (the HTTP API's
``query_range`` through an injected ``httpx.Client``)."""

from integrations.metrics.cloudwatch import CloudWatchMetrics
from integrations.metrics.models import (
    BadMetricQuery,
    MetricData,
    MetricInfo,
    MetricRef,
    MetricSource,
    MetricSourceError,
    MetricSourceUnavailable,
)
from integrations.metrics.naming import prom_labels, prom_name, prom_selector
from integrations.metrics.prometheus import PrometheusMetrics

__all__ = [
    "BadMetricQuery",
    "CloudWatchMetrics",
    "MetricData",
    "MetricInfo",
    "MetricRef",
    "MetricSource",
    "MetricSourceError",
    "MetricSourceUnavailable",
    "PrometheusMetrics",
    "prom_labels",
    "prom_name",
    "prom_selector",
]

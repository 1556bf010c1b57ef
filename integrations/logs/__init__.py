"""Log sources behind one interface: CloudWatch Logs, Kubernetes pod logs, Loki."""

from integrations.logs.cloudwatch import CloudWatchLogs
from integrations.logs.kubernetes import KubernetesLogs
from integrations.logs.loki import LokiLogs
from integrations.logs.models import (
    BadLogSource,
    LogLine,
    LogQuery,
    LogSource,
    LogSourceError,
    LogSourceNotFound,
    LogSourceUnavailable,
    detect_level,
    split_line,
)
from integrations.logs.router import LogRouter

__all__ = [
    "BadLogSource",
    "CloudWatchLogs",
    "KubernetesLogs",
    "LogLine",
    "LogQuery",
    "LogRouter",
    "LogSource",
    "LogSourceError",
    "LogSourceNotFound",
    "LogSourceUnavailable",
    "LokiLogs",
    "detect_level",
    "split_line",
]

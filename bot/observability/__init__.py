"""The bot's own observability: Prometheus metrics (``metrics``), store gauges
(``store_stats``). Structured logs with request / incident ids live in ``bot.logs``."""

from bot.observability.metrics import (
    alerts_received,
    http_request,
    incident_transition,
    investigation_finished,
    job_queue_depth,
    notification_finished,
    remediation_finished,
    render,
    slack_ack,
)

__all__ = [
    "alerts_received",
    "http_request",
    "incident_transition",
    "investigation_finished",
    "job_queue_depth",
    "notification_finished",
    "remediation_finished",
    "render",
    "slack_ack",
]
